"""The pages of the bot checks (``web.bot_checks``): the waiting page that replaces the
proof of work for browsers without JavaScript, and a fresh challenge for the script of a
form that stayed open longer than a challenge lives."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import ValidationException
from litestar.params import FromQuery

from core.bot_checks import PURPOSE, Outcome, Verdict
from web.bot_checks import checks_of
from web.templating import render


def waiting_page(
    request: Request[Any, Any, Any],
    outcome: Outcome,
    *,
    action: str,
    fields: Iterable[tuple[str, str]],
    multipart: bool = False,
    summary: str = "",
) -> Response[str]:
    """The page that carries what the form posted (``fields``, in hidden inputs) and a
    waiting token back to ``action`` behind a plain button."""
    return render(
        request,
        "bot_check/wait.html",
        headers={"Cache-Control": "no-store"},
        action=action,
        fields=[(name, value) for name, value in fields if value],
        multipart=multipart,
        summary=summary,
        wait_token=outcome.wait_token,
        seconds_left=outcome.seconds_left,
        too_early=outcome.verdict is Verdict.TOO_EARLY,
    )


@get("/bot-check/challenge", include_in_schema=False)
async def fresh_challenge(
    request: Request[Any, Any, Any], form: FromQuery[str] = ""
) -> Response[dict[str, Any]]:
    """A new challenge for the form named ``form``, as JSON."""
    if not PURPOSE.match(form):
        raise ValidationException("form: the name of a form is expected")
    return Response(checks_of(request).challenge(form), headers={"Cache-Control": "no-store"})
