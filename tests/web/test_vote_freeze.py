"""From the moment the vote phase opens, what decides a vote is frozen: the authors' edits
of a candidate (409 ``proposal.frozen``), staff changes of the candidate list, costs,
themes or sectors (409 ``vote.config_frozen``). Staff correct a typo (the previous text
stays in the public history) or withdraw a candidate (its votes leave the ballots, its
voters are told, the results say so), each in the audit log. And a change made by another
worker judges the next vote at once (``core.services.vote_locks``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from core.db import Database, utcnow
from core.models import AuditEntry, Ballot, OutboxMessage, VoteLogEntry
from core.plugin_manager import Plugins
from participe.testing import VoteSetup, put_vote, switch_phase, tally_of, vote_dialogue
from tests.ballot_helpers import Client
from tests.conftest import World
from tests.results_helpers import read_results

SUPPORT = {"type": "support", "settings": {"max_votes": 3}}


def proposal_url(proposal_id: int) -> str:
    return f"/api/v1/proposals/{proposal_id}"


def admin_url(proposal_id: int, action: str) -> str:
    return f"/api/v1/admin/proposals/{proposal_id}/{action}"


async def audit_actions(database: Database) -> list[str]:
    async with database.session() as session:
        return list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_authors_edit_before_the_vote_and_not_once_it_opened(
    client: Client, world: World
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT, costs=[100, 50, 20])
    candidate = setup.proposals[0]
    for body in ({"cost": 1}, {"title": "Un autre titre"}, {"body": "Autre chose."}):
        response = await client.patch(
            proposal_url(candidate), json=body, headers=world.alice.headers
        )
        assert response.status_code == 409, body
        assert response.json()["code"] == "proposal.frozen"
    stored = (await client.get(proposal_url(candidate))).json()
    assert (stored["cost"], stored["title"]) == (100, "Proposition 1")

    await switch_phase(client, world.admin.headers, setup.slug, "proposals")
    response = await client.patch(
        proposal_url(candidate), json={"cost": 90}, headers=world.alice.headers
    )
    assert response.status_code == 200, response.text


async def test_staff_cannot_change_the_count_of_an_open_vote(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, SUPPORT, costs=[100, 50, 20])
    candidate = setup.proposals[0]
    review = f"/api/v1/admin/proposals/{candidate}"
    for body in ({"cost": 5}, {"status": "refused"}, {"status": "under_review"}):
        response = await client.patch(review, json=body, headers=world.admin.headers)
        assert response.status_code == 409, body
        assert response.json()["code"] == "vote.config_frozen"
    # A status that keeps it in the count, or the same cost, is fine.
    for body in ({"status": "accepted"}, {"cost": 100}, {"status_reason": "Étudiée."}):
        response = await client.patch(review, json=body, headers=world.admin.headers)
        assert response.status_code == 200, (body, response.text)
    # Hiding it through moderation is refused too: the page says why.
    page = await client.post(
        f"/admin/proposals/{candidate}/moderate",
        data={"action": "hide", "reason": "Hors sujet"},
        headers=world.admin.headers,
    )
    assert page.status_code == 422
    assert "Le vote est ouvert" in page.text
    assert (await client.get(proposal_url(candidate))).json()["status"] == "accepted"


async def test_staff_cannot_move_a_candidate_to_another_theme_or_sector(
    client: Client, world: World
) -> None:
    """A vote type may judge and count by theme or sector (``ProposalFacts``)."""
    lists = {
        "themes": [{"key": "mobilite", "label": "Mobilité"}, {"key": "nature", "label": "Nature"}],
        "sectors": [{"key": "nord", "label": "Nord"}, {"key": "sud", "label": "Sud"}],
    }
    details = [{"theme": "mobilite", "sector": "nord"}]
    setup = await vote_dialogue(client, world, SUPPORT, proposals=1, details=details, **lists)
    review = f"/api/v1/admin/proposals/{setup.proposals[0]}"
    for body in ({"theme": "nature"}, {"sector": "sud"}, {"theme": None}):
        response = await client.patch(review, json=body, headers=world.admin.headers)
        assert response.status_code == 409, body
        assert response.json()["code"] == "vote.config_frozen"
    same = {"theme": "mobilite", "sector": "nord", "status_reason": "Étudiée."}
    assert (await client.patch(review, json=same, headers=world.admin.headers)).status_code == 200
    stored = (await client.get(proposal_url(setup.proposals[0]))).json()
    assert (stored["theme"], stored["sector"]) == ("mobilite", "nord")

    await switch_phase(client, world.admin.headers, setup.slug, "proposals")
    moved = await client.patch(review, json={"theme": "nature"}, headers=world.admin.headers)
    assert moved.status_code == 200, moved.text


async def test_staff_correct_a_typo_and_the_previous_text_stays_public(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    candidate = setup.proposals[0]
    refused = await client.post(
        admin_url(candidate, "correct"), json={"reason": " "}, headers=world.admin.headers
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation"
    corrected = await client.post(
        admin_url(candidate, "correct"),
        json={"title": "Proposition numéro 1", "reason": "Coquille dans le titre"},
        headers=world.admin.headers,
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["title"] == "Proposition numéro 1"
    history = (await client.get(f"{proposal_url(candidate)}/history")).json()
    assert [(h["title"], h["reason"]) for h in history] == [
        ("Proposition 1", "Coquille dans le titre")
    ]
    page = await client.get(f"/proposals/{candidate}")
    assert "Historique des corrections" in page.text
    assert "Coquille dans le titre" in page.text
    assert "proposal.correct" in await audit_actions(database)
    # A citizen cannot; nor can staff once the proposal is no longer in an open vote.
    response = await client.post(
        admin_url(candidate, "correct"),
        json={"title": "Piratée", "reason": "x"},
        headers=world.bob.headers,
    )
    assert response.status_code == 403
    await switch_phase(client, world.admin.headers, setup.slug, "proposals")
    response = await client.post(
        admin_url(candidate, "correct"),
        json={"title": "Proposition 1", "reason": "Retour"},
        headers=world.admin.headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "proposal.not_candidate"


async def _voters(client: Client, world: World, setup: VoteSetup) -> list[int]:
    """Three citizens: two vote for the first and the second proposal, one for the first
    only; returns the ballot ids that hold the first."""
    carol = await world.person("carol@example.org")
    for person, chosen in (
        (world.alice, setup.proposals[:2]),
        (world.bob, setup.proposals[:2]),
        (carol, setup.proposals[:1]),
    ):
        for proposal_id in chosen:
            response = await put_vote(client, person, setup, proposal_id)
            assert response.status_code == 200, response.text
    return [1, 2, 3]


async def test_withdrawing_a_candidate_updates_the_ballots_tells_the_voters_and_the_results(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT, costs=[100, 50, 20])
    await _voters(client, world, setup)
    withdrawn = setup.proposals[0]
    response = await client.post(
        admin_url(withdrawn, "withdraw"),
        json={"reason": "Le terrain n'appartient pas à la ville."},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["ballots_updated"], body["ballots_unconfirmed"]) == (3, 1)
    assert body["voters_notified"] == 3
    assert body["proposal"]["status"] == "refused"

    # The count: the candidate left it, Carol's ballot is empty and no longer counted.
    tally = await tally_of(database, plugins, setup)
    assert withdrawn not in tally.proposals
    assert tally.ballots_counted == 2
    results = (await read_results(client, setup.slug, world.admin)).json()
    assert withdrawn not in [p["id"] for p in results["proposals"]]
    assert [(w["id"], w["reason"]) for w in results["withdrawn"]] == [
        (withdrawn, "Le terrain n'appartient pas à la ville.")
    ]
    ballot = (await client.get(setup.ballot, headers=world.alice.headers)).json()
    assert [v["proposal_id"] for v in ballot["votes"]] == [setup.proposals[1]]
    # Each change is in the vote log, with its reason.
    async with database.session() as session:
        reasons = list(
            await session.scalars(
                select(VoteLogEntry.reason).where(VoteLogEntry.proposal_id == withdrawn)
            )
        )
        assert reasons.count("candidate_withdrawn") == 3
        mails = list(
            await session.scalars(
                select(OutboxMessage.recipient).where(OutboxMessage.kind == "candidate_withdrawn")
            )
        )
    assert sorted(mails) == ["alice@example.org", "bob@example.org", "carol@example.org"]
    assert "proposal.withdraw" in await audit_actions(database)
    # It can no longer be voted for, nor withdrawn twice; its page says why.
    response = await put_vote(client, world.bob, setup, withdrawn)
    assert response.status_code == 409
    assert response.json()["code"] == "vote.not_in_vote"
    again = await client.post(
        admin_url(withdrawn, "withdraw"), json={"reason": "Encore"}, headers=world.admin.headers
    )
    assert again.status_code == 409
    assert again.json()["code"] == "proposal.not_candidate"
    page = await client.get(f"/proposals/{withdrawn}")
    assert "Retirée du vote" in page.text


async def test_the_back_office_corrects_and_withdraws(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    candidate = setup.proposals[1]
    page = await client.get(f"/admin/proposals/{candidate}", headers=world.admin.headers)
    assert "Corriger une coquille" in page.text and "Retirer ce projet du vote" in page.text
    missing = await client.post(
        f"/admin/proposals/{candidate}/withdraw", data={}, headers=world.admin.headers
    )
    assert missing.status_code == 422
    assert "Indiquez la raison." in missing.text
    done = await client.post(
        f"/admin/proposals/{candidate}/correct",
        data={
            "corrected_title": "Proposition deux",
            "corrected_body": "Pour la ville.",
            "correction_reason": "Faute de frappe",
        },
        headers=world.admin.headers,
    )
    assert done.status_code == 200, done.text
    assert "Le texte est corrigé" in done.text
    done = await client.post(
        f"/admin/proposals/{candidate}/withdraw",
        data={"withdrawal_reason": "Projet déjà financé"},
        headers=world.admin.headers,
    )
    assert done.status_code == 200, done.text
    assert "Le projet est retiré du vote" in done.text
    page = await client.get(f"/admin/proposals/{candidate}", headers=world.admin.headers)
    assert "Retirée du vote" in page.text and "Faute de frappe" in page.text
    assert (await audit_actions(database))[-2:] == ["proposal.correct", "proposal.withdraw"]


async def _elsewhere(database: Database, statement: str, slug: str) -> None:
    """What another worker's change looks like from this one: committed rows, and the
    configuration version that its lock bumped (``core.services.vote_locks``)."""
    async with database.engine.begin() as connection:
        await connection.execute(text(statement), {"slug": slug, "now": utcnow()})
        await connection.execute(
            text("UPDATE dialogues SET config_version = config_version + 1 WHERE slug = :slug"),
            {"slug": slug},
        )


async def test_a_vote_closed_by_another_worker_is_refused_at_once(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    assert (await put_vote(client, world.bob, setup, setup.proposals[0])).status_code == 200
    await _elsewhere(
        database,
        "UPDATE phases SET ends_at = :now WHERE kind = 'vote' AND dialogue_id = "
        "(SELECT id FROM dialogues WHERE slug = :slug)",
        setup.slug,
    )
    refused = await put_vote(client, world.alice, setup, setup.proposals[0])
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "vote.phase_closed"
    async with database.session() as session:
        assert len((await session.scalars(select(Ballot))).all()) == 1


async def test_a_vote_opened_by_another_worker_accepts_voters_at_once(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    await switch_phase(client, world.admin.headers, setup.slug, "proposals")
    closed = await put_vote(client, world.bob, setup, setup.proposals[0])
    assert closed.status_code == 409  # the worker now holds the dialogue before its vote
    await _elsewhere(
        database,
        "UPDATE phases SET starts_at = :now WHERE kind = 'vote' AND dialogue_id = "
        "(SELECT id FROM dialogues WHERE slug = :slug)",
        setup.slug,
    )
    opened = await put_vote(client, world.bob, setup, setup.proposals[0])
    assert opened.status_code == 200, opened.text


async def test_results_published_by_another_worker_are_served_at_once(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
    await put_vote(client, world.bob, setup, setup.proposals[0])
    assert (await read_results(client, setup.slug)).status_code == 403
    async with database.engine.begin() as connection:
        await connection.execute(
            text("UPDATE dialogues SET results_published_at = :at WHERE slug = :slug"),
            {"at": utcnow() - timedelta(seconds=1), "slug": setup.slug},
        )
    response = await read_results(client, setup.slug)
    assert response.status_code == 200, response.text
    assert response.json()["published"] is True
