"""The back office's « Questionnaire » tab, ``/admin/dialogues/{slug}/questionnaire``:
staff write the questions of a dialogue's questionnaire from the browser (without
JavaScript), add, edit, move and delete them, and choose whether responses are anonymous
or editable. The tab exists where the questionnaire module is on (turned on, without
questions yet, from the Modules tab).

Each post rebuilds the whole questionnaire (:mod:`plugins.questionnaire.editor`) and
stores it as the module's settings, with the dialogue's row held, after checking that
the questionnaire is still the one the form was drawn from: a colleague's save in
between sends the form back instead of editing a question that moved. Once citizens have
answered, only the wording may change (409 ``questionnaire.frozen``, said in words).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write, utcnow
from core.errors import DomainError, NotFound
from core.models import Dialogue, Organisation, User
from core.plugin_manager import Plugins
from core.services import dialogues, modules
from plugins.questionnaire.editor import (
    KIND_LABELS,
    EditRefused,
    Spec,
    conditions_before,
    deleted,
    form_values,
    moved,
    read_question,
    spec_of,
    summary,
    version_of,
    whole_spec,
)
from plugins.questionnaire.messages import N_, said
from plugins.questionnaire.questions import MODULE, has_responses, load_questions, settings_of
from plugins.questionnaire.settings import QuestionnaireSettings
from web.admin.forms import FormValues
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.i18n import SOURCE_LANGUAGE, Translator, translator
from web.refusals import refusal_text

SUFFIX = "/questionnaire"
TAB = "Questionnaire"
STALE = N_(
    "Le questionnaire a changé depuis que vous avez ouvert cette page (une autre personne "
    "l'a modifié) : voici sa version actuelle. Refaites votre modification."
)
FROZEN = N_(
    "Des personnes ont déjà répondu : seule la formulation peut encore changer (textes, "
    "aides, sections, libellés des choix). Le type, les choix, les limites, les conditions "
    "et l'ordre des questions sont figés."
)
#: Not found: plain texts, as the API may send them (the error pages translate them).
UNKNOWN_QUESTION = str(N_("Cette question n'existe pas."))
UNKNOWN_ACTION = str(N_("Cette action n'existe pas."))
ANONYMOUS_NOT_EDITABLE = N_(
    "Des réponses anonymes ne gardent aucun lien vers leur auteur : "
    "elles ne peuvent pas être modifiées ensuite."
)


def _base(dialogue: Dialogue) -> str:
    return f"/admin/dialogues/{dialogue.slug}{SUFFIX}"


class Editing:
    """The questionnaire of a dialogue as one request reads it."""

    def __init__(
        self,
        dialogue: Dialogue,
        settings: QuestionnaireSettings | None,
        questions: list[Spec],
        answered: bool,
    ) -> None:
        self.dialogue = dialogue
        self.settings = settings or QuestionnaireSettings()
        self.questions = questions
        self.answered = answered
        self.version = version_of(settings, questions)

    @classmethod
    async def read(cls, session: AsyncSession, dialogue: Dialogue) -> Editing:
        stored = await load_questions(session, dialogue.id)
        return cls(
            dialogue,
            settings_of(dialogue),
            [spec_of(question) for question in stored],
            await has_responses(session, dialogue.id),
        )


async def _fresh(session: AsyncSession, organisation: Organisation, slug: str) -> Editing:
    """The questionnaire read afresh (after a refused save rolled the session back)."""
    dialogue = await dialogues.get_dialogue(session, organisation, slug, fresh=True)
    return await Editing.read(session, dialogue)


async def _held(session: AsyncSession, organisation: Organisation, slug: str) -> Editing:
    """The questionnaire read in a write transaction that holds the dialogue's row, so
    that no other save comes between this read and this request's save."""
    await begin_write(session)
    dialogue = await dialogues.get_dialogue(session, organisation, slug, fresh=True)
    await session.execute(select(Dialogue.id).where(Dialogue.id == dialogue.id).with_for_update())
    return await Editing.read(session, dialogue)


def _number(editing: Editing, number: int) -> int:
    """The position of question ``number`` (from 1); 404 past the last."""
    if not 1 <= number <= len(editing.questions):
        raise NotFound(UNKNOWN_QUESTION)
    return number - 1


def _refusal(request: Request[Any, Any, Any], error: DomainError) -> dict[str, str]:
    """A refused save as the form's error, in the reader's language."""
    if error.code == "questionnaire.frozen":
        return {"__all__": FROZEN}
    i18n = translator(request)
    detail = error.detail
    if i18n.lang != SOURCE_LANGUAGE:  # French pages say the detail as it was written
        detail = refusal_text(i18n, error.code, error.detail)
    return {"__all__": N_("Modification refusée : %(detail)s", detail=detail)}


def _said_all(i18n: Translator, errors: dict[str, str] | None) -> dict[str, str]:
    """The form's errors in ``i18n``'s language, their values filled in."""
    return {name: said(i18n, message) for name, message in (errors or {}).items()}


def _conditions(i18n: Translator, questions: list[Spec], position: int) -> list[tuple[str, str]]:
    """The answers a question at ``position`` may depend on, labelled in ``i18n``'s
    language."""
    return [(value, said(i18n, label)) for value, label in conditions_before(questions, position)]


class QuestionnaireAdminPages(Controller):
    path = "/admin/dialogues/{slug:str}/questionnaire"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    def _editor(
        self,
        request: Request[Any, Any, Any],
        editing: Editing,
        *,
        errors: dict[str, str] | None = None,
        submitted: FormValues | None = None,
        status_code: int | None = None,
    ) -> Response[str]:
        i18n = translator(request)
        return admin_page(
            request,
            "questionnaire/admin_editor.html",
            section="dialogues",
            status_code=status_code or (422 if errors else 200),
            page_title=TAB,
            page_subject=editing.dialogue.title,
            dialogue=editing.dialogue,
            tabs=dialogue_tabs(editing.dialogue, SUFFIX),
            editing=editing,
            summaries=[summary(question, i18n) for question in editing.questions],
            kinds=list(KIND_LABELS.items()),
            conditions=_conditions(i18n, editing.questions, len(editing.questions)),
            errors=_said_all(i18n, errors),
            submitted=submitted,
            base=_base(editing.dialogue),
        )

    def _question_page(
        self,
        request: Request[Any, Any, Any],
        editing: Editing,
        position: int,
        *,
        errors: dict[str, str] | None = None,
        submitted: FormValues | None = None,
        status_code: int | None = None,
    ) -> Response[str]:
        question = editing.questions[position]
        i18n = translator(request)
        return admin_page(
            request,
            "questionnaire/admin_question.html",
            section="dialogues",
            status_code=status_code or (422 if errors else 200),
            page_title=i18n("Question %(number)s · Questionnaire", number=position + 1),
            page_subject=editing.dialogue.title,
            dialogue=editing.dialogue,
            tabs=dialogue_tabs(editing.dialogue, SUFFIX),
            editing=editing,
            number=position + 1,
            values=submitted.as_dict() if submitted else form_values(question),
            kinds=list(KIND_LABELS.items()),
            conditions=_conditions(i18n, editing.questions, position),
            errors=_said_all(i18n, errors),
            base=_base(editing.dialogue),
        )

    async def _save(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        plugins: Plugins,
        organisation: Organisation,
        actor: User | None,
        editing: Editing,
        questions: list[Spec],
        settings: QuestionnaireSettings,
    ) -> DomainError | None:
        """Stores ``questions`` and ``settings``; the refusal, rolled back, if any."""
        try:
            await modules.enable_module(
                session,
                plugins,
                organisation,
                editing.dialogue,
                MODULE,
                whole_spec(settings, questions),
                actor=actor,
                now=utcnow(),
            )
        except DomainError as error:
            await discard_changes(request, session)
            return error
        await session.commit()
        return None

    @get("/")
    async def editor(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
    ) -> Response[str]:
        return self._editor(request, await _fresh(db_session, org, slug))

    @post("/settings")
    async def save_settings(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        editing = await _held(db_session, org, slug)
        if form.get("version") != editing.version:
            return self._editor(request, editing, errors={"__all__": STALE}, status_code=409)
        anonymous, editable = form.checked("anonymous"), form.checked("editable")
        if anonymous and editable:
            errors: dict[str, str] = {"editable": ANONYMOUS_NOT_EDITABLE}
            return self._editor(request, editing, errors=errors, submitted=form)
        settings = QuestionnaireSettings(anonymous=anonymous, editable=editable)
        refused = await self._save(
            request, db_session, plugins, org, actor, editing, editing.questions, settings
        )
        if refused is not None:
            editing = await _fresh(db_session, org, slug)
            return self._editor(request, editing, errors=_refusal(request, refused), submitted=form)
        return done(_base(editing.dialogue))

    @post("/questions")
    async def add_question(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        editing = await _held(db_session, org, slug)
        if form.get("version") != editing.version:
            return self._editor(
                request, editing, errors={"__all__": STALE}, submitted=form, status_code=409
            )
        question, errors = read_question(form, editing.questions, None)
        if errors:
            return self._editor(request, editing, errors=errors, submitted=form)
        refused = await self._save(
            request,
            db_session,
            plugins,
            org,
            actor,
            editing,
            [*editing.questions, question],
            editing.settings,
        )
        if refused is not None:
            editing = await _fresh(db_session, org, slug)
            return self._editor(request, editing, errors=_refusal(request, refused), submitted=form)
        return done(_base(editing.dialogue), "saved")

    @get("/questions/{number:int}")
    async def question(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
        number: FromPath[int],
    ) -> Response[str]:
        editing = await _fresh(db_session, org, slug)
        return self._question_page(request, editing, _number(editing, number))

    @post("/questions/{number:int}")
    async def save_question(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        number: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        editing = await _held(db_session, org, slug)
        if form.get("version") != editing.version:
            return self._editor(request, editing, errors={"__all__": STALE}, status_code=409)
        position = _number(editing, number)
        before = editing.questions[position]
        question, errors = read_question(form, editing.questions[:position], before)
        if errors:
            return self._question_page(request, editing, position, errors=errors, submitted=form)
        questions = [*editing.questions]
        questions[position] = question
        refused = await self._save(
            request, db_session, plugins, org, actor, editing, questions, editing.settings
        )
        if refused is not None:
            editing = await _fresh(db_session, org, slug)
            return self._question_page(
                request, editing, position, errors=_refusal(request, refused), submitted=form
            )
        return done(_base(editing.dialogue))

    @post("/questions/{number:int}/{action:str}")
    async def rearrange(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        number: FromPath[int],
        action: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """Moves question ``number`` up or down, or deletes it (``action``)."""
        change = REARRANGEMENTS.get(action)
        if change is None:
            raise NotFound(UNKNOWN_ACTION)
        form = FormValues(data)
        editing = await _held(db_session, org, slug)
        if form.get("version") != editing.version:
            return self._editor(request, editing, errors={"__all__": STALE}, status_code=409)
        try:
            questions = change(editing.questions, _number(editing, number))
        except EditRefused as refusal:
            return self._editor(request, editing, errors={"__all__": refusal.message})
        refused = await self._save(
            request, db_session, plugins, org, actor, editing, questions, editing.settings
        )
        if refused is not None:
            editing = await _fresh(db_session, org, slug)
            return self._editor(request, editing, errors=_refusal(request, refused))
        return done(_base(editing.dialogue), "deleted" if action == "delete" else "saved")


#: What the buttons beside a question do to the list.
REARRANGEMENTS: dict[str, Callable[[list[Spec], int], list[Spec]]] = {
    "up": lambda questions, position: moved(questions, position, -1),
    "down": lambda questions, position: moved(questions, position, 1),
    "delete": deleted,
}
