"""What every back-office page shares: its frame (navigation, the message after a
redirect), the redirect after a successful post, and the dialogue tabs: the core's own
(:data:`DIALOGUE_TABS`), then those plugins add (``register_admin_tabs``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.response import Redirect
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from core.admin_tabs import AdminTab, AdminTabPlace
from core.defaults.agenda import AGENDA
from core.defaults.features import PAGE_BLOCKS
from core.defaults.verification import DESK
from core.errors import ConfigurationError
from core.models import Dialogue, Organisation
from core.plugin_manager import Plugins
from core.registries import Registry
from web.i18n import translator
from web.labels import N_
from web.templating import render

#: Messages shown after a redirect (``?notice=KEY``): only these keys are ever shown,
#: translated when the catalogue has them (``N_``).
NOTICES = {
    "saved": N_("Les modifications sont enregistrées."),
    "unchanged": N_("Rien n'a changé : ce qui était enregistré l'est toujours."),
    "created": N_("C'est créé."),
    "deleted": N_("C'est supprimé."),
    "group_created": N_("Le groupe est créé."),
    "census_uploaded": N_("La liste des habitant·es est remplacée."),
    "desk_verified": N_("Le compte est vérifié."),
    "letters_withdrawn": N_("Les codes inutilisés de ce lot sont retirés."),
    "desk_voted": N_("Le bulletin de la personne est enregistré et compté."),
    "member_added": N_("La personne est ajoutée au groupe."),
    "member_removed": N_("La personne est retirée du groupe."),
    "role_changed": N_("Le rôle est changé."),
    "account_deleted": N_("Le compte est supprimé."),
    "dialogue_created": N_(
        "La démarche est créée. Complétez maintenant ses étapes et ses modules."
    ),
    "dialogue_archived": N_("La démarche est archivée : elle n'apparaît plus sur le site."),
    "dialogue_restored": N_("La démarche est de nouveau visible."),
    "dialogue_published": N_("La démarche est publiée : tout le monde la voit sur le site."),
    "dialogue_unpublished": N_("La démarche est repassée en brouillon : seule l'équipe la voit."),
    "phase_switched": N_("L'étape en cours est changée."),
    "reviewed": N_("La proposition est mise à jour."),
    "bulk_done": N_("Les propositions choisies sont mises à jour."),
    "note_added": N_("La note est ajoutée."),
    "moderated": N_("C'est fait."),
    "export_ready": N_("Le lien de téléchargement est prêt."),
    "ballot_voided": N_("Le bulletin est annulé : il ne compte plus dans les résultats."),
    "candidate_corrected": N_(
        "Le texte est corrigé ; l'ancien texte reste visible dans l'historique."
    ),
    "module_granted": N_("Le module est accordé à l'organisation."),
    "module_withdrawn": N_(
        "Le module est retiré à l'organisation : il est désactivé sur toutes ses démarches."
    ),
    "candidate_withdrawn": N_(
        "Le projet est retiré du vote : ses votes sont retirés des bulletins et ses votant·es "
        "sont prévenu·es par courriel."
    ),
}

#: The tabs of a dialogue's back office: (path suffix, label).
DIALOGUE_TABS = (
    ("", N_("Général")),
    ("/phases", N_("Étapes")),
    ("/vote", N_("Vote")),
    ("/modules", N_("Modules")),
    ("/form", N_("Formulaire")),
    ("/blocks", N_("Page d'accueil")),
    ("/agenda", N_("Agenda")),
    ("/proposals", N_("Instruction")),
    ("/exports", N_("Exports")),
    ("/participation", N_("Participation")),
    ("/ballots", N_("Bulletins")),
    ("/desk-vote", N_("Vote au guichet")),
)

#: The tabs that exist only where their module is on for the dialogue.
TAB_MODULES = {"/agenda": AGENDA, "/blocks": PAGE_BLOCKS, "/desk-vote": DESK}


def admin_page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    section: str,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    """Renders a back-office page; ``section`` marks the current item of the menu. The
    plugins' menu entries, and on a dialogue's page (``dialogue`` and ``tabs`` in
    ``context``) their tabs of that dialogue, are added."""
    key = request.query_params.get("notice")
    plugins: Plugins = request.app.state.context.plugins
    org: Organisation | None = request.scope.get("state", {}).get("org")
    gettext = translator(request, org).gettext
    path = request.url.path
    dialogue = context.get("dialogue")
    if "tabs" in context and isinstance(dialogue, Dialogue):
        context["tabs"] = [
            *context["tabs"],
            *(_link(tab, gettext, path, dialogue.slug) for tab in plugins.dialogue_tabs(dialogue)),
        ]
    return render(
        request,
        template,
        status_code=status_code,
        section=section,
        notice=NOTICES.get(key) if key else None,
        headers={"Cache-Control": "no-store"},
        admin_menu=[_link(tab, gettext, path) for tab in plugins.admin_menu(org)],
        **context,
    )


def _link(
    tab: AdminTab, gettext: Any, current_path: str, dialogue_slug: str | None = None
) -> dict[str, Any]:
    """A plugin's tab as the templates draw it: current on its page and the pages under
    it."""
    href = tab.href(dialogue_slug)
    current = current_path == href or current_path.startswith(href + "/")
    return {"id": tab.id, "href": href, "label": gettext(tab.label), "current": current}


def check_plugin_tabs(tabs: Registry[AdminTab]) -> None:
    """Refuses a plugin's dialogue tab that would lead under one of the core's."""
    core = {suffix.split("/")[1] for suffix, _ in DIALOGUE_TABS if suffix}
    for tab in tabs:
        if tab.place is AdminTabPlace.DIALOGUE and tab.path.split("/")[1] in core:
            raise ConfigurationError(
                f"admin tab {tab.id!r} of plugin {tabs.origin(tab.id)!r}: "
                f"{tab.path} is under a tab of the core"
            )


async def discard_changes(request: Request[Any, Any, Any], session: AsyncSession) -> None:
    """Rolls back what a refused form changed, and reloads the request's organisation and
    actor, which the rollback expired and the page about to be rendered reads."""
    await session.rollback()
    for name in ("org", "actor"):
        item = getattr(request.state, name, None)
        if item is not None and inspect(item).session is session.sync_session:
            await session.refresh(item)


def done(path: str, notice: str = "saved", **params: Any) -> Redirect:
    """The redirect after a successful post (post, redirect, get)."""
    query = urlencode({"notice": notice, **{k: v for k, v in params.items() if v is not None}})
    return Redirect(f"{path}?{query}", status_code=303)


def dialogue_tabs(dialogue: Dialogue, current: str) -> list[dict[str, Any]]:
    base = f"/admin/dialogues/{dialogue.slug}"
    return [
        {"href": base + suffix, "label": label, "current": suffix == current}
        for suffix, label in DIALOGUE_TABS
        # No vote, no ballots: the tab would always show an empty list. The agenda's and
        # the blocks' tabs come with their modules.
        if (suffix != "/ballots" or dialogue.vote_type or current == suffix)
        and (
            suffix not in TAB_MODULES
            or TAB_MODULES[suffix].enabled_on(dialogue)
            or current == suffix
        )
    ]
