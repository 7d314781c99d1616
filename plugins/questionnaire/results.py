"""A questionnaire's results: the counts of every question, as a result section merged
into the dialogue's results, and as the plugin's own API and page show them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Dialogue, User
from core.result_sections import ResultSection
from core.services.publication import is_staff_of, results_visible
from plugins.questionnaire.models import Answer, Question, Response
from plugins.questionnaire.questions import MODULE, has_responses, load_questions
from plugins.questionnaire.tally import QuestionTally

ANSWERS_PER_FETCH = 1_000


def results_open_to(dialogue: Dialogue, viewer: User | None, now: datetime) -> bool:
    """Whether ``viewer`` may see the results of ``dialogue`` at ``now``: the core's rule
    for citizens (:mod:`core.services.publication`), and always for its staff."""
    return is_staff_of(viewer, dialogue) or results_visible(dialogue, now)


async def questionnaire_results(
    session: AsyncSession, dialogue: Dialogue, questions: Sequence[Question], *, with_texts: bool
) -> dict[str, Any]:
    """``{"responses": int, "questions": [...]}``: each question's tally (see
    :mod:`plugins.questionnaire.tally`) with its ``id``, ``kind`` and ``text``;
    ``with_texts`` adds the free texts (``answers`` of text questions, ``other_answers``
    where "other" is offered), which only staff read. ``questions`` are the dialogue's,
    in order."""
    counters = {q.id: QuestionTally(q.kind, q.option_keys, q.min, q.max) for q in questions}
    texts: dict[int, list[str]] = {q.id: [] for q in questions}
    query = (
        select(Answer.question_id, Answer.value, Answer.other_text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.dialogue_id == dialogue.id)
        .order_by(Answer.response_id, Answer.question_id)
        .execution_options(yield_per=ANSWERS_PER_FETCH)
    )
    async for question_id, value, other_text in await session.stream(query):
        counters[question_id].add(value)
        if with_texts:
            if isinstance(value, str) and counters[question_id].kind == "text":
                texts[question_id].append(value)
            elif other_text is not None:
                texts[question_id].append(other_text)
    responses = await session.scalar(
        select(func.count()).select_from(Response).where(Response.dialogue_id == dialogue.id)
    )
    items = []
    for question in questions:
        item: dict[str, Any] = {
            "id": question.id,
            "kind": question.kind,
            "text": question.text,
            **counters[question.id].result(),
        }
        if with_texts and question.kind == "text":
            item["answers"] = texts[question.id]
        elif with_texts and question.other:
            item["other_answers"] = texts[question.id]
        items.append(item)
    return {"responses": responses or 0, "questions": items}


class QuestionnaireResults(ResultSection):
    """The ``questions`` of a dialogue that has a questionnaire."""

    id = "questionnaire"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return MODULE in dialogue.modules

    async def compute(
        self, session: AsyncSession, dialogue: Dialogue, viewer: User | None
    ) -> dict[str, Any]:
        questions = await load_questions(session, dialogue.id)
        return await questionnaire_results(
            session, dialogue, questions, with_texts=is_staff_of(viewer, dialogue)
        )

    async def holds_participation(self, session: AsyncSession, dialogue: Dialogue) -> bool:
        return await has_responses(session, dialogue.id)
