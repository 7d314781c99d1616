"""Verified residents: the residents list (census) and the desk, from the pages and the
API; dialogues that accept only verified voters, one vote per person whichever account it
uses (also when two accounts vote at the same instant); no clear value of the list is
ever stored; dialogues without the requirement are as before."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.db import Base, Database
from core.models import AuditEntry, Ballot, BirthDate, Dialogue, IdentityVote, UserVerification
from core.models.users import Role
from core.services import verification
from participe.testing import VoteSetup, put_vote, vote_dialogue
from tests.ballot_helpers import Client
from tests.conftest import LiveServer, Person, World
from tests.live_workers import Call, LiveWorkers
from tests.web.test_ballot_concurrency import at_once, summary
from tests.web.test_query_counts import counted_queries
from tests.web.test_rate_limits import assert_limited, limited_client

CENSUS_CSV = (
    "Nom;Prénom;Date de naissance;Code postal\n"
    "Lefèvre-Dupont;Élodie;02/04/1980;75011\n"
    "MARTIN;Jean;1975-12-31;75 012\n"
    "\n"
    "Lefèvre-Dupont;Élodie;2/4/1980;75011\n"
)
ELODIE = {
    "last_name": "  lefevre dupont ",
    "first_name": "ELODIE",
    "birth_date": "1980-04-02",
    "postal_code": "75011",
}
JEAN = {
    "last_name": "Martin",
    "first_name": "Jean",
    "birth_date": "31.12.1975",
    "postal_code": "75012",
}
CENSUS_API = "/api/v1/admin/verification/census"
DESK_API = "/api/v1/admin/verification/desk"
ME_API = "/api/v1/me/verification"
SUPPORT = {"type": "support", "settings": {}}
#: Trials of the race on two workers.
TRIALS = 8


async def upload(client: Client, world: World, text: str = CENSUS_CSV) -> httpx.Response:
    response: httpx.Response = await client.put(
        CENSUS_API, json={"csv": text}, headers=world.admin.headers
    )
    return response


async def by_census(client: Client, person: Person, fields: dict[str, str]) -> httpx.Response:
    response: httpx.Response = await client.post(
        f"{ME_API}/census", json=fields, headers=person.headers
    )
    return response


async def at_desk(
    client: Client, staff: Person, email: str, fields: dict[str, str]
) -> httpx.Response:
    response: httpx.Response = await client.post(
        DESK_API, json={"email": email, **fields}, headers=staff.headers
    )
    return response


async def residents_dialogue(
    client: Client, world: World, slug: str = "residents", methods: tuple[str, ...] = ("census",)
) -> VoteSetup:
    return await vote_dialogue(
        client, world, SUPPORT, slug=slug, modules={method: {} for method in methods}
    )


# -- the census -----------------------------------------------------------------------


async def test_staff_upload_the_residents_list_and_a_citizen_is_verified_by_the_api(
    client: Client, world: World
) -> None:
    uploaded = await upload(client, world)
    assert uploaded.status_code == 200, uploaded.text
    # Élodie is there twice (two ways of writing her birth date): one resident.
    assert uploaded.json() == {"residents": 2, "lines": 3}
    assert (await client.get(CENSUS_API, headers=world.admin.headers)).json() == {"residents": 2}
    assert (await client.get(ME_API, headers=world.alice.headers)).json() == {"verified": False}

    wrong = await by_census(client, world.alice, {**ELODIE, "first_name": "Eloise"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "verification.no_match"
    unreadable = await by_census(client, world.alice, {**ELODIE, "birth_date": "demain"})
    assert unreadable.status_code == 422 and unreadable.json()["code"] == "validation"
    assert "birth_date" in unreadable.text
    missing = await client.post(
        f"{ME_API}/census", json={"last_name": "x"}, headers=world.alice.headers
    )
    assert missing.status_code == 400 or missing.status_code == 422

    verified = await by_census(client, world.alice, ELODIE)
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True and verified.json()["method"] == "census"
    assert (await client.get(ME_API, headers=world.alice.headers)).json()["method"] == "census"
    assert (await client.get(ME_API)).status_code == 401


async def test_a_refused_residents_list_changes_nothing(client: Client, world: World) -> None:
    assert (await upload(client, world)).status_code == 200
    no_column = await upload(client, world, "Nom;Prénom;Code postal\nA;B;75011\n")
    assert no_column.status_code == 422 and no_column.json()["code"] == "census.columns"
    assert no_column.json()["missing"] == ["birth_date"]
    bad_line = await upload(
        client, world, "nom,prenom,date de naissance,code postal\nA,B,1980-01-01,1\nC,D,hier,2\n"
    )
    assert bad_line.status_code == 422 and bad_line.json()["code"] == "census.invalid_line"
    assert bad_line.json()["line"] == 3
    # What the csv module cannot read at all (a NUL byte, a lone carriage return inside
    # a field) is a refused line too, never an error of the server.
    for broken in (
        "nom,prenom,date de naissance,code postal\nA,B\x00,1980-01-01,1\n",
        'nom,prenom,date de naissance,code postal\n"A\rB",C,1980-01-01,1\rD,E\n',
    ):
        refused = await upload(client, world, broken)
        assert refused.status_code == 422, refused.text
        # (A NUL byte is refused before, by the input guard.)
        assert refused.json()["code"] in {"census.invalid_line", "validation"}
    assert (await client.get(CENSUS_API, headers=world.admin.headers)).json() == {"residents": 2}
    # Only administrators upload it; citizens see none of the back office.
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)
    assert (
        await client.put(CENSUS_API, json={"csv": CENSUS_CSV}, headers=moderator.headers)
    ).status_code == 403
    assert (
        await client.get("/api/v1/admin/verification/verifications", headers=world.alice.headers)
    ).status_code == 403


async def test_a_citizen_is_verified_from_the_page_without_javascript(
    client: Client, world: World
) -> None:
    assert (await upload(client, world)).status_code == 200
    page = await client.get("/me/verification", headers=world.alice.headers)
    assert page.status_code == 200
    assert 'name="birth_date"' in page.text and "guichet" in page.text
    refused = await client.post(
        "/me/verification", data={**ELODIE, "postal_code": "69001"}, headers=world.alice.headers
    )
    assert refused.status_code == 422
    assert "ne correspondent à aucune ligne" in refused.text
    unreadable = await client.post(
        "/me/verification", data={**ELODIE, "birth_date": "?"}, headers=world.alice.headers
    )
    assert unreadable.status_code == 422 and "Vérifiez les champs signalés" in unreadable.text
    done = await client.post(
        "/me/verification",
        data={**ELODIE, "next": "/dialogues/x"},
        headers=world.alice.headers,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/dialogues/x?notice=verified"
    shown = await client.get("/me/verification", headers=world.alice.headers)
    assert "Votre compte est vérifié" in shown.text
    english = await client.get(
        "/me/verification", headers={**world.alice.headers, "Accept-Language": "en"}
    )
    assert "Your account is verified" in english.text
    # Signed out: to the sign-in page.
    anonymous = await client.get("/me/verification", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")


async def test_guessing_the_residents_list_is_rate_limited(
    settings: Any, plugins: Any, database: Database, world: World
) -> None:
    async with limited_client(settings, plugins, database, {"verification": "3/day"}) as client:
        assert (await upload(client, world)).status_code == 200
        for _ in range(3):
            wrong = await by_census(client, world.alice, {**ELODIE, "first_name": "Eve"})
            assert wrong.json()["code"] == "verification.no_match"
        assert_limited(await by_census(client, world.alice, ELODIE))
        assert_limited(
            await client.post("/me/verification", data=ELODIE, headers=world.alice.headers)
        )


# -- the desk -------------------------------------------------------------------------


async def test_staff_verify_a_person_at_the_desk_and_see_who_is_verified_how(
    client: Client, world: World
) -> None:
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)
    assert (await at_desk(client, world.alice, "bob@example.org", JEAN)).status_code == 403
    unknown = await at_desk(client, moderator, "nobody@example.org", JEAN)
    assert unknown.status_code == 404 and unknown.json()["code"] == "verification.no_account"
    done = await at_desk(client, moderator, "BOB@example.org", JEAN)
    assert done.status_code == 200, done.text
    assert done.json()["method"] == "desk"
    async with world.database.session() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "verification.desk")
        )
    assert entry is not None and entry.actor_id == moderator.user.id
    assert entry.target == f"user:{world.bob.user.id}"

    # Alice verified by the list as the same person as Bob: two accounts, one person.
    await upload(client, world)
    assert (await by_census(client, world.alice, JEAN)).status_code == 200
    listed = await client.get("/api/v1/admin/verification/verifications", headers=moderator.headers)
    assert listed.status_code == 200
    items = {item["email"]: item for item in listed.json()["items"]}
    assert items["bob@example.org"]["method"] == "desk"
    assert items["bob@example.org"]["verified_by"] == "moderation@ville.test"
    assert items["alice@example.org"]["method"] == "census"
    assert items["alice@example.org"]["verified_by"] is None
    assert {item["accounts_of_identity"] for item in items.values()} == {2}
    assert "martin" not in listed.text.lower() and "1975" not in listed.text


async def test_the_back_office_page_lists_uploads_and_verifies_at_the_desk(
    client: Client, world: World
) -> None:
    admin = world.admin.headers
    page = await client.get("/admin/verification", headers=admin)
    assert page.status_code == 200 and "Aucun compte vérifié" in page.text
    empty = await client.post(
        "/admin/verification/census", files={"file": ("l.csv", b"")}, headers=admin
    )
    assert empty.status_code == 422
    uploaded = await client.post(
        "/admin/verification/census",
        files={"file": ("habitants.csv", CENSUS_CSV.encode(), "text/csv")},
        headers=admin,
    )
    assert uploaded.status_code == 200 and "Liste remplacée" in uploaded.text
    refused = await client.post(
        "/admin/verification/desk",
        data={"email": "bob@example.org", **{**JEAN, "birth_date": "x"}},
        headers=admin,
    )
    assert refused.status_code == 422 and 'value="bob@example.org"' in refused.text
    done = await client.post(
        "/admin/verification/desk",
        data={"email": "bob@example.org", **JEAN},
        headers=admin,
        follow_redirects=False,
    )
    assert done.status_code == 303
    listed = await client.get("/admin/verification", headers=admin)
    assert "bob@example.org" in listed.text and "Guichet" in listed.text
    assert "Martin" not in listed.text and "1975" not in listed.text


async def test_no_clear_value_is_ever_stored(client: Client, world: World) -> None:
    assert (await upload(client, world)).status_code == 200
    assert (await by_census(client, world.alice, ELODIE)).status_code == 200
    assert (await at_desk(client, world.admin, "bob@example.org", JEAN)).status_code == 200
    setup = await residents_dialogue(client, world, methods=("census", "desk"))
    assert (await put_vote(client, world.alice, setup, setup.proposals[0])).status_code == 200
    dumped: list[str] = []
    async with world.database.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "birth_dates":
                continue  # the account's own birth date, for a minimum age: below
            for row in await session.execute(select(table)):
                dumped.append(repr(tuple(row)).casefold())
        # The one clear value kept: each verified account's own birth date (a minimum age
        # is judged on it), never the list's, never a name.
        births = {
            (row.user_id, row.birth_date.isoformat(), row.verified)
            for row in await session.execute(select(BirthDate.__table__))
        }
    assert births == {
        (world.alice.user.id, "1980-04-02", True),
        (world.bob.user.id, "1975-12-31", True),
    }
    text = "\n".join(dumped)
    for clear in (
        "lefèvre",
        "lefevre",
        "élodie",
        "elodie",
        "martin",
        "1980-04-02",
        "02/04/1980",
        "1980, 4, 2",
        "1975-12-31",
        "31.12.1975",
    ):
        assert clear not in text, clear
    # What is stored is the keyed digest, and it depends on the organisation.
    who = verification.person(**ELODIE)
    assert verification.identity_digest("k", 1, who) != verification.identity_digest("k", 2, who)
    assert verification.identity_digest("k", 1, who) in {
        verification.identity_digest(
            "k", 1, verification.person("Lefèvre-Dupont", "Élodie", "02/04/1980", "75 011")
        )
    }


# -- who may vote -----------------------------------------------------------------------


async def test_an_unverified_citizen_is_refused_and_told_what_to_do(
    client: Client, world: World
) -> None:
    setup = await residents_dialogue(client, world)
    refused = await put_vote(client, world.bob, setup, setup.proposals[0])
    assert refused.status_code == 403
    assert refused.json()["code"] == "vote.verification_required"
    assert refused.json()["methods"] == ["census"]
    page = await client.get(f"/dialogues/{setup.slug}/proposals", headers=world.bob.headers)
    assert "/me/verification?next=" in page.text
    assert "réservé aux habitant·es vérifié·es" in page.text
    english = await client.get(
        f"/dialogues/{setup.slug}/proposals", headers={**world.bob.headers, "Accept-Language": "en"}
    )
    assert "Get your account verified" in english.text
    form = await client.post(
        f"/proposals/{setup.proposals[0]}/vote",
        data={"action": "cast", "next": f"/dialogues/{setup.slug}/proposals"},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    assert (
        form.status_code == 303 and "refused=vote.verification_required" in form.headers["location"]
    )
    async with world.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 0


async def test_a_verification_the_dialogue_does_not_accept_is_refused(
    client: Client, world: World
) -> None:
    await upload(client, world)
    assert (await by_census(client, world.alice, ELODIE)).status_code == 200
    desk_only = await residents_dialogue(client, world, "guichet", ("desk",))
    refused = await put_vote(client, world.alice, desk_only, desk_only.proposals[0])
    assert refused.status_code == 403 and refused.json()["code"] == "vote.verification_required"
    both = await residents_dialogue(client, world, "les-deux", ("census", "desk"))
    assert (await put_vote(client, world.alice, both, both.proposals[0])).status_code == 200


async def test_one_person_votes_once_whichever_account_it_uses(
    client: Client, world: World
) -> None:
    await upload(client, world)
    setup = await residents_dialogue(client, world)
    other = await residents_dialogue(client, world, "autre")
    assert (await by_census(client, world.alice, ELODIE)).status_code == 200
    assert (await by_census(client, world.bob, ELODIE)).status_code == 200
    # A withdrawal from an account without a ballot writes nothing, and holds nothing.
    withdrawn = await client.delete(setup.vote(setup.proposals[0]), headers=world.bob.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert (await put_vote(client, world.alice, setup, setup.proposals[0])).status_code == 200
    # Bob's account is a second account of Élodie, verified by the list too.
    refused = await put_vote(client, world.bob, setup, setup.proposals[1])
    assert refused.status_code == 409
    assert refused.json()["code"] == "vote.identity_already_voted"
    page = await client.post(
        f"/proposals/{setup.proposals[1]}/vote",
        data={"action": "cast", "next": f"/dialogues/{setup.slug}/proposals"},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    shown = await client.get(page.headers["location"], headers=world.bob.headers)
    assert "avec un autre compte" in shown.text
    # The first account goes on changing its ballot; the second votes elsewhere.
    assert (await put_vote(client, world.alice, setup, setup.proposals[1])).status_code == 200
    assert (await put_vote(client, world.bob, other, other.proposals[0])).status_code == 200
    assert (await put_vote(client, world.alice, other, other.proposals[0])).status_code == 409
    async with world.database.session() as session:
        held = (await session.execute(select(IdentityVote.user_id))).scalars().all()
    assert sorted(held) == sorted([world.alice.user.id, world.bob.user.id])


async def test_without_the_requirement_every_account_votes_as_before(
    client: Client, world: World
) -> None:
    await upload(client, world)
    setup = await vote_dialogue(client, world, SUPPORT)
    # Two accounts of one verified person, and one unverified account: all vote.
    assert (await by_census(client, world.alice, ELODIE)).status_code == 200
    assert (await by_census(client, world.bob, ELODIE)).status_code == 200
    carol = await world.person("carol@example.org")
    for person in (world.alice, world.bob, carol):
        assert (await put_vote(client, person, setup, setup.proposals[0])).status_code == 200
    async with world.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(IdentityVote)) == 0


async def test_the_requirement_is_frozen_with_the_vote(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    turned = await client.put(
        f"/api/v1/admin/dialogues/{setup.slug}/modules/census",
        json={"settings": {}},
        headers=world.admin.headers,
    )
    assert turned.status_code == 409 and turned.json()["code"] == "vote.config_frozen"


async def test_a_deleted_account_keeps_its_person_s_vote(client: Client, world: World) -> None:
    await upload(client, world)
    setup = await residents_dialogue(client, world)
    assert (await by_census(client, world.alice, ELODIE)).status_code == 200
    assert (await put_vote(client, world.alice, setup, setup.proposals[0])).status_code == 200
    data = (await client.get("/api/v1/me/data", headers=world.alice.headers)).json()
    assert data["verification"]["method"] == "census"
    assert data["verification"]["by_staff"] is False
    assert (await client.delete("/api/v1/me", headers=world.alice.headers)).status_code == 204
    async with world.database.session() as session:
        assert await session.get(UserVerification, world.alice.user.id) is None
        assert (await session.execute(select(IdentityVote.user_id))).scalars().all() == [None]
    # Her ballot still counts, and the person cannot vote again with another account.
    assert (await by_census(client, world.bob, ELODIE)).status_code == 200
    refused = await put_vote(client, world.bob, setup, setup.proposals[0])
    assert refused.json()["code"] == "vote.identity_already_voted"


async def test_a_vote_pays_for_verification_only_where_it_is_required(
    client: Client, world: World, database: Database
) -> None:
    await upload(client, world)
    plain = await vote_dialogue(client, world, SUPPORT, slug="ouverte")
    residents = await residents_dialogue(client, world)
    assert (await by_census(client, world.alice, ELODIE)).status_code == 200
    costs = {}
    for setup in (plain, residents):
        await client.get(f"/api/v1/dialogues/{setup.slug}")
        assert (await put_vote(client, world.alice, setup, setup.proposals[0])).status_code == 200
        with counted_queries(database) as statements:
            response = await put_vote(client, world.alice, setup, setup.proposals[1])
        assert response.status_code == 200, response.text
        costs[setup.slug] = statements
    assert not any(
        "user_verifications" in statement or "identity_votes" in statement
        for statement in costs[plain.slug]
    )
    # Where it is required: one statement more, the voter's verification and hold.
    assert len(costs[residents.slug]) == len(costs[plain.slug]) + 1, costs


# -- at the same instant ----------------------------------------------------------------


async def ballots_of(database: Database, slug: str) -> int:
    async with database.session() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(Ballot)
            .join(Dialogue, Dialogue.id == Ballot.dialogue_id)
            .where(Dialogue.slug == slug)
        )
        return int(found or 0)


async def test_two_accounts_of_one_person_voting_at_once_make_one_ballot(
    client: Client, world: World, live_server: LiveServer, database: Database
) -> None:
    await upload(client, world)
    accounts = [world.alice, world.bob, await world.person("carol@example.org")]
    for account in accounts:
        assert (await by_census(client, account, ELODIE)).status_code == 200
    for trial in range(5):
        setup = await residents_dialogue(client, world, f"course-{trial}")
        responses = await at_once(
            live_server,
            [(account, setup.vote(setup.proposals[n]), {}) for n, account in enumerate(accounts)],
        )
        assert summary(responses) == {
            (200, ""): 1,
            (409, "vote.identity_already_voted"): 2,
        }, trial
        assert await ballots_of(database, setup.slug) == 1
    async with database.session() as session:
        kinds = (await session.execute(select(UserVerification.method))).scalars().all()
    assert set(kinds) == {"census"}


@pytest.mark.live_workers
async def test_accounts_of_one_person_voting_at_once_on_two_workers_make_one_ballot(
    client: Client, world: World, live_workers: LiveWorkers, database: Database
) -> None:
    await upload(client, world)
    accounts = [world.alice, world.bob] + [
        await world.person(f"compte-{n}@example.org") for n in range(4)
    ]
    for account in accounts:
        assert (await by_census(client, account, ELODIE)).status_code == 200
    problems = []
    for trial in range(TRIALS):
        setup = await residents_dialogue(client, world, f"deux-{trial}")
        await live_workers.warm(f"/api/v1/dialogues/{setup.slug}")
        answers = await live_workers.at_once(
            [
                Call("PUT", setup.vote(setup.proposals[n % 3]), account.headers, json={})
                for n, account in enumerate(accounts)
            ]
        )
        counts = Counter((answer.status_code, answer.code) for answer in answers)
        wanted = {(200, ""): 1, (409, "vote.identity_already_voted"): len(accounts) - 1}
        if counts != wanted:
            problems.append(f"{trial}: {dict(counts)}")
        if (found := await ballots_of(database, setup.slug)) != 1:
            problems.append(f"{trial}: {found} ballots")
    assert not problems, f"{len(problems)} problems in {TRIALS} trials:\n" + "\n".join(problems)
