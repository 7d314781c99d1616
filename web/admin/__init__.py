"""The back office: pages under ``/admin`` and its JSON API under ``/api/v1/admin``,
staff only, and the platform operator's page under ``/operator``, operators only (see
:mod:`web.admin.guard`), mounted by ``create_app`` in one place."""

from __future__ import annotations

from typing import Any


def admin_route_handlers() -> list[Any]:
    """Route handlers of the back office (pages and API), for ``create_app``."""
    # Imported here: the API modules import the guard of this package, so importing
    # them when the package loads would be circular.
    from web.admin.account_deletion import AccountDeletionPages
    from web.admin.ballots import BallotPages
    from web.admin.blocks import BlockPages, OrganisationBlockPages
    from web.admin.candidates import CandidatePages
    from web.admin.dashboard import participation_dashboard
    from web.admin.desk_votes import DeskVotePages
    from web.admin.dialogue_modules import DialogueModulePages
    from web.admin.dialogues import DialoguePages
    from web.admin.exports import ExportPages
    from web.admin.form_builder import FormBuilderPages
    from web.admin.groups import GroupPages, PeoplePages
    from web.admin.home import admin_home
    from web.admin.moderation import ModerationPages
    from web.admin.modules import ModulePages
    from web.admin.operator import OperatorPages
    from web.admin.organisation import OrganisationPages
    from web.admin.outbox import OutboxPages
    from web.admin.oversight import OversightPages
    from web.admin.review import ReviewPages
    from web.admin.verification import VerificationPages
    from web.api.admin_ballots import AdminBallotController
    from web.api.admin_groups import AdminGroupController
    from web.api.admin_modules import AdminModulesController
    from web.api.admin_oversight import AdminOversightController
    from web.api.assisted_ballots import AssistedBallotController
    from web.api.candidates import CandidateController
    from web.api.operator_modules import OperatorModulesController
    from web.api.verification import AdminVerificationController

    return [
        admin_home,
        participation_dashboard,
        DialoguePages,
        BlockPages,
        OrganisationBlockPages,
        ExportPages,
        ModulePages,
        DialogueModulePages,
        FormBuilderPages,
        ReviewPages,
        CandidatePages,
        ModerationPages,
        OrganisationPages,
        OutboxPages,
        GroupPages,
        PeoplePages,
        AccountDeletionPages,
        AdminGroupController,
        AdminModulesController,
        BallotPages,
        OversightPages,
        AdminBallotController,
        AssistedBallotController,
        AdminOversightController,
        CandidateController,
        OperatorPages,
        OperatorModulesController,
        VerificationPages,
        DeskVotePages,
        AdminVerificationController,
    ]
