"""The petition's settings, per dialogue: the administrators' form and the API's
``PUT /api/v1/admin/dialogues/{slug}/modules/petition`` body are generated from them."""

from __future__ import annotations

from typing import Annotated

import msgspec


class PetitionSettings(msgspec.Struct, forbid_unknown_fields=True):
    #: Supports (counted ballots that hold the proposal) that put it under study.
    threshold: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 50
    #: The status given at the threshold: one that keeps the proposal in the vote, since
    #: citizens go on supporting it (``accepted``, or the key of one of the organisation's
    #: custom statuses set on ``accepted``, such as « À l'étude »). A proposal that staff
    #: already moved on from ``published`` is left as it is.
    status: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "accepted"
    #: The public answer that the author reads with the new status.
    message: Annotated[str, msgspec.Meta(max_length=2000)] = (
        "Cette proposition a atteint le seuil de soutiens : la ville l'étudie."
    )
