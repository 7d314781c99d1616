"""Bad input refused at the edge: integers beyond the database's range, NUL characters
and malformed Host headers get a stable error, never a 500, and change nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from core.models import Comment, Proposal
from participe.testing import vote_dialogue
from tests.conftest import World
from tests.web.front_helpers import PROPOSALS_API, dialogue, proposal

Client = AsyncTestClient[Litestar]
TOO_BIG = 2_147_483_648
TOO_SMALL = -2_147_483_649


def assert_api_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert body["status_code"] == status
    assert isinstance(body["detail"], str) and body["detail"]


def assert_error_page(response: Any, statuses: tuple[int, ...]) -> None:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"].startswith("text/html")


async def _counts(world: World) -> tuple[int, int]:
    async with world.database.session() as session:
        proposals = await session.scalar(select(func.count()).select_from(Proposal))
        comments = await session.scalar(select(func.count()).select_from(Comment))
        return int(proposals or 0), int(comments or 0)


# --- ids in the path ---------------------------------------------------------------------


@pytest.mark.parametrize("proposal_id", [TOO_BIG, 99_999_999_999_999_999_999, -1, 0])
async def test_an_id_beyond_the_range_is_unknown_on_the_api(
    client: Client, world: World, proposal_id: int
) -> None:
    await dialogue(client, world)
    headers = world.alice.headers
    assert_api_error(await client.get(f"/api/v1/proposals/{proposal_id}"), 404, "not_found")
    assert_api_error(
        await client.post(f"/api/v1/proposals/{proposal_id}/publish", headers=headers),
        404,
        "not_found",
    )
    assert_api_error(
        await client.patch(
            f"/api/v1/proposals/{proposal_id}", json={"title": "Autre"}, headers=headers
        ),
        404,
        "not_found",
    )
    assert_api_error(
        await client.get(f"/api/v1/proposals/{proposal_id}/comments"), 404, "not_found"
    )
    assert_api_error(
        await client.put(
            f"/api/v1/dialogues/budget-2027/ballot/votes/{proposal_id}", json={}, headers=headers
        ),
        404,
        "not_found",
    )


@pytest.mark.parametrize("proposal_id", [TOO_BIG, -1])
async def test_an_id_beyond_the_range_is_an_unknown_page(
    client: Client, world: World, proposal_id: int
) -> None:
    assert_error_page(await client.get(f"/proposals/{proposal_id}"), (404,))
    admin = world.admin.headers
    assert_error_page(
        await client.get(f"/admin/people/{proposal_id}/delete", headers=admin), (404,)
    )
    assert_error_page(
        await client.post(f"/admin/people/{proposal_id}/delete", headers=admin), (404,)
    )


# --- integers in bodies and queries ------------------------------------------------------


@pytest.mark.parametrize("cost", [TOO_BIG, TOO_SMALL, 10**30])
async def test_a_cost_beyond_the_range_is_refused(client: Client, world: World, cost: int) -> None:
    await dialogue(client, world)
    body = {"title": "Titre", "body": "Texte", "fields": {"quartier": "Centre"}, "cost": cost}
    response = await client.post(PROPOSALS_API, json=body, headers=world.alice.headers)
    assert_api_error(response, 422, "validation")
    assert await _counts(world) == (0, 0)


async def test_a_parent_comment_beyond_the_range_is_refused(client: Client, world: World) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    response = await client.post(
        f"/api/v1/proposals/{created['id']}/comments",
        json={"body": "Oui", "parent_id": TOO_BIG},
        headers=world.bob.headers,
    )
    assert_api_error(response, 422, "validation")
    assert await _counts(world) == (1, 0)


async def test_a_review_cost_beyond_the_range_is_refused(client: Client, world: World) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    response = await client.patch(
        f"/api/v1/admin/proposals/{created['id']}",
        json={"cost": TOO_BIG},
        headers=world.admin.headers,
    )
    assert_api_error(response, 422, "validation")
    seen = (await client.get(f"/api/v1/proposals/{created['id']}")).json()
    assert seen["cost"] is None


@pytest.mark.parametrize("query", [f"page={TOO_BIG}", f"per_page={TOO_BIG}", "page=-3"])
async def test_a_page_number_beyond_the_range_is_refused(
    client: Client, world: World, query: str
) -> None:
    await dialogue(client, world)
    response = await client.get(f"{PROPOSALS_API}?{query}")
    assert response.status_code in (400, 422), response.text
    assert response.json()["code"] == "validation"


# --- NUL characters ----------------------------------------------------------------------


async def test_an_email_with_a_nul_is_refused(client: Client, world: World) -> None:
    response = await client.post("/api/v1/auth/email", json={"email": "a\u0000b@x.test"})
    assert_api_error(response, 422, "validation")


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Un\u0000titre"},
        {"body": "Un texte\u0000"},
        {"fields": {"quartier": "Cen\u0000tre"}},
        {"fields": {"quar\u0000tier": "Centre"}},
    ],
)
async def test_a_proposal_with_a_nul_is_refused(
    client: Client, world: World, changes: dict[str, Any]
) -> None:
    await dialogue(client, world)
    body = {"title": "Titre", "body": "Texte", "fields": {"quartier": "Centre"}} | changes
    response = await client.post(PROPOSALS_API, json=body, headers=world.alice.headers)
    assert_api_error(response, 422, "validation")
    assert await _counts(world) == (0, 0)


async def test_comments_reports_and_reviews_with_a_nul_are_refused(
    client: Client, world: World
) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    comments = f"/api/v1/proposals/{created['id']}/comments"
    response = await client.post(comments, json={"body": "a\u0000b"}, headers=world.bob.headers)
    assert_api_error(response, 422, "validation")
    comment = await client.post(comments, json={"body": "Bien"}, headers=world.bob.headers)
    assert comment.status_code == 201, comment.text
    response = await client.post(
        f"/api/v1/comments/{comment.json()['id']}/report",
        json={"reason": "spam\u0000"},
        headers=world.alice.headers,
    )
    assert_api_error(response, 422, "validation")
    response = await client.patch(
        f"/api/v1/admin/proposals/{created['id']}",
        json={"status": "refused", "status_reason": "non\u0000"},
        headers=world.admin.headers,
    )
    assert_api_error(response, 422, "validation")
    seen = (await client.get(f"/api/v1/proposals/{created['id']}")).json()
    assert seen["status"] == "published"
    response = await client.post(
        "/api/v1/admin/groups", json={"name": "Con\u0000seil"}, headers=world.admin.headers
    )
    assert_api_error(response, 422, "validation")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/dialogues/budget-2027/proposals?q=a%00b",
        "/api/v1/dialogues/%00",
        "/api/v1/dialogues/budget-2027/proposals?the%00me=x",
    ],
)
async def test_a_nul_in_the_address_is_refused_on_the_api(
    client: Client, world: World, path: str
) -> None:
    await dialogue(client, world)
    assert_api_error(await client.get(path), 422, "validation")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/audit?action=a%00b",
        "/admin/dialogues/budget-2027/ballots?network=a%00b",
        "/dialogues/budget-2027?q=%00",
        "/dialogues/%00",
    ],
)
async def test_a_nul_in_the_address_is_a_readable_page(
    client: Client, world: World, path: str
) -> None:
    await dialogue(client, world)
    response = await client.get(path, headers=world.admin.headers)
    assert_error_page(response, (400, 422))


async def test_a_nul_in_a_header_is_refused(client: Client, world: World) -> None:
    response = await client.get("/api/v1/dialogues", headers={"Authorization": "Bearer a\u0000b"})
    assert_api_error(response, 422, "validation")


async def test_a_comment_form_with_a_nul_is_a_readable_page(client: Client, world: World) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    response = await client.post(
        f"/proposals/{created['id']}/comments",
        data={"body": "a\u0000b"},
        headers=world.bob.headers,
    )
    assert_error_page(response, (400, 422))
    response = await client.post(
        f"/proposals/{created['id']}/comments",
        data={"body": "Bien", "parent_id": str(TOO_BIG)},
        headers=world.bob.headers,
    )
    assert response.status_code < 500, response.text
    assert response.status_code == 422
    # The main form says why, and keeps what was typed.
    assert "plus visible" in response.text and ">Bien</textarea>" in response.text
    assert await _counts(world) == (1, 0)


async def test_a_submission_form_with_a_nul_is_a_readable_page(
    client: Client, world: World
) -> None:
    await dialogue(client, world)
    response = await client.post(
        "/dialogues/budget-2027/proposals/new",
        files={"title": (None, "a\u0000b"), "body": (None, "Texte")},
        headers=world.alice.headers,
    )
    assert_error_page(response, (400, 422))
    assert await _counts(world) == (0, 0)


# --- Host headers ------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["alpha.test:abc", "[::1]:x", "a b", "[::1", "x:99999999999"])
@pytest.mark.parametrize("path", ["/", "/no/such/page", "/api/v1/dialogues", "/api/v1/nothing"])
async def test_a_malformed_host_is_a_bad_request(
    client: Client, world: World, host: str, path: str
) -> None:
    response = await client.get(path, headers={"Host": host})
    assert response.status_code == 400, response.text
    if path.startswith("/api/"):
        assert response.json()["code"] == "validation"


@pytest.mark.parametrize("host", ["localhost:8000", "[::1]:8000", "127.0.0.1", "LOCALHOST"])
async def test_a_well_formed_host_is_served(client: Client, world: World, host: str) -> None:
    response = await client.get("/api/v1/dialogues", headers={"Host": host})
    assert response.status_code == 200, response.text


# --- a sweep over every operation of the API ---------------------------------------------


def _api_paths(app: Litestar) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if not route.path.startswith("/api/v1/"):
            continue
        for method in sorted(getattr(route, "http_methods", ())):
            if method in ("HEAD", "OPTIONS"):
                continue
            found.append((method, route.path))
    return found


def _filled(path: str, value: str) -> str:
    import re

    path = re.sub(r"\{[a-z_]+:int\}", value, path)
    path = re.sub(r"\{slug:str\}", "budget-2027", path)
    return re.sub(r"\{[a-z_]+:str\}", "x", path)


@pytest.mark.parametrize("value", [str(TOO_BIG), "-2147483649", "-1", "%00"])
async def test_every_operation_refuses_bad_input_without_a_server_error(
    app: Litestar, client: Client, world: World, value: str
) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    for method, template in _api_paths(app):
        has_body = method in ("POST", "PUT", "PATCH")
        if value == "%00":
            path = _filled(template, str(created["id"])) + "?q=%00"
        elif ":int}" in template or has_body:
            path = _filled(template, value)
        else:
            continue
        kwargs: dict[str, Any] = {"headers": world.admin.headers}
        if has_body:
            kwargs["json"] = {"cost": TOO_BIG, "title": "a\u0000b"}
        response = await client.request(method, path, **kwargs)
        assert response.status_code in (400, 404, 422), (method, path, response.text)
        assert response.json()["code"] in ("validation", "not_found"), (method, path)


# --- numbers typed in the back office's forms --------------------------------------------


@pytest.mark.parametrize("field", ["cost", "review_group"])
async def test_a_review_form_number_beyond_the_range_comes_back_with_a_message(
    client: Client, world: World, field: str
) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    response = await client.post(
        f"/admin/proposals/{created['id']}/review",
        data={"status": "accepted", field: str(TOO_BIG)},
        headers=world.admin.headers,
    )
    assert_error_page(response, (400, 422))
    assert "2147483647" in response.text
    seen = (await client.get(f"/api/v1/proposals/{created['id']}")).json()
    assert (seen["status"], seen["cost"]) == ("published", None)


async def test_a_bulk_review_ignores_ids_beyond_the_range(client: Client, world: World) -> None:
    await dialogue(client, world)
    response = await client.post(
        "/admin/dialogues/budget-2027/proposals/bulk",
        data={"ids": [str(TOO_BIG), "-1"], "status": "accepted"},
        headers=world.admin.headers,
    )
    assert response.status_code < 500, response.text
    response = await client.get(
        f"/admin/dialogues/budget-2027/proposals?group={TOO_BIG}", headers=world.admin.headers
    )
    assert response.status_code == 200, response.text


# --- numbers read from the pages' forms and queries --------------------------------------

ODD_NUMBERS = [str(TOO_BIG), str(TOO_SMALL), "--5", "\u00b2", "99999999999999999999999"]


@pytest.mark.parametrize("value", ODD_NUMBERS)
async def test_a_vote_form_with_an_odd_number_is_refused_readably(
    client: Client, world: World, value: str
) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "points", "settings": {"mode": "distribute", "points_budget": 5}}
    )
    response = await client.post(
        f"/proposals/{setup.proposals[0]}/vote", data={"value": value}, headers=world.bob.headers
    )
    assert response.status_code < 500, response.text
    ballot = (await client.get(setup.ballot, headers=world.bob.headers)).json()
    assert ballot["votes"] == []


@pytest.mark.parametrize("value", ODD_NUMBERS)
async def test_odd_numbers_in_the_pages_are_no_server_error(
    client: Client, world: World, value: str
) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    admin = world.admin.headers
    response = await client.get(f"/admin/dialogues/budget-2027/proposals?q={value}", headers=admin)
    assert response.status_code == 200, response.text
    response = await client.post(
        f"/proposals/{created['id']}/comments",
        data={"body": "Bien", "parent_id": value},
        headers=world.bob.headers,
    )
    assert response.status_code < 500, response.text
