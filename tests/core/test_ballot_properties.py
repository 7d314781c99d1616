"""Properties of the ballot engine, on random sequences of changes by a few citizens:
every ballot stays valid for its rules, a refused change leaves the ballot as it was, and
the recount from the vote log equals the tally."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.db import Database, utcnow
from core.errors import DomainError
from core.models import Ballot, Dialogue, Proposal
from core.models.ballots import BallotStatus
from core.models.proposals import ProposalStatus
from core.plugin_manager import Plugins
from core.services import ballot_box, ballots, dialogues, recount
from core.specs import DialogueSpec, PhaseSpec, VoteSpec
from tests.conftest import World

junk = st.one_of(st.none(), st.integers(-1, 12), st.sampled_from(["yes", "no", "maybe"]))
#: Each vote type with its settings and the values citizens send (mostly valid ones).
VOTES = [
    ("support", {"max_votes": 3, "budget_limit": 100, "min_votes": 1}, st.sampled_from([None, 1])),
    (
        "binary",
        {"options": ["for", "against", "neutral"], "max_votes": 3, "min_votes": 2},
        st.sampled_from(["for", "against", "neutral"]),
    ),
    (
        "points",
        {"mode": "distribute", "points_budget": 10, "max_per_proposal": 6},
        st.integers(1, 7),
    ),
    (
        "points",
        {"mode": "scale", "scale_max": 3, "max_votes": 2, "min_votes": 1},
        st.integers(0, 3),
    ),
    ("ranked", {"max_ranks": 3, "min_ranks": 2}, st.integers(1, 4)),
]
COSTS = [None, 10, 30, 60, 40, 0]
STATUSES = [ProposalStatus.PUBLISHED] * 4 + [ProposalStatus.ACCEPTED, ProposalStatus.REFUSED]
REFUSALS = {
    "vote.max_exceeded",
    "vote.min_not_reached",
    "vote.points_exceeded",
    "vote.budget_exceeded",
    "vote.invalid_value",
    "vote.not_in_vote",
}
CITIZENS = 3

#: Proposal indices: 0 to 4 are in the vote, 5 was refused (drawn less often).
indices = st.sampled_from([0, 1, 2, 3, 4] * 3 + [5])


def operations(values: st.SearchStrategy[Any]) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    value = st.sampled_from([values] * 4 + [junk]).flatmap(lambda chosen: chosen)
    citizen = st.sampled_from(range(CITIZENS))
    kind = st.sampled_from(["cast"] * 5 + ["withdraw"] * 2 + ["replace"] * 2 + ["confirm"])

    @st.composite
    def operation(draw: st.DrawFn) -> tuple[Any, ...]:
        chosen = draw(kind)
        who = draw(citizen)
        if chosen == "cast":
            return (chosen, who, draw(indices), draw(value))
        if chosen == "withdraw":
            return (chosen, who, draw(indices))
        if chosen == "replace":
            return (chosen, who, draw(st.dictionaries(indices, value, max_size=5)))
        return (chosen, who)

    return st.lists(operation(), min_size=5, max_size=40)


slugs = itertools.count()


async def new_dialogue(
    database: Database, plugins: Plugins, world: World, vote: tuple[Any, ...]
) -> tuple[int, list[int]]:
    async with database.session() as session:
        spec = DialogueSpec(
            slug=f"proprietes-{next(slugs)}",
            title="Propriétés",
            kind="budget",
            vote=VoteSpec(type=vote[0], settings=vote[1]),
            phases=[PhaseSpec(kind="vote", starts_at=utcnow() - timedelta(hours=1))],
        )
        dialogue = await dialogues.create_dialogue(session, plugins, world.org, spec)
        proposals = [
            Proposal(
                dialogue_id=dialogue.id,
                author_id=world.alice.user.id,
                title=f"Proposition {index}",
                status=status,
                cost=cost,
                published_at=utcnow(),
            )
            for index, (status, cost) in enumerate(zip(STATUSES, COSTS, strict=True))
        ]
        session.add_all(proposals)
        await session.commit()
        return dialogue.id, [proposal.id for proposal in proposals]


async def apply(
    database: Database,
    plugins: Plugins,
    dialogue_id: int,
    proposals: list[int],
    citizen: Any,
    operation: tuple[Any, ...],
) -> None:
    """Runs one change in its own session; a refusal must carry a rule's code and leave
    the ballot unchanged."""
    async with database.session() as session:
        dialogue = await session.get(Dialogue, dialogue_id)
        assert dialogue is not None
        before = await ballot_box.read_ballot(session, dialogue, citizen)
        before_votes, before_status = dict(before.votes), before.status
        await session.commit()
        now = utcnow()
        try:
            match operation:
                case ("cast", _, index, value):
                    await ballots.cast_vote(
                        session, plugins, dialogue, citizen, proposals[index], value, now=now
                    )
                case ("withdraw", _, index):
                    await ballots.withdraw_vote(
                        session, plugins, dialogue, citizen, proposals[index], now=now
                    )
                case ("replace", _, votes):
                    pairs = [(proposals[index], value) for index, value in votes.items()]
                    await ballots.replace_ballot(
                        session, plugins, dialogue, citizen, pairs, now=now
                    )
                case ("confirm", _):
                    await ballots.confirm_ballot(session, plugins, dialogue, citizen, now=now)
            await session.commit()
        except DomainError as error:
            assert error.code in REFUSALS, (operation, error.code, error.detail)
            after = await ballot_box.read_ballot(session, dialogue, citizen)
            assert (after.votes, after.status) == (before_votes, before_status), operation


async def check_ballots(database: Database, plugins: Plugins, dialogue_id: int, vote: str) -> None:
    async with database.session() as session:
        dialogue = await session.get(Dialogue, dialogue_id)
        assert dialogue is not None
        rules = ballot_box.vote_rules(plugins, dialogue)
        stored = list(
            await session.scalars(select(Ballot).where(Ballot.dialogue_id == dialogue_id))
        )
        loaded = await ballot_box.load_votes(session, [ballot.id for ballot in stored])
        for ballot in stored:
            state = ballot_box.BallotState(dialogue, ballot, *loaded[ballot.id])
            rules.kind.judge(rules.settings, state.content())
            confirmed = ballot.status == BallotStatus.CONFIRMED
            if rules.min_votes == 0:
                assert confirmed == bool(state.votes), vote
            elif confirmed:
                assert len(state.votes) >= rules.min_votes, vote
        report = await recount.recount(session, plugins, dialogue)
    assert report.ok, report.differences


@pytest.mark.parametrize("vote", VOTES, ids=[f"{kind}-{n}" for n, (kind, *_) in enumerate(VOTES)])
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_any_sequence_keeps_ballots_valid_and_the_log_exact(
    database: Database,
    plugins: Plugins,
    world: World,
    vote: tuple[str, dict[str, Any], st.SearchStrategy[Any]],
    data: st.DataObject,
) -> None:
    steps = data.draw(operations(vote[2]), label="steps")
    dialogue_id, proposals = await new_dialogue(database, plugins, world, vote[:2])
    citizens = [world.alice.user, world.bob.user, world.admin.user]
    for operation in steps:
        await apply(database, plugins, dialogue_id, proposals, citizens[operation[1]], operation)
    await check_ballots(database, plugins, dialogue_id, vote[0])
