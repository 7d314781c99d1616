"""The ``letter_code`` verification method: staff generate single-use codes for a list of
people and mail them; a citizen typing one is verified as the person it was mailed to.
Only keyed digests are stored; a code serves once, even typed by two accounts at the same
instant; two codes of one person make one identity; wrong codes are rate limited."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import httpx
from sqlalchemy import select

from core.db import Base, Database
from core.models import AuditEntry, LetterCode, UserVerification
from core.models.users import Role
from core.services import letter_codes
from participe.testing import put_vote, vote_dialogue
from tests.ballot_helpers import Client
from tests.conftest import LiveServer, Person, World
from tests.web.test_ballot_concurrency import summary
from tests.web.test_rate_limits import assert_limited, limited_client

PEOPLE_CSV = (
    "Nom;Prénom;Date de naissance;Code postal;Adresse;Complément;Ville\n"
    "Lefèvre-Dupont;Élodie;02/04/1980;75011;12 rue des Tilleuls;Bâtiment B;Paris\n"
    "\n"
    "Zanetti;Joséphine;1975-12-31;75012;3 impasse Vermeer;;Paris\n"
)
ADMIN_API = "/api/v1/admin/verification/letter-codes"
ME_API = "/api/v1/me/verification"
SUPPORT = {"type": "support", "settings": {}}
CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


async def generate(client: Client, world: World, text: str = PEOPLE_CSV) -> httpx.Response:
    response: httpx.Response = await client.post(
        ADMIN_API, json={"csv": text}, headers=world.admin.headers
    )
    return response


async def codes_of(client: Client, world: World, text: str = PEOPLE_CSV) -> list[str]:
    generated = await generate(client, world, text)
    assert generated.status_code == 201, generated.text
    return [letter["code"] for letter in generated.json()["letters"]]


async def by_code(client: Client, person: Person, code: str) -> httpx.Response:
    response: httpx.Response = await client.post(
        f"{ME_API}/letter-code", json={"code": code}, headers=person.headers
    )
    return response


async def test_staff_generate_codes_shown_once_and_see_their_batches(
    client: Client, world: World
) -> None:
    generated = await generate(client, world)
    assert generated.status_code == 201, generated.text
    body = generated.json()
    assert body["batch"] == 1
    assert [(item["last_name"], item["first_name"]) for item in body["letters"]] == [
        ("Lefèvre-Dupont", "Élodie"),
        ("Zanetti", "Joséphine"),
    ]
    assert body["letters"][0]["address"] == "12 rue des Tilleuls\nBâtiment B\n75011 Paris"
    assert body["letters"][1]["address"] == "3 impasse Vermeer\n75012 Paris"
    codes = [item["code"] for item in body["letters"]]
    assert all(CODE.match(code) for code in codes) and len(set(codes)) == 2
    assert not set("".join(codes)) & set("O0I1LS5BZ28")
    assert (await generate(client, world)).json()["batch"] == 2

    listed = await client.get(ADMIN_API, headers=world.admin.headers)
    assert listed.status_code == 200
    assert [(b["batch"], b["codes"], b["used"]) for b in listed.json()["batches"]] == [
        (2, 2, 0),
        (1, 2, 0),
    ]
    assert "Zanetti" not in listed.text and codes[0] not in listed.text
    async with world.database.session() as session:
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert actions.count("letter_codes.generate") == 2


async def test_a_refused_list_stores_nothing(client: Client, world: World) -> None:
    no_address = await generate(
        client, world, "nom;prenom;date de naissance;cp\nA;B;1980-01-01;1\n"
    )
    assert no_address.status_code == 422 and no_address.json()["code"] == "census.columns"
    assert no_address.json()["missing"] == ["address"]
    no_column = await generate(client, world, "nom;prenom;adresse;cp\nA;B;rue;1\n")
    assert no_column.json()["missing"] == ["birth_date"]
    bad_line = await generate(
        client,
        world,
        "nom,prenom,date de naissance,code postal,adresse\nA,B,1980-01-01,1,rue\nC,D,hier,2,rue\n",
    )
    assert bad_line.status_code == 422 and bad_line.json()["code"] == "census.invalid_line"
    assert bad_line.json()["line"] == 3
    empty_address = await generate(
        client, world, "nom,prenom,date de naissance,code postal,ville\nA,B,1980-01-01,1,\n"
    )
    assert empty_address.json()["code"] == "census.invalid_line"
    header_only = await generate(client, world, "nom,prenom,date de naissance,code postal,ville\n")
    assert header_only.status_code == 422
    async with world.database.session() as session:
        assert (await session.execute(select(LetterCode))).first() is None


async def test_a_batch_is_limited_in_size(client: Client, world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(letter_codes, "MAX_LETTERS", 1)
    too_many = await generate(client, world)
    assert too_many.status_code == 422 and too_many.json()["code"] == "census.too_large"


async def test_a_citizen_verified_by_a_code_votes_and_the_code_serves_once(
    client: Client, world: World
) -> None:
    elodie, _ = await codes_of(client, world)
    setup = await vote_dialogue(
        client, world, SUPPORT, slug="courrier", modules={"letter_code": {}}
    )
    refused = await put_vote(client, world.alice, setup, setup.proposals[0])
    assert refused.status_code == 403 and refused.json()["methods"] == ["letter_code"]

    wrong = await by_code(client, world.alice, "ACDE-FGHJ-KMNP")
    assert wrong.status_code == 422 and wrong.json()["code"] == "verification.no_match"
    # Case, spaces and dashes do not matter.
    typed = " " + elodie.lower().replace("-", " ") + " "
    verified = await by_code(client, world.alice, typed)
    assert verified.status_code == 200, verified.text
    assert verified.json()["method"] == "letter_code"
    assert (await put_vote(client, world.alice, setup, setup.proposals[0])).status_code == 200

    # Used: the same answer as an unknown code, for anyone.
    again = await by_code(client, world.bob, elodie)
    assert again.status_code == 422 and again.json() == wrong.json()
    assert (await client.get(ME_API, headers=world.bob.headers)).json() == {"verified": False}
    async with world.database.session() as session:
        used = await session.scalar(select(LetterCode).where(LetterCode.used_at.is_not(None)))
    assert used is not None and used.used_by_id == world.alice.user.id
    listed = (await client.get(ADMIN_API, headers=world.admin.headers)).json()
    assert listed["batches"][0]["used"] == 1

    # Her personal data says how; deleting her account leaves the code used, by no one.
    data = (await client.get("/api/v1/me/data", headers=world.alice.headers)).json()
    assert data["verification"]["method"] == "letter_code"
    assert (await client.delete("/api/v1/me", headers=world.alice.headers)).status_code == 204
    async with world.database.session() as session:
        code = await session.scalar(select(LetterCode).where(LetterCode.used_at.is_not(None)))
    assert code is not None and code.used_by_id is None
    assert (await by_code(client, world.bob, elodie)).status_code == 422


async def test_two_codes_of_one_person_are_one_identity(client: Client, world: World) -> None:
    first, _ = await codes_of(client, world)
    second, _ = await codes_of(client, world)
    setup = await vote_dialogue(
        client, world, SUPPORT, slug="une-personne", modules={"letter_code": {}, "census": {}}
    )
    assert (await by_code(client, world.alice, first)).status_code == 200
    assert (await by_code(client, world.bob, second)).status_code == 200
    assert (await put_vote(client, world.alice, setup, setup.proposals[0])).status_code == 200
    refused = await put_vote(client, world.bob, setup, setup.proposals[1])
    assert refused.status_code == 409 and refused.json()["code"] == "vote.identity_already_voted"
    # And the same person on the residents list is that identity too.
    await client.put(
        "/api/v1/admin/verification/census",
        json={"csv": "nom;prenom;naissance;cp\nLefevre Dupont;Elodie;1980-04-02;75011\n"},
        headers=world.admin.headers,
    )
    carol = await world.person("carol@example.org")
    census = await client.post(
        f"{ME_API}/census",
        json={
            "last_name": "Lefèvre-Dupont",
            "first_name": "Élodie",
            "birth_date": "02/04/1980",
            "postal_code": "75011",
        },
        headers=carol.headers,
    )
    assert census.status_code == 200
    again = await put_vote(client, carol, setup, setup.proposals[1])
    assert again.json()["code"] == "vote.identity_already_voted"
    async with world.database.session() as session:
        identities = (await session.execute(select(UserVerification.identity_id))).scalars()
        assert len(set(identities)) == 1


async def test_a_withdrawn_batch_verifies_no_one(client: Client, world: World) -> None:
    used, unused = await codes_of(client, world)
    assert (await by_code(client, world.alice, used)).status_code == 200
    assert (await client.delete(f"{ADMIN_API}/1", headers=world.alice.headers)).status_code == 403
    withdrawn = await client.delete(f"{ADMIN_API}/1", headers=world.admin.headers)
    assert withdrawn.status_code == 204
    assert (await by_code(client, world.bob, unused)).json()["code"] == "verification.no_match"
    listed = (await client.get(ADMIN_API, headers=world.admin.headers)).json()
    assert [(b["batch"], b["codes"], b["used"]) for b in listed["batches"]] == [(1, 1, 1)]
    again = await client.delete(f"{ADMIN_API}/1", headers=world.admin.headers)
    assert again.status_code == 404 and again.json()["code"] == "letter_codes.unknown_batch"
    assert (await client.delete(f"{ADMIN_API}/9", headers=world.admin.headers)).status_code == 404
    async with world.database.session() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "letter_codes.withdraw")
        )
    assert entry is not None and entry.details == {"batch": 1, "codes": 1}


async def test_only_administrators_generate_and_see_codes(client: Client, world: World) -> None:
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)
    for person in (world.alice, moderator):
        assert (
            await client.post(ADMIN_API, json={"csv": PEOPLE_CSV}, headers=person.headers)
        ).status_code == 403
        assert (await client.get(ADMIN_API, headers=person.headers)).status_code == 403
        page = await client.post(
            "/admin/verification/letters",
            files={"letters_file": ("p.csv", PEOPLE_CSV.encode(), "text/csv")},
            headers=person.headers,
        )
        assert page.status_code == 403
    assert (await client.post(ADMIN_API, json={"csv": PEOPLE_CSV})).status_code == 401
    assert (await by_code(client, world.alice, "x")).status_code == 422
    anonymous = await client.post(f"{ME_API}/letter-code", json={"code": "ACDE-FGHJ-KMNP"})
    assert anonymous.status_code == 401


async def test_wrong_codes_are_rate_limited(
    settings: Any, plugins: Any, database: Database, world: World
) -> None:
    async with limited_client(settings, plugins, database, {"verification": "3/day"}) as client:
        code, _ = await codes_of(client, world)
        for _ in range(3):
            wrong = await by_code(client, world.alice, "ACDE-FGHJ-KMNP")
            assert wrong.json()["code"] == "verification.no_match"
        assert_limited(await by_code(client, world.alice, code))
        assert_limited(
            await client.post(
                "/me/verification/letter-code", data={"code": code}, headers=world.alice.headers
            )
        )


async def test_one_code_typed_by_two_accounts_at_once_verifies_one(
    client: Client, world: World, live_server: LiveServer
) -> None:
    accounts = [world.alice, world.bob] + [
        await world.person(f"compte-{n}@example.org") for n in range(2)
    ]
    for trial in range(4):
        code, _ = await codes_of(client, world)
        go = asyncio.Event()
        ready = 0

        async def one(person: Person, code: str = code, go: asyncio.Event = go) -> httpx.Response:
            nonlocal ready
            async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
                assert (await http.get("/api/v1/dialogues")).status_code == 200
                ready += 1
                if ready == len(accounts):
                    go.set()
                await go.wait()
                return await http.post(
                    f"{ME_API}/letter-code", json={"code": code}, headers=person.headers
                )

        answers = await asyncio.gather(*(one(account) for account in accounts))
        assert summary(list(answers)) == {
            (200, ""): 1,
            (422, "verification.no_match"): len(accounts) - 1,
        }, trial
        async with world.database.session() as session:
            row = await session.scalar(
                select(LetterCode).where(
                    LetterCode.batch == trial + 1, LetterCode.used_at.is_not(None)
                )
            )
            assert row is not None
            winner = await session.get(UserVerification, row.used_by_id)
        assert winner is not None and winner.method == "letter_code"


async def test_the_pages_generate_letters_and_verify_without_javascript(
    client: Client, world: World
) -> None:
    admin = world.admin.headers
    page = await client.get("/admin/verification", headers=admin)
    assert "Codes envoyés par courrier" in page.text and "ils ne seront plus affichés" in page.text
    # No code yet: the citizen's page offers no form for one.
    me = await client.get("/me/verification", headers=world.alice.headers)
    assert 'action="/me/verification/letter-code"' not in me.text
    empty = await client.post(
        "/admin/verification/letters", files={"letters_file": ("p.csv", b"")}, headers=admin
    )
    assert empty.status_code == 422 and "Choisissez un fichier CSV" in empty.text
    refused = await client.post(
        "/admin/verification/letters",
        files={"letters_file": ("p.csv", b"nom;prenom\nA;B\n", "text/csv")},
        headers=admin,
    )
    assert refused.status_code == 422 and "Colonnes manquantes" in refused.text
    letters = await client.post(
        "/admin/verification/letters",
        files={"letters_file": ("p.csv", PEOPLE_CSV.encode(), "text/csv")},
        headers=admin,
    )
    assert letters.status_code == 201, letters.text
    assert letters.headers["cache-control"] == "no-store"
    assert letters.text.count('class="letter"') == 2
    assert "ils ne seront plus affichés" in letters.text
    assert "/me/verification" in letters.text and "12 rue des Tilleuls" in letters.text
    codes = re.findall(r'class="letter-code">([A-Z0-9-]+)<', letters.text)
    assert len(codes) == 2 and all(CODE.match(code) for code in codes)
    # The CSV form posts the same letters back, as a file.
    posted = re.search(r'<textarea name="letters"[^>]*>(.*?)</textarea>', letters.text, re.S)
    assert posted is not None
    csv_text = html.unescape(posted.group(1))
    download = await client.post(
        "/admin/verification/letters/csv", data={"letters": csv_text}, headers=admin
    )
    assert download.status_code == 201 or download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    content = download.content.decode("utf-8-sig")
    assert content.startswith("nom;prenom;adresse;code") and codes[1] in content
    assert (
        await client.post(
            "/admin/verification/letters/csv", data={"letters": "x"}, headers=world.alice.headers
        )
    ).status_code == 403

    # The citizen's form, without JavaScript.
    me = await client.get("/me/verification", headers=world.alice.headers)
    assert 'action="/me/verification/letter-code"' in me.text
    wrong = await client.post(
        "/me/verification/letter-code", data={"code": "ACDE-FGHJ-KMNP"}, headers=world.alice.headers
    )
    assert wrong.status_code == 422 and "Ce code n&#39;est pas valable" in wrong.text
    assert 'value="ACDE-FGHJ-KMNP"' in wrong.text
    done = await client.post(
        "/me/verification/letter-code",
        data={"code": codes[0], "next": "/dialogues/x"},
        headers=world.alice.headers,
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/dialogues/x?notice=verified"
    shown = await client.get("/me/verification", headers=world.alice.headers)
    assert "Vérifié par un code reçu par courrier" in shown.text
    english = await client.get(
        "/me/verification", headers={**world.alice.headers, "Accept-Language": "en"}
    )
    assert "Verified by a code received by mail" in english.text

    listed = await client.get("/admin/verification", headers=admin)
    assert "Code reçu par courrier" in listed.text and codes[1] not in listed.text
    withdrawn = await client.post(
        "/admin/verification/letters/1/withdraw", headers=admin, follow_redirects=False
    )
    assert withdrawn.status_code == 303
    again = await client.post("/admin/verification/letters/1/withdraw", headers=admin)
    assert again.status_code == 404


async def test_no_clear_value_of_the_letters_is_stored(client: Client, world: World) -> None:
    codes = await codes_of(client, world)
    assert (await by_code(client, world.alice, codes[0])).status_code == 200
    dumped: list[str] = []
    async with world.database.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in await session.execute(select(table)):
                dumped.append(repr(tuple(row)).casefold())
    text = "\n".join(dumped)
    clear_values = [
        "lefèvre",
        "lefevre",
        "élodie",
        "elodie",
        "zanetti",
        "joséphine",
        "josephine",
        "1980-04-02",
        "02/04/1980",
        "1980, 4, 2",
        "1975-12-31",
        "1975, 12, 31",
        "75011",
        "75012",
        "tilleuls",
        "vermeer",
        "bâtiment",
        "impasse",
    ]
    for code in codes:
        clear_values += [code.casefold(), code.replace("-", "").casefold()]
    for clear in clear_values:
        assert clear not in text, clear


async def test_the_letters_page_escapes_what_the_list_says(client: Client, world: World) -> None:
    payload = '<script>alert("x")</script>'
    text = f"nom;prenom;naissance;cp;adresse\n{payload};Ana;1990-01-01;75011;{payload}\n"
    letters = await client.post(
        "/admin/verification/letters",
        files={"letters_file": ("p.csv", text.encode(), "text/csv")},
        headers=world.admin.headers,
    )
    assert letters.status_code == 201
    assert "<script>alert" not in letters.text and "&lt;script&gt;alert" in letters.text
    # The file for a mail merge has no formula in it.
    formula = "nom;prenom;naissance;cp;adresse\n=1+1;Ana;1990-01-01;75011;rue\n"
    letters = await client.post(
        "/admin/verification/letters",
        files={"letters_file": ("p.csv", formula.encode(), "text/csv")},
        headers=world.admin.headers,
    )
    posted = re.search(r'<textarea name="letters"[^>]*>(.*?)</textarea>', letters.text, re.S)
    assert posted is not None and "\n'=1+1;Ana;" in html.unescape(posted.group(1))
