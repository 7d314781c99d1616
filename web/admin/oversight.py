"""Back office: the fraud signals (administrators and moderators) and the audit log of
staff actions (administrators only)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery, QueryParameter

from core.db import utcnow
from core.errors import DomainError
from core.permissions import Action
from core.services import audit, fraud_signals
from web.admin.forms import parse_int, refusal_fields
from web.admin.guard import staff, staff_guard
from web.admin.page_texts import translated, translated_map
from web.admin.pages import admin_page
from web.dependencies import CurrentOrg, DbSession
from web.labels import N_

AUDIT_PER_PAGE = 50
#: How the audit page names the actions the platform records; others show as recorded.
ACTION_LABELS = {
    "ballot.void": N_("Bulletin annulé"),
    "dialogue.create": N_("Démarche créée"),
    "dialogue.update": N_("Démarche modifiée"),
    "dialogue.archive": N_("Démarche archivée"),
    "dialogue.restore": N_("Démarche rétablie"),
    "phase.switch": N_("Étape changée"),
    "proposal.review": N_("Proposition instruite"),
    "proposal.moderate": N_("Proposition modérée"),
    "comment.moderate": N_("Commentaire modéré"),
    "results.publish": N_("Résultats publiés"),
    "results.unpublish": N_("Résultats masqués"),
    "group.create": N_("Groupe créé"),
    "group.rename": N_("Groupe renommé"),
    "group.delete": N_("Groupe supprimé"),
    "group.member_add": N_("Membre ajouté à un groupe"),
    "group.member_remove": N_("Membre retiré d'un groupe"),
    "group.import": N_("Membres importés dans un groupe"),
    "user.role": N_("Rôle changé"),
    "export.download": N_("Export téléchargé"),
    "organisation.update": N_("Organisation modifiée"),
    "user.delete": N_("Compte supprimé"),
    "retention.purge": N_("Données anciennes effacées"),
    "module.enable": N_("Module activé"),
    "module.disable": N_("Module désactivé"),
    "module.grant": N_("Module accordé par l'opérateur de la plateforme"),
    "module.withdraw": N_("Module retiré par l'opérateur de la plateforme"),
    "operator.add": N_("Opérateur de la plateforme nommé"),
    "operator.remove": N_("Opérateur de la plateforme retiré"),
}


def signal_ballots_url(slug: str, network: str) -> str:
    return f"/admin/dialogues/{slug}/ballots?{urlencode({'network': network})}"


class OversightPages(Controller):
    path = "/admin"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/signals", opt=staff(Action.ADMINISTER, Action.MODERATE))
    async def signals(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        hours: FromQuery[str | None] = None,
        accounts: FromQuery[str | None] = None,
        ballots: FromQuery[str | None] = None,
    ) -> Response[str]:
        values = {"hours": hours or "", "accounts": accounts or "", "ballots": ballots or ""}
        errors: dict[str, str] = {}
        window = parse_int(values["hours"][:12], field="hours", errors=errors, minimum=1)
        least_accounts = parse_int(
            values["accounts"][:12], field="accounts", errors=errors, minimum=1
        )
        least_ballots = parse_int(values["ballots"][:12], field="ballots", errors=errors, minimum=1)
        found = None
        if not errors:
            try:
                found = await fraud_signals.signals(
                    db_session,
                    org,
                    now=utcnow(),
                    hours=window or fraud_signals.DEFAULT_HOURS,
                    accounts_threshold=least_accounts or fraud_signals.DEFAULT_ACCOUNTS,
                    ballots_threshold=least_ballots or fraud_signals.DEFAULT_BALLOTS,
                )
            except DomainError as error:
                errors = refusal_fields(error)
        return admin_page(
            request,
            "admin/signals.html",
            section="signals",
            status_code=422 if errors else 200,
            page_title=translated(request, "Signaux de fraude"),
            values=values,
            defaults={
                "hours": fraud_signals.DEFAULT_HOURS,
                "accounts": fraud_signals.DEFAULT_ACCOUNTS,
                "ballots": fraud_signals.DEFAULT_BALLOTS,
            },
            max_hours=fraud_signals.MAX_HOURS,
            signals=found,
            ballots_url=signal_ballots_url,
            errors=translated_map(request, errors),
        )

    @get("/audit")
    async def audit_log(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        action: Annotated[str | None, QueryParameter(max_length=64)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Response[str]:
        rows, total = await audit.entries(
            db_session, org, action=action or None, page=page, per_page=AUDIT_PER_PAGE
        )
        known = await audit.actions(db_session, org)
        labels = translated_map(request, ACTION_LABELS)
        return admin_page(
            request,
            "admin/audit.html",
            section="audit",
            page_title=translated(request, "Journal des actions de l'équipe"),
            rows=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // AUDIT_PER_PAGE)),
            action=action or "",
            actions=[(name, labels.get(name, name)) for name in known],
            labels=labels,
        )
