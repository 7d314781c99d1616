"""Responses: submitting one (once per citizen), changing it when the questionnaire
allows, reading one's own, and drafts saved page by page.

Writes run in a write transaction (:func:`core.db.begin_write`) so that concurrent
requests queue instead of failing on SQLite; the "has answered" row's primary key refuses
every submission of a citizen but the first, on both databases.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Base, utcnow
from core.errors import Conflict, NotFound
from core.models import Dialogue, User
from plugins.questionnaire.answers import CleanAnswer
from plugins.questionnaire.models import Answer, Draft, Participant, Response
from plugins.questionnaire.settings import QuestionnaireSettings


def _insert(session: AsyncSession, model: type[Base]) -> Any:
    """An INSERT of ``model`` that can say what to do on conflict, on either database."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


async def has_answered(session: AsyncSession, dialogue: Dialogue, user: User) -> bool:
    query = exists().where(Participant.dialogue_id == dialogue.id, Participant.user_id == user.id)
    return bool(await session.scalar(select(query)))


def _answers(response: Response, answers: Mapping[int, CleanAnswer]) -> list[Answer]:
    return [
        Answer(
            response_id=response.id,
            question_id=question_id,
            value=answer.value,
            other_text=answer.other_text,
        )
        for question_id, answer in answers.items()
    ]


async def submit_response(
    session: AsyncSession,
    dialogue: Dialogue,
    settings: QuestionnaireSettings,
    user: User,
    answers: Mapping[int, CleanAnswer],
    *,
    now: datetime,
) -> Response:
    """Stores ``user``'s response; 409 ``questionnaire.already_answered`` if there is one.

    An anonymous questionnaire stores the response without its author or dates.
    """
    # ON CONFLICT DO NOTHING rather than an error: a failed statement would roll the whole
    # transaction back. A concurrent submission waits for the first one to end, then
    # inserts nothing.
    inserted = await session.scalar(
        _insert(session, Participant)
        .values(dialogue_id=dialogue.id, user_id=user.id)
        .on_conflict_do_nothing()
        .returning(Participant.user_id)
    )
    if inserted is None:
        raise Conflict(
            "Vous avez déjà répondu à ce questionnaire.", code="questionnaire.already_answered"
        )
    named = not settings.anonymous
    response = Response(
        dialogue_id=dialogue.id,
        user_id=user.id if named else None,
        submitted_at=now if named else None,
        updated_at=now if named else None,
    )
    session.add(response)
    await session.flush()
    session.add_all(_answers(response, answers))
    await discard_draft(session, dialogue, user)
    await session.flush()
    return response


async def _own_response(
    session: AsyncSession, dialogue: Dialogue, user: User, *, lock: bool = False
) -> Response | None:
    query = select(Response).where(Response.dialogue_id == dialogue.id, Response.user_id == user.id)
    return await session.scalar(query.with_for_update() if lock else query)


async def replace_response(
    session: AsyncSession,
    dialogue: Dialogue,
    user: User,
    answers: Mapping[int, CleanAnswer],
    *,
    now: datetime,
) -> Response:
    """Replaces the answers of ``user``'s response (an editable questionnaire)."""
    response = await _own_response(session, dialogue, user, lock=True)
    if response is None:
        raise NotFound(
            "Vous n'avez pas encore répondu à ce questionnaire.", code="questionnaire.no_response"
        )
    await session.execute(delete(Answer).where(Answer.response_id == response.id))
    session.add_all(_answers(response, answers))
    response.updated_at = now
    await discard_draft(session, dialogue, user)
    await session.flush()
    return response


async def own_answers(
    session: AsyncSession, dialogue: Dialogue, user: User
) -> tuple[Response, dict[int, CleanAnswer]] | None:
    """``user``'s response and its answers; ``None`` if none is linked to them."""
    response = await _own_response(session, dialogue, user)
    if response is None:
        return None
    rows = await session.scalars(select(Answer).where(Answer.response_id == response.id))
    return response, {row.question_id: CleanAnswer(row.value, row.other_text) for row in rows}


async def load_draft(session: AsyncSession, dialogue: Dialogue, user: User) -> dict[int, Any]:
    """The raw answers ``user`` saved so far, keyed by question id."""
    draft = await session.get(Draft, (dialogue.id, user.id))
    return {} if draft is None else {int(key): value for key, value in draft.answers.items()}


async def save_draft(
    session: AsyncSession, dialogue: Dialogue, user: User, answers: Mapping[int, Any]
) -> None:
    """Stores ``answers`` as ``user``'s draft, replacing the previous one in one
    statement (two tabs saving at once must not collide)."""
    values = {
        "dialogue_id": dialogue.id,
        "user_id": user.id,
        "answers": {str(key): value for key, value in answers.items()},
        "updated_at": utcnow(),
    }
    statement = _insert(session, Draft).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Draft.dialogue_id, Draft.user_id],
            set_={"answers": statement.excluded.answers, "updated_at": utcnow()},
        )
    )


async def discard_draft(session: AsyncSession, dialogue: Dialogue, user: User) -> None:
    await session.execute(
        delete(Draft).where(Draft.dialogue_id == dialogue.id, Draft.user_id == user.id)
    )
