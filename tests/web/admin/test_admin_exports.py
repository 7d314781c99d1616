"""Exports: xlsx and csv files with the right rows, confidential fields for the staff
only, pseudonymous ballots, participation figures, and signed download links."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import openpyxl
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core import signed_links
from core.db import utcnow
from core.models.users import Role
from core.settings import Settings
from participe.testing import put_vote, vote_dialogue
from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
EXPORT = "/api/v1/admin/dialogues/{slug}/export"
FORM = [
    {"key": "quartier", "label": "Quartier", "type": "text"},
    {"key": "tel", "label": "Téléphone", "type": "text", "confidential": True},
]


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def read_xlsx(content: bytes) -> list[list[Any]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


async def _proposals_dialogue(client: Client, world: World) -> list[int]:
    await create_dialogue(
        client,
        world.admin.headers,
        form=FORM,
        sectors=[{"key": "nord", "label": "Quartier nord"}],
    )
    ids = []
    for title, tel in (("Un banc", "0611"), ('=HYPERLINK("http://x")', "0622")):
        created = await client.post(
            "/api/v1/dialogues/budget-2027/proposals",
            json={
                "title": title,
                "body": "Texte",
                "fields": {"quartier": "Centre", "tel": tel},
                "sector": "nord",
            },
            headers=world.alice.headers,
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


async def test_proposals_export_in_both_formats(client: Client, world: World) -> None:
    ids = await _proposals_dialogue(client, world)
    url = EXPORT.format(slug="budget-2027")
    as_csv = await client.get(
        url, params={"what": "proposals", "format": "csv"}, headers=world.admin.headers
    )
    assert as_csv.status_code == 200, as_csv.text
    rows = read_csv(as_csv.content)
    header = rows[0]
    assert header[:3] == ["n°", "titre", "description"]
    assert header[-2:] == ["Quartier", "Téléphone (confidentiel)"]
    assert [row[0] for row in rows[1:]] == [str(i) for i in ids]
    assert rows[1][-1] == "0611" and rows[1][header.index("courriel")] == "alice@example.org"
    assert rows[1][header.index("secteur")] == "Quartier nord"
    # Statuses as the staff name them, times as they read in France (as in the XLSX).
    assert rows[1][header.index("statut")] == "Publiée"
    assert rows[1][header.index("statut affiché")] == "Publiée"
    published = rows[1][header.index("déposée le")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", published), published

    as_xlsx = await client.get(
        url, params={"what": "proposals", "format": "xlsx"}, headers=world.admin.headers
    )
    assert as_xlsx.status_code == 200
    assert as_xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="budget-2027-proposals.xlsx"' in as_xlsx.headers["content-disposition"]
    sheet = read_xlsx(as_xlsx.content)
    assert sheet[0] == header
    assert sheet[1][header.index("déposée le")].isoformat(" ", "seconds") == published
    assert [row[0] for row in sheet[1:]] == ids
    assert sheet[1][-1] == "0611" and sheet[2][-1] == "0622"
    # A citizen's text that looks like a formula stays text.
    assert sheet[2][1] == '\'=HYPERLINK("http://x")'


async def test_exports_are_for_the_staff_only(client: Client, world: World) -> None:
    await _proposals_dialogue(client, world)
    url = EXPORT.format(slug="budget-2027")
    params = {"what": "proposals", "format": "xlsx"}
    assert (await client.get(url, params=params)).status_code == 401
    citizen = await client.get(url, params=params, headers=world.alice.headers)
    assert citizen.status_code == 403
    assert "0611" not in citizen.text
    moderator = await world.person("modo@ville.test", Role.MODERATOR)
    assert (await client.get(url, params=params, headers=moderator.headers)).status_code == 403
    # What a citizen reads of the same proposal leaves the confidential field out.
    public = (await client.get("/api/v1/dialogues/budget-2027/proposals")).json()["items"]
    assert all("tel" not in item["fields"] for item in public)
    unknown = await client.get(url, params={"what": "nope"}, headers=world.admin.headers)
    assert unknown.status_code == 422
    bad_format = await client.get(
        url, params={"what": "proposals", "format": "pdf"}, headers=world.admin.headers
    )
    assert bad_format.status_code == 422


async def test_ballots_export_is_pseudonymous(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {}})
    for person, picks in ((world.alice, setup.proposals[:2]), (world.bob, setup.proposals[1:])):
        for proposal_id in picks:
            response = await put_vote(client, person, setup, proposal_id)
            assert response.status_code == 200, response.text
    url = EXPORT.format(slug=setup.slug)
    content = (
        await client.get(
            url, params={"what": "ballots", "format": "csv"}, headers=world.admin.headers
        )
    ).content
    text = content.decode("utf-8-sig")
    for secret in ("alice", "Alice", "bob", "Bob", "@", "example.org"):
        assert secret not in text
    rows = read_csv(content)[1:]
    assert len(rows) == 4
    voters = [row[0] for row in rows]
    assert len(set(voters)) == 2 and all(len(v) == 16 for v in voters)
    assert voters[0] == voters[1] and voters[2] == voters[3]
    assert {row[4] for row in rows} == {str(i) for i in setup.proposals}
    xlsx = await client.get(
        url, params={"what": "ballots", "format": "xlsx"}, headers=world.admin.headers
    )
    assert [row[0] for row in read_xlsx(xlsx.content)[1:]] == voters

    # Another dialogue gives the same citizen another pseudonym.
    other = await vote_dialogue(client, world, {"type": "support", "settings": {}}, slug="autre")
    await put_vote(client, world.alice, other, other.proposals[0])
    other_rows = read_csv(
        (
            await client.get(
                EXPORT.format(slug="autre"),
                params={"what": "ballots", "format": "csv"},
                headers=world.admin.headers,
            )
        ).content
    )[1:]
    assert other_rows[0][0] not in voters


async def test_comments_and_participation_exports(client: Client, world: World) -> None:
    ids = await _proposals_dialogue(client, world)
    await client.post(
        f"/api/v1/proposals/{ids[0]}/comments",
        json={"body": "D'accord"},
        headers=world.bob.headers,
    )
    url = EXPORT.format(slug="budget-2027")
    comments = read_csv(
        (await client.get(url, params={"what": "comments"}, headers=world.admin.headers)).content
    )
    assert comments[1][1:3] == [str(ids[0]), "Un banc"] and comments[1][6] == "D'accord"
    figures = read_xlsx(
        (
            await client.get(
                url, params={"what": "participation", "format": "xlsx"}, headers=world.admin.headers
            )
        ).content
    )
    assert figures[0] == [
        "regroupement",
        "valeur",
        "participant·es",
        "propositions",
        "commentaires",
        "votes",
    ]
    assert figures[1] == ["total", None, 2, 2, 1, 0]
    assert ["secteur", "Quartier nord", 2, 2, 1, 0] in figures
    days = [row for row in figures if row[0].startswith("jour")]
    assert sum(row[2] for row in days) == 2 and sum(row[3] for row in days) == 2


async def test_signed_links_work_for_their_owner_until_they_expire(
    client: Client, world: World, settings: Settings
) -> None:
    await _proposals_dialogue(client, world)
    page = await client.get("/admin/dialogues/budget-2027/exports", headers=world.admin.headers)
    # No vote: neither the ballots' export nor their tab (a plugin's tab may say "Bulletins").
    assert page.status_code == 200 and "Bulletins (votants" not in page.text
    assert 'href="/admin/dialogues/budget-2027/ballots"' not in page.text
    made = await client.post(
        "/admin/dialogues/budget-2027/exports",
        data={"what": "proposals", "format": "xlsx"},
        headers=world.admin.headers,
    )
    assert made.status_code == 200
    url = made.text.split('href="/admin/exports/')[1].split('"')[0]
    link = f"/admin/exports/{url}"
    mine = await client.get(link, headers=world.admin.headers)
    assert mine.status_code == 200 and read_xlsx(mine.content)[0][0] == "n°"

    colleague = await world.person("admin2@ville.test", Role.ADMIN)
    theirs = await client.get(link, headers={**colleague.headers, "accept": "application/json"})
    assert theirs.status_code == 403 and theirs.json()["code"] == "export.link_not_yours"
    assert (await client.get(link, headers=world.alice.headers)).status_code == 403
    assert (await client.get(link)).status_code == 401
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert (await client.get(tampered, headers=world.admin.headers)).status_code == 403

    expired = signed_links.sign(
        settings.secret_key,
        signed_links.ExportLink(
            user_id=world.admin.user.id,
            organisation_id=world.org.id,
            dialogue_id=1,
            what="proposals",
            format="csv",
            expires_at=int((utcnow() - timedelta(seconds=1)).timestamp()),
        ),
    )
    response = await client.get(
        f"/admin/exports/{expired}", headers={**world.admin.headers, "accept": "application/json"}
    )
    assert response.status_code == 403 and response.json()["code"] == "export.link_expired"
    refused = await client.post(
        "/admin/dialogues/budget-2027/exports",
        data={"what": "ballots", "format": "xlsx"},
        headers=world.admin.headers,
    )
    assert refused.status_code == 422
