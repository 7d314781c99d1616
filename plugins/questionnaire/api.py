"""The questionnaire's JSON API (see the API contract, "Questionnaires")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write, utcnow
from core.errors import AuthRequired, Conflict, NotFound
from core.models import Dialogue, Organisation
from core.permissions import Action, check
from core.services import dialogues
from core.services.publication import require_visible
from plugins.questionnaire.answers import api_value, clean_answers
from plugins.questionnaire.models import Question
from plugins.questionnaire.questions import load_questions, require_questions, settings_of
from plugins.questionnaire.responses import (
    has_answered,
    own_answers,
    replace_response,
    submit_response,
)
from plugins.questionnaire.results import QuestionnaireResults
from plugins.questionnaire.settings import QuestionnaireSettings
from web.dependencies import Actor, CurrentOrg, DbSession, GroupIds, PluginsDep


class OptionOut(msgspec.Struct, omit_defaults=True):
    key: str
    label: str
    image_url: str | None = None


class ShowIfOut(msgspec.Struct):
    question: int
    equals: str


class QuestionOut(msgspec.Struct, omit_defaults=True):
    id: int
    kind: str
    text: str
    required: bool
    options: list[OptionOut] | None = None
    min: int | None = None
    max: int | None = None
    section: str | None = None
    help: str = ""
    show_if: ShowIfOut | None = None
    other: bool = False
    labels: dict[str, str] | None = None


class QuestionnaireOut(msgspec.Struct):
    questions: list[QuestionOut]
    anonymous: bool
    editable: bool


class AnswersIn(msgspec.Struct, forbid_unknown_fields=True):
    answers: dict[int, Any]


class ResponseOut(msgspec.Struct):
    """A citizen's own response. ``answers`` is ``None`` for an anonymous questionnaire,
    whose responses are linked to no one."""

    answered: bool
    answers: dict[int, Any] | None
    submitted_at: datetime | None
    updated_at: datetime | None
    editable: bool


def question_out(question: Question, ids_by_position: dict[int, int]) -> QuestionOut:
    show_if = None
    if question.show_if_position is not None and question.show_if_equals is not None:
        show_if = ShowIfOut(ids_by_position[question.show_if_position], question.show_if_equals)
    return QuestionOut(
        id=question.id,
        kind=question.kind,
        text=question.text,
        required=question.required,
        options=[msgspec.convert(o, OptionOut) for o in question.options] or None,
        min=question.min,
        max=question.max,
        section=question.section,
        help=question.help,
        show_if=show_if,
        other=question.other,
        labels=dict(question.labels) or None,
    )


async def questionnaire_of(
    db_session: AsyncSession, org: Organisation, slug: str
) -> tuple[Dialogue, QuestionnaireSettings]:
    """The dialogue ``slug`` and its questionnaire settings; 404 when it has none."""
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    settings = settings_of(dialogue)
    if settings is None:
        raise NotFound("Cette démarche n'a pas de questionnaire.")
    return dialogue, settings


class QuestionnaireController(Controller):
    path = "/api/v1/dialogues/{slug:str}/questionnaire"
    tags = ("questionnaires",)

    @get("/")
    async def read_questionnaire(
        self, db_session: DbSession, org: CurrentOrg, slug: FromPath[str]
    ) -> QuestionnaireOut:
        dialogue, settings = await questionnaire_of(db_session, org, slug)
        questions = await load_questions(db_session, dialogue.id)
        ids = {question.position: question.id for question in questions}
        return QuestionnaireOut(
            questions=[question_out(question, ids) for question in questions],
            anonymous=settings.anonymous,
            editable=settings.editable,
        )

    @post("/responses", status_code=201)
    async def submit(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        group_ids: GroupIds,
        slug: FromPath[str],
        data: JSONBody[AnswersIn],
    ) -> ResponseOut:
        dialogue, settings = await questionnaire_of(db_session, org, slug)
        now = utcnow()
        user = check(plugins, actor, Action.ANSWER, dialogue, now=now, group_ids=group_ids)
        questions = await load_questions(db_session, dialogue.id)
        require_questions(questions)
        answers = clean_answers(questions, data.answers)
        await begin_write(db_session)
        response = await submit_response(db_session, dialogue, settings, user, answers, now=now)
        await db_session.commit()
        return ResponseOut(
            answered=True,
            answers=None
            if settings.anonymous
            else {key: api_value(answer) for key, answer in answers.items()},
            submitted_at=response.submitted_at,
            updated_at=response.updated_at,
            editable=settings.editable,
        )

    @get("/responses/me")
    async def read_own_response(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, slug: FromPath[str]
    ) -> ResponseOut:
        dialogue, settings = await questionnaire_of(db_session, org, slug)
        if actor is None:
            raise AuthRequired("Connexion requise.")
        own = await own_answers(db_session, dialogue, actor)
        if own is None:
            return ResponseOut(
                answered=await has_answered(db_session, dialogue, actor),
                answers=None,
                submitted_at=None,
                updated_at=None,
                editable=settings.editable,
            )
        response, answers = own
        return ResponseOut(
            answered=True,
            answers={key: api_value(answer) for key, answer in answers.items()},
            submitted_at=response.submitted_at,
            updated_at=response.updated_at,
            editable=settings.editable,
        )

    @put("/responses/me")
    async def change_own_response(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        group_ids: GroupIds,
        slug: FromPath[str],
        data: JSONBody[AnswersIn],
    ) -> ResponseOut:
        dialogue, settings = await questionnaire_of(db_session, org, slug)
        now = utcnow()
        user = check(plugins, actor, Action.ANSWER, dialogue, now=now, group_ids=group_ids)
        if not settings.editable:
            raise Conflict(
                "Les réponses à ce questionnaire ne peuvent plus être modifiées.",
                code="questionnaire.not_editable",
            )
        questions = await load_questions(db_session, dialogue.id)
        require_questions(questions)
        answers = clean_answers(questions, data.answers)
        await begin_write(db_session)
        response = await replace_response(db_session, dialogue, user, answers, now=now)
        await db_session.commit()
        return ResponseOut(
            answered=True,
            answers={key: api_value(answer) for key, answer in answers.items()},
            submitted_at=response.submitted_at,
            updated_at=response.updated_at,
            editable=True,
        )

    @get("/results")
    async def read_results(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, slug: FromPath[str]
    ) -> dict[str, Any]:
        dialogue, _ = await questionnaire_of(db_session, org, slug)
        require_visible(dialogue, actor, utcnow())
        return await QuestionnaireResults().compute(db_session, dialogue, actor)
