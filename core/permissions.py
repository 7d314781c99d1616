"""The one permission check path, used by pages and API alike.

:func:`check` applies the core's rules (sign-in, role, phase, groups) and then asks the
``permission_allowed`` hook, so that a plugin can add a rule (residents of given postal
codes only) without a line changed here.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import datetime
from typing import Any

from core.errors import AuthRequired, Conflict, Forbidden
from core.models import Dialogue, Phase, User
from core.models.dialogues import PhaseKind
from core.models.users import Role
from core.plugin_manager import Plugins


class Action(enum.StrEnum):
    PROPOSE = "propose"
    COMMENT = "comment"
    VOTE = "vote"
    ANSWER = "answer"
    REVIEW = "review"
    MODERATE = "moderate"
    ADMINISTER = "administer"


#: The phase during which a citizen action is open.
ACTION_PHASES: dict[Action, Collection[PhaseKind]] = {
    Action.PROPOSE: (PhaseKind.PROPOSALS,),
    Action.VOTE: (PhaseKind.VOTE,),
    Action.ANSWER: (PhaseKind.VOTE,),
}

#: The roles that may do each staff action.
STAFF_ROLES: dict[Action, Collection[Role]] = {
    Action.REVIEW: (Role.REVIEWER, Role.ADMIN),
    Action.MODERATE: (Role.MODERATOR, Role.ADMIN),
    Action.ADMINISTER: (Role.ADMIN,),
}

PHASE_CLOSED_CODES: dict[Action, str] = {
    Action.VOTE: "vote.phase_closed",
    Action.ANSWER: "vote.phase_closed",
    Action.PROPOSE: "proposals.phase_closed",
}

NOT_ALLOWED_CODES: dict[Action, str] = {
    Action.VOTE: "vote.not_allowed",
    Action.ANSWER: "vote.not_allowed",
}


def staff_check(actor: User | None, action: Action) -> User:
    """Refuses ``action`` to anyone without one of its staff roles."""
    if actor is None:
        raise AuthRequired("Connexion requise.")
    if actor.role not in STAFF_ROLES[action]:
        raise Forbidden("Réservé à l'équipe de l'organisation.", code="forbidden")
    return actor


def operator_check(actor: User | None) -> User:
    """Refuses anyone but a platform operator (``User.is_operator``), whatever their role:
    choosing the modules of every organisation is no right of an organisation's staff."""
    if actor is None:
        raise AuthRequired("Connexion requise.")
    if not actor.is_operator or actor.deleted_at is not None:
        raise Forbidden("Réservé aux opérateurs de la plateforme.", code="forbidden")
    return actor


def check(
    plugins: Plugins,
    actor: User | None,
    action: Action,
    dialogue: Dialogue,
    *,
    now: datetime,
    group_ids: Collection[int] = (),
    resource: Any = None,
) -> User:
    """Allows a citizen ``action`` in ``dialogue`` at ``now`` or raises a coded error.

    ``group_ids`` are the groups ``actor`` belongs to (the caller loads them once).
    """
    if actor is None:
        raise AuthRequired("Connexion requise.")
    if actor.organisation_id != dialogue.organisation_id or actor.deleted_at is not None:
        raise Forbidden("Action non autorisée.", code=NOT_ALLOWED_CODES.get(action, "forbidden"))
    if action in STAFF_ROLES:
        return staff_check(actor, action)
    phase = _open_phase(dialogue, action, now)
    if dialogue.archived_at is not None:
        raise Conflict(
            "Cette démarche est archivée.", code=PHASE_CLOSED_CODES.get(action, "phase_closed")
        )
    if phase is not None and phase.groups:
        allowed = {group.id for group in phase.groups}
        if not allowed.intersection(group_ids) and not actor.is_staff:
            raise Forbidden(
                "Cette étape est réservée à certains groupes.",
                code=NOT_ALLOWED_CODES.get(action, "forbidden"),
            )
    target = resource if resource is not None else dialogue
    verdict = plugins.permission_allowed(actor, action.value, target, {"dialogue": dialogue})
    if verdict is False:
        raise Forbidden("Action non autorisée.", code=NOT_ALLOWED_CODES.get(action, "forbidden"))
    return actor


def _open_phase(dialogue: Dialogue, action: Action, now: datetime) -> Phase | None:
    """The current phase if ``action`` is open in it; raises the phase-closed error."""
    current = dialogue.current_phase(now)
    kinds = ACTION_PHASES.get(action)
    if kinds is None:  # comments: open in any phase once the dialogue has started
        if current is None:
            raise Conflict("Cette démarche n'est pas ouverte.", code="phase_closed")
        return current
    if current is None or current.kind not in kinds:
        raise Conflict(
            "Cette étape n'est pas ouverte.", code=PHASE_CLOSED_CODES.get(action, "phase_closed")
        )
    return current
