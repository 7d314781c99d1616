"""Small helpers shared by tests: dialogue bodies, phase moves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import utcnow

ADMIN_DIALOGUES = "/api/v1/admin/dialogues"


def phases_now(
    current: str, kinds: tuple[str, ...] = ("proposals", "vote", "results")
) -> list[dict[str, Any]]:
    """Phases in order, the one of kind ``current`` open now, earlier ones ended."""
    now = utcnow()
    phases: list[dict[str, Any]] = []
    position = kinds.index(current)
    for index, kind in enumerate(kinds):
        if index < position:
            start = now - timedelta(days=10 - index)
            phases.append(
                {
                    "kind": kind,
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=1)).isoformat(),
                }
            )
        elif index == position:
            phases.append({"kind": kind, "starts_at": (now - timedelta(hours=1)).isoformat()})
        else:
            phases.append({"kind": kind})
    return phases


def dialogue_body(slug: str = "budget-2027", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": slug,
        "title": "Budget participatif 2027",
        "kind": "ideas",
        "description": "Proposez vos idées pour la ville.",
        "phases": phases_now("proposals"),
    }
    body.update(changes)
    return body


async def create_dialogue(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str], **changes: Any
) -> dict[str, Any]:
    response = await client.post(
        ADMIN_DIALOGUES, json=dialogue_body(**changes), headers=admin_headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def switch_phase(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str], slug: str, kind: str
) -> None:
    response = await client.post(
        f"{ADMIN_DIALOGUES}/{slug}/phase", json={"kind": kind}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["current_phase"] == kind
