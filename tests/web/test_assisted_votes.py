"""Assisted voting at the desk: staff cast the ballot of a person seen at the town hall,
held by a desk account and judged like an online ballot; counted in the results, logged
as assisted in the vote log and the audit log; one vote per person, online or at the desk,
also when both come at the same instant."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import select

from core.db import Database
from core.models import AuditEntry, Dialogue, IdentityVote, User, UserVerification, VoteLogEntry
from core.models.users import Role
from participe.testing import VoteSetup, put_vote, vote_dialogue
from tests.ballot_helpers import Client
from tests.conftest import LiveServer, Person, World
from tests.results_helpers import read_results
from tests.web.test_verification import ELODIE, JEAN, SUPPORT, at_desk, ballots_of

TRIALS = 5


def assisted_url(slug: str) -> str:
    return f"/api/v1/admin/dialogues/{slug}/assisted-ballots"


async def desk_dialogue(client: Client, world: World, slug: str = "guichet") -> VoteSetup:
    return await vote_dialogue(client, world, SUPPORT, slug=slug, modules={"desk": {}})


async def assisted(
    client: Client, staff: Person, setup: VoteSetup, who: dict[str, str], proposals: list[int]
) -> httpx.Response:
    body = {**who, "votes": [{"proposal_id": proposal} for proposal in proposals]}
    response: httpx.Response = await client.post(
        assisted_url(setup.slug), json=body, headers=staff.headers
    )
    return response


async def test_staff_cast_an_assisted_ballot_counted_and_logged_as_assisted(
    client: Client, world: World, database: Database
) -> None:
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)
    setup = await desk_dialogue(client, world)
    cast = await assisted(client, moderator, setup, JEAN, setup.proposals[:2])
    assert cast.status_code == 201, cast.text
    assert cast.json()["counted"] is True
    assert [vote["proposal_id"] for vote in cast.json()["votes"]] == setup.proposals[:2]

    results = (await read_results(client, setup.slug, world.admin)).json()
    assert results["ballots_counted"] == 1, results

    async with database.session() as session:
        dialogue_id = await session.scalar(select(Dialogue.id).where(Dialogue.slug == setup.slug))
        reasons = (
            await session.scalars(
                select(VoteLogEntry.reason).where(VoteLogEntry.dialogue_id == dialogue_id)
            )
        ).all()
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "vote.assisted"))
        desk_account = (
            await session.execute(
                select(User, UserVerification).join(
                    UserVerification, UserVerification.user_id == User.id
                )
            )
        ).one()
    assert reasons and set(reasons) == {f"assisted:staff:{moderator.user.id}"}
    assert entry is not None and entry.actor_id == moderator.user.id
    assert entry.target == f"dialogue:{setup.slug}"
    logged = f"{entry.target} {entry.details}".lower()
    assert "martin" not in logged and "1975" not in logged and "75012" not in logged
    user, verified = desk_account
    assert user.email is None and verified.method == "desk"
    assert verified.verified_by_id == moderator.user.id

    listed = await client.get("/admin/verification", headers=moderator.headers)
    assert "compte du guichet" in listed.text and "Martin" not in listed.text

    # The person votes once: a second visit to the desk is refused.
    again = await assisted(client, world.admin, setup, JEAN, setup.proposals[2:])
    assert again.status_code == 409 and again.json()["code"] == "vote.identity_already_voted"
    # Their desk account serves them in another dialogue.
    other = await desk_dialogue(client, world, "autre-guichet")
    assert (await assisted(client, moderator, other, JEAN, other.proposals[:1])).status_code == 201
    async with database.session() as session:
        accounts = (await session.scalars(select(UserVerification.user_id))).all()
    assert len(accounts) == 1


async def test_the_desk_refuses_citizens_bad_fields_and_dialogues_without_a_desk(
    client: Client, world: World
) -> None:
    setup = await desk_dialogue(client, world)
    citizen = await assisted(client, world.alice, setup, JEAN, setup.proposals[:1])
    assert citizen.status_code == 403
    anonymous = await client.post(assisted_url(setup.slug), json={**JEAN, "votes": []})
    assert anonymous.status_code == 401
    unreadable = await assisted(
        client, world.admin, setup, {**JEAN, "birth_date": "demain"}, setup.proposals[:1]
    )
    assert unreadable.status_code == 422 and unreadable.json()["code"] == "validation"
    assert "birth_date" in unreadable.text
    plain = await vote_dialogue(client, world, SUPPORT, slug="sans-guichet")
    refused = await assisted(client, world.admin, plain, JEAN, plain.proposals[:1])
    assert refused.status_code == 404 and refused.json()["code"] == "desk.not_enabled"
    # Outside the vote's phase, the desk is refused as an online vote is.
    closed = await client.post(
        f"/api/v1/admin/dialogues/{setup.slug}/phase",
        json={"kind": "results"},
        headers=world.admin.headers,
    )
    assert closed.status_code == 200, closed.text
    late = await assisted(client, world.admin, setup, JEAN, setup.proposals[:1])
    assert late.status_code in {403, 409} and late.json()["code"].startswith("vote.")
    assert (await read_results(client, setup.slug, world.admin)).json()["ballots_counted"] == 0


async def test_one_person_votes_once_online_or_at_the_desk(
    client: Client, world: World, database: Database
) -> None:
    setup = await desk_dialogue(client, world)
    # Bob, verified at the desk as Jean, voted online: the desk refuses Jean.
    assert (await at_desk(client, world.admin, "bob@example.org", JEAN)).status_code == 200
    assert (await put_vote(client, world.bob, setup, setup.proposals[0])).status_code == 200
    refused = await assisted(client, world.admin, setup, JEAN, setup.proposals[1:])
    assert refused.status_code == 409
    assert refused.json()["code"] == "vote.identity_already_voted"
    assert "déjà voté" in refused.json()["detail"]
    # Élodie voted at the desk: her account, verified later, is refused online.
    assert (
        await assisted(client, world.admin, setup, ELODIE, setup.proposals[:1])
    ).status_code == 201
    assert (await at_desk(client, world.admin, "alice@example.org", ELODIE)).status_code == 200
    online = await put_vote(client, world.alice, setup, setup.proposals[2])
    assert online.status_code == 409 and online.json()["code"] == "vote.identity_already_voted"
    assert (await read_results(client, setup.slug, world.admin)).json()["ballots_counted"] == 2
    async with database.session() as session:
        assert len((await session.scalars(select(IdentityVote.user_id))).all()) == 2


async def _at_the_same_instant(
    live_server: LiveServer, calls: list[tuple[str, str, dict[str, str], dict[str, Any]]]
) -> list[httpx.Response]:
    """Sends every ``(method, path, headers, json)`` on its own connection, all released
    together once every connection is open."""
    go = asyncio.Event()
    ready = 0

    async def one(
        method: str, path: str, headers: dict[str, str], body: dict[str, Any]
    ) -> httpx.Response:
        nonlocal ready
        async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
            assert (await http.get("/api/v1/dialogues")).status_code == 200
            ready += 1
            if ready == len(calls):
                go.set()
            await go.wait()
            return await http.request(method, path, json=body, headers=headers)

    return await asyncio.gather(*(one(*call) for call in calls))


async def test_online_and_at_the_desk_at_the_same_instant_make_one_ballot(
    client: Client, world: World, live_server: LiveServer, database: Database
) -> None:
    assert (await at_desk(client, world.admin, "alice@example.org", ELODIE)).status_code == 200
    for trial in range(TRIALS):
        setup = await desk_dialogue(client, world, f"course-{trial}")
        body = {**ELODIE, "votes": [{"proposal_id": setup.proposals[1]}]}
        answers = await _at_the_same_instant(
            live_server,
            [
                ("PUT", setup.vote(setup.proposals[0]), world.alice.headers, {}),
                ("POST", assisted_url(setup.slug), world.admin.headers, body),
            ],
        )
        counts = Counter(
            (answer.status_code < 300, answer.json().get("code", ""))
            for answer in answers
            if answer.status_code < 500
        )
        assert counts == {(True, ""): 1, (False, "vote.identity_already_voted"): 1}, [
            answer.text for answer in answers
        ]
        assert await ballots_of(database, setup.slug) == 1
        results = (await read_results(client, setup.slug, world.admin)).json()
        assert results["ballots_counted"] == 1, trial


async def test_the_desk_vote_page_works_without_javascript(
    client: Client, world: World, database: Database
) -> None:
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)
    setup = await desk_dialogue(client, world)
    page_url = f"/admin/dialogues/{setup.slug}/desk-vote"
    page = await client.get(page_url, headers=moderator.headers)
    assert page.status_code == 200, page.text
    assert f'name="vote-{setup.proposals[0]}"' in page.text and 'name="birth_date"' in page.text
    general = await client.get(f"/admin/dialogues/{setup.slug}", headers=world.admin.headers)
    assert page_url in general.text
    assert (await client.get(page_url, headers=world.alice.headers)).status_code in {302, 303, 403}

    refused = await client.post(
        page_url,
        data={**JEAN, "birth_date": "x", f"vote-{setup.proposals[0]}": "on"},
        headers=moderator.headers,
    )
    assert refused.status_code == 422 and 'value="Martin"' in refused.text
    cast = await client.post(
        page_url,
        data={**JEAN, f"vote-{setup.proposals[0]}": "on"},
        headers=moderator.headers,
        follow_redirects=False,
    )
    assert cast.status_code == 303, cast.text
    assert (await read_results(client, setup.slug, world.admin)).json()["ballots_counted"] == 1
    again = await client.post(
        page_url, data={**JEAN, f"vote-{setup.proposals[1]}": "on"}, headers=moderator.headers
    )
    assert again.status_code == 422 and "déjà voté" in again.text

    # Without the desk module: no tab, and the page says why it has no form.
    plain = await vote_dialogue(client, world, SUPPORT, slug="sans-guichet")
    general = await client.get(f"/admin/dialogues/{plain.slug}", headers=world.admin.headers)
    assert "desk-vote" not in general.text
    off = await client.get(f"/admin/dialogues/{plain.slug}/desk-vote", headers=moderator.headers)
    assert off.status_code == 200 and 'name="birth_date"' not in off.text


async def test_an_assisted_ballot_is_confirmed_as_the_vote_type_asks(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(
        client,
        world,
        {"type": "support", "settings": {"min_votes": 2}},
        slug="deux-au-moins",
        modules={"desk": {}},
    )
    short = await assisted(client, world.admin, setup, JEAN, setup.proposals[:1])
    assert short.status_code == 409 and short.json()["code"] == "vote.min_not_reached"
    async with database.session() as session:
        # Refused whole: no desk account, no hold, no ballot.
        assert (await session.scalars(select(UserVerification.user_id))).all() == []
        assert (await session.scalars(select(IdentityVote.user_id))).all() == []
    cast = await assisted(client, world.admin, setup, JEAN, setup.proposals[:2])
    assert cast.status_code == 201, cast.text
    assert cast.json()["counted"] is True and cast.json()["status"] == "confirmed"
    async with database.session() as session:
        logged = (await session.execute(select(VoteLogEntry.action, VoteLogEntry.reason))).all()
    assert ("confirm", f"assisted:staff:{world.admin.user.id}") in logged
    assert {reason for _, reason in logged} == {f"assisted:staff:{world.admin.user.id}"}


async def test_two_desks_serving_one_person_at_once_make_one_account_and_one_ballot(
    client: Client, world: World, live_server: LiveServer, database: Database
) -> None:
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)
    # The person's identity is known already (Bob's account is verified as Jean): only
    # the lock on it keeps the two desks from creating an account each.
    assert (await at_desk(client, world.admin, "bob@example.org", JEAN)).status_code == 200
    for trial in range(TRIALS):
        setup = await desk_dialogue(client, world, f"deux-guichets-{trial}")
        calls = [
            (
                "POST",
                assisted_url(setup.slug),
                staff.headers,
                {**JEAN, "votes": [{"proposal_id": setup.proposals[n]}]},
            )
            for n, staff in enumerate((world.admin, moderator))
        ]
        answers = await _at_the_same_instant(live_server, calls)
        codes = sorted((answer.status_code, answer.json().get("code", "")) for answer in answers)
        assert codes == [(201, ""), (409, "vote.identity_already_voted")], [
            answer.text for answer in answers
        ]
        assert await ballots_of(database, setup.slug) == 1
    async with database.session() as session:
        desk_accounts = (await session.scalars(select(User.id).where(User.email.is_(None)))).all()
    assert len(desk_accounts) == 1, desk_accounts
