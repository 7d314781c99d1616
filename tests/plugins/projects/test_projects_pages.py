"""The follow-up's pages: the projects' map and list, filterable by stage without
JavaScript, a project's page, the tab of the dialogue's pages once the results are out,
the back office's tab, and the exports."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import openpyxl
from litestar import Litestar
from litestar.testing import AsyncTestClient

from participe.testing import World
from tests.plugins.projects.test_projects_api import png
from tests.projects_helpers import ADMIN_PROJECTS, PAGE, SLUG, TITLES, budget_with_results
from tests.web.test_english_everywhere import french_words_in

Client = AsyncTestClient[Litestar]
ADMIN_TAB = f"/admin/dialogues/{SLUG}/projects"
EXPORT = f"/api/v1/admin/dialogues/{SLUG}/export"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_the_projects_page_lists_and_maps_the_winners(client: Client, world: World) -> None:
    setup = await budget_with_results(client, world)
    await client.patch(
        f"{ADMIN_PROJECTS}/{setup.proposals[1]}",
        json={"stage": "works", "progress": 60, "spent": 7_000},
        headers=world.admin.headers,
    )
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    text = _text(page.text)
    assert "3 projets suivis" in text
    assert TITLES[0] in text and TITLES[1] in text and TITLES[2] not in text
    assert 'data-geojson="/api/v1/dialogues/budget-2026/projects.geojson"' in page.text
    assert f'<progress id="progress-{setup.proposals[1]}" max="100" value="60">' in page.text
    # Without JavaScript, the list says where each project is.
    assert "Lieu : 48.85660, 2.35220" in text
    # The map's tiles are allowed by the page's policy, no inline script is.
    policy = page.headers["content-security-policy"]
    assert (
        "tile.openstreetmap.org" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "<script>" not in page.text

    works = await client.get(PAGE, params={"stage": "works"})
    assert "1 projet suivi" in _text(works.text) and TITLES[0] not in _text(works.text)
    assert 'projects.geojson?stage=works"' in works.text
    unknown = await client.get(PAGE, params={"stage": "nowhere"})
    assert unknown.status_code == 200
    assert "Cette étape n'existe pas" in unescape(unknown.text) and "3 projets suivis" in _text(
        unknown.text
    )

    english = await client.get(PAGE, headers={"Accept-Language": "en"})
    assert "3 followed projects" in _text(english.text)
    assert "Project follow-up" in english.text and "Works" in english.text


async def test_a_project_page_shows_its_progress_and_updates(client: Client, world: World) -> None:
    setup = await budget_with_results(client, world)
    project = f"{ADMIN_PROJECTS}/{setup.proposals[0]}"
    await client.patch(
        project, json={"stage": "works", "progress": 40, "spent": 1_200},
        headers=world.admin.headers,
    )  # fmt: skip
    update = await client.post(
        f"{project}/updates",
        json={"text": "Les **travaux** commencent.\n\n<script>alert(1)</script>",
              "date": "2026-11-02"},
        headers=world.admin.headers,
    )  # fmt: skip
    await client.post(
        f"{project}/updates/{update.json()['id']}/images",
        files=[("file", ("a.png", png(), "image/png"))],
        headers=world.admin.headers,
    )
    page = await client.get(f"{PAGE}/{setup.proposals[0]}")
    assert page.status_code == 200, page.text
    text = _text(page.text)
    assert "Avancement : 40 %" in text
    assert "Dépensé 1 200 €" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Budget prévu 3 000 €" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "<strong>travaux</strong>" in page.text and "<script>alert" not in page.text
    assert "2 novembre 2026" in text
    assert re.search(r'<img src="/media/[^"]+\.jpg" alt="Photo 1 de l', page.text)
    assert 'aria-current="step">Travaux' in page.text
    english = await client.get(f"{PAGE}/{setup.proposals[0]}", headers={"Accept-Language": "en"})
    assert "Progress: 40 %" in _text(english.text) and "November 2, 2026" in english.text
    not_a_project = await client.get(f"{PAGE}/{setup.proposals[2]}")
    assert not_a_project.status_code == 404


async def test_the_dialogue_links_to_the_projects_once_the_results_are_out(
    client: Client, world: World
) -> None:
    await budget_with_results(client, world, publish=False)
    before = await client.get(f"/dialogues/{SLUG}")
    assert f'href="{PAGE}"' not in before.text
    assert (await client.get(PAGE)).status_code == 403
    await client.post(
        f"/api/v1/admin/dialogues/{SLUG}/results/publish", headers=world.admin.headers
    )
    after = await client.get(f"/dialogues/{SLUG}")
    assert f'href="{PAGE}"' in after.text and "Suivi des projets" in after.text
    own = await client.get(PAGE)
    assert f'<a href="{PAGE}" aria-current="page">' in own.text


async def test_staff_follow_a_project_in_the_back_office(client: Client, world: World) -> None:
    setup = await budget_with_results(client, world)
    tab = await client.get(ADMIN_TAB, headers=world.admin.headers)
    assert tab.status_code == 200, tab.text
    assert "Projets suivis (3)" in tab.text and f'value="{setup.proposals[2]}"' in tab.text
    added = await client.post(
        ADMIN_TAB, data={"proposal_id": str(setup.proposals[2])},
        headers=world.admin.headers, follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303, added.text
    project = f"{ADMIN_TAB}/{setup.proposals[2]}"
    refused = await client.post(
        project, data={"stage": "works", "progress": "150", "spent": "10"},
        headers=world.admin.headers,
    )  # fmt: skip
    assert refused.status_code == 422
    assert "L'avancement est un pourcentage de 0 à 100." in unescape(refused.text)
    assert 'value="150"' in refused.text  # the form comes back as sent
    saved = await client.post(
        project, data={"stage": "works", "progress": "20", "spent": "1500"},
        headers=world.admin.headers, follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    posted = await client.post(
        f"{project}/updates",
        data={"date": "2026-12-01", "text": "Premier coup de pioche."},
        files=[
            ("photos", ("a.png", png(), "image/png")),
            ("photos", ("b.png", png(), "image/png")),
        ],
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    not_image = await client.post(
        f"{project}/updates",
        data={"date": "2026-12-02", "text": "Encore"},
        files=[("photos", ("a.png", b"not an image", "image/png"))],
        headers=world.admin.headers,
    )
    assert not_image.status_code == 422 and "n'est pas une image" in unescape(not_image.text)
    [shown] = [
        p for p in (await client.get(f"/api/v1/dialogues/{SLUG}/projects")).json()
        if p["proposal_id"] == setup.proposals[2]
    ]  # fmt: skip
    assert (shown["stage"], shown["progress"], shown["spent"]) == ("works", 20, 1_500)
    assert [len(u["images"]) for u in shown["updates"]] == [2]
    removed = await client.post(
        f"{project}/remove", headers=world.admin.headers, follow_redirects=False
    )
    assert removed.status_code == 303
    assert "Projets suivis (3)" in (await client.get(ADMIN_TAB, headers=world.admin.headers)).text
    assert (await client.get(ADMIN_TAB, headers=world.alice.headers)).status_code == 403


async def test_the_projects_and_their_updates_are_exported(client: Client, world: World) -> None:
    setup = await budget_with_results(client, world)
    project = f"{ADMIN_PROJECTS}/{setup.proposals[1]}"
    await client.patch(
        project, json={"stage": "done", "progress": 100, "spent": 11_500},
        headers=world.admin.headers,
    )  # fmt: skip
    for day in ("2026-10-01", "2026-11-15"):
        await client.post(
            f"{project}/updates", json={"text": f"Le {day}", "date": day},
            headers=world.admin.headers,
        )  # fmt: skip
    as_csv = await client.get(
        EXPORT, params={"what": "projects", "format": "csv"}, headers=world.admin.headers
    )
    assert as_csv.status_code == 200, as_csv.text
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:4] == ["proposition n°", "proposition", "lauréate", "étape"]
    assert [row[0] for row in rows[1:]] == [str(setup.proposals[i]) for i in (0, 1, 3)]
    second = dict(zip(header, rows[2], strict=True))
    assert (second["étape"], second["avancement (%)"], second["dépensé (€)"]) == (
        "done", "100", "11500",
    )  # fmt: skip
    assert (second["actualités"], second["dernière actualité"]) == ("2", "2026-11-15")
    updates = await client.get(
        EXPORT, params={"what": "project_updates", "format": "xlsx"}, headers=world.admin.headers
    )
    assert updates.status_code == 200, updates.text
    sheet = [list(r) for r in openpyxl.load_workbook(io.BytesIO(updates.content)).active.values]
    assert sheet[0][:4] == ["actualité n°", "proposition n°", "proposition", "date"]
    assert [row[4] for row in sheet[1:]] == ["Le 2026-10-01", "Le 2026-11-15"]
    page = await client.get(f"/admin/dialogues/{SLUG}/exports", headers=world.admin.headers)
    assert "Suivi des projets" in page.text and "Actualités des projets" in page.text


async def test_the_organisers_stages_are_set_in_the_modules_tab(
    client: Client, world: World
) -> None:
    await budget_with_results(client, world)
    tab = await client.get(f"/admin/dialogues/{SLUG}/modules", headers=world.admin.headers)
    assert 'name="projects.stages.0.key"' in tab.text
    saved = await client.post(
        f"/admin/dialogues/{SLUG}/modules/projects",
        data={
            "projects.stages.0.key": "etude",
            "projects.stages.0.label": "À l'étude",
            "projects.stages.1.key": "fini",
            "projects.stages.1.label": "Terminé",
            "projects.stages.1.label_en": "Finished",
        },
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = await client.get(PAGE, headers={"Accept-Language": "en"})
    assert '<option value="fini">Finished</option>' in page.text
    refused = await client.post(
        f"/admin/dialogues/{SLUG}/modules/projects",
        data={"projects.stages.0.key": "Pas un code", "projects.stages.0.label": "X"},
        headers=world.admin.headers,
    )
    assert refused.status_code == 422


ENGLISH = {"Accept-Language": "en"}


async def test_the_back_office_tab_reads_in_english_and_stays_french_in_french(
    client: Client, world: World
) -> None:
    """An English reader gets the tab, a project's page, its dates, amounts and refusals
    in English; the French pages say what they always said."""
    setup = await budget_with_results(client, world)
    pool = setup.proposals[2]
    added = await client.post(
        ADMIN_TAB, data={"proposal_id": str(pool)},
        headers=world.admin.headers, follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303, added.text
    project = f"{ADMIN_TAB}/{pool}"
    posted = await client.post(
        f"{project}/updates",
        data={"date": "2026-12-01", "text": "Premier coup de pioche."},
        files=[
            ("photos", ("a.png", png(), "image/png")),
            ("photos", ("b.png", png(), "image/png")),
        ],
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    english_headers = {**world.admin.headers, **ENGLISH}
    staff_texts = (*TITLES, "Budget participatif 2026", "Premier coup de pioche.")

    tab = await client.get(ADMIN_TAB, headers=english_headers)
    assert tab.status_code == 200
    text = unescape(_text(tab.text))
    for wanted in ("Project follow-up", "Followed projects (4)", "Spent", "Planned cost", "News"):
        assert wanted in text, wanted
    assert "Add a project" in text or "Every published proposal is already followed." in text
    assert french_words_in(text, staff_texts) == []
    for french in ("Suivi des projets", "Dépensé", "Coût prévu", "Actualités", "ajouté"):
        assert french not in text, french

    page = await client.get(project, headers=english_headers)
    assert page.status_code == 200
    text = unescape(_text(page.text))
    for wanted in (
        "planned cost: 2,000,000 €",  # spaces collapsed by _text
        "Publish a news item",
        "JPEG, PNG, WebP or GIF, 5 MB at most each, 10 at most.",
        "Published news (1)",
        "2 photos: photo 1 , photo 2",
        "Delete the news item of December 1, 2026",
        "Remove from the follow-up",
        "Progress (in %)",
    ):
        assert wanted in text, wanted
    assert french_words_in(text, staff_texts) == []
    for french in ("Publier une actualité", "coût prévu", "décembre", "Retirer du suivi"):
        assert french not in text, french
    refused = await client.post(
        project, data={"stage": "works", "progress": "150", "spent": "10"},
        headers=english_headers,
    )  # fmt: skip
    assert refused.status_code == 422
    refusal = unescape(_text(refused.text))
    assert "The progress is a percentage from 0 to 100." in refusal
    assert "pourcentage" not in refusal

    french_tab = unescape(_text((await client.get(ADMIN_TAB, headers=world.admin.headers)).text))
    assert "Suivi des projets" in french_tab and "Coût prévu" in french_tab
    french_page = unescape(_text((await client.get(project, headers=world.admin.headers)).text))
    for wanted in (
        "coût prévu : 2 000 000 €",
        "JPEG, PNG, WebP ou GIF, 5 Mo au plus chacune, 10 au plus.",
        "2 photo(s) : photo 1 , photo 2",
        "Supprimer l'actualité du 1 décembre 2026",
        "Retirer du suivi",
        "Avancement (en %)",
    ):
        assert wanted in french_page, wanted
