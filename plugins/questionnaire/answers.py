"""Checking a citizen's answers against the questions: kinds, bounds, required questions
and skip logic (a question shown only when an earlier answer has a given value).

Answers come as the API has them, keyed by question id: an option key (``single``), a
list of keys (``multiple``, ``ranking`` in order), an integer (``scale``), a text
(``text``); where "other" is offered, ``{"other": "what"}`` stands for it, alone or in a
``multiple`` list. ``None``, ``""`` and ``[]`` mean no answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import ValidationFailed
from plugins.questionnaire.messages import N_
from plugins.questionnaire.models import OTHER, Question

MAX_TEXT = 5000
MAX_OTHER = 300


@dataclass(frozen=True)
class CleanAnswer:
    """An answer as stored: ``value`` in the forms of :class:`models.Answer`."""

    value: Any
    other_text: str | None = None


class AnswerError(ValueError):
    """One answer is wrong; the message is for the citizen."""


def is_empty(raw: object) -> bool:
    return raw is None or raw == [] or (isinstance(raw, str) and not raw.strip())


def matches(answer: CleanAnswer | None, key: str) -> bool:
    """Whether ``answer`` is (``single``) or holds (``multiple``) the option ``key``."""
    if answer is None:
        return False
    value = answer.value
    return value == key if isinstance(value, str) else isinstance(value, list) and key in value


def _other(question: Question, raw: object) -> str:
    if not question.other or not isinstance(raw, dict) or set(raw) != {OTHER}:
        raise AnswerError(N_("choix inconnu"))
    text = raw[OTHER]
    if not isinstance(text, str) or not text.strip():
        raise AnswerError(N_("précisez votre réponse « Autre »"))
    if len(text) > MAX_OTHER:
        raise AnswerError(
            N_("la précision « Autre » fait %(max)s caractères au plus", max=MAX_OTHER)
        )
    return text.strip()


def _key(question: Question, raw: object) -> str:
    if not isinstance(raw, str) or raw not in question.option_keys or raw == OTHER:
        raise AnswerError(N_("choix inconnu"))
    return raw


def _single(question: Question, raw: object) -> CleanAnswer:
    if isinstance(raw, dict):
        return CleanAnswer(OTHER, _other(question, raw))
    return CleanAnswer(_key(question, raw))


def _multiple(question: Question, raw: object) -> CleanAnswer:
    if not isinstance(raw, list):
        raise AnswerError(N_("une liste de choix est attendue"))
    keys: list[str] = []
    other_text = None
    for item in raw:
        if isinstance(item, dict) and other_text is None:
            other_text = _other(question, item)
            keys.append(OTHER)
        else:
            keys.append(_key(question, item))
    if len(set(keys)) != len(keys):
        raise AnswerError(N_("un même choix est coché deux fois"))
    low, high = question.min or 0, question.max or len(question.option_keys)
    if not low <= len(keys) <= high:
        raise AnswerError(
            N_("cochez au moins %(min)s choix", min=low)
            if len(keys) < low
            else N_("cochez %(max)s choix au plus", max=high)
        )
    return CleanAnswer(keys, other_text)


def _scale(question: Question, raw: object) -> CleanAnswer:
    assert question.min is not None and question.max is not None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise AnswerError(N_("un nombre entier est attendu"))
    if not question.min <= raw <= question.max:
        raise AnswerError(
            N_("une valeur de %(min)s à %(max)s est attendue", min=question.min, max=question.max)
        )
    return CleanAnswer(raw)


def _text(question: Question, raw: object) -> CleanAnswer:
    if not isinstance(raw, str):
        raise AnswerError(N_("un texte est attendu"))
    if len(raw) > MAX_TEXT:
        raise AnswerError(N_("%(max)s caractères au plus", max=MAX_TEXT))
    return CleanAnswer(raw.strip())


def _ranking(question: Question, raw: object) -> CleanAnswer:
    assert question.min is not None and question.max is not None
    if not isinstance(raw, list):
        raise AnswerError(N_("une liste ordonnée de choix est attendue"))
    keys = [_key(question, item) for item in raw]
    if len(set(keys)) != len(keys):
        raise AnswerError(N_("un même choix est classé deux fois"))
    if not question.min <= len(keys) <= question.max:
        if question.min == question.max:
            raise AnswerError(N_("classez %(count)s choix", count=question.min))
        raise AnswerError(
            N_("classez de %(min)s à %(max)s choix", min=question.min, max=question.max)
        )
    return CleanAnswer(keys)


CLEANERS = {
    "single": _single,
    "multiple": _multiple,
    "scale": _scale,
    "text": _text,
    "ranking": _ranking,
}


def clean_answer(question: Question, raw: object) -> CleanAnswer:
    """Checks one non-empty answer; raises :class:`AnswerError`."""
    return CLEANERS[question.kind](question, raw)


def visible_questions(
    questions: Sequence[Question], answers: Mapping[int, CleanAnswer]
) -> list[Question]:
    """The questions shown given ``answers``: a question with a condition is shown when
    the earlier question it names is shown and answered with the expected option."""
    shown: dict[int, Question] = {}
    by_position = {question.position: question for question in questions}
    for question in questions:
        if question.show_if_position is not None:
            target = by_position.get(question.show_if_position)
            if target is None or target.position not in shown:
                continue
            if not matches(answers.get(target.id), question.show_if_equals or ""):
                continue
        shown[question.position] = question
    return list(shown.values())


def check_answers(
    questions: Sequence[Question],
    raw: Mapping[int, Any],
    *,
    drop_hidden: bool = False,
    require: bool = True,
) -> tuple[dict[int, CleanAnswer], dict[int, str]]:
    """Checks a whole set of answers, keyed by question id; returns the good ones cleaned
    and a message per question id for the others.

    Answers to hidden questions are refused, or dropped when ``drop_hidden`` (a form whose
    citizen changed an earlier answer). ``require=False`` checks answers without asking
    for the required ones (a draft).
    """
    known = {question.id: question for question in questions}
    errors: dict[int, str] = {}
    for question_id in raw:
        if question_id not in known:
            errors[question_id] = N_("question inconnue")
    cleaned: dict[int, CleanAnswer] = {}
    for question in questions:
        value = raw.get(question.id)
        if is_empty(value):
            continue
        try:
            cleaned[question.id] = clean_answer(question, value)
        except AnswerError as error:
            errors[question.id] = error.args[0]
    shown = {question.id for question in visible_questions(questions, cleaned)}
    for question in questions:
        if question.id not in shown:
            if question.id in cleaned or question.id in errors:
                if drop_hidden:
                    cleaned.pop(question.id, None)
                    errors.pop(question.id, None)
                else:
                    errors[question.id] = N_("cette question ne s'applique pas à vos réponses")
        elif require and question.required and question.id not in cleaned:
            errors.setdefault(question.id, N_("réponse obligatoire"))
    return cleaned, errors


def clean_answers(
    questions: Sequence[Question],
    raw: Mapping[int, Any],
    *,
    drop_hidden: bool = False,
    require: bool = True,
) -> dict[int, CleanAnswer]:
    """:func:`check_answers`, raising :class:`ValidationFailed` on any problem, every one
    reported at once: its ``extra["errors"]`` maps question ids to messages."""
    cleaned, errors = check_answers(questions, raw, drop_hidden=drop_hidden, require=require)
    if errors:
        ordered = sorted(errors.items())
        raise ValidationFailed(
            "; ".join(f"answers.{question_id}: {message}" for question_id, message in ordered),
            extra={"errors": {str(question_id): message for question_id, message in ordered}},
        )
    return cleaned


def api_value(answer: CleanAnswer) -> Any:
    """The API form of a stored answer (``{"other": ...}`` back in place of ``other``)."""
    other = {OTHER: answer.other_text}
    if answer.value == OTHER:
        return other
    if isinstance(answer.value, list) and answer.other_text is not None:
        return [other if key == OTHER else key for key in answer.value]
    return answer.value
