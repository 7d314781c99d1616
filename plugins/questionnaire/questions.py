"""Building a questionnaire from what organisers send: validation, the frozen rule once
citizens have answered, and storing the questions in the plugin's table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, ValidationFailed
from core.models import Dialogue
from plugins.questionnaire.models import OTHER, Question, Response
from plugins.questionnaire.settings import QuestionnaireSettings, QuestionnaireSpec, QuestionSpec

MODULE = "questionnaire"
KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
IMAGE_URL = re.compile(r"^(?:/(?!/)|https://)[^\s\"'<>\\]{1,490}$")
MAX_QUESTIONS = 200
MAX_OPTIONS = 50
MAX_SCALE_STEPS = 10
CHOICE_KINDS = frozenset({"single", "multiple", "ranking"})

#: What makes answers comparable: it may not change once citizens have answered.
STRUCTURE = ("kind", "required", "min", "max", "other", "show_if_position", "show_if_equals")
#: Wording, which may always be corrected.
WORDING = ("text", "help", "section", "labels", "options")


def decode_spec(raw: dict[str, Any]) -> tuple[QuestionnaireSettings, list[dict[str, Any]]]:
    """Validates the ``questionnaire`` part of a dialogue; returns its settings and one
    dict of column values per question, in order."""
    try:
        spec = msgspec.convert(raw, type=QuestionnaireSpec)
    except msgspec.ValidationError as error:
        raise ValidationFailed(f"questionnaire: {error}") from None
    if spec.anonymous and spec.editable:
        raise ValidationFailed(
            "questionnaire.editable: an anonymous questionnaire keeps no link to change "
            "a response through"
        )
    if len(spec.questions) > MAX_QUESTIONS:
        raise ValidationFailed(f"questionnaire.questions: {MAX_QUESTIONS} questions at most")
    rows = [
        _question_row(f"questionnaire.questions[{index}]", index, question, spec.questions)
        for index, question in enumerate(spec.questions)
    ]
    return QuestionnaireSettings(anonymous=spec.anonymous, editable=spec.editable), rows


def _text(where: str, value: str, longest: int, *, empty: bool = False) -> str:
    value = value.strip()
    if not (empty or value) or len(value) > longest:
        raise ValidationFailed(f"{where}: {0 if empty else 1} to {longest} characters")
    return value


def _options(where: str, question: QuestionSpec) -> list[dict[str, Any]]:
    if question.kind not in CHOICE_KINDS:
        if question.options is not None:
            raise ValidationFailed(f"{where}.options: a {question.kind} question has no options")
        return []
    options = question.options or []
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise ValidationFailed(f"{where}.options: 2 to {MAX_OPTIONS} options")
    seen: set[str] = set()
    result = []
    for index, option in enumerate(options):
        if not KEY.match(option.key):
            raise ValidationFailed(
                f"{where}.options[{index}].key: letters, digits, '_' and '-' (64 at most)"
            )
        if option.key in seen or (question.other and option.key == OTHER):
            raise ValidationFailed(f"{where}.options[{index}].key: {option.key!r} is taken")
        seen.add(option.key)
        entry: dict[str, Any] = {
            "key": option.key,
            "label": _text(f"{where}.options[{index}].label", option.label, 300),
        }
        if option.image_url is not None:
            if not IMAGE_URL.match(option.image_url):
                raise ValidationFailed(
                    f"{where}.options[{index}].image_url: a path on this site or an https address"
                )
            entry["image_url"] = option.image_url
        result.append(entry)
    return result


def _bounds(where: str, question: QuestionSpec, choices: int) -> tuple[int | None, int | None]:
    low, high = question.min, question.max
    if question.kind in ("single", "text"):
        if low is not None or high is not None:
            raise ValidationFailed(f"{where}: a {question.kind} question has no min or max")
        return None, None
    if question.kind == "scale":
        low = 1 if low is None else low
        high = 5 if high is None else high
        if not 1 <= high - low <= MAX_SCALE_STEPS:
            raise ValidationFailed(f"{where}: a scale goes from min to max, 2 to 11 values")
        return low, high
    if question.kind == "ranking":
        # All ranked by default; given only a maximum, from one up to it.
        low = (choices if high is None else 1) if low is None else low
        high = choices if high is None else high
        if not 1 <= low <= high <= choices:
            raise ValidationFailed(f"{where}: 1 <= min <= max <= the number of options")
        return low, high
    if (low is not None and low < 0) or (high is not None and high < 1):
        raise ValidationFailed(f"{where}: min and max must be positive")
    if (high or choices) > choices or (low or 0) > (high or choices):
        raise ValidationFailed(f"{where}: min <= max <= the number of options")
    return low, high


def _question_row(
    where: str, index: int, question: QuestionSpec, questions: Sequence[QuestionSpec]
) -> dict[str, Any]:
    if question.other and question.kind not in ("single", "multiple"):
        raise ValidationFailed(f"{where}.other: only single and multiple questions have it")
    if question.labels is not None and question.kind != "scale":
        raise ValidationFailed(f"{where}.labels: only scale questions have end labels")
    options = _options(where, question)
    low, high = _bounds(where, question, len(options) + question.other)
    show_if_position = show_if_equals = None
    if question.show_if is not None:
        target = question.show_if.question
        if not 0 <= target < index:
            raise ValidationFailed(f"{where}.show_if.question: the index of an earlier question")
        earlier = questions[target]
        keys = [option.key for option in earlier.options or []]
        if earlier.kind not in ("single", "multiple"):
            raise ValidationFailed(f"{where}.show_if.question: a single or multiple question")
        if question.show_if.equals not in [*keys, *([OTHER] if earlier.other else [])]:
            raise ValidationFailed(f"{where}.show_if.equals: one of that question's option keys")
        show_if_position, show_if_equals = target, question.show_if.equals
    labels = question.labels or None
    section = _text(f"{where}.section", question.section or "", 200, empty=True)
    return {
        "kind": question.kind,
        "text": _text(f"{where}.text", question.text, 1000),
        "help": _text(f"{where}.help", question.help, 2000, empty=True),
        "section": section or None,
        "required": question.required,
        "options": options,
        "min": low,
        "max": high,
        "other": question.other,
        "labels": {
            "min": _text(f"{where}.labels.min", labels.min, 100, empty=True),
            "max": _text(f"{where}.labels.max", labels.max, 100, empty=True),
        }
        if labels is not None
        else {},
        "show_if_position": show_if_position,
        "show_if_equals": show_if_equals,
    }


def _structure(row: dict[str, Any]) -> tuple[Any, ...]:
    return (*(row[name] for name in STRUCTURE), [option["key"] for option in row["options"]])


def _row_of(question: Question) -> dict[str, Any]:
    return {name: getattr(question, name) for name in (*STRUCTURE, *WORDING)}


async def load_questions(session: AsyncSession, dialogue_id: int) -> list[Question]:
    """The questions of a dialogue, in order."""
    query = select(Question).where(Question.dialogue_id == dialogue_id)
    return list(await session.scalars(query.order_by(Question.position)))


def require_questions(questions: Sequence[Question]) -> None:
    """409 ``questionnaire.not_ready`` for a questionnaire whose questions staff are still
    writing: nothing to answer yet."""
    if not questions:
        raise Conflict(
            "Ce questionnaire est en préparation : ses questions ne sont pas encore publiées.",
            code="questionnaire.not_ready",
        )


async def has_responses(session: AsyncSession, dialogue_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(Response.dialogue_id == dialogue_id))))


def settings_of(dialogue: Dialogue) -> QuestionnaireSettings | None:
    """The questionnaire settings of ``dialogue``; ``None`` when it has no questionnaire."""
    raw = dialogue.modules.get(MODULE)
    return None if raw is None else msgspec.convert(raw, type=QuestionnaireSettings)


async def save_questionnaire(
    session: AsyncSession,
    dialogue: Dialogue,
    settings: QuestionnaireSettings,
    rows: list[dict[str, Any]],
) -> None:
    """Stores the questions of ``dialogue``. Once citizens have answered, only wording
    may change (texts, labels, images, sections): anything else is refused with 409
    ``questionnaire.frozen``. Questions keep their ids where their position stays."""
    existing = await load_questions(session, dialogue.id)
    if await has_responses(session, dialogue.id):
        previous = settings_of(dialogue)
        same = (
            previous is not None
            and previous.anonymous == settings.anonymous
            and [_structure(row) for row in rows]
            == [_structure(_row_of(question)) for question in existing]
        )
        if not same:
            raise Conflict(
                "Des réponses ont été données : seule la formulation des questions peut "
                "encore changer.",
                code="questionnaire.frozen",
            )
    for position, row in enumerate(rows):
        if position < len(existing):
            for name, value in row.items():
                setattr(existing[position], name, value)
        else:
            session.add(Question(dialogue_id=dialogue.id, position=position, **row))
    for question in existing[len(rows) :]:
        await session.delete(question)
    dialogue.modules = {**dialogue.modules, MODULE: msgspec.to_builtins(settings)}
    await session.flush()
