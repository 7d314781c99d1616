"""Races between the two workers of a real server (``participe serve --workers 2``), on
SQLite or PostgreSQL: what a worker's snapshot of a dialogue (kept 2 seconds, as in
production) or its cache of results still holds must never decide a vote, a rule or a
result, and the organisation always keeps an administrator.

Each test repeats a short trial :data:`TRIALS` times on data committed beforehand: a
fresh dialogue that both workers have served (so each holds its snapshot), then requests
released together, one connection each, spread over both workers. A trial's failures are
collected, and the test reports all of them at the end, with how many trials showed one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.db import Database, begin_write, utcnow
from core.models import Ballot, Dialogue, Organisation, Proposal, User, Vote, VoteLogEntry
from core.models.ballots import BallotStatus
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import ballots, dialogues, recount
from participe.testing import VoteSetup, put_vote, switch_phase, vote_dialogue
from tests.ballot_helpers import Client
from tests.conftest import Person, World
from tests.live_workers import Answer, Call, LiveWorkers

#: Trials of each race; one takes from a few hundred milliseconds to about a second.
TRIALS = 20

pytestmark = pytest.mark.live_workers
VOTERS = 8
ADMIN_DIALOGUES = "/api/v1/admin/dialogues"


async def citizens(world: World, count: int, prefix: str = "votant") -> list[Person]:
    return [await world.person(f"{prefix}-{index}@example.org") for index in range(count)]


def dialogue_path(setup: VoteSetup) -> str:
    return f"/api/v1/dialogues/{setup.slug}"


def vote_call(person: Person, setup: VoteSetup, proposal_id: int) -> Call:
    return Call("PUT", setup.vote(proposal_id), person.headers, json={})


def every_vote(voters: Sequence[Person], setup: VoteSetup) -> list[Call]:
    """Each voter's vote for each of the dialogue's proposals."""
    return [vote_call(voter, setup, pid) for voter in voters for pid in setup.proposals]


def outcomes(answers: Sequence[Answer]) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = {}
    for answer in answers:
        key = (answer.status_code, answer.code)
        counts[key] = counts.get(key, 0) + 1
    return counts


async def counted_ballots(database: Database, slug: str) -> list[list[int]]:
    """The proposals of every counted ballot of the dialogue, read from the database."""
    async with database.session() as session:
        rows = await session.execute(
            select(Ballot.id, Vote.proposal_id)
            .join(Vote, Vote.ballot_id == Ballot.id)
            .join(Dialogue, Dialogue.id == Ballot.dialogue_id)
            .where(
                Dialogue.slug == slug,
                Ballot.status == BallotStatus.CONFIRMED,
                Ballot.voided_at.is_(None),
            )
        )
        found: dict[int, list[int]] = {}
        for ballot_id, proposal_id in rows:
            found.setdefault(ballot_id, []).append(proposal_id)
        return list(found.values())


async def stored_dialogue(database: Database, slug: str) -> Dialogue:
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == slug))
        assert dialogue is not None
        return dialogue


async def vote_entries(database: Database, slug: str) -> int:
    async with database.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(VoteLogEntry)
            .join(Dialogue, Dialogue.id == VoteLogEntry.dialogue_id)
            .where(Dialogue.slug == slug)
        )
        return count or 0


def report(problems: list[str]) -> str:
    trials = len({problem.split(":", 1)[0] for problem in problems})
    return f"{trials}/{TRIALS} trials failed:\n" + "\n".join(problems)


# -- the vote phase closes and opens ------------------------------------------------


async def test_a_closed_vote_refuses_every_voter_on_every_worker(
    client: Client, world: World, live_workers: LiveWorkers, database: Database
) -> None:
    voters = await citizens(world, VOTERS)
    problems: list[str] = []
    for trial in range(TRIALS):
        setup = await vote_dialogue(
            client, world, {"type": "support", "settings": {}}, slug=f"fermeture-{trial}"
        )
        # Cast before the switch: it stays, and is the only vote of the dialogue.
        assert (await put_vote(client, world.bob, setup, setup.proposals[0])).status_code == 200
        logged = await vote_entries(database, setup.slug)
        await live_workers.warm(dialogue_path(setup))
        async with live_workers.client() as http:
            switched = await http.post(
                f"{ADMIN_DIALOGUES}/{setup.slug}/phase",
                json={"kind": "results"},
                headers=world.admin.headers,
            )
        assert switched.status_code == 200, switched.text
        answers = await live_workers.at_once(
            [vote_call(voter, setup, setup.proposals[1]) for voter in voters]
        )
        if outcomes(answers) != {(409, "vote.phase_closed"): VOTERS}:
            problems.append(f"{trial}: votes after the close answered {outcomes(answers)}")
        if (entries := await vote_entries(database, setup.slug)) != logged:
            problems.append(f"{trial}: {entries - logged} vote-log entries after the close")
        if (ballots_now := await counted_ballots(database, setup.slug)) != [[setup.proposals[0]]]:
            problems.append(f"{trial}: counted ballots after the close {ballots_now}")
    assert not problems, report(problems)


async def test_an_opened_vote_accepts_voters_at_once_on_every_worker(
    client: Client, world: World, live_workers: LiveWorkers, database: Database
) -> None:
    voters = await citizens(world, VOTERS)
    problems: list[str] = []
    for trial in range(TRIALS):
        setup = await vote_dialogue(
            client, world, {"type": "support", "settings": {}}, slug=f"ouverture-{trial}"
        )
        await switch_phase(client, world.admin.headers, setup.slug, "proposals")
        await live_workers.warm(dialogue_path(setup))
        async with live_workers.client() as http:
            switched = await http.post(
                f"{ADMIN_DIALOGUES}/{setup.slug}/phase",
                json={"kind": "vote"},
                headers=world.admin.headers,
            )
        assert switched.status_code == 200, switched.text
        answers = await live_workers.at_once(
            [vote_call(voter, setup, setup.proposals[0]) for voter in voters]
        )
        if outcomes(answers) != {(200, ""): VOTERS}:
            problems.append(f"{trial}: votes once the vote opened answered {outcomes(answers)}")
        if len(counted := await counted_ballots(database, setup.slug)) != VOTERS:
            problems.append(f"{trial}: {len(counted)} counted ballots, {VOTERS} expected")
    assert not problems, report(problems)


# -- the vote's configuration is frozen while it is open ------------------------------


@pytest.mark.parametrize("moment", ["before_the_votes", "with_the_votes"])
async def test_a_maximum_tightened_during_the_vote_is_refused_and_never_exceeded(
    client: Client, world: World, live_workers: LiveWorkers, database: Database, moment: str
) -> None:
    """``max_votes`` 3 and the vote open, no vote yet: lowering it to 1 is refused
    (``vote.config_frozen``); whatever the answer, no counted ballot holds more votes
    than the stored maximum once 8 citizens voted for 3 proposals each."""
    voters = await citizens(world, VOTERS)
    problems: list[str] = []
    tightened = {"vote": {"type": "support", "settings": {"max_votes": 1}}}
    for trial in range(TRIALS):
        setup = await vote_dialogue(
            client,
            world,
            {"type": "support", "settings": {"max_votes": 3}},
            slug=f"maximum-{trial}",
        )
        await live_workers.warm(dialogue_path(setup))
        patch = Call("PATCH", f"{ADMIN_DIALOGUES}/{setup.slug}", world.admin.headers, tightened)
        if moment == "before_the_votes":
            patched, *_ = await live_workers.at_once([patch], spread=False)
            votes = await live_workers.at_once(every_vote(voters, setup))
        else:
            patched, *votes = await live_workers.at_once([patch, *every_vote(voters, setup)])
        if (patched.status_code, patched.code) != (409, "vote.config_frozen"):
            problems.append(f"{trial}: the PATCH answered {patched.status_code} {patched.code!r}")
        maximum = (await stored_dialogue(database, setup.slug)).vote_settings.get("max_votes")
        over = [
            ballot
            for ballot in await counted_ballots(database, setup.slug)
            if maximum is not None and len(ballot) > maximum
        ]
        if over:
            problems.append(
                f"{trial}: {len(over)} counted ballot(s) over the stored max_votes {maximum} "
                f"(votes answered {outcomes(votes)})"
            )
    assert not problems, report(problems)


@pytest.mark.parametrize("moment", ["after_the_votes", "with_the_votes"])
async def test_a_cost_edited_during_the_vote_is_refused_and_no_ballot_exceeds_the_budget(
    client: Client, world: World, live_workers: LiveWorkers, database: Database, moment: str
) -> None:
    """``budget_limit`` 150 and three proposals of 50: every citizen supports all three.
    The author raising one cost to 100 while the vote is open is refused
    (``proposal.frozen``), and no counted ballot costs more than 150 at the stored costs."""
    voters = await citizens(world, VOTERS)
    problems: list[str] = []
    limit = 150
    for trial in range(TRIALS):
        setup = await vote_dialogue(
            client,
            world,
            {"type": "support", "settings": {"budget_limit": limit}},
            slug=f"cout-{trial}",
            costs=[50, 50, 50],
            author=world.alice,
        )
        await live_workers.warm(dialogue_path(setup))
        edit = Call(
            "PATCH", f"/api/v1/proposals/{setup.proposals[0]}", world.alice.headers, {"cost": 100}
        )
        if moment == "after_the_votes":
            votes = await live_workers.at_once(every_vote(voters, setup))
            edited, *_ = await live_workers.at_once([edit], spread=False)
        else:
            edited, *votes = await live_workers.at_once([edit, *every_vote(voters, setup)])
        if (edited.status_code, edited.code) != (409, "proposal.frozen"):
            problems.append(f"{trial}: the cost edit answered {edited.status_code} {edited.code!r}")
        async with database.session() as session:
            costs = dict(
                (
                    await session.execute(
                        select(Proposal.id, Proposal.cost).where(Proposal.id.in_(setup.proposals))
                    )
                ).all()
            )
        over = [
            ballot
            for ballot in await counted_ballots(database, setup.slug)
            if sum(costs[pid] or 0 for pid in ballot) > limit
        ]
        if over:
            problems.append(
                f"{trial}: {len(over)} counted ballot(s) over the budget limit {limit} at the "
                f"stored costs {costs} (votes answered {outcomes(votes)})"
            )
    assert not problems, report(problems)


# -- the results are the recount's ---------------------------------------------------


async def recounted(database: Database, plugins: Plugins, slug: str) -> dict[str, Any]:
    """What ``participe recount`` finds: the tally of the counted ballots, checked
    against the one rebuilt from the vote log."""
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == slug))
        assert dialogue is not None
        found = await recount.recount(session, plugins, dialogue)
    assert found.ok, found.differences
    return {
        "ballots_counted": found.from_ballots.ballots_counted,
        "proposals": {str(pid): tally for pid, tally in found.from_ballots.proposals.items()},
    }


def served_results(answer: Answer) -> dict[str, Any]:
    assert answer.status_code == 200, answer.response.text
    body = answer.response.json()
    return {
        "ballots_counted": body["ballots_counted"],
        "proposals": {str(item["id"]): item["tally"] for item in body["proposals"]},
    }


async def test_the_results_equal_the_recount_after_a_late_commit(
    client: Client,
    world: World,
    live_workers: LiveWorkers,
    database: Database,
    plugins: Plugins,
) -> None:
    """A vote whose transaction took its place in the vote log first but commits last
    (held open in this process while another vote commits through a worker, and while
    both workers compute and cache the results) must be in the results once committed:
    the results equal the recount. On SQLite the held transaction makes the other vote
    wait for it, so the commits come in order there; the results must agree all the same.
    """
    voters = await citizens(world, 6)
    late = voters[-1]
    problems: list[str] = []
    results = "/api/v1/dialogues/{slug}/results"
    for trial in range(TRIALS):
        setup = await vote_dialogue(
            client, world, {"type": "support", "settings": {}}, slug=f"tardif-{trial}"
        )
        path = results.format(slug=setup.slug)
        first = await live_workers.at_once(
            [vote_call(voter, setup, setup.proposals[0]) for voter in voters[:4]]
        )
        assert outcomes(first) == {(200, ""): 4}, outcomes(first)
        async with database.session() as held:
            await begin_write(held)
            org = await held.get(Organisation, world.org.id)
            user = await held.get(User, late.user.id)
            assert org is not None and user is not None
            dialogue = await dialogues.get_dialogue(held, org, setup.slug)
            await ballots.cast_vote(
                held, plugins, dialogue, user, setup.proposals[1], None, now=utcnow()
            )
            # Another vote, logged after the held one, commits first (PostgreSQL) or
            # waits for the held transaction (SQLite).
            other = asyncio.create_task(
                live_workers.at_once(
                    [vote_call(voters[4], setup, setup.proposals[2])], spread=False
                )
            )
            await asyncio.wait({other}, timeout=0.3)
            before = await live_workers.at_once([Call("GET", path, world.admin.headers)] * 4)
            assert all(answer.status_code == 200 for answer in before)
            await held.commit()
        (answer,) = await other
        assert answer.status_code == 200, answer.response.text
        expected = await recounted(database, plugins, setup.slug)
        assert expected["ballots_counted"] == 6
        after = await live_workers.at_once([Call("GET", path, world.admin.headers)] * 4)
        for answer in after:
            if (served := served_results(answer)) != expected:
                problems.append(
                    f"{trial}: worker {answer.worker} served {served}, the recount is {expected}"
                )
    assert not problems, report(problems)


async def test_the_results_equal_the_recount_after_votes_and_reads_at_once(
    client: Client,
    world: World,
    live_workers: LiveWorkers,
    database: Database,
    plugins: Plugins,
) -> None:
    """Votes and reads of the results released together on both workers: once every
    vote committed, every worker serves the recount's results."""
    voters = await citizens(world, VOTERS)
    problems: list[str] = []
    for trial in range(TRIALS):
        setup = await vote_dialogue(
            client, world, {"type": "support", "settings": {}}, slug=f"lecture-{trial}"
        )
        path = f"/api/v1/dialogues/{setup.slug}/results"
        reads = [Call("GET", path, world.admin.headers)] * 4
        calls = [
            vote_call(voter, setup, setup.proposals[index % 3])
            for index, voter in enumerate(voters)
        ]
        answers = await live_workers.at_once([*reads, *calls])
        assert outcomes(answers[len(reads) :]) == {(200, ""): VOTERS}
        expected = await recounted(database, plugins, setup.slug)
        for answer in await live_workers.at_once(reads):
            if (served := served_results(answer)) != expected:
                problems.append(
                    f"{trial}: worker {answer.worker} served {served}, the recount is {expected}"
                )
    assert not problems, report(problems)


# -- the last administrator -----------------------------------------------------------


async def administrators(database: Database, org: Organisation) -> int:
    async with database.session() as session:
        count = await session.scalar(
            select(func.count()).where(
                User.organisation_id == org.id,
                User.role == Role.ADMIN,
                User.deleted_at.is_(None),
            )
        )
        return count or 0


def demote(actor: Person, target: Person) -> Call:
    return Call(
        "POST", f"/admin/people/{target.user.id}/role", actor.headers, data={"role": "citizen"}
    )


def delete_own_account(person: Person) -> Call:
    return Call("DELETE", "/api/v1/me", person.headers)


def acceptable(call: Call, answer: Answer) -> bool:
    """Whether a request of the races answered as it may: done, refused by the rule, or
    refused because its author lost their role (or account) to the other request first."""
    refused = (answer.status_code, answer.code) == (409, "role.last_admin")
    if call.method == "DELETE":
        return answer.status_code in (204, 401) or refused
    if answer.status_code in (401, 403):
        return True
    location = answer.response.headers.get("location", "")
    return answer.status_code == 303 and any(
        mark in location for mark in ("role_changed", "error=role.last_admin", "error=not_found")
    )


@pytest.mark.parametrize(
    "race",
    ["demote_each_other", "demote_the_other_and_delete_oneself", "both_delete_themselves"],
)
async def test_two_administrators_at_once_leave_one(
    world: World, live_workers: LiveWorkers, database: Database, race: str
) -> None:
    """The organisation's only two administrators each take away one administrator at
    the same instant, on two workers: at least one administrator remains."""
    problems: list[str] = []
    for trial in range(TRIALS):
        async with database.session() as session:
            await session.execute(
                update(User)
                .where(User.organisation_id == world.org.id, User.role == Role.ADMIN)
                .values(role=Role.CITIZEN)
            )
            await session.commit()
        first = await world.person(f"admin-a-{trial}@ville.test", Role.ADMIN)
        second = await world.person(f"admin-b-{trial}@ville.test", Role.ADMIN)
        calls = {
            "demote_each_other": [demote(first, second), demote(second, first)],
            "demote_the_other_and_delete_oneself": [
                demote(first, second),
                delete_own_account(first),
            ],
            "both_delete_themselves": [delete_own_account(first), delete_own_account(second)],
        }[race]
        answers = await live_workers.at_once(calls)
        for call, answer in zip(calls, answers, strict=True):
            if not acceptable(call, answer):
                location = answer.response.headers.get("location", "")
                problems.append(
                    f"{trial}: {call.method} {call.path} answered {answer.status_code} "
                    f"{answer.code!r} {location}"
                )
        if (left := await administrators(database, world.org)) < 1:
            problems.append(f"{trial}: {left} administrator left")
    assert not problems, report(problems)
