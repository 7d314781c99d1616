"""The answering pages: the form, section by section with the answers kept as a draft on
the server between pages, and the confirmation. No JavaScript is needed: a question
shown after a given answer on an earlier page appears or not when its page is served;
on the same page it is shown with the condition spelled out, and its answer is dropped
when the condition is not met."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write, utcnow
from core.errors import DomainError
from core.models import Dialogue, Organisation, User
from core.permissions import Action, check
from core.plugin_manager import Plugins
from plugins.questionnaire.answers import (
    api_value,
    check_answers,
    is_empty,
    visible_questions,
)
from plugins.questionnaire.api import questionnaire_of
from plugins.questionnaire.forms import field_name, read_form, typed_ranks
from plugins.questionnaire.messages import said
from plugins.questionnaire.models import OTHER, Question
from plugins.questionnaire.questions import load_questions
from plugins.questionnaire.responses import (
    has_answered,
    load_draft,
    own_answers,
    replace_response,
    save_draft,
    submit_response,
)
from plugins.questionnaire.results import results_open_to
from plugins.questionnaire.results_page import results_page
from plugins.questionnaire.sections import Section, sections_of
from plugins.questionnaire.settings import QuestionnaireSettings
from web.dependencies import Actor, CurrentOrg, DbSession, GroupIds, PluginsDep
from web.i18n import translator
from web.pages.context import refusal_message, signin_url
from web.templating import render

PAGE = "/dialogues/{slug:str}/questionnaire"
ACTIONS = ("previous", "next", "save", "submit")
SectionNumber = Annotated[int, QueryParameter(ge=1, le=1000)]


@dataclass
class Visit:
    """What every answering page knows about the questionnaire and the visitor."""

    dialogue: Dialogue
    settings: QuestionnaireSettings
    questions: list[Question]
    sections: list[Section]
    user: User | None
    #: Why the visitor may not answer now (phase closed, group), if so.
    refusal: DomainError | None
    answered: bool

    @property
    def ready(self) -> bool:
        """Whether staff have written questions yet."""
        return bool(self.questions)

    @property
    def can_answer(self) -> bool:
        return (
            self.ready
            and self.user is not None
            and self.refusal is None
            and (self.settings.editable or not self.answered)
        )

    def section(self, number: int) -> Section:
        return self.sections[min(max(number, 1), len(self.sections)) - 1]


@dataclass
class Field:
    """One question as its template draws it."""

    question: Question
    number: int
    name: str
    value: Any
    error: str | None
    #: A question shown only after a given answer on the same page: that answer's label
    #: and the number of the question it answers.
    condition: tuple[str, int] | None

    def checked(self, key: str | int) -> bool:
        """Whether the option (or scale value) ``key`` is part of the answer shown."""
        values = self.value if isinstance(self.value, list) else [self.value]
        return any(
            (isinstance(value, dict) and key == OTHER) or str(value) == str(key) for value in values
        )

    @property
    def other_text(self) -> str:
        values = self.value if isinstance(self.value, list) else [self.value]
        return next((v.get(OTHER) or "" for v in values if isinstance(v, dict)), "")

    def rank(self, key: str) -> int | None:
        """The rank given to option ``key`` of a ranking question, from 1 (``value`` is the
        ranking, or the ranks as typed in a refused form)."""
        if isinstance(self.value, dict):
            rank = self.value.get(key)
            return rank if isinstance(rank, int) else None
        if isinstance(self.value, list) and key in self.value:
            return self.value.index(key) + 1
        return None

    @property
    def described_by(self) -> str:
        """The ids of the help, condition and error texts that describe the question."""
        parts = [
            (self.question.help, "help"),
            (self.condition, "condition"),
            (self.error, "error"),
        ]
        return " ".join(f"{self.name}-{suffix}" for text, suffix in parts if text)

    @property
    def anchor(self) -> str:
        """The id of the question's first input, where the error summary links."""
        question = self.question
        if question.kind in ("single", "multiple"):
            return f"{self.name}-{question.options[0]['key']}"
        if question.kind == "scale":
            return f"{self.name}-{question.min}"
        if question.kind == "ranking":
            return f"{self.name}_rank_{question.options[0]['key']}"
        return self.name


async def _visit(
    session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    actor: User | None,
    group_ids: set[int],
    slug: str,
) -> Visit:
    dialogue, settings = await questionnaire_of(session, org, slug)
    questions = await load_questions(session, dialogue.id)
    refusal: DomainError | None = None
    answered = False
    if actor is not None:
        try:
            check(plugins, actor, Action.ANSWER, dialogue, now=utcnow(), group_ids=group_ids)
        except DomainError as error:
            refusal = error
        answered = await has_answered(session, dialogue, actor)
    return Visit(dialogue, settings, questions, sections_of(questions), actor, refusal, answered)


async def _saved_answers(session: AsyncSession, visit: Visit) -> dict[int, Any]:
    """Where the form starts from: the draft, else the response being changed. A draft
    outlives questions that organisers removed before anyone answered: those are left out."""
    assert visit.user is not None
    known = {question.id for question in visit.questions}
    draft = await load_draft(session, visit.dialogue, visit.user)
    draft = {key: value for key, value in draft.items() if key in known}
    if draft or not (visit.answered and visit.settings.editable):
        return draft
    own = await own_answers(session, visit.dialogue, visit.user)
    return {} if own is None else {key: api_value(answer) for key, answer in own[1].items()}


def _shown(visit: Visit, answers: dict[int, Any], section: Section) -> list[Field]:
    cleaned, _ = check_answers(visit.questions, answers, drop_hidden=True, require=False)
    shown = {question.id for question in visible_questions(visit.questions, cleaned)}
    on_page = {question.position: question for question in section.questions}
    numbers = {question.id: index for index, question in enumerate(visit.questions, start=1)}
    fields = []
    for question in section.questions:
        condition = None
        if question.show_if_position is not None:
            target = on_page.get(question.show_if_position)
            if target is not None:
                label = target.option_label(question.show_if_equals or "")
                condition = (label, numbers[target.id])
            elif question.id not in shown:
                continue
        fields.append(
            Field(question, numbers[question.id], field_name(question), None, None, condition)
        )
    return fields


def _neighbour(visit: Visit, answers: dict[int, Any], number: int, step: int) -> int:
    """The next (``step=1``) or previous (``-1``) section with a question to show."""
    candidate = number + step
    while 1 <= candidate <= len(visit.sections):
        if _shown(visit, answers, visit.sections[candidate - 1]):
            return candidate
        candidate += step
    return number


def _page(
    request: Request[Any, Any, Any],
    visit: Visit,
    number: int,
    answers: dict[int, Any],
    errors: dict[int, str] | None = None,
    *,
    status_code: int = 200,
    saved: bool = False,
) -> Response[str]:
    section = visit.section(number)
    i18n = translator(request)
    fields = _shown(visit, answers, section)
    for field in fields:
        field.value = answers.get(field.question.id)
        error = (errors or {}).get(field.question.id)
        field.error = said(i18n, error) if error else None
    return render(
        request,
        "questionnaire/answer.html",
        status_code=status_code,
        dialogue=visit.dialogue,
        visit=visit,
        section=section,
        fields=fields,
        errors=[field for field in fields if field.error],
        previous=_neighbour(visit, answers, section.number, -1),
        next=_neighbour(visit, answers, section.number, 1),
        saved=saved,
        refusal=refusal_message(i18n, visit.refusal) if visit.refusal else None,
        signin=signin_url(request),
        results_open=results_open_to(visit.dialogue, visit.user, utcnow()),
    )


@get(PAGE, include_in_schema=False)
async def answer_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    slug: FromPath[str],
    section: SectionNumber = 1,
    saved: FromQuery[bool] = False,
) -> Response[str]:
    visit = await _visit(db_session, plugins, org, actor, group_ids, slug)
    answers = await _saved_answers(db_session, visit) if visit.can_answer else {}
    return _page(request, visit, section, answers, saved=saved)


@post(PAGE, include_in_schema=False)
async def answer_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    slug: FromPath[str],
) -> Response[Any]:
    visit = await _visit(db_session, plugins, org, actor, group_ids, slug)
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    form = await request.form()
    raw_number = form.get("section", "1")
    number = visit.section(int(raw_number) if str(raw_number).isdecimal() else 1).number
    if not visit.can_answer:
        return _page(request, visit, number, {}, status_code=409)
    action = form.get("action")
    action = action if action in ACTIONS else "save"
    section = visit.section(number)
    given, form_errors = read_form(section.questions, form)
    on_page = {question.id for question in section.questions}
    answers = {
        key: value
        for key, value in (await _saved_answers(db_session, visit)).items()
        if key not in on_page
    }
    answers.update({key: value for key, value in given.items() if not is_empty(value)})
    cleaned, errors = check_answers(
        visit.questions, answers, drop_hidden=True, require=action in ("next", "submit")
    )
    errors.update(form_errors)
    await begin_write(db_session)
    if action == "submit" and not errors:
        if visit.answered:
            await replace_response(db_session, visit.dialogue, actor, cleaned, now=utcnow())
        else:
            await submit_response(
                db_session, visit.dialogue, visit.settings, actor, cleaned, now=utcnow()
            )
        await db_session.commit()
        return Redirect(
            f"/dialogues/{visit.dialogue.slug}/questionnaire/confirmation", status_code=303
        )
    await save_draft(db_session, visit.dialogue, actor, {key: answers[key] for key in cleaned})
    await db_session.commit()
    if action == "submit" and not on_page.intersection(errors):
        # The problems are on other pages: show the first of them.
        number = next(s.number for s in visit.sections if errors.keys() & _ids(s))
    shown_here = {field.question.id for field in _shown(visit, answers, visit.section(number))}
    if shown_here.intersection(errors):
        typed = {**given, **typed_ranks(section.questions, form)}
        page_answers = {**answers, **typed} if number == section.number else answers
        return _page(request, visit, number, page_answers, errors, status_code=422)
    if action in ("previous", "next"):
        number = _neighbour(visit, answers, number, -1 if action == "previous" else 1)
    suffix = "&saved=1" if action == "save" else ""
    return Redirect(
        f"/dialogues/{visit.dialogue.slug}/questionnaire?section={number}{suffix}",
        status_code=303,
    )


def _ids(section: Section) -> set[int]:
    return {question.id for question in section.questions}


@get(PAGE + "/confirmation", include_in_schema=False)
async def confirmation_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    slug: FromPath[str],
) -> Response[Any]:
    visit = await _visit(db_session, plugins, org, actor, group_ids, slug)
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    return render(
        request,
        "questionnaire/confirmation.html",
        dialogue=visit.dialogue,
        visit=visit,
        results_open=results_open_to(visit.dialogue, actor, utcnow()),
    )


PAGES = [answer_page, answer_form, confirmation_page, results_page]
