"""The questionnaire module's settings: what organisers send in a dialogue's
``"questionnaire"`` part, and the few settings kept on the dialogue itself.

Questions are sent as a full list, in order; the server gives them ids. A question shown
only after a given answer names the earlier question by its index in that list
(``"show_if": {"question": 0, "equals": "yes"}``); the API shows it by question id.
"""

from __future__ import annotations

from typing import Literal

import msgspec

QuestionKind = Literal["single", "multiple", "text", "scale", "ranking"]


class Strict(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class OptionSpec(Strict):
    key: str
    label: str
    #: An image shown with the option (a logo to choose): an absolute path on this site
    #: (``/static/...``) or an ``https://`` address.
    image_url: str | None = None


class ShowIfSpec(Strict):
    #: Index, in the list of questions sent, of an earlier ``single`` or ``multiple``
    #: question.
    question: int
    #: The option key that question's answer must be (``single``) or hold (``multiple``).
    equals: str


class ScaleLabels(Strict):
    """Words at the two ends of a scale (``"Pas du tout"`` … ``"Tout à fait"``)."""

    min: str = ""
    max: str = ""


class QuestionSpec(Strict):
    kind: QuestionKind
    text: str
    options: list[OptionSpec] | None = None
    required: bool = False
    #: ``multiple``: fewest and most options chosen; ``scale``: the lowest and highest
    #: values (1 and 5 by default); ``ranking``: fewest and most options ranked (all by
    #: default).
    min: int | None = None
    max: int | None = None
    #: Title of the section the question opens or belongs to; questions that follow
    #: without one stay in the same section.
    section: str | None = None
    #: A sentence of help under the question.
    help: str = ""
    show_if: ShowIfSpec | None = None
    #: ``single`` and ``multiple``: add "Autre, précisez" (its key is ``other``).
    other: bool = False
    labels: ScaleLabels | None = None


class QuestionnaireSpec(Strict):
    #: None yet: the questionnaire is being written (turned on from the back office's
    #: Modules tab, its questions added in its own tab); citizens cannot answer it.
    questions: list[QuestionSpec] = msgspec.field(default_factory=list)
    #: No link from a response to its author is stored.
    anonymous: bool = False
    #: Citizens may change their response until the vote phase closes.
    editable: bool = False


class QuestionnaireSettings(msgspec.Struct, forbid_unknown_fields=True):
    """What the dialogue keeps in ``modules["questionnaire"]``; questions are in the
    plugin's own tables."""

    anonymous: bool = False
    editable: bool = False
