"""The ``projects`` module's settings: the stages a winning project goes through.

Without stages of their own, organisers get the usual three: study, works, done
(« Étude », « Travaux », « Réalisé »). Their own list replaces them, in order; a stage's
``key`` is what the API and the exports say, its label what the pages show (``label_en``
in English, when given).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec

from core.models import Dialogue
from core.modules import Module

MODULE = "projects"
#: Photos one update may hold at most.
MAX_IMAGES = 10
#: The longest text of an update.
MAX_TEXT = 20_000

StageKey = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$",
        title="Code",
        description="Lettres minuscules, chiffres, « - » ou « _ » : ce que disent l'API et "
        "les exports.",
    ),
]


class StageSetting(msgspec.Struct, forbid_unknown_fields=True):
    """One stage of the organiser's own list."""

    key: StageKey
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=80, title="Nom")]
    label_en: Annotated[str, msgspec.Meta(max_length=80, title="Nom en anglais")] = ""


class ProjectsSettings(msgspec.Struct, forbid_unknown_fields=True):
    """The follow-up of winning projects.

    Attributes:
        stages: The stages of a project, in order; left empty, « Étude », « Travaux »,
            « Réalisé ».
    """

    stages: Annotated[
        list[StageSetting],
        msgspec.Meta(
            max_length=20,
            title="Étapes des projets",
            description="Dans l'ordre ; laissées vides, « Étude », « Travaux », « Réalisé ».",
        ),
    ] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        keys = [stage.key for stage in self.stages]
        if len(set(keys)) != len(keys):
            raise ValueError("two stages have the same code")


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    #: The English label; empty: the French one.
    label_en: str = ""

    def label_in(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.label


#: The stages without the organiser's own.
DEFAULT_STAGES = (
    Stage("study", "Étude", "Study"),
    Stage("works", "Travaux", "Works"),
    Stage("done", "Réalisé", "Done"),
)

PROJECTS = Module(
    name=MODULE,
    title="Suivi des projets",
    description="Après les résultats, une page par projet lauréat : son étape, son "
    "avancement, le montant dépensé, ses actualités datées avec photos, et la carte "
    "de tous les projets.",
    settings_type=ProjectsSettings,
    granted_by_default=True,
)


def settings_of(dialogue: Dialogue) -> ProjectsSettings:
    """The module's settings on ``dialogue`` (its defaults when it stores none)."""
    decoded = PROJECTS.decode_settings(PROJECTS.settings_on(dialogue) or {})
    assert isinstance(decoded, ProjectsSettings)
    return decoded


def stages_of(dialogue: Dialogue) -> tuple[Stage, ...]:
    """The stages of ``dialogue``'s projects, in order."""
    own = settings_of(dialogue).stages
    if not own:
        return DEFAULT_STAGES
    return tuple(Stage(stage.key, stage.label, stage.label_en) for stage in own)
