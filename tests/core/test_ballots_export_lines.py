"""The ballots export's lines put together by PostgreSQL: the same file, byte for byte,
as the rows written by the CSV format, whatever the titles and values hold; SQLite keeps
the rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from sqlalchemy import delete

from core.db import Database
from core.defaults import ballots_export_lines
from core.defaults.csv_export import CsvExport
from core.export_datasets import ExportContext, ExportDataset, export_file, stream_export
from core.hookspecs import hookimpl
from core.models import Ballot, Dialogue, Organisation, Proposal, User, Vote
from core.models.ballots import BallotStatus
from core.models.dialogues import DialogueKind
from core.models.proposals import ProposalStatus
from core.plugin_manager import Plugins
from core.registries import Registry
from core.settings import Settings
from core.vote_types import BallotContent, CountedVotes, VoteType
from web.plugins import build_plugins

SECRET = "test-secret-key-test-secret-key-0123456789"

#: What the test vote type shows of each stored value: text a spreadsheet would read as
#: a formula, separators, quotes, line breaks, lists, numbers, nothing.
SHOWN: dict[int, object] = {
    0: "=1+1",
    1: "pour; contre",
    2: ["a", "b"],
    3: None,
    4: 'dit "oui"',
    5: "ligne\nsuivante",
    6: 7,
    7: 1.5,
    8: "",
    9: "-",
}

TITLES = [
    "Un jardin",
    "a;b",
    'Le "grand" parc',
    "deux\nlignes",
    "retour\rchariot",
    '=HYPERLINK("http://x")',
    "+33 6",
    "@SUM(A1)",
    "\tindentée",
    " espace",
    "\\.",
    "é ü 🙂",
    "",
]


class NoSettings(msgspec.Struct, forbid_unknown_fields=True):
    pass


class Labels(VoteType[NoSettings]):
    """Values shown as :data:`SHOWN` says."""

    id = "labels_probe"
    title = "Étiquettes"
    settings_type = NoSettings
    widget_template = "_labels.html"

    def parse_value(self, settings: NoSettings, raw: object) -> int:
        return int(str(raw))

    def present_value(self, settings: NoSettings, value: int) -> object:
        return SHOWN[value]

    def judge(self, settings: NoSettings, ballot: BallotContent) -> None:
        return None

    def min_votes(self, settings: NoSettings) -> int:
        return 0

    def rules(self, settings: NoSettings) -> dict[str, Any]:
        return {}

    def remaining(self, settings: NoSettings, ballot: BallotContent) -> dict[str, Any]:
        return {}

    def tally(self, settings: NoSettings, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        return {}


class LabelsPlugin:
    @hookimpl
    def register_vote_types(self, registry: Registry[Any]) -> None:
        registry.add(Labels())


@pytest.fixture
def labels_plugins() -> Plugins:
    return build_plugins(Settings(load_entry_points=False), extra=(("labels", LabelsPlugin()),))


async def _dialogue(database: Database) -> int:
    """A dialogue with ballots of every kind, their votes on every kind of title, and a
    ballot of another dialogue among them; returns the dialogue's id."""
    moment = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    async with database.session() as session:
        org = Organisation(slug="ville", name="Ville")
        session.add(org)
        await session.flush()
        dialogues = [
            Dialogue(
                organisation_id=org.id,
                slug=slug,
                title=slug,
                kind=DialogueKind.BUDGET,
                vote_type="labels_probe",
                vote_settings={},
            )
            for slug in ("budget", "autre")
        ]
        session.add_all(dialogues)
        await session.flush()
        main, other = dialogues
        proposals = [
            Proposal(dialogue_id=main.id, title=title, status=ProposalStatus.PUBLISHED)
            for title in TITLES
        ]
        elsewhere = Proposal(
            dialogue_id=other.id, title="Ailleurs", status=ProposalStatus.PUBLISHED
        )
        people = [User(organisation_id=org.id, email=f"p{n}@example.org") for n in range(9)]
        session.add_all([*proposals, elsewhere, *people])
        await session.flush()
        statuses = [
            (BallotStatus.CONFIRMED, moment, None),
            (BallotStatus.CONFIRMED, moment.replace(microsecond=0), None),
            (BallotStatus.DRAFT, None, None),
            (BallotStatus.CONFIRMED, moment, moment),  # voided
        ]
        for n, person in enumerate(people):
            status, confirmed_at, voided_at = statuses[n % len(statuses)]
            if n == 4:  # a ballot of the other dialogue, between this one's
                ballot = Ballot(dialogue_id=other.id, user_id=person.id, status=status)
                session.add(ballot)
                await session.flush()
                # A value that this dialogue's vote type does not know.
                session.add(Vote(ballot_id=ballot.id, proposal_id=elsewhere.id, value=99))
                continue
            ballot = Ballot(
                dialogue_id=main.id,
                # A voter whose account is gone: the ballot stays, pseudonymised by itself.
                user_id=None if n == 5 else person.id,
                status=status,
                confirmed_at=confirmed_at,
                voided_at=voided_at,
            )
            session.add(ballot)
            await session.flush()
            if n == 6:
                continue  # a ballot without votes has no row
            # Later ballots vote on proposals and values not met before.
            for index, proposal in enumerate(proposals[: 5 + n]):
                value = (index + n) % len(SHOWN)
                session.add(Vote(ballot_id=ballot.id, proposal_id=proposal.id, value=value))
        await session.commit()
        return main.id


async def _export(database: Database, plugins: Plugins, dialogue_id: int, *, lines: bool) -> bytes:
    """The CSV file of the ballots: through :func:`export_file` (the dataset's lines when
    it has them) or the rows written by the format."""
    export_format = CsvExport()
    async with database.session() as session:
        dialogue = await session.get(Dialogue, dialogue_id)
        assert dialogue is not None
        dataset = plugins.export_datasets.get("ballots")
        assert isinstance(dataset, ExportDataset)
        context = ExportContext(plugins=plugins, secret_key=SECRET)
        columns = await dataset.columns(session, dialogue)
        if lines:
            chunks = export_file(dataset, export_format, columns, session, dialogue, context)
        else:
            rows = dataset.rows_in(session, dialogue, context)
            chunks = stream_export(export_format, columns, rows)
        return b"".join([chunk async for chunk in chunks])


async def test_the_lines_are_the_rows_as_the_format_writes_them(
    database: Database, labels_plugins: Plugins, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three ballots a query: several batches, one around the other dialogue's ballot,
    # and proposals and values learnt on the way.
    monkeypatch.setattr(ballots_export_lines, "BALLOTS_PER_QUERY", 3)
    dialogue_id = await _dialogue(database)
    async with database.session() as session:
        dialogue = await session.get(Dialogue, dialogue_id)
        assert dialogue is not None
        dataset = labels_plugins.export_datasets.get("ballots")
        assert dataset is not None
        context = ExportContext(plugins=labels_plugins, secret_key=SECRET)
        has_lines = dataset.lines_in(session, dialogue, context, CsvExport()) is not None
    assert has_lines == (not database.is_sqlite)

    by_lines = await _export(database, labels_plugins, dialogue_id, lines=True)
    by_rows = await _export(database, labels_plugins, dialogue_id, lines=False)
    assert by_lines == by_rows

    rows = list(csv.reader(io.StringIO(by_rows.decode("utf-8-sig")), delimiter=";"))
    votes = sum(5 + n for n in range(9) if n not in (4, 6))
    assert len(rows) == 1 + votes
    assert {row[6] for row in rows[1:]} == {
        "'=1+1", "pour; contre", "a, b", "", 'dit "oui"', "ligne\nsuivante", "7", "1.5", "'-",
    }  # fmt: skip
    assert {row[5] for row in rows[1:]} >= {'\'=HYPERLINK("http://x")', "deux\nlignes", ""}
    # French times, to the second, as the XLSX export writes them.
    assert {row[3] for row in rows[1:]} == {"2026-03-01 10:30:15", ""}
    assert "Ailleurs" not in by_rows.decode()


async def test_a_dialogue_without_ballots_has_only_the_titles(
    database: Database, labels_plugins: Plugins
) -> None:
    dialogue_id = await _dialogue(database)
    async with database.session() as session:
        await session.execute(delete(Ballot).where(Ballot.dialogue_id == dialogue_id))
        await session.commit()
    by_lines = await _export(database, labels_plugins, dialogue_id, lines=True)
    assert by_lines == await _export(database, labels_plugins, dialogue_id, lines=False)
    assert by_lines.decode("utf-8-sig").count("\r\n") == 1
