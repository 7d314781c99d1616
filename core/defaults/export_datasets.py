"""The core's export datasets: ``proposals``, ``comments``, ``ballots`` and
``participation``. Exports are for the staff only (the route checks it).

- ``proposals``: every published proposal with its review, its author's name and
  address, and every field of the form, confidential ones included (marked as such in
  their column title);
- ``comments``: every comment, hidden ones included (with the moderators' reason);
- ``ballots``: one row per vote, the voter replaced by a pseudonym: a keyed hash (HMAC
  with the app's secret key) of the dialogue and the voter, the same for all the votes of
  one ballot and different in every dialogue; no address, no name, and no way back to a
  person from the file without the secret key;
- ``participation``: the statistics of :mod:`core.services.participation_stats`.

Rows are read in batches by primary key (keyset pagination), so an export holds one
batch in memory whatever its size. On PostgreSQL, the ballots' CSV lines are put
together by the database (:mod:`core.defaults.ballots_export_lines`).
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, select, tuple_, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from core.defaults.ballots_export_lines import ballot_lines
from core.export_datasets import ExportContext, ExportDataset, Row
from core.exports import LineExportFormat
from core.hookspecs import hookimpl
from core.models import Ballot, Comment, Dialogue, Group, Organisation, Proposal, User, Vote
from core.models.proposals import ProposalStatus
from core.registries import Registry
from core.services import participation_stats
from core.services.proposals import form_of
from core.services.review import FEASIBILITY, STATUS_NAMES, status_label

BATCH = 500
#: Vote rows read at a time by the ballots export (plain tuples: a batch is small).
ROWS_PER_QUERY = 5_000
#: Shown for a row without a value of a grouping (a proposal without a sector...).
NONE_LABEL = "(aucun)"


def _label(options: Sequence[dict[str, Any]], key: str | None) -> str:
    if key is None:
        return ""
    return next((str(o["label"]) for o in options if o.get("key") == key), key)


def _field_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


def _utc(moment: datetime | None) -> datetime | None:
    """A time read raw from either database as the models give it: aware, in UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def pseudonym(secret_key: str, dialogue: Dialogue, user_id: int | None, ballot_id: int) -> str:
    """The voter of a ballot as the export shows them: 16 hex digits of an HMAC-SHA256
    keyed with the app's secret, of the dialogue and the voter (of the ballot when its
    voter's account is gone)."""
    subject = f"user:{user_id}" if user_id is not None else f"ballot:{ballot_id}"
    message = f"participe-ballots-export\x00{dialogue.id}\x00{subject}".encode()
    return hmac.digest(secret_key.encode(), message, "sha256").hex()[:16]


class ProposalsDataset(ExportDataset):
    id = "proposals"
    title = "Propositions (champs confidentiels compris)"

    FIXED = (
        "n°",
        "titre",
        "description",
        "statut",
        "statut affiché",
        "réponse publique",
        "thème",
        "secteur",
        "coût",
        "faisabilité",
        "groupe d'instruction",
        "latitude",
        "longitude",
        "image",
        "auteur·rice",
        "courriel",
        "déposée le",
        "masquée",
        "raison du masquage",
    )

    def applies_to(self, dialogue: Dialogue) -> bool:
        return True

    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        return [*self.FIXED] + [
            f"{d.label} (confidentiel)" if d.confidential else d.label for d in form_of(dialogue)
        ]

    async def rows_in(
        self, session: AsyncSession, dialogue: Dialogue, context: ExportContext
    ) -> AsyncIterator[Row]:
        org = await session.get(Organisation, dialogue.organisation_id)
        groups = {
            group.id: group.name
            for group in await session.scalars(
                select(Group).where(Group.organisation_id == dialogue.organisation_id)
            )
        }
        form = form_of(dialogue)
        after = 0
        while True:
            batch = (
                await session.execute(
                    select(Proposal, User)
                    .outerjoin(User, User.id == Proposal.author_id)
                    .where(
                        Proposal.dialogue_id == dialogue.id,
                        Proposal.status != ProposalStatus.DRAFT,
                        Proposal.id > after,
                    )
                    .order_by(Proposal.id)
                    .limit(BATCH)
                )
            ).all()
            if not batch:
                return
            for proposal, author in batch:
                yield [
                    proposal.id,
                    proposal.title,
                    proposal.body,
                    STATUS_NAMES[proposal.status.value],
                    (status_label(org, proposal) if org is not None else None)
                    or STATUS_NAMES[proposal.status.value],
                    proposal.status_reason,
                    _label(dialogue.themes, proposal.theme),
                    _label(dialogue.sectors, proposal.sector),
                    proposal.cost,
                    FEASIBILITY.get(proposal.feasibility or "", ""),
                    groups.get(proposal.review_group_id or 0, ""),
                    proposal.lat,
                    proposal.lng,
                    f"/media/{proposal.image_path}" if proposal.image_path else "",
                    author.public_name if author is not None else "",
                    (author.email or "") if author is not None else "",
                    proposal.published_at,
                    "oui" if proposal.hidden_at is not None else "non",
                    proposal.hidden_reason,
                    *(_field_value(proposal.fields.get(d.key)) for d in form),
                ]
            after = batch[-1][0].id


class CommentsDataset(ExportDataset):
    id = "comments"
    title = "Commentaires"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return True

    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        return [
            "n°",
            "proposition n°",
            "proposition",
            "en réponse à",
            "auteur·rice",
            "position",
            "commentaire",
            "publié le",
            "masqué",
            "raison du masquage",
        ]

    async def rows(self, session: AsyncSession, dialogue: Dialogue) -> AsyncIterator[Row]:
        after = 0
        while True:
            batch = (
                await session.execute(
                    select(Comment, Proposal.title, User)
                    .join(Proposal, Proposal.id == Comment.proposal_id)
                    .outerjoin(User, User.id == Comment.author_id)
                    .where(Proposal.dialogue_id == dialogue.id, Comment.id > after)
                    .order_by(Comment.id)
                    .limit(BATCH)
                )
            ).all()
            if not batch:
                return
            for comment, title, author in batch:
                yield [
                    comment.id,
                    comment.proposal_id,
                    title,
                    comment.parent_id,
                    author.public_name if author is not None else "",
                    {"for": "pour", "against": "contre"}.get(
                        comment.stance.value if comment.stance else "", ""
                    ),
                    comment.body,
                    comment.created_at,
                    "oui" if comment.hidden_at is not None else "non",
                    comment.hidden_reason,
                ]
            after = batch[-1][0].id


class BallotsDataset(ExportDataset):
    id = "ballots"
    title = "Bulletins (votants pseudonymisés)"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return dialogue.vote_type is not None

    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        return [
            "votant·e (pseudonyme)",
            "bulletin",
            "compté",
            "confirmé le",
            "proposition n°",
            "proposition",
            "vote",
        ]

    def lines_in(
        self,
        session: AsyncSession,
        dialogue: Dialogue,
        context: ExportContext,
        export_format: LineExportFormat,
    ) -> AsyncIterator[str] | None:
        if session.get_bind().dialect.name != "postgresql":
            return None
        return ballot_lines(
            session,
            dialogue.id,
            export_format,
            _BallotCells(context.secret_key, dialogue),
            _ShownValues(context, dialogue),
        )

    async def rows_in(
        self, session: AsyncSession, dialogue: Dialogue, context: ExportContext
    ) -> AsyncIterator[Row]:
        shown = _ShownValues(context, dialogue)
        cells_of = _BallotCells(context.secret_key, dialogue)
        ballot_id: int | None = None
        ballot_cells: Sequence[Any] = ()
        after: tuple[int, int] = (0, 0)
        # Core rows straight from the connection: no ORM loading step for plain columns.
        connection = await session.connection()
        while True:
            batch = (
                await connection.execute(
                    select(
                        Vote.ballot_id,
                        Vote.proposal_id,
                        Vote.value,
                        Ballot.user_id,
                        # The ballot's columns repeat on each of its votes: read raw, and
                        # converted once per ballot below.
                        type_coerce(Ballot.status, String()),
                        type_coerce(Ballot.voided_at, DateTime(timezone=True)),
                        type_coerce(Ballot.confirmed_at, DateTime(timezone=True)),
                        Proposal.title,
                    )
                    .join(Ballot, Ballot.id == Vote.ballot_id)
                    .join(Proposal, Proposal.id == Vote.proposal_id)
                    .where(
                        Ballot.dialogue_id == dialogue.id,
                        # A row comparison, and the ballots from the same place: both scans
                        # start where the last batch ended (an ``OR`` made each batch read
                        # every vote before it).
                        tuple_(Vote.ballot_id, Vote.proposal_id) > tuple_(*after),
                        Ballot.id >= after[0],
                    )
                    .order_by(Vote.ballot_id, Vote.proposal_id)
                    .limit(ROWS_PER_QUERY)
                )
            ).all()
            if not batch:
                return
            for of_ballot, proposal_id, raw, user_id, status, voided_at, confirmed, title in batch:
                if of_ballot != ballot_id:
                    ballot_id = of_ballot
                    ballot_cells = cells_of(of_ballot, user_id, status, voided_at, confirmed)
                yield (*ballot_cells, proposal_id, title, shown(raw))
            after = (batch[-1][0], batch[-1][1])


class _BallotCells:
    """The cells that the rows of a ballot's votes start with: its voter's pseudonym,
    its status, whether it is counted and when it was confirmed."""

    def __init__(self, secret_key: str, dialogue: Dialogue) -> None:
        self.secret_key = secret_key
        self.dialogue = dialogue

    def __call__(
        self,
        ballot_id: int,
        user_id: int | None,
        status: str,
        voided_at: datetime | None,
        confirmed_at: datetime | None,
    ) -> tuple[Any, ...]:
        counted = status == "confirmed" and voided_at is None
        return (
            pseudonym(self.secret_key, self.dialogue, user_id, ballot_id),
            {"draft": "brouillon", "confirmed": "confirmé"}[status]
            if voided_at is None
            else "annulé",
            "oui" if counted else "non",
            _utc(confirmed_at),
        )


class _ShownValues:
    """A vote's value as the export shows it, worked out once per value (a million votes
    hold a handful of values)."""

    def __init__(self, context: ExportContext, dialogue: Dialogue) -> None:
        self.kind = context.plugins.vote_types.get(dialogue.vote_type or "")
        self.settings = (
            self.kind.decode_settings(dialogue.vote_settings) if self.kind is not None else None
        )
        self.values: dict[int, Any] = {}

    def __call__(self, raw: int) -> Any:
        shown = self.values.get(raw)
        if shown is None:
            value: Any = raw
            if self.kind is not None:
                value = self.kind.present_value(self.settings, raw)
            shown = self.values[raw] = _field_value(value) if value is not None else ""
        return shown


class ParticipationDataset(ExportDataset):
    id = "participation"
    title = "Statistiques de participation"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return True

    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        return ["regroupement", "valeur", "participant·es", "propositions", "commentaires", "votes"]

    async def rows(self, session: AsyncSession, dialogue: Dialogue) -> AsyncIterator[Row]:
        def line(group: str, key: str, counts: participation_stats.Counts) -> Row:
            return [
                group,
                key,
                counts.participants,
                counts.proposals,
                counts.comments,
                counts.votes,
            ]

        yield line("total", "", await participation_stats.totals(session, dialogue))
        for counts in await participation_stats.by_day(session, dialogue):
            yield line("jour (nouveaux participant·es)", counts.key, counts)
        for counts in await participation_stats.by_sector(session, dialogue):
            yield line("secteur", _label(dialogue.sectors, counts.key) or NONE_LABEL, counts)
        for counts in await participation_stats.by_postal_code(session, dialogue):
            yield line("code postal", counts.key or NONE_LABEL, counts)


@hookimpl
def register_export_datasets(registry: Registry[Any]) -> None:
    for dataset in (ProposalsDataset, CommentsDataset, BallotsDataset, ParticipationDataset):
        registry.add(dataset())
