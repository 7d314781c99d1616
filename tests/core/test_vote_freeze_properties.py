"""Properties of the freeze, on random interleavings of staff changes (vote settings, phase
switches, costs, candidate withdrawals) and citizens' ballot changes: every counted ballot
is valid under the configuration in force at its last change, a refused staff change
leaves everything as it was, and the results equal the recount from the vote log."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.db import Database, utcnow
from core.errors import DomainError
from core.models import Ballot, Dialogue, Proposal
from core.models.ballots import BallotStatus
from core.plugin_manager import Plugins
from core.services import ballot_box, ballots, candidates, dialogues, phases, proposals, recount
from core.services.results import compute_results
from core.specs import DialogueSpec, PhaseSpec, ProposalReview, VoteSpec
from tests.conftest import World

COSTS = [10, 30, 60, 40, 20]
CITIZENS = 3
#: Refusals a citizen may get: a rule, a closed vote, a withdrawn candidate.
VOTE_REFUSALS = {
    "vote.max_exceeded",
    "vote.budget_exceeded",
    "vote.min_not_reached",
    "vote.not_in_vote",
    "vote.phase_closed",
}
#: Refusals staff may get: the freeze, a proposal no longer in the vote.
STAFF_REFUSALS = {"vote.config_frozen", "proposal.not_candidate"}

index = st.integers(0, len(COSTS) - 1)
citizen = st.integers(0, CITIZENS - 1)
operation = st.one_of(
    st.tuples(st.just("cast"), citizen, index),
    st.tuples(st.just("cast"), citizen, index),
    st.tuples(st.just("withdraw"), citizen, index),
    st.tuples(st.just("replace"), citizen, st.lists(index, max_size=4, unique=True)),
    st.tuples(st.just("settings"), st.integers(1, 3), st.sampled_from([None, 30, 50, 150])),
    st.tuples(st.just("settings"), st.integers(1, 3), st.sampled_from([None, 30, 50, 150])),
    st.tuples(st.just("phase"), st.sampled_from(["proposals", "vote", "vote", "results"])),
    st.tuples(st.just("cost"), index, st.sampled_from([5, 25, 70, 200])),
    st.tuples(st.just("cost"), index, st.sampled_from([5, 25, 70, 200])),
    st.tuples(st.just("withdraw_candidate"), index),
)

slugs = itertools.count()


async def new_dialogue(database: Database, plugins: Plugins, world: World) -> tuple[int, list[int]]:
    async with database.session() as session:
        spec = DialogueSpec(
            slug=f"gel-{next(slugs)}",
            title="Gel",
            kind="budget",
            vote=VoteSpec(type="support", settings={"max_votes": 3, "budget_limit": 100}),
            phases=[
                PhaseSpec(
                    kind="proposals",
                    starts_at=utcnow() - timedelta(hours=2),
                    ends_at=utcnow() - timedelta(hours=1),
                ),
                PhaseSpec(kind="vote", starts_at=utcnow() - timedelta(hours=1)),
                PhaseSpec(kind="results"),
            ],
        )
        dialogue = await dialogues.create_dialogue(session, plugins, world.org, spec)
        made = [
            Proposal(
                dialogue_id=dialogue.id,
                author_id=world.alice.user.id,
                title=f"Proposition {n}",
                status="published",
                cost=cost,
                published_at=utcnow(),
            )
            for n, cost in enumerate(COSTS)
        ]
        session.add_all(made)
        await session.commit()
        return dialogue.id, [p.id for p in made]


async def snapshot(database: Database, dialogue_id: int) -> tuple[Any, ...]:
    """What the staff changes touch: the vote settings, the phases' dates, the costs and
    statuses."""
    async with database.session() as session:
        dialogue = await session.get_one(Dialogue, dialogue_id)
        await session.refresh(dialogue, ["phases"])
        found = await session.execute(
            select(Proposal.id, Proposal.cost, Proposal.status, Proposal.withdrawn_at)
            .where(Proposal.dialogue_id == dialogue_id)
            .order_by(Proposal.id)
        )
        return (
            dialogue.vote_settings,
            [(p.kind, p.starts_at, p.ends_at) for p in dialogue.phases],
            list(found),
        )


async def staff_change(
    database: Database, plugins: Plugins, world: World, dialogue_id: int, ids: list[int], op: Any
) -> None:
    before = await snapshot(database, dialogue_id)
    async with database.session() as session:
        dialogue = await session.get_one(Dialogue, dialogue_id)
        await session.refresh(dialogue, ["phases"])
        now = utcnow()
        try:
            match op:
                case ("settings", most, limit):
                    vote = VoteSpec(
                        type="support", settings={"max_votes": most, "budget_limit": limit}
                    )
                    await dialogues.update_dialogue(
                        session, plugins, world.org, dialogue, DialogueSpec(vote=vote)
                    )
                case ("phase", kind):
                    await phases.switch_phase(session, plugins, dialogue, kind, now)
                case ("cost", n, cost):
                    proposal = await session.get_one(Proposal, ids[n])
                    await proposals.review_proposal(
                        session, plugins, dialogue, proposal, ProposalReview(cost=cost), now=now
                    )
                case ("withdraw_candidate", n):
                    proposal = await session.get_one(Proposal, ids[n])
                    await candidates.withdraw_candidate(
                        session, plugins, dialogue, proposal, reason="Inéligible", now=now
                    )
            await session.commit()
        except DomainError as error:
            assert error.code in STAFF_REFUSALS, (op, error.code, error.detail)
            await session.rollback()
            assert await snapshot(database, dialogue_id) == before, op


async def ballot_change(
    database: Database, plugins: Plugins, dialogue_id: int, ids: list[int], who: Any, op: Any
) -> None:
    async with database.session() as session:
        dialogue = await session.get_one(Dialogue, dialogue_id)
        await session.refresh(dialogue, ["phases"])
        now = utcnow()
        try:
            match op:
                case ("cast", _, n):
                    await ballots.cast_vote(session, plugins, dialogue, who, ids[n], None, now=now)
                case ("withdraw", _, n):
                    await ballots.withdraw_vote(session, plugins, dialogue, who, ids[n], now=now)
                case ("replace", _, chosen):
                    pairs = [(ids[n], None) for n in chosen]
                    await ballots.replace_ballot(session, plugins, dialogue, who, pairs, now=now)
            await session.commit()
        except DomainError as error:
            assert error.code in VOTE_REFUSALS, (op, error.code, error.detail)


async def check(database: Database, plugins: Plugins, dialogue_id: int) -> None:
    """Every ballot valid under the stored configuration (the configuration of its last
    change: the freeze allows no other), and the results equal to the recount."""
    async with database.session() as session:
        dialogue = await session.get_one(Dialogue, dialogue_id)
        await session.refresh(dialogue, ["phases"])
        rules = ballot_box.vote_rules(plugins, dialogue)
        stored = list(
            await session.scalars(select(Ballot).where(Ballot.dialogue_id == dialogue_id))
        )
        loaded = await ballot_box.load_votes(session, [b.id for b in stored])
        for ballot in stored:
            state = ballot_box.BallotState(dialogue, ballot, *loaded[ballot.id])
            if ballot.status == BallotStatus.CONFIRMED:
                rules.kind.judge(rules.settings, state.content())
            withdrawn = await session.scalars(
                select(Proposal.id).where(
                    Proposal.id.in_(list(state.votes)), Proposal.withdrawn_at.is_not(None)
                )
            )
            assert not list(withdrawn), "a withdrawn candidate kept a vote"
        report = await recount.recount(session, plugins, dialogue)
        assert report.ok, report.differences
        results = await compute_results(session, plugins, dialogue)
    assert results["ballots_counted"] == report.from_log.ballots_counted
    assert {p["id"]: p["tally"] for p in results["proposals"]} == report.from_log.proposals


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operation, min_size=5, max_size=30))
async def test_staff_changes_interleaved_with_votes_never_invalidate_a_counted_ballot(
    database: Database, plugins: Plugins, world: World, steps: list[Any]
) -> None:
    dialogue_id, ids = await new_dialogue(database, plugins, world)
    citizens = [world.alice.user, world.bob.user, world.admin.user]
    for op in steps:
        if op[0] in {"cast", "withdraw", "replace"}:
            await ballot_change(database, plugins, dialogue_id, ids, citizens[op[1]], op)
        else:
            await staff_change(database, plugins, world, dialogue_id, ids, op)
        await check(database, plugins, dialogue_id)
