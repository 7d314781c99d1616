"""Reading a page of the answering form into answers as the API has them.

Field names: ``q{id}`` holds the answer (several values for a ``multiple`` question),
``q{id}_other`` what "other" means, and ``q{id}_rank_{key}`` the rank given to an option
of a ``ranking`` question (a ``<select>`` per option, so that no JavaScript is needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar.datastructures import FormMultiDict

from core.db_range import stored_int
from plugins.questionnaire.messages import N_
from plugins.questionnaire.models import OTHER, Question

Form = FormMultiDict


def field_name(question: Question) -> str:
    return f"q{question.id}"


def _one(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _ranking(question: Question, form: Form) -> tuple[list[str], str | None]:
    ranks: dict[int, str] = {}
    for option in question.options:
        given = _one(form, f"{field_name(question)}_rank_{option['key']}")
        if not given:
            continue
        if not given.isdecimal():
            return [], N_("choisissez un rang dans la liste")
        if int(given) in ranks:
            return [], N_("deux choix ont le même rang")
        ranks[int(given)] = option["key"]
    if sorted(ranks) != list(range(1, len(ranks) + 1)):
        return [], N_("les rangs doivent se suivre à partir de 1")
    return [ranks[rank] for rank in sorted(ranks)], None


def typed_ranks(questions: Sequence[Question], form: Form) -> dict[int, dict[str, int]]:
    """The ranks typed for each ranking question of ``form``, as given (twice the same
    rank, a gap): a refused form shows them again rather than an empty ranking."""
    found: dict[int, dict[str, int]] = {}
    for question in questions:
        if question.kind != "ranking":
            continue
        ranks = {}
        for option in question.options:
            given = _one(form, f"{field_name(question)}_rank_{option['key']}")
            if given.isdecimal():
                ranks[str(option["key"])] = int(given)
        found[question.id] = ranks
    return found


def read_form(questions: Sequence[Question], form: Form) -> tuple[dict[int, Any], dict[int, str]]:
    """The answers given to ``questions`` in ``form`` (``None`` when left empty), and the
    problems that the form's shape itself reveals (ranks given twice)."""
    answers: dict[int, Any] = {}
    errors: dict[int, str] = {}
    for question in questions:
        name = field_name(question)
        other = {OTHER: _one(form, f"{name}_other")}
        value: Any
        if question.kind == "multiple":
            value = [other if key == OTHER else key for key in form.getall(name, []) if key]
        elif question.kind == "ranking":
            value, error = _ranking(question, form)
            if error:
                errors[question.id] = error
        else:
            value = _one(form, name) or None
            if question.kind == "single" and value == OTHER:
                value = other
            elif question.kind == "scale" and value is not None:
                number = stored_int(value)
                value = value if number is None else number
        answers[question.id] = value
    return answers, errors
