"""Settings of the ``majority_judgment`` vote type, as organisers give them in
``vote.settings``. The back office draws its form from this Struct."""

from __future__ import annotations

from typing import Annotated

import msgspec

#: The usual scales of mentions, best first, by number of grades (the seven-grade one is
#: the scale of the French experiments of majority judgment).
DEFAULT_MENTIONS: dict[int, tuple[str, ...]] = {
    3: ("Bien", "Passable", "Insuffisant"),
    4: ("Très bien", "Bien", "Passable", "Insuffisant"),
    5: ("Très bien", "Bien", "Assez bien", "Passable", "Insuffisant"),
    6: ("Très bien", "Bien", "Assez bien", "Passable", "Insuffisant", "À rejeter"),
    7: ("Excellent", "Très bien", "Bien", "Assez bien", "Passable", "Insuffisant", "À rejeter"),
}
MIN_GRADES = min(DEFAULT_MENTIONS)
MAX_GRADES = max(DEFAULT_MENTIONS)
MAX_LABEL = 40


class MajorityJudgmentSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A scale of mentions that citizens give to each proposal.

    Attributes:
        grades: how many mentions the scale has.
        labels: the mentions, best first, one per line; empty: the usual ones for that
            number of grades.
        unrated_as_lowest: a proposal that a counted ballot does not grade gets the
            lowest mention from it, as Balinski and Laraki advise (otherwise it is left
            out, and proposals are judged by different numbers of citizens).
        min_votes: proposals a ballot must grade before it can be confirmed (0: no
            confirmation, a ballot counts from its first grade).
    """

    grades: Annotated[
        int,
        msgspec.Meta(
            ge=MIN_GRADES,
            le=MAX_GRADES,
            title="Nombre de mentions",
            description=f"De {MIN_GRADES} à {MAX_GRADES} mentions.",
        ),
    ] = 7
    labels: Annotated[
        list[str],
        msgspec.Meta(
            title="Mentions",
            description=(
                "De la meilleure à la moins bonne, une par ligne, autant que de mentions ; "
                "laissez vide pour les mentions usuelles (Excellent, Très bien, Bien, "
                "Assez bien, Passable, Insuffisant, À rejeter)."
            ),
        ),
    ] = msgspec.field(default_factory=list)
    unrated_as_lowest: Annotated[
        bool,
        msgspec.Meta(
            title="Sans mention, la plus basse",
            description=(
                "Une proposition qu'un bulletin compté ne juge pas reçoit de lui la mention "
                "la plus basse."
            ),
        ),
    ] = True
    min_votes: Annotated[
        int,
        msgspec.Meta(
            ge=0,
            le=1000,
            title="Mentions à donner avant de confirmer",
            description="0 : pas de confirmation, le bulletin compte dès la première mention.",
        ),
    ] = 0

    def mentions(self) -> tuple[str, ...]:
        """The mentions, best first."""
        return tuple(self.labels) if self.labels else DEFAULT_MENTIONS[self.grades]

    def mention(self, grade: int) -> str:
        """The mention of a stored grade (0 is the lowest)."""
        return self.mentions()[self.grades - 1 - grade]
