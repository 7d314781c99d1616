"""Small helpers shared by tests: dialogue bodies, solved bot checks (phase moves are in
:mod:`participe.testing`)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from typing import Any

from altcha.v1 import Payload, solve_challenge
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import utcnow
from participe.testing.dialogues import ADMIN_DIALOGUES

CHALLENGE = re.compile(r'data-challenge="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


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


def solve(challenge: dict[str, Any]) -> str:
    """The solution of a bot check's challenge, as the page's script posts it."""
    found = solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    assert found is not None, "the challenge has no solution"
    return Payload(
        challenge["algorithm"],
        challenge["challenge"],
        found.number,
        challenge["salt"],
        challenge["signature"],
    ).to_base64()


def solution_in(html: str) -> str:
    """The solution of the bot check of the first protected form in ``html``."""
    match = CHALLENGE.search(html)
    assert match, "no bot check in the page"
    return solve(json.loads(unescape(match.group(1))))


async def solved_form(
    client: AsyncTestClient[Litestar], path: str, headers: dict[str, str] | None = None
) -> dict[str, str]:
    """Fetches the form at ``path`` as a browser would and returns the fields that its
    page adds: the solved bot check (``altcha``) and the CSRF token, if any."""
    page = await client.get(path, headers=headers)
    assert page.status_code == 200, page.text
    fields = {"altcha": solution_in(page.text)}
    csrf = CSRF_FIELD.search(page.text)
    if csrf:
        fields["csrf_token"] = csrf.group(1)
    return fields
