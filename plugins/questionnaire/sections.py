"""A questionnaire's pages: a new page starts at each question that carries a section
title, so that a long questionnaire is answered section by section."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from plugins.questionnaire.models import Question


@dataclass
class Section:
    number: int
    title: str | None
    questions: list[Question] = field(default_factory=list)


def sections_of(questions: Sequence[Question]) -> list[Section]:
    """The sections of ``questions`` (in order), numbered from 1; at least one."""
    sections: list[Section] = []
    for question in questions:
        if not sections or question.section:
            sections.append(Section(len(sections) + 1, question.section))
        sections[-1].questions.append(question)
    return sections or [Section(1, None)]
