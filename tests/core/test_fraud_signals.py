"""Fraud signals: networks with many accounts created, or many ballots changed, in a
window, counted per organisation, with the dialogues concerned."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, utcnow
from core.errors import ValidationFailed
from core.models import Ballot, Dialogue, Organisation, User, VoteLogEntry
from core.models.ballots import BallotStatus
from core.models.dialogues import DialogueKind
from core.services import fraud_signals, organisations
from tests.conftest import World

N1, N2, N3, N4, N5, N6 = (str(digit) * 32 for digit in range(1, 7))


def _dialogue(org: Organisation, slug: str) -> Dialogue:
    return Dialogue(
        organisation_id=org.id, slug=slug, title=f"Démarche {slug}", kind=DialogueKind.BUDGET
    )


async def _accounts(
    session: AsyncSession, org: Organisation, network: str, count: int, created: datetime
) -> list[User]:
    people = [
        User(
            organisation_id=org.id,
            email=f"{network[:4]}-{index}-{org.slug}@example.org",
            created_network=network,
            created_at=created,
        )
        for index in range(count)
    ]
    session.add_all(people)
    await session.flush()
    return people


async def _ballots(
    session: AsyncSession,
    dialogue: Dialogue,
    people: list[User],
    network: str,
    at: datetime,
    *,
    changes: int = 1,
) -> list[Ballot]:
    ballots = [
        Ballot(dialogue_id=dialogue.id, user_id=person.id, status=BallotStatus.CONFIRMED)
        for person in people
    ]
    session.add_all(ballots)
    await session.flush()
    for ballot in ballots:
        for _ in range(changes):
            session.add(
                VoteLogEntry(
                    dialogue_id=dialogue.id,
                    ballot_id=ballot.id,
                    action="cast",
                    network=network,
                    created_at=at,
                )
            )
    await session.flush()
    return ballots


async def test_account_and_vote_signals(database: Database, world: World) -> None:
    now = utcnow()
    recent, old = now - timedelta(hours=1), now - timedelta(hours=30)
    ancient = now - timedelta(hours=100)  # voters' accounts, outside every window here
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        other = await organisations.create_organisation(session, slug="autre", name="Autre")
        first, second, elsewhere = (
            _dialogue(org, "d1"),
            _dialogue(org, "d2"),
            _dialogue(other, "e1"),
        )
        session.add_all([first, second, elsewhere])
        await session.flush()

        n1 = await _accounts(session, org, N1, 6, recent)
        await _accounts(session, org, N2, 4, recent)
        await _accounts(session, org, N3, 7, old)
        await _accounts(session, other, N1, 5, recent)  # another organisation's accounts
        n1_ballots = await _ballots(session, first, n1[:3], N5, recent)
        n1_ballots[0].voided_at = now

        voters = await _accounts(session, org, N6, 6, ancient)  # recent votes
        in_first = await _ballots(session, first, voters[:5], N4, recent, changes=2)
        await _ballots(session, second, voters[5:], N4, recent)
        in_first[1].voided_at = now
        few = await _accounts(session, org, "f" * 32, 2, ancient)
        await _ballots(session, second, few, N5, recent)  # with n1's: 5 ballots on N5
        late = await _accounts(session, org, "e" * 32, 5, ancient)
        await _ballots(session, second, late, N3, old)  # outside the window
        strangers = await _accounts(session, other, "d" * 32, 6, ancient)
        await _ballots(session, elsewhere, strangers, N4, recent)  # another organisation
        await session.commit()

    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        found = await fraud_signals.signals(session, org, now=now)
        assert found.hours == 24 and found.since == now - timedelta(hours=24)
        assert [(s.network, s.count) for s in found.accounts] == [(N1, 6)]
        (accounts,) = found.accounts
        assert accounts.short == N1[: fraud_signals.SHORT_DIGEST]
        assert accounts.first_at == recent and accounts.last_at == recent
        assert [(d.slug, d.ballots, d.voided) for d in accounts.dialogues] == [("d1", 3, 1)]

        assert [(s.network, s.count, s.changes) for s in found.votes] == [
            (N4, 6, 11),
            (N5, 5, 5),
        ]
        shares = {d.slug: (d.ballots, d.voided) for d in found.votes[0].dialogues}
        assert shares == {"d1": (5, 1), "d2": (1, 0)}
        assert [d.slug for d in found.votes[0].dialogues] == ["d1", "d2"]

        lower = await fraud_signals.signals(
            session, org, now=now, accounts_threshold=4, ballots_threshold=6
        )
        assert [(s.network, s.count) for s in lower.accounts] == [(N1, 6), (N2, 4)]
        assert lower.accounts[1].dialogues == []
        assert [s.network for s in lower.votes] == [N4]

        longer = await fraud_signals.signals(session, org, now=now, hours=48)
        assert [(s.network, s.count) for s in longer.accounts] == [(N3, 7), (N1, 6)]
        assert [(s.network, s.count) for s in longer.votes] == [(N4, 6), (N3, 5), (N5, 5)]


@pytest.mark.parametrize(
    ("hours", "accounts", "ballots"),
    [(0, 5, 5), (fraud_signals.MAX_HOURS + 1, 5, 5), (24, 0, 5), (24, 5, 0)],
)
async def test_windows_out_of_bounds_are_refused(
    database: Database, world: World, hours: int, accounts: int, ballots: int
) -> None:
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        with pytest.raises(ValidationFailed):
            await fraud_signals.signals(
                session,
                org,
                now=utcnow(),
                hours=hours,
                accounts_threshold=accounts,
                ballots_threshold=ballots,
            )
