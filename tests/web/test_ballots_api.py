"""The ballot endpoints: reading, casting, withdrawing, replacing, confirming, the ballot
box, and the rules every vote type shares (phase, groups, proposals in the vote)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from core.db import Database, utcnow
from core.hookspecs import hookimpl
from core.models import Dialogue, Group, GroupMembership, Proposal, User
from core.plugin_manager import Plugins
from core.services import ballot_box, ballots
from core.settings import Settings
from participe.testing import put_vote, replace, switch_phase, vote_dialogue, votes_of
from tests.conftest import World
from web.app import create_app
from web.plugins import build_plugins

Client = AsyncTestClient[Litestar]
SUPPORT = {"type": "support", "settings": {}}


async def test_no_ballot_before_the_first_vote(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    response = await client.get(setup.ballot, headers=world.bob.headers)
    assert response.status_code == 200
    assert response.json() == {
        "dialogue": setup.slug,
        "status": "draft",
        "counted": False,
        "votes": [],
        "rules": {
            "label": "C'est une bonne idée !",
            "min_votes": 0,
            "max_votes": None,
            "budget_limit": None,
        },
        "remaining": {"votes": None, "budget": None},
        "confirmed_at": None,
        "notice": None,
    }


async def test_a_vote_counts_at_once_without_a_minimum(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    first, second, _ = setup.proposals
    response = await put_vote(client, world.bob, setup, first)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "confirmed" and body["counted"] is True
    assert body["votes"] == [{"proposal_id": first, "value": 1, "title": "Proposition 1"}]
    # A body without "value" and an explicit 1 are the same support.
    response = await put_vote(client, world.bob, setup, second, 1)
    assert votes_of(response.json()) == {first: 1, second: 1}
    # Withdrawing every vote leaves an uncounted draft.
    await client.delete(setup.vote(first), headers=world.bob.headers)
    response = await client.delete(setup.vote(second), headers=world.bob.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "draft" and response.json()["counted"] is False
    # Ballots are per citizen.
    response = await client.get(setup.ballot, headers=world.alice.headers)
    assert response.json()["votes"] == []


async def test_signing_in_is_required(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    for method, path in [
        ("GET", setup.ballot),
        ("PUT", setup.vote(setup.proposals[0])),
        ("DELETE", setup.vote(setup.proposals[0])),
        ("POST", setup.ballot + "/confirm"),
        ("GET", "/api/v1/me/ballots"),
    ]:
        response = await client.request(method, path, json={} if method == "PUT" else None)
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "auth.required"


async def test_votes_only_while_the_vote_phase_is_open(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    first, second, _ = setup.proposals
    assert (await put_vote(client, world.bob, setup, first)).status_code == 200

    await switch_phase(client, world.admin.headers, setup.slug, "results")
    for response in [
        await put_vote(client, world.bob, setup, second),
        await client.delete(setup.vote(first), headers=world.bob.headers),
        await replace(client, world.bob, setup, {second: 1}),
        await client.post(setup.ballot + "/confirm", headers=world.bob.headers),
    ]:
        assert response.status_code == 409
        assert response.json()["code"] == "vote.phase_closed"
    # Nothing already cast is lost, and the ballot can still be read.
    response = await client.get(setup.ballot, headers=world.bob.headers)
    assert votes_of(response.json()) == {first: 1}

    await switch_phase(client, world.admin.headers, setup.slug, "proposals")
    response = await put_vote(client, world.bob, setup, second)
    assert response.json()["code"] == "vote.phase_closed"


async def test_a_phase_restricted_to_groups(
    client: Client, world: World, database: Database
) -> None:
    async with database.session() as session:
        jury = Group(organisation_id=world.org.id, name="jury")
        session.add(jury)
        await session.flush()
        session.add(GroupMembership(group_id=jury.id, user_id=world.alice.user.id))
        await session.commit()
    setup = await vote_dialogue(client, world, SUPPORT, vote_groups=["jury"])
    refused = await put_vote(client, world.bob, setup, setup.proposals[0])
    assert refused.status_code == 403
    assert refused.json()["code"] == "vote.not_allowed"
    allowed = await put_vote(client, world.alice, setup, setup.proposals[0])
    assert allowed.status_code == 200


class PostalCodeRule:
    """Only residents of 44000 may vote (a client-specific rule)."""

    @hookimpl
    def permission_allowed(
        self, actor: User | None, action: str, resource: Any, context: dict[str, Any]
    ) -> bool | None:
        if action == "vote" and actor is not None:
            return actor.postal_code == "44000"
        return None


async def test_a_plugin_can_refuse_a_vote(
    settings: Settings, database: Database, world: World
) -> None:
    plugins = build_plugins(settings, extra=[("postal_codes", PostalCodeRule())])
    app = create_app(settings, plugins=plugins, database=database)
    resident = await world.person("resident@example.org", postal_code="44000")
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        setup = await vote_dialogue(client, world, SUPPORT)
        refused = await put_vote(client, world.bob, setup, setup.proposals[0])
        assert refused.status_code == 403
        assert refused.json()["code"] == "vote.not_allowed"
        allowed = await put_vote(client, resident, setup, setup.proposals[0])
        assert allowed.status_code == 200


async def test_only_proposals_in_the_vote(client: Client, world: World, database: Database) -> None:
    setup = await vote_dialogue(client, world, SUPPORT, proposals=4)
    refused_id, hidden_id, accepted_id, kept_id = setup.proposals
    other = await vote_dialogue(client, world, SUPPORT, slug="autre", proposals=1)
    # The candidates are settled before the vote opens (then they are frozen).
    await switch_phase(client, world.admin.headers, setup.slug, "proposals")
    response = await client.patch(
        f"/api/v1/admin/proposals/{refused_id}",
        json={"status": "refused"},
        headers=world.admin.headers,
    )
    assert response.status_code == 200
    await client.patch(
        f"/api/v1/admin/proposals/{accepted_id}",
        json={"status": "accepted"},
        headers=world.admin.headers,
    )
    async with database.session() as session:
        await session.execute(
            update(Proposal).where(Proposal.id == hidden_id).values(hidden_at=utcnow())
        )
        await session.commit()
    await switch_phase(client, world.admin.headers, setup.slug, "vote")

    for proposal_id in (refused_id, hidden_id):
        response = await put_vote(client, world.bob, setup, proposal_id)
        assert response.status_code == 409
        assert response.json()["code"] == "vote.not_in_vote"
    for proposal_id in (other.proposals[0], 999_999):
        response = await put_vote(client, world.bob, setup, proposal_id)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert (await put_vote(client, world.bob, setup, accepted_id)).status_code == 200
    response = await replace(client, world.bob, setup, {kept_id: 1, refused_id: 1})
    assert response.json()["code"] == "vote.not_in_vote"
    response = await client.get(setup.ballot, headers=world.bob.headers)
    assert votes_of(response.json()) == {accepted_id: 1}

    # A vote cast before the proposal left the vote can still be withdrawn.
    await client.patch(
        f"/api/v1/admin/proposals/{accepted_id}",
        json={"status": "refused"},
        headers=world.admin.headers,
    )
    response = await client.delete(setup.vote(accepted_id), headers=world.bob.headers)
    assert response.status_code == 200 and response.json()["votes"] == []


async def test_bad_values_and_bodies(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    first = setup.proposals[0]
    for value in (2, 0, "yes"):
        response = await put_vote(client, world.bob, setup, first, value)
        assert response.status_code == 422, value
        assert response.json()["code"] == "vote.invalid_value"
    for body in ({"value": True}, {"value": 1.5}, {"value": 1, "extra": 1}, [1]):
        response = await client.put(setup.vote(first), json=body, headers=world.bob.headers)
        assert response.status_code == 400, body
        assert response.json()["code"] == "validation"
    response = await client.put(
        setup.ballot,
        json={"votes": [{"proposal_id": first}, {"proposal_id": first}]},
        headers=world.bob.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "vote.invalid_value"
    response = await client.get(setup.ballot, headers=world.bob.headers)
    assert response.json()["votes"] == []


async def test_withdrawing_what_was_not_cast_changes_nothing(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    first, second, _ = setup.proposals
    response = await client.delete(setup.vote(first), headers=world.bob.headers)
    assert response.status_code == 200 and response.json()["votes"] == []
    await put_vote(client, world.bob, setup, first)
    response = await client.delete(setup.vote(second), headers=world.bob.headers)
    assert votes_of(response.json()) == {first: 1}


async def test_a_minimum_makes_confirmation_necessary(client: Client, world: World) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {"min_votes": 2}}, proposals=3
    )
    first, second, third = setup.proposals
    confirm = setup.ballot + "/confirm"

    response = await client.post(confirm, headers=world.bob.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "vote.min_not_reached"

    body = (await put_vote(client, world.bob, setup, first)).json()
    assert (body["status"], body["counted"]) == ("draft", False)
    response = await client.post(confirm, headers=world.bob.headers)
    assert response.json()["code"] == "vote.min_not_reached"

    await put_vote(client, world.bob, setup, second)
    response = await client.post(confirm, headers=world.bob.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["counted"], body["notice"]) == ("confirmed", True, None)
    assert body["confirmed_at"] is not None
    # Confirming again changes nothing; a vote more keeps it confirmed.
    assert (await client.post(confirm, headers=world.bob.headers)).json()["status"] == "confirmed"
    body = (await put_vote(client, world.bob, setup, third)).json()
    assert (body["status"], body["notice"]) == ("confirmed", None)
    body = (await client.delete(setup.vote(third), headers=world.bob.headers)).json()
    assert (body["status"], body["notice"]) == ("confirmed", None)

    # Below the minimum, the ballot goes back to draft and the answer says so.
    body = (await client.delete(setup.vote(second), headers=world.bob.headers)).json()
    assert (body["status"], body["counted"], body["notice"]) == ("draft", False, "unconfirmed")
    assert body["confirmed_at"] is None
    body = (await client.get(setup.ballot, headers=world.bob.headers)).json()
    assert (body["status"], body["notice"]) == ("draft", None)
    # Back above the minimum, it waits for a new confirmation.
    body = (await put_vote(client, world.bob, setup, second)).json()
    assert body["status"] == "draft"

    # A replacement below the minimum unconfirms too.
    await client.post(confirm, headers=world.bob.headers)
    body = (await replace(client, world.bob, setup, {third: 1})).json()
    assert (body["status"], body["notice"]) == ("draft", "unconfirmed")


async def test_replacing_the_whole_ballot(client: Client, world: World) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {"max_votes": 2}}, proposals=4
    )
    a, b, c, d = setup.proposals
    body = (await replace(client, world.bob, setup, {a: 1, b: None})).json()
    assert votes_of(body) == {a: 1, b: 1}
    assert body["remaining"] == {"votes": 0, "budget": None}
    # At the maximum, a swap is one replacement.
    body = (await replace(client, world.bob, setup, {c: 1, b: 1})).json()
    assert votes_of(body) == {b: 1, c: 1}
    response = await replace(client, world.bob, setup, {a: 1, b: 1, d: 1})
    assert response.status_code == 409
    assert response.json()["code"] == "vote.max_exceeded"
    body = (await client.get(setup.ballot, headers=world.bob.headers)).json()
    assert votes_of(body) == {b: 1, c: 1}
    body = (await replace(client, world.bob, setup, {})).json()
    assert (body["votes"], body["status"]) == ([], "draft")
    # An empty replacement before any vote creates nothing.
    body = (await replace(client, world.alice, setup, {})).json()
    assert (body["votes"], body["status"]) == ([], "draft")


async def test_my_ballot_box(client: Client, world: World) -> None:
    budget = await vote_dialogue(client, world, SUPPORT, slug="budget")
    ideas = await vote_dialogue(
        client, world, {"type": "binary", "settings": {}}, slug="idees", proposals=2
    )
    untouched = await vote_dialogue(client, world, SUPPORT, slug="sans-vote", proposals=1)
    await put_vote(client, world.bob, budget, budget.proposals[0])
    await put_vote(client, world.bob, ideas, ideas.proposals[1], "no")
    await put_vote(client, world.alice, untouched, untouched.proposals[0])
    # A ballot emptied again is no longer in the box.
    await put_vote(client, world.bob, untouched, untouched.proposals[0])
    await client.delete(untouched.vote(untouched.proposals[0]), headers=world.bob.headers)

    response = await client.get("/api/v1/me/ballots", headers=world.bob.headers)
    assert response.status_code == 200
    page = response.json()
    assert (page["total"], page["page"], page["per_page"]) == (2, 1, 20)
    by_dialogue = {item["dialogue"]: item for item in page["items"]}
    assert votes_of(by_dialogue["budget"]) == {budget.proposals[0]: 1}
    assert votes_of(by_dialogue["idees"]) == {ideas.proposals[1]: "no"}
    assert by_dialogue["idees"]["rules"]["options"] == ["yes", "no"]

    second = await client.get("/api/v1/me/ballots?page=2&per_page=1", headers=world.bob.headers)
    assert second.json()["total"] == 2 and len(second.json()["items"]) == 1
    first = await client.get("/api/v1/me/ballots?page=1&per_page=1", headers=world.bob.headers)
    assert {first.json()["items"][0]["dialogue"], second.json()["items"][0]["dialogue"]} == {
        "budget",
        "idees",
    }
    response = await client.get("/api/v1/me/ballots?per_page=101", headers=world.bob.headers)
    assert response.status_code == 400


async def test_the_vote_configuration_freezes_once_the_vote_opens(
    client: Client, world: World
) -> None:
    vote = {"type": "support", "settings": {"max_votes": 2}}
    setup = await vote_dialogue(client, world, vote)
    admin_path = f"/api/v1/admin/dialogues/{setup.slug}"
    changed = {"vote": {"type": "support", "settings": {"max_votes": 3}}}
    # The vote is open: frozen before any vote is cast.
    for body in (
        changed,
        {"vote": {"type": "binary", "settings": {}}},
        {"vote": None},
        {"budget": {"amount": 1000, "rule": "greedy"}},
    ):
        response = await client.patch(admin_path, json=body, headers=world.admin.headers)
        assert response.status_code == 409, body
        assert response.json()["code"] == "vote.config_frozen"
    # The same configuration, or other fields, may still be saved.
    response = await client.patch(
        admin_path, json={"vote": vote, "title": "Nouveau titre"}, headers=world.admin.headers
    )
    assert response.status_code == 200
    # Back before the vote with no vote cast, the configuration can change again.
    await switch_phase(client, world.admin.headers, setup.slug, "proposals")
    response = await client.patch(admin_path, json=changed, headers=world.admin.headers)
    assert response.status_code == 200, response.text
    # A closed vote stays frozen.
    await switch_phase(client, world.admin.headers, setup.slug, "vote")
    await put_vote(client, world.bob, setup, setup.proposals[0])
    await switch_phase(client, world.admin.headers, setup.slug, "results")
    response = await client.patch(admin_path, json={"vote": vote}, headers=world.admin.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "vote.config_frozen"


async def test_a_dialogue_without_a_vote(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    await switch_phase(client, world.admin.headers, setup.slug, "proposals")
    response = await client.patch(
        f"/api/v1/admin/dialogues/{setup.slug}", json={"vote": None}, headers=world.admin.headers
    )
    assert response.status_code == 200, response.text
    await switch_phase(client, world.admin.headers, setup.slug, "vote")
    for response in (
        await client.get(setup.ballot, headers=world.bob.headers),
        await put_vote(client, world.bob, setup, setup.proposals[0]),
    ):
        assert response.status_code == 409
        assert response.json()["code"] == "vote.not_configured"


async def test_a_voided_ballot_no_longer_counts_nor_changes(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    body = (await put_vote(client, world.bob, setup, setup.proposals[0])).json()
    assert body["counted"] is True
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
        assert dialogue is not None
        state = (await ballot_box.read_ballot(session, dialogue, world.bob.user)).ballot
        assert state is not None
        change = await ballots.void_ballot(
            session,
            plugins,
            dialogue,
            state.id,
            "double compte",
            now=utcnow() - timedelta(seconds=1),
        )
        await session.commit()
        assert change.changed
    body = (await client.get(setup.ballot, headers=world.bob.headers)).json()
    assert body["counted"] is False and body["status"] == "confirmed"
    response = await put_vote(client, world.bob, setup, setup.proposals[1])
    assert response.status_code == 403
    assert response.json()["code"] == "vote.not_allowed"
