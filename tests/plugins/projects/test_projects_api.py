"""The follow-up's API: the public list once the results are out, staff writes, their
refusals with stable codes, and the module's guard."""

from __future__ import annotations

import io
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import select

from core.db import Database
from core.models import AuditEntry
from participe.testing import World
from tests.projects_helpers import ADMIN_PROJECTS, PROJECTS, SLUG, budget_with_results

Client = AsyncTestClient[Litestar]


def png() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(output, "PNG")
    return output.getvalue()


async def test_the_winners_are_the_projects_once_the_results_are_out(
    client: Client, world: World
) -> None:
    setup = await budget_with_results(client, world)
    response = await client.get(PROJECTS)
    assert response.status_code == 200, response.text
    body = response.json()
    winners = [setup.proposals[0], setup.proposals[1], setup.proposals[3]]
    assert [p["proposal_id"] for p in body] == winners
    first = body[0]
    assert first["stage"] == "study"
    assert first["stage_label"] == "Étude"
    assert (first["progress"], first["spent"], first["cost"]) == (0, 0, 3_000)
    assert first["updates"] == []
    assert first["location"] == {"lat": 48.8566, "lng": 2.3522}
    assert first["url"] == f"/dialogues/{SLUG}/projects/{setup.proposals[0]}"
    english = await client.get(PROJECTS, headers={"Accept-Language": "en"})
    assert english.json()[0]["stage_label"] == "Study"


async def test_nothing_is_public_before_the_results(client: Client, world: World) -> None:
    await budget_with_results(client, world, publish=False)
    hidden = await client.get(PROJECTS, headers=world.alice.headers)
    assert hidden.status_code == 403
    assert hidden.json()["code"] == "results.hidden"
    # Staff prepare the follow-up before.
    assert (await client.get(PROJECTS, headers=world.admin.headers)).status_code == 200
    assert (await client.get(ADMIN_PROJECTS, headers=world.admin.headers)).status_code == 200


async def test_staff_change_a_project_and_post_updates_with_photos(
    client: Client, world: World, database: Database
) -> None:
    setup = await budget_with_results(client, world)
    project = f"{ADMIN_PROJECTS}/{setup.proposals[0]}"
    changed = await client.patch(
        project,
        json={"stage": "works", "progress": 40, "spent": 1_200},
        headers=world.admin.headers,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["stage"], changed.json()["progress"]) == ("works", 40)
    posted = await client.post(
        f"{project}/updates",
        json={"text": "Les **travaux** commencent.", "date": "2026-11-02"},
        headers=world.admin.headers,
    )
    assert posted.status_code == 201, posted.text
    update = posted.json()
    assert (update["date"], update["images"]) == ("2026-11-02", [])
    photos = await client.post(
        f"{project}/updates/{update['id']}/images",
        files=[("file", ("chantier.png", png(), "image/png"))],
        headers=world.admin.headers,
    )
    assert photos.status_code == 201, photos.text
    [url] = photos.json()["images"]
    assert (await client.get(url)).headers["content-type"].startswith("image/")

    [first, *_] = (await client.get(PROJECTS)).json()
    assert (first["stage"], first["progress"], first["spent"]) == ("works", 40, 1_200)
    assert first["updates"] == [
        {"id": update["id"], "date": "2026-11-02", "text": "Les **travaux** commencent.",
         "images": [url]}
    ]  # fmt: skip
    async with database.session() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert {"project.change", "project.update_post", "project.update_images"} <= set(actions)

    deleted = await client.delete(f"{project}/updates/{update['id']}", headers=world.admin.headers)
    assert deleted.status_code == 204
    assert (await client.get(PROJECTS)).json()[0]["updates"] == []


async def test_staff_add_a_proposal_and_take_a_winner_off(client: Client, world: World) -> None:
    setup = await budget_with_results(client, world)
    added = await client.post(
        ADMIN_PROJECTS, json={"proposal_id": setup.proposals[2]}, headers=world.admin.headers
    )
    assert added.status_code == 201, added.text
    assert added.json()["winner"] is False
    again = await client.post(
        ADMIN_PROJECTS, json={"proposal_id": setup.proposals[2]}, headers=world.admin.headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "project.already_listed")
    removed = await client.delete(
        f"{ADMIN_PROJECTS}/{setup.proposals[1]}", headers=world.admin.headers
    )
    assert removed.status_code == 204
    listed = [p["proposal_id"] for p in (await client.get(PROJECTS)).json()]
    assert listed == [setup.proposals[0], setup.proposals[3], setup.proposals[2]]
    gone = await client.patch(
        f"{ADMIN_PROJECTS}/{setup.proposals[1]}", json={"progress": 5}, headers=world.admin.headers
    )
    assert (gone.status_code, gone.json()["code"]) == (404, "project.unknown")
    back = await client.post(
        ADMIN_PROJECTS, json={"proposal_id": setup.proposals[1]}, headers=world.admin.headers
    )
    assert (back.status_code, back.json()["winner"]) == (201, True)


async def test_the_list_filters_by_stage_and_the_map_has_the_located_ones(
    client: Client, world: World
) -> None:
    setup = await budget_with_results(client, world)
    await client.patch(
        f"{ADMIN_PROJECTS}/{setup.proposals[1]}", json={"stage": "done", "progress": 100},
        headers=world.admin.headers,
    )  # fmt: skip
    done = (await client.get(PROJECTS, params={"stage": "done"})).json()
    assert [p["proposal_id"] for p in done] == [setup.proposals[1]]
    geojson = await client.get(f"{PROJECTS}.geojson")
    assert geojson.headers["content-type"].startswith("application/geo+json")
    features = geojson.json()["features"]
    # The fourth winner has no place: it is not on the map.
    assert [f["properties"]["id"] for f in features] == setup.proposals[:2]
    assert features[1]["properties"]["stage"] == "done"
    assert features[0]["geometry"]["coordinates"] == [2.3522, 48.8566]


async def test_the_organisers_own_stages(client: Client, world: World) -> None:
    stages = [
        {"key": "vote", "label": "Voté", "label_en": "Voted"},
        {"key": "chantier", "label": "En chantier"},
        {"key": "inaugure", "label": "Inauguré"},
    ]
    setup = await budget_with_results(client, world, stages=stages)
    body = (await client.get(PROJECTS)).json()
    assert body[0]["stage"] == "vote"
    refused = await client.patch(
        f"{ADMIN_PROJECTS}/{setup.proposals[0]}", json={"stage": "works"},
        headers=world.admin.headers,
    )  # fmt: skip
    assert (refused.status_code, refused.json()["code"]) == (422, "project.unknown_stage")
    changed = await client.patch(
        f"{ADMIN_PROJECTS}/{setup.proposals[0]}", json={"stage": "chantier"},
        headers=world.admin.headers,
    )  # fmt: skip
    assert changed.json()["stage_label"] == "En chantier"
    twice = await client.put(
        f"/api/v1/admin/dialogues/{SLUG}/modules/projects",
        json={"settings": {"stages": [stages[0], stages[0]]}},
        headers=world.admin.headers,
    )
    assert twice.status_code == 422


async def _refusal(client: Client, world: World, path: str, body: dict[str, Any]) -> Any:
    response = await client.patch(path, json=body, headers=world.admin.headers)
    return response.status_code, response.json().get("code")


async def test_bad_input_is_refused_and_changes_nothing(client: Client, world: World) -> None:
    setup = await budget_with_results(client, world)
    project = f"{ADMIN_PROJECTS}/{setup.proposals[0]}"
    for body, code in (
        ({"progress": 101}, "project.invalid_progress"),
        ({"progress": -1}, "project.invalid_progress"),
        ({"spent": -5}, "project.invalid_spent"),
        ({"stage": "ailleurs", "progress": 50}, "project.unknown_stage"),
    ):
        assert await _refusal(client, world, project, body) == (422, code), body
    # Beyond the database's integers: the core's guard of every JSON body refuses it.
    assert await _refusal(client, world, project, {"spent": 2**40}) == (422, "validation")
    assert (await _refusal(client, world, project, {"progress": "half"}))[0] in (400, 422)
    assert (await _refusal(client, world, project, {"colour": "red"}))[0] in (400, 422)
    first = (await client.get(PROJECTS)).json()[0]
    assert (first["stage"], first["progress"], first["spent"]) == ("study", 0, 0)

    empty = await client.post(
        f"{project}/updates", json={"text": "   "}, headers=world.admin.headers
    )
    assert (empty.status_code, empty.json()["code"]) == (422, "project.invalid_text")
    update = await client.post(
        f"{project}/updates", json={"text": "Étude lancée."}, headers=world.admin.headers
    )
    not_image = await client.post(
        f"{project}/updates/{update.json()['id']}/images",
        files=[("file", ("virus.png", b"MZ not an image", "image/png"))],
        headers=world.admin.headers,
    )
    assert (not_image.status_code, not_image.json()["code"]) == (422, "upload.not_an_image")
    unknown = await client.patch(
        f"{ADMIN_PROJECTS}/999999", json={"progress": 5}, headers=world.admin.headers
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "project.unknown")


async def test_citizens_cannot_write(client: Client, world: World) -> None:
    setup = await budget_with_results(client, world)
    project = f"{ADMIN_PROJECTS}/{setup.proposals[0]}"
    for headers, status in ((world.alice.headers, 403), ({}, 401)):
        assert (
            await client.patch(project, json={"progress": 5}, headers=headers)
        ).status_code == status
        assert (
            await client.post(f"{project}/updates", json={"text": "x"}, headers=headers)
        ).status_code == status
        assert (await client.delete(project, headers=headers)).status_code == status
        assert (await client.get(ADMIN_PROJECTS, headers=headers)).status_code == status
    assert (await client.get(PROJECTS)).json()[0]["progress"] == 0


async def test_the_module_off_answers_404(client: Client, world: World) -> None:
    setup = await budget_with_results(client, world, module=False)
    for path in (PROJECTS, f"{PROJECTS}.geojson", f"/dialogues/{SLUG}/projects",
                 f"/dialogues/{SLUG}/projects/{setup.proposals[0]}"):  # fmt: skip
        assert (await client.get(path)).status_code == 404, path
    refused = await client.patch(
        f"{ADMIN_PROJECTS}/{setup.proposals[0]}", json={"progress": 5}, headers=world.admin.headers
    )
    assert refused.status_code == 404
    # The back office's wall comes first: a citizen is refused, not told the module is off.
    citizen = await client.patch(
        f"{ADMIN_PROJECTS}/{setup.proposals[0]}", json={"progress": 5}, headers=world.alice.headers
    )
    assert citizen.status_code == 403
    assert (
        await client.get(f"/admin/dialogues/{SLUG}/projects", headers=world.admin.headers)
    ).status_code == 404
    export = await client.get(
        f"/api/v1/admin/dialogues/{SLUG}/export",
        params={"what": "projects", "format": "csv"},
        headers=world.admin.headers,
    )
    assert export.status_code in (404, 422), export.text
    # No tab on the dialogue's pages, results published or not.
    assert "Suivi des projets" not in (await client.get(f"/dialogues/{SLUG}")).text


async def test_followers_are_told_of_each_update(
    app: Litestar, client: Client, world: World, outbox: Any
) -> None:
    from participe.testing import run_event_jobs, run_mail_queue

    setup = await budget_with_results(client, world)
    await run_event_jobs(app)
    await run_mail_queue(app)
    carol = await world.person("carol@example.org")
    followed = await client.post(
        f"/api/v1/proposals/{setup.proposals[0]}/follow", headers=carol.headers
    )
    assert followed.status_code == 204
    before = {message.id for message in await outbox.messages()}
    posted = await client.post(
        f"{ADMIN_PROJECTS}/{setup.proposals[0]}/updates",
        json={"text": "Les travaux commencent."},
        headers=world.admin.headers,
    )
    assert posted.status_code == 201, posted.text
    await run_mail_queue(app)
    new = [m for m in await outbox.messages() if m.id not in before]
    # Bob voted for it, Alice voted for it (and wrote it), Carol follows it.
    assert sorted(m.recipient for m in new) == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
    ]
    mail = next(m for m in new if m.recipient == "carol@example.org")
    assert mail.subject.startswith("Du nouveau sur le projet « ")
    assert f"/dialogues/{SLUG}/projects/{setup.proposals[0]}" in mail.text_body
    news = (await client.get("/api/v1/me/notifications", headers=carol.headers)).json()
    assert [item["kind"] for item in news["items"]] == ["project_update"]
