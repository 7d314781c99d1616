"""The ``responses`` export: one row per response, one column per question (and one for
each "other, please specify"), option labels rather than keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.export_datasets import ExportDataset
from core.models import Dialogue, User
from plugins.questionnaire.models import Answer, Question, Response
from plugins.questionnaire.questions import MODULE, load_questions, settings_of

RESPONSES_PER_BATCH = 500
JOIN = " | "


def _named(dialogue: Dialogue) -> bool:
    settings = settings_of(dialogue)
    return settings is not None and not settings.anonymous


def format_value(question: Question, value: Any) -> Any:
    """An answer as a spreadsheet cell: labels joined, ranks numbered."""
    if question.kind == "single":
        return question.option_label(value)
    if question.kind == "multiple":
        return JOIN.join(question.option_label(key) for key in value)
    if question.kind == "ranking":
        return JOIN.join(
            f"{rank}. {question.option_label(key)}" for rank, key in enumerate(value, start=1)
        )
    return value


class ResponsesDataset(ExportDataset):
    id = "responses"
    title = "Réponses au questionnaire"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return MODULE in dialogue.modules

    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        columns = ["réponse"]
        if _named(dialogue):
            columns += ["participant", "envoyée le", "modifiée le"]
        for number, question in enumerate(await load_questions(session, dialogue.id), start=1):
            columns.append(f"Q{number}. {question.text}")
            if question.other:
                columns.append(f"Q{number}. Autre (précision)")
        return columns

    async def rows(self, session: AsyncSession, dialogue: Dialogue) -> AsyncIterator[Sequence[Any]]:
        questions = await load_questions(session, dialogue.id)
        named = _named(dialogue)
        after = 0
        while True:
            batch = list(
                await session.scalars(
                    select(Response)
                    .where(Response.dialogue_id == dialogue.id, Response.id > after)
                    .order_by(Response.id)
                    .limit(RESPONSES_PER_BATCH)
                )
            )
            if not batch:
                return
            after = batch[-1].id
            answers: dict[tuple[int, int], Answer] = {
                (answer.response_id, answer.question_id): answer
                for answer in await session.scalars(
                    select(Answer).where(Answer.response_id.in_([r.id for r in batch]))
                )
            }
            emails: dict[int, str] = {}
            if named:
                user_ids = {r.user_id for r in batch if r.user_id is not None}
                emails = {
                    user_id: email or ""
                    for user_id, email in await session.execute(
                        select(User.id, User.email).where(User.id.in_(user_ids))
                    )
                }
            for response in batch:
                row: list[Any] = [response.id]
                if named:
                    row += [
                        emails.get(response.user_id, "") if response.user_id else "",
                        response.submitted_at.isoformat() if response.submitted_at else "",
                        response.updated_at.isoformat() if response.updated_at else "",
                    ]
                for question in questions:
                    answer = answers.get((response.id, question.id))
                    row.append("" if answer is None else format_value(question, answer.value))
                    if question.other:
                        row.append((answer.other_text if answer else None) or "")
                yield row
