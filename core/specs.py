"""What organisers send to create or change a dialogue, validated by msgspec.

Fields left out keep their value (``UNSET``), which makes the same Struct serve creation
and partial updates. The API uses these Structs as its request bodies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from core.db_range import StoredInt
from core.fields import FieldDefinition, FieldOption

DialogueKindName = Literal["ideas", "consultation", "budget", "questionnaire"]
PhaseKindName = Literal["information", "proposals", "review", "vote", "results"]


class Strict(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class VoteSpec(Strict):
    type: str
    settings: dict[str, Any] = {}


class CommentsSpec(Strict):
    #: ``off`` turns the ``comments`` module off; another mode turns it on.
    mode: Literal["thread", "qualified", "off"]


class BudgetSpec(Strict):
    amount: StoredInt
    rule: str = "greedy"


class PhaseSpec(Strict):
    kind: PhaseKindName
    title: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    groups: list[str] = []


class DialogueSpec(Strict):
    slug: str | UnsetType = UNSET
    title: str | UnsetType = UNSET
    kind: DialogueKindName | UnsetType = UNSET
    description: str | UnsetType = UNSET
    vote: VoteSpec | UnsetType | None = UNSET
    comments: CommentsSpec | UnsetType = UNSET
    budget: BudgetSpec | UnsetType | None = UNSET
    form: list[FieldDefinition] | UnsetType = UNSET
    themes: list[FieldOption] | UnsetType = UNSET
    sectors: list[FieldOption] | UnsetType = UNSET
    phases: list[PhaseSpec] | UnsetType = UNSET
    results_visibility: Literal["live", "after_vote", "manual"] | UnsetType = UNSET
    #: ``pre``: new proposals and comments wait for a moderator; ``post`` (default): they
    #: appear at once (``core.services.moderation``).
    moderation: Literal["pre", "post"] | UnsetType = UNSET
    #: The questionnaire module's settings (its questions): the same as
    #: ``"modules": {"questionnaire": {...}}``.
    questionnaire: dict[str, Any] | UnsetType = UNSET
    #: Modules turned on with their settings, or off (``null``), by name
    #: (``{"petition": {"threshold": 50}, "map": null}``): each is checked as
    #: ``PUT /api/v1/admin/dialogues/{slug}/modules/{name}`` checks it
    #: (``core.modules.module_change``); the modules left out stay as they are.
    modules: dict[str, dict[str, Any] | None] | UnsetType = UNSET
    #: At creation only: ``false`` makes a draft that only the staff see until they
    #: publish it; left out or ``true``, the dialogue is public at once.
    published: bool | UnsetType = UNSET


class Location(Strict):
    lat: float
    lng: float


class ProposalSpec(Strict):
    title: str | UnsetType = UNSET
    body: str | UnsetType = UNSET
    fields: dict[str, Any] | UnsetType = UNSET
    theme: str | UnsetType | None = UNSET
    sector: str | UnsetType | None = UNSET
    location: Location | UnsetType | None = UNSET
    cost: StoredInt | UnsetType | None = UNSET
    draft: bool | UnsetType = UNSET


class ProposalReview(Strict):
    status: (
        Literal["draft", "published", "under_review", "accepted", "refused", "winner"] | UnsetType
    ) = UNSET
    status_reason: str | UnsetType = UNSET
    cost: StoredInt | UnsetType | None = UNSET
    theme: str | UnsetType | None = UNSET
    sector: str | UnsetType | None = UNSET
