"""The results page of a questionnaire: a bar chart per question drawn on the server, with
a title, a description and the same figures as a table; free-text answers for staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from core.db import utcnow
from plugins.questionnaire.api import questionnaire_of
from plugins.questionnaire.charts import BarChart, bar_chart, decimal, percent
from plugins.questionnaire.models import Question
from plugins.questionnaire.questions import load_questions
from plugins.questionnaire.results import is_staff_of, questionnaire_results, results_visible
from web.dependencies import Actor, CurrentOrg, DbSession
from web.templating import render


def _answers(count: int) -> str:
    return f"{count} réponse" if count == 1 else f"{count} réponses"


@dataclass(frozen=True)
class QuestionView:
    """One question's result as the page shows it: a chart and the table of its figures
    (``columns`` then ``rows`` of strings, the first cell of a row heading it)."""

    number: int
    question: Question
    result: dict[str, Any]
    chart: BarChart | None
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: Free texts, for staff only.
    texts: tuple[str, ...]


def _share_rows(items: list[tuple[str, float, str]], answered: int) -> tuple[tuple[str, ...], ...]:
    return tuple((label, str(int(value)), percent(value, answered)) for label, value, _ in items)


def question_view(number: int, question: Question, result: dict[str, Any]) -> QuestionView:
    """The chart and table of one question's result (a text question has neither)."""
    answered = result["answered"]
    title = f"Question {number} : {question.text}"
    counts: dict[str, int] = result["counts"]
    texts = tuple(result.get("answers") or result.get("other_answers") or ())
    share_columns = ("Réponse", "Nombre", "Part des répondants")
    items: list[tuple[str, float, str]] = []
    if question.kind in ("single", "multiple"):
        items = [
            (question.option_label(key), count, f"{count} ({percent(count, answered)})")
            for key, count in counts.items()
        ]
        figures = " ; ".join(f"{label} : {shown}" for label, _, shown in items)
        kind = "plusieurs choix possibles, " if question.kind == "multiple" else ""
        description = f"{_answers(answered)} ({kind}part des répondants). {figures}."
        chart = bar_chart(title, description, items)
        return QuestionView(
            number, question, result, chart, share_columns, _share_rows(items, answered), texts
        )
    if question.kind == "scale":
        ends = question.labels or {}
        for value, count in counts.items():
            end = ends.get("min") if int(value) == question.min else None
            end = ends.get("max") if int(value) == question.max else end
            label = f"{value} ({end})" if end else value
            items.append((label, count, f"{count} ({percent(count, answered)})"))
        mean = "" if result["mean"] is None else f" Moyenne : {decimal(result['mean'])}."
        figures = " ; ".join(f"{label} : {shown}" for label, _, shown in items)
        chart = bar_chart(title, f"{_answers(answered)}.{mean} {figures}.", items)
        return QuestionView(
            number, question, result, chart, share_columns, _share_rows(items, answered), texts
        )
    if question.kind == "ranking":
        scores: dict[str, float] = result["scores"]
        order: list[str] = result["order"]
        items = [
            (f"{rank}. {question.option_label(key)}", scores[key], decimal(scores[key]))
            for rank, key in enumerate(order, start=1)
        ]
        figures = " ; ".join(f"{label} ({shown} points)" for label, _, shown in items)
        description = f"{_answers(answered)}. Classement par la méthode de Borda : {figures}."
        rows = tuple(
            (question.option_label(key), str(rank), decimal(scores[key]), str(counts[key]))
            for rank, key in enumerate(order, start=1)
        )
        return QuestionView(
            number,
            question,
            result,
            bar_chart(title, description, items),
            ("Choix", "Rang", "Points (Borda)", "Classé premier"),
            rows,
            texts,
        )
    return QuestionView(number, question, result, None, (), (), texts)


@get("/dialogues/{slug:str}/questionnaire/results", include_in_schema=False)
async def results_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    slug: FromPath[str],
) -> Response[str]:
    dialogue, _ = await questionnaire_of(db_session, org, slug)
    if not results_visible(dialogue, actor, utcnow()):
        return render(
            request,
            "questionnaire/results.html",
            status_code=403,
            dialogue=dialogue,
            hidden=True,
            items=[],
            responses=0,
            staff=False,
        )
    staff = is_staff_of(actor, dialogue)
    questions = await load_questions(db_session, dialogue.id)
    results = await questionnaire_results(db_session, dialogue, questions, with_texts=staff)
    items = [
        question_view(number, question, result)
        for number, (question, result) in enumerate(
            zip(questions, results["questions"], strict=True), start=1
        )
    ]
    return render(
        request,
        "questionnaire/results.html",
        dialogue=dialogue,
        hidden=False,
        items=items,
        responses=results["responses"],
        staff=staff,
    )
