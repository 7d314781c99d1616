"""The back office's questionnaire editor, without its pages: the stored questions as the
spec organisers send (:mod:`plugins.questionnaire.settings`), one question read from a
form with its errors (French :class:`~plugins.questionnaire.messages.Message` texts the
pages say in the reader's language), the line that sums each question up, and the moves
and deletions that keep the conditions ("show only if") pointing at the same questions.

Every change rebuilds the whole spec and stores it through the module's settings
(:func:`core.services.modules.enable_module`), so the editor checks nothing that
:func:`plugins.questionnaire.questions.decode_spec` and the frozen rule do not also
check: it only says it earlier, field by field, in words.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import msgspec

from plugins.questionnaire.messages import N_, Message, Speaks
from plugins.questionnaire.models import OTHER, Question
from plugins.questionnaire.questions import CHOICE_KINDS, MAX_OPTIONS, MAX_SCALE_STEPS
from plugins.questionnaire.settings import QuestionnaireSettings
from web.admin.forms import FormValues

#: The kinds as the back office names them, in the order it offers them.
KIND_LABELS: dict[str, str] = {
    "single": N_("Choix unique"),
    "multiple": N_("Choix multiples"),
    "scale": N_("Échelle de notes"),
    "ranking": N_("Classement"),
    "text": N_("Réponse libre"),
}
LONGEST = {"text": 1000, "help": 2000, "section": 200, "option": 300, "label": 100}

Spec = dict[str, Any]


class EditRefused(ValueError):
    """A move or deletion that would break a condition; the message is for staff."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message


def spec_of(question: Question) -> Spec:
    """A stored question as organisers send it (``show_if`` by position)."""
    spec: Spec = {
        "kind": question.kind,
        "text": question.text,
        "required": question.required,
        "help": question.help,
    }
    if question.section:
        spec["section"] = question.section
    if question.kind in CHOICE_KINDS:
        spec["options"] = [dict(option) for option in question.options]
    if question.min is not None:
        spec["min"] = question.min
    if question.max is not None:
        spec["max"] = question.max
    if question.other:
        spec["other"] = True
    if question.labels:
        spec["labels"] = dict(question.labels)
    if question.show_if_position is not None and question.show_if_equals is not None:
        spec["show_if"] = {"question": question.show_if_position, "equals": question.show_if_equals}
    return spec


def whole_spec(settings: QuestionnaireSettings | None, questions: Sequence[Spec]) -> Spec:
    """What the module's settings are to become: the questions and the two choices."""
    chosen = settings or QuestionnaireSettings()
    return {
        "questions": list(questions),
        "anonymous": chosen.anonymous,
        "editable": chosen.editable,
    }


def version_of(settings: QuestionnaireSettings | None, questions: Sequence[Spec]) -> str:
    """A digest of the questionnaire as staff saw it: a form posted against another one
    (a colleague saved in between) is refused rather than applied to moved questions."""
    encoded = msgspec.json.encode(whole_spec(settings, questions), order="deterministic")
    return hashlib.sha256(encoded).hexdigest()[:16]


def conditions_before(questions: Sequence[Spec], position: int) -> list[tuple[str, Message]]:
    """The answers a question at ``position`` may depend on, as a select's ``(value,
    label)``: each option (and "Autre") of the single and multiple questions before it.
    A label is a :class:`Message` (``said`` puts it in the reader's language)."""
    found = []
    for index, question in enumerate(questions[:position]):
        if question["kind"] not in ("single", "multiple"):
            continue
        options: list[tuple[str, str]] = [
            (o["key"], o["label"]) for o in question.get("options", [])
        ]
        if question.get("other"):
            options.append((OTHER, N_("Autre")))
        for key, label in options:
            found.append(
                (
                    f"{index}:{key}",
                    N_("Question %(number)s : « %(label)s »", number=index + 1, label=label),
                )
            )
    return found


def summary(question: Spec, i18n: Speaks) -> str:
    """What the list of questions says of ``question`` under its text, in ``i18n``'s
    language: its kind, then whether it is required, its choices, its limits and its
    condition, each a whole phrase, joined by " · "."""
    kind = question["kind"]
    parts = [i18n.gettext(KIND_LABELS[kind])]
    if question.get("required"):
        parts.append(i18n.gettext("obligatoire"))
    count = len(question.get("options") or [])
    if count and question.get("other"):
        parts.append(
            i18n.ngettext("%(count)s choix et « Autre »", "%(count)s choix et « Autre »", count)
            % {"count": count}
        )
    elif count:
        parts.append(i18n.ngettext("%(count)s choix", "%(count)s choix", count) % {"count": count})
    low, high = question.get("min"), question.get("max")
    if kind == "scale":
        parts.append(i18n.gettext("de %(min)s à %(max)s") % {"min": low, "max": high})
    elif kind in ("multiple", "ranking") and (low is not None or high is not None):
        parts.append(_limits(kind, low, high, i18n) % {"min": low, "max": high})
    condition = question.get("show_if")
    if condition:
        parts.append(
            i18n.gettext("affichée selon la réponse à la question %(number)s")
            % {"number": condition["question"] + 1}
        )
    return " · ".join(parts)


def _limits(kind: str, low: int | None, high: int | None, i18n: Speaks) -> str:
    """The phrase of a multiple or ranking question's limits, its values still to put in."""
    if kind == "ranking":
        if low is not None and high is not None:
            return i18n.gettext("à classer : au moins %(min)s, au plus %(max)s")
        if low is not None:
            return i18n.gettext("à classer : au moins %(min)s")
        return i18n.gettext("à classer : au plus %(max)s")
    if low is not None and high is not None:
        return i18n.gettext("à cocher : au moins %(min)s, au plus %(max)s")
    if low is not None:
        return i18n.gettext("à cocher : au moins %(min)s")
    return i18n.gettext("à cocher : au plus %(max)s")


def _slug(label: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40]


def option_keys(labels: Sequence[str], kept: Sequence[str], *, other: bool) -> list[str]:
    """Keys for option ``labels``: the ``kept`` keys line by line (answers and conditions
    name options by key, and a reworded option keeps its answers), then keys made from
    the new labels, never ``other`` where "Autre" is offered."""
    taken = {OTHER} if other else set()
    keys: list[str] = []
    for index, label in enumerate(labels):
        key = kept[index] if index < len(kept) else _slug(label) or f"option-{index + 1}"
        base, suffix = key, 2
        while key in taken:
            key, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(key)
        keys.append(key)
    return keys


def _int(form: FormValues, name: str, errors: dict[str, str]) -> int | None:
    text = form.get(name)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors[name] = N_("Un nombre entier.")
        return None


def _bounds(kind: str, form: FormValues, choices: int, errors: dict[str, str]) -> Spec:
    low, high = _int(form, "min", errors), _int(form, "max", errors)
    if errors.keys() & {"min", "max"} or kind in ("single", "text"):
        return {}
    if kind == "scale":
        low, high = (1 if low is None else low), (5 if high is None else high)
        if not 1 <= high - low <= MAX_SCALE_STEPS:
            errors["max"] = N_(
                "Une échelle compte de 2 à %(count)s valeurs.", count=MAX_SCALE_STEPS + 1
            )
        return {"min": low, "max": high}
    if kind == "ranking":
        # Rank them all, or, given only a maximum, from one up to it.
        low = (choices if high is None else 1) if low is None else low
        high = choices if high is None else high
        _check_bounds(low, high, choices, errors, least=1)
        return {"min": low, "max": high}
    _check_bounds(low, high, choices, errors, least=0)
    return {name: value for name, value in (("min", low), ("max", high)) if value is not None}


def _check_bounds(
    low: int | None, high: int | None, choices: int, errors: dict[str, str], *, least: int
) -> None:
    """The errors of a minimum and a maximum of choices, one message for each problem."""
    if low is not None and low < least:
        errors["min"] = N_("Zéro ou plus.") if least == 0 else N_("Au moins 1.")
    elif high is not None and high < 1:
        errors["max"] = N_("Au moins 1.")
    elif high is not None and high > choices:
        errors["max"] = N_("Au plus %(count)s : le nombre de choix de la question.", count=choices)
    elif low is not None and low > (high if high is not None else choices):
        errors["min"] = N_("Le minimum dépasse le maximum.")


def _text(form: FormValues, name: str, errors: dict[str, str], *, required: bool) -> str:
    value = form.get(name)
    limit = LONGEST[name]
    if required and not value:
        errors[name] = N_("À remplir.")
    elif len(value) > limit:
        errors[name] = N_("%(max)s caractères au plus.", max=limit)
    return value


def read_question(
    form: FormValues, earlier: Sequence[Spec], before: Spec | None
) -> tuple[Spec, dict[str, str]]:
    """The question posted in ``form`` (its options one per line) and the errors of its
    fields. ``earlier`` are the questions before it; ``before`` the question as stored,
    whose option keys, images and condition are kept line by line."""
    errors: dict[str, str] = {}
    kind = form.get("kind")
    if kind not in KIND_LABELS:
        errors["kind"] = N_("Choisissez un type de question.")
        kind = "text"
    spec: Spec = {
        "kind": kind,
        "text": _text(form, "text", errors, required=True),
        "help": _text(form, "help", errors, required=False),
        "required": form.checked("required"),
    }
    section = _text(form, "section", errors, required=False)
    if section:
        spec["section"] = section
    other = kind in ("single", "multiple") and form.checked("other")
    if other:
        spec["other"] = True
    choices = 0
    if kind in CHOICE_KINDS:
        labels = [line.strip() for line in form.raw("options").splitlines() if line.strip()]
        if not 2 <= len(labels) <= MAX_OPTIONS:
            errors["options"] = N_("De 2 à %(max)s choix, un par ligne.", max=MAX_OPTIONS)
        elif any(len(label) > LONGEST["option"] for label in labels):
            errors["options"] = N_(
                "Chaque choix fait %(max)s caractères au plus.", max=LONGEST["option"]
            )
        old = (before or {}).get("options", []) if (before or {}).get("kind") == kind else []
        keys = option_keys(labels, [o["key"] for o in old], other=other)
        spec["options"] = [
            {**(old[index] if index < len(old) else {}), "key": key, "label": label}
            for index, (key, label) in enumerate(zip(keys, labels, strict=True))
        ]
        choices = len(labels) + other
    spec.update(_bounds(kind, form, choices, errors))
    if kind == "scale":
        ends = {"min": form.get("label_min"), "max": form.get("label_max")}
        for end, text in ends.items():
            if len(text) > LONGEST["label"]:
                errors[f"label_{end}"] = N_("%(max)s caractères au plus.", max=LONGEST["label"])
        if any(ends.values()):
            spec["labels"] = ends
    shown_after = form.get("show_if")
    if shown_after:
        allowed = {value for value, _ in conditions_before(earlier, len(earlier))}
        if shown_after not in allowed:
            errors["show_if"] = N_("Choisissez la réponse d'une question précédente.")
        else:
            position, key = shown_after.split(":", 1)
            spec["show_if"] = {"question": int(position), "equals": key}
    return spec, errors


def _depends_on(question: Spec, position: int) -> bool:
    return (question.get("show_if") or {}).get("question") == position


def moved(questions: Sequence[Spec], position: int, step: int) -> list[Spec]:
    """``questions`` with the one at ``position`` moved by ``step`` (-1 up, 1 down), the
    conditions following the questions they name; refused when a question would come
    before the one it depends on."""
    other = position + step
    if not (0 <= position < len(questions) and 0 <= other < len(questions)):
        raise EditRefused(N_("Cette question ne peut pas aller plus loin."))
    first, second = sorted((position, other))
    if _depends_on(questions[second], first):
        raise EditRefused(
            N_(
                "La question %(later)s ne s'affiche que selon la réponse à la question "
                "%(earlier)s : elle doit rester après elle.",
                later=second + 1,
                earlier=first + 1,
            )
        )
    swap = {first: second, second: first}
    result = [dict(question) for question in questions]
    result[first], result[second] = result[second], result[first]
    for question in result:
        condition = question.get("show_if")
        if condition is not None and condition["question"] in swap:
            question["show_if"] = {**condition, "question": swap[condition["question"]]}
    return result


def deleted(questions: Sequence[Spec], position: int) -> list[Spec]:
    """``questions`` without the one at ``position``; refused while another question
    is shown only after an answer to it."""
    if not 0 <= position < len(questions):
        raise EditRefused(N_("Cette question n'existe plus."))
    dependants = [i + 1 for i, q in enumerate(questions) if _depends_on(q, position)]
    if dependants:
        numbers = ", ".join(str(number) for number in dependants)
        raise EditRefused(
            N_(
                "La question %(numbers)s ne s'affiche que selon la réponse à celle-ci : "
                "changez d'abord sa condition.",
                numbers=numbers,
            )
        )
    result = []
    for index, question in enumerate(questions):
        if index == position:
            continue
        copy = dict(question)
        condition = copy.get("show_if")
        if condition is not None and condition["question"] > position:
            copy["show_if"] = {**condition, "question": condition["question"] - 1}
        result.append(copy)
    return result


def form_values(question: Spec) -> dict[str, str]:
    """A stored question as its edit form shows it."""
    labels = question.get("labels") or {}
    condition = question.get("show_if")
    return {
        "kind": question["kind"],
        "text": question["text"],
        "help": question.get("help", ""),
        "section": question.get("section", ""),
        "required": "on" if question.get("required") else "",
        "other": "on" if question.get("other") else "",
        "options": "\n".join(o["label"] for o in question.get("options", [])),
        "min": "" if question.get("min") is None else str(question["min"]),
        "max": "" if question.get("max") is None else str(question["max"]),
        "label_min": labels.get("min", ""),
        "label_max": labels.get("max", ""),
        "show_if": f"{condition['question']}:{condition['equals']}" if condition else "",
    }
