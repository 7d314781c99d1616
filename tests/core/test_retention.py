"""The retention purge removes what each organisation keeps beyond its periods, keeps the
rest, leaves every count as it was, and does nothing more when run again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, utcnow
from core.models import (
    ApiToken,
    AuditEntry,
    Ballot,
    Dialogue,
    Organisation,
    OutboxMessage,
    Proposal,
    SignInToken,
    User,
    UserSession,
    Vote,
    VoteLogEntry,
)
from core.models.ballots import BallotStatus
from core.models.dialogues import DialogueKind
from core.models.proposals import ProposalStatus
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import branding, organisations, retention
from tests.conftest import World

NETWORK = "a" * 32


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    moment = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert retention.months_before(moment, 1) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert retention.months_before(moment, 36) == datetime(2023, 3, 31, 12, 0, tzinfo=UTC)
    assert retention.months_before(moment, 15) == datetime(2024, 12, 31, 12, 0, tzinfo=UTC)


def _user(org: Organisation, name: str, created: datetime, **fields: object) -> User:
    return User(
        organisation_id=org.id,
        email=f"{name}@example.org",
        display_name=name.capitalize(),
        created_at=created,
        **fields,
    )


def _mail(org: Organisation, to: str, created: datetime, **fields: object) -> OutboxMessage:
    return OutboxMessage(
        organisation_id=org.id,
        kind="sign_in",
        recipient=to,
        sender="Ville <ne-pas-repondre@ville.test>",
        subject="Votre lien",
        language="fr",
        text_body="Bonjour",
        html_body="<p>Bonjour</p>",
        created_at=created,
        **fields,
    )


async def _count(session: AsyncSession, model: type, *where: object) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_the_purge_removes_what_is_past_its_period_and_keeps_the_rest(
    database: Database, world: World, plugins: Plugins
) -> None:
    now = utcnow()
    ago = lambda **delta: now - timedelta(**delta)  # noqa: E731
    long_ago = ago(days=40 * 31)
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        other = await organisations.create_organisation(session, slug="autre", name="Autre")
        branding.set_options(
            other,
            branding.OrganisationOptions(
                retention=branding.Retention(inactive_accounts_months=None, sent_emails_days=365)
            ),
        )
        # Accounts of ``org`` (36 months by default).
        gone = _user(org, "ancien", long_ago, last_seen_at=ago(days=38 * 31))
        never = _user(org, "jamais", long_ago)
        signed_in = _user(org, "revenu", long_ago, last_seen_at=ago(days=60))
        seen = _user(org, "vu", long_ago, last_seen_at=long_ago)
        scripted = _user(org, "script", long_ago)
        staff = _user(org, "moderation", long_ago, role=Role.MODERATOR)
        recent = _user(org, "nouveau", ago(days=20), created_network=NETWORK)
        networked = _user(org, "reseau", ago(days=40), created_network=NETWORK)
        keeps_all = _user(other, "ailleurs", long_ago)
        session.add_all(
            [gone, never, signed_in, seen, scripted, staff, recent, networked, keeps_all]
        )
        await session.flush()
        session.add_all(
            [
                # An ended session seen two months ago: the account is active; the
                # session itself goes.
                UserSession(
                    id_hash="1" * 64,
                    user_id=seen.id,
                    created_at=ago(days=90),
                    last_seen_at=ago(days=61),
                    expires_at=ago(days=60),
                ),
                UserSession(
                    id_hash="2" * 64,
                    user_id=world.alice.user.id,
                    created_at=ago(hours=1),
                    last_seen_at=ago(hours=1),
                    expires_at=now + timedelta(days=29),
                ),
                ApiToken(user_id=scripted.id, token_hash="3" * 64, created_at=ago(days=10)),
                ApiToken(user_id=gone.id, token_hash="4" * 64, created_at=long_ago),
            ]
        )
        # The deleted account wrote a proposal and voted: both stay, counted.
        dialogue = Dialogue(
            organisation_id=org.id, slug="budget", title="Budget", kind=DialogueKind.BUDGET
        )
        session.add(dialogue)
        await session.flush()
        proposal = Proposal(
            dialogue_id=dialogue.id,
            author_id=gone.id,
            title="Un jardin",
            status=ProposalStatus.PUBLISHED,
        )
        session.add(proposal)
        await session.flush()
        ballot = Ballot(dialogue_id=dialogue.id, user_id=gone.id, status=BallotStatus.CONFIRMED)
        session.add(ballot)
        await session.flush()
        session.add(Vote(ballot_id=ballot.id, proposal_id=proposal.id, value=1))
        session.add_all(
            [
                VoteLogEntry(
                    dialogue_id=dialogue.id,
                    ballot_id=ballot.id,
                    action="cast",
                    proposal_id=proposal.id,
                    value=1,
                    network=NETWORK,
                    created_at=ago(days=31),
                ),
                VoteLogEntry(
                    dialogue_id=dialogue.id,
                    ballot_id=ballot.id,
                    action="confirm",
                    network=NETWORK,
                    created_at=ago(days=29),
                ),
            ]
        )
        session.add_all(
            [
                _mail(org, "e@example.org", ago(days=120), sent_at=ago(days=100)),
                _mail(org, "a@example.org", ago(days=100), sent_at=ago(days=89)),
                _mail(org, "b@example.org", ago(days=91)),  # never sent
                _mail(org, "c@example.org", ago(days=91), locked_until=now + timedelta(minutes=5)),
                _mail(other, "d@example.org", ago(days=200), sent_at=ago(days=200)),
            ]
        )
        session.add_all(
            [
                SignInToken(
                    organisation_id=org.id,
                    email="x@example.org",
                    token_hash=str(digit) * 64,
                    created_at=ago(minutes=20),
                    expires_at=expires,
                    used_at=used,
                )
                for digit, expires, used in (
                    (5, ago(minutes=5), None),
                    (6, now + timedelta(minutes=10), ago(minutes=1)),
                    (7, now + timedelta(minutes=10), None),
                )
            ]
        )
        await session.commit()
        gone_id, proposal_id, ballot_id, other_id = gone.id, proposal.id, ballot.id, other.id
        ids = {
            "gone": gone.id,
            "never": never.id,
            "recent": recent.id,
            "networked": networked.id,
            "seen": seen.id,
        }

    async with database.session() as session:
        done = await retention.purge(session, plugins, now=now)
    counts = {organisation.slug: counted for organisation, counted in done}
    assert counts == {
        "ville": {
            "accounts": 2,
            "emails": 2,
            "sessions": 1,
            "sign_in_links": 2,
            "account_networks": 1,
            "vote_networks": 1,
        },
        "autre": dict.fromkeys(retention.COUNTS, 0),
    }

    async with database.session() as session:
        remaining = {
            user.id: user for user in await session.scalars(select(User).order_by(User.id))
        }
        deleted = {uid for uid, user in remaining.items() if user.deleted_at is not None}
        assert deleted == {ids["gone"], ids["never"]}
        for uid in deleted:
            assert (remaining[uid].email, remaining[uid].display_name) == (None, "")
        assert await _count(session, ApiToken, ApiToken.user_id == gone_id) == 0
        # The ended session's last visit stays on its account.
        assert remaining[ids["seen"]].last_seen_at == ago(days=61)
        assert remaining[ids["recent"]].created_network == NETWORK
        assert remaining[ids["networked"]].created_network is None
        # The ballot still counts, and the proposal still stands.
        stored = await session.get(Ballot, ballot_id)
        assert stored is not None and stored.status is BallotStatus.CONFIRMED
        assert await _count(session, Vote, Vote.ballot_id == ballot_id) == 1
        assert (await session.get(Proposal, proposal_id)) is not None
        networks = list(
            await session.scalars(select(VoteLogEntry.network).order_by(VoteLogEntry.id))
        )
        assert networks == [None, NETWORK]
        assert sorted(await session.scalars(select(OutboxMessage.recipient))) == [
            "a@example.org",
            "c@example.org",
            "d@example.org",
        ]
        assert list(await session.scalars(select(UserSession.id_hash))) == ["2" * 64]
        assert list(await session.scalars(select(SignInToken.token_hash))) == ["7" * 64]
        entries = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge"))
        )
        assert {(entry.organisation_id, entry.actor_id) for entry in entries} == {
            (world.org.id, None),
            (other_id, None),
        }
        assert sorted(entry.details["accounts"] for entry in entries) == [0, 2]

    # Again: nothing more to do.
    async with database.session() as session:
        again = await retention.purge(session, plugins, now=now)
    assert [counted for _, counted in again] == [dict.fromkeys(retention.COUNTS, 0)] * 2


async def test_an_organisation_may_keep_accounts_for_ever(
    database: Database, world: World, plugins: Plugins
) -> None:
    now = utcnow()
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        session.add(_user(org, "ancien", now - timedelta(days=3800)))
        await session.commit()
        assert len(await retention.inactive_accounts(session, org, now=now)) == 1
        branding.set_options(
            org,
            branding.OrganisationOptions(
                retention=branding.Retention(inactive_accounts_months=None)
            ),
        )
        await session.commit()
        assert await retention.inactive_accounts(session, org, now=now) == []
        branding.set_options(
            org,
            branding.OrganisationOptions(
                retention=branding.Retention(inactive_accounts_months=120)
            ),
        )
        assert await retention.inactive_accounts(session, org, now=now) != []
        [(_, counts)] = await retention.purge(session, plugins, now=now, slug="ville")
    assert counts["accounts"] == 1
