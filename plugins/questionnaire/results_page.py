"""The results page of a questionnaire: a bar chart per question drawn on the server
(:mod:`web.charts`: a title, a description that says every figure) and the same figures
as a table; free-text answers for staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from core.db import utcnow
from core.services.publication import is_staff_of
from plugins.questionnaire.api import questionnaire_of
from plugins.questionnaire.messages import N_
from plugins.questionnaire.models import Question
from plugins.questionnaire.questions import load_questions
from plugins.questionnaire.results import questionnaire_results, results_open_to
from web.charts import Chart, bar_chart, decimal, percent
from web.dependencies import Actor, CurrentOrg, DbSession
from web.i18n import Translator, translator
from web.templating import render


def _answers(i18n: Translator, count: int) -> str:
    return i18n.ngettext("%(count)s réponse", "%(count)s réponses", count) % {
        "count": i18n.number(count)
    }


@dataclass(frozen=True)
class QuestionView:
    """One question's result as the page shows it: a chart and the table of its figures
    (``columns`` then ``rows`` of strings, the first cell of a row heading it)."""

    number: int
    question: Question
    result: dict[str, Any]
    chart: Chart | None
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: Free texts, for staff only.
    texts: tuple[str, ...]


SHARE_COLUMNS = (N_("Réponse"), N_("Nombre"), N_("Part des répondants"))
RANKING_COLUMNS = (N_("Choix"), N_("Rang"), N_("Points (Borda)"), N_("Classé premier"))


def question_view(
    number: int, question: Question, result: dict[str, Any], i18n: Translator | None = None
) -> QuestionView:
    """The chart and table of one question's result (a text question has neither), in
    ``i18n``'s language (French by default)."""
    i18n = i18n or Translator("fr")
    lang = i18n.lang
    answered: int = result["answered"]
    counts: dict[str, int] = result["counts"]
    texts = tuple(result.get("answers") or result.get("other_answers") or ())
    chart_id = f"chart-{question.id}"
    title = i18n("Question %(number)s : %(text)s", number=number, text=question.text)
    if question.kind in ("single", "multiple", "scale"):
        labels = [question.option_label(key) for key in counts]
        if question.kind == "scale":
            ends = {
                str(question.min): question.labels.get("min"),
                str(question.max): question.labels.get("max"),
            }
            labels = [f"{key} ({ends[key]})" if ends.get(key) else key for key in counts]
        items = [
            (label, float(count), f"{i18n.number(count)} ({percent(count, answered, lang)})")
            for label, count in zip(labels, counts.values(), strict=True)
        ]
        unit = _answers(i18n, answered)
        if question.kind == "multiple":
            unit += i18n.gettext(", plusieurs choix possibles, part des répondants")
        elif question.kind == "scale" and result["mean"] is not None:
            unit += i18n(", moyenne %(mean)s", mean=decimal(result["mean"], lang))
        rows: tuple[tuple[str, ...], ...] = tuple(
            (label, i18n.number(count), percent(count, answered, lang))
            for label, count in zip(labels, counts.values(), strict=True)
        )
        chart = bar_chart(
            chart_id, title, items, unit=unit, empty=i18n.gettext("Aucune donnée."), lang=lang
        )
        return QuestionView(number, question, result, chart, SHARE_COLUMNS, rows, texts)
    if question.kind == "ranking":
        scores: dict[str, float] = result["scores"]
        order: list[str] = result["order"]
        items = [
            (f"{rank}. {question.option_label(key)}", scores[key], decimal(scores[key], lang))
            for rank, key in enumerate(order, start=1)
        ]
        unit = _answers(i18n, answered) + i18n.gettext(", points de la méthode de Borda")
        rows = tuple(
            (
                question.option_label(key),
                str(rank),
                decimal(scores[key], lang),
                i18n.number(counts[key]),
            )
            for rank, key in enumerate(order, start=1)
        )
        return QuestionView(
            number,
            question,
            result,
            bar_chart(
                chart_id, title, items, unit=unit, empty=i18n.gettext("Aucune donnée."), lang=lang
            ),
            RANKING_COLUMNS,
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
    if not results_open_to(dialogue, actor, utcnow()):
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
    i18n = translator(request)
    items = [
        question_view(number, question, result, i18n)
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
