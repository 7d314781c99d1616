"""A citizen's questionnaire data in their download, and its erasure with their account.

A named response is exported with its answers; an anonymous questionnaire kept no link
from a response to its author, so only the fact of having answered it is. On deletion,
named responses lose their author and dates (as anonymous ones never had them) and stay
counted in the results; the "has answered" rows and the drafts are deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Dialogue, User
from core.personal_data import PersonalDataContext, PersonalDataSource
from plugins.questionnaire.models import Answer, Draft, Participant, Question, Response


def _answer(question: Question | None, answer: Answer) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "question_id": answer.question_id,
        "question": question.text if question is not None else None,
        "value": answer.value,
    }
    if question is not None and question.options:
        keys = answer.value if isinstance(answer.value, list) else [answer.value]
        shown["labels"] = [question.option_label(str(key)) for key in keys]
    if answer.other_text:
        shown["other_text"] = answer.other_text
    return shown


class QuestionnaireData(PersonalDataSource):
    id = "questionnaire"

    async def export(
        self, session: AsyncSession, user: User, context: PersonalDataContext
    ) -> dict[str, Any]:
        answered = (
            await session.execute(
                select(Dialogue, Response)
                .join(Participant, Participant.dialogue_id == Dialogue.id)
                .outerjoin(
                    Response,
                    (Response.dialogue_id == Dialogue.id) & (Response.user_id == user.id),
                )
                .where(Participant.user_id == user.id)
                .order_by(Dialogue.id)
            )
        ).all()
        responses = []
        for dialogue, response in answered:
            entry: dict[str, Any] = {
                "dialogue": {"slug": dialogue.slug, "title": dialogue.title},
                "anonymous": response is None,
            }
            if response is not None:
                questions = {
                    question.id: question
                    for question in await session.scalars(
                        select(Question).where(Question.dialogue_id == dialogue.id)
                    )
                }
                answers = await session.scalars(
                    select(Answer)
                    .where(Answer.response_id == response.id)
                    .order_by(Answer.question_id)
                )
                entry |= {
                    "submitted_at": response.submitted_at,
                    "updated_at": response.updated_at,
                    "answers": [_answer(questions.get(a.question_id), a) for a in answers],
                }
            responses.append(entry)
        drafts = (
            await session.execute(
                select(Dialogue, Draft)
                .join(Draft, Draft.dialogue_id == Dialogue.id)
                .where(Draft.user_id == user.id)
                .order_by(Dialogue.id)
            )
        ).all()
        return {
            "responses": responses,
            "drafts": [
                {
                    "dialogue": {"slug": dialogue.slug, "title": dialogue.title},
                    "answers": dict(draft.answers),
                    "updated_at": draft.updated_at,
                }
                for dialogue, draft in drafts
            ],
        }

    async def erase(self, session: AsyncSession, user: User, context: PersonalDataContext) -> None:
        await session.execute(
            update(Response)
            .where(Response.user_id == user.id)
            .values(user_id=None, submitted_at=None, updated_at=None)
        )
        await session.execute(delete(Participant).where(Participant.user_id == user.id))
        await session.execute(delete(Draft).where(Draft.user_id == user.id))
