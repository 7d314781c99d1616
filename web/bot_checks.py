"""Bot checks on the citizen forms (``core.bot_checks``): what a form and its handler do.

In the form's template, inside the ``<form>``::

    {% import "_bot_check.html" as bot with context %}
    {{ bot.field("signin") }}

which carries a challenge for the form named ``signin``, a hidden ``altcha`` input that
``/static/js/bot-check.js`` fills with the solution, and a status line for screen readers;
``{{ bot.honeypot() }}`` adds the honeypot field (:data:`HONEYPOT`).

In the handler, once what was typed is known to be good and before the form's work
(``waiting_page`` is in ``web.pages.bot_check``)::

    outcome = await check_form(request, db_session, "signin", data.altcha, data.altcha_wait)
    if outcome.must_wait:
        return waiting_page(request, outcome, action="/signin", fields=[("email", ...)])
    if not outcome.passed:
        ...  # the form again, with refusal(i18n, outcome) and what was typed

Guard the route with ``rate_limited(...)`` too: the waiting page costs a robot time, the
rate limit how many times it can pay it. The JSON API is not checked: it is for
integrators, and rate limited.
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.connection import ASGIConnection
from sqlalchemy.ext.asyncio import AsyncSession

from core.bot_checks import LIFETIME, BotChecks, Outcome, Verdict
from web.i18n import Translator
from web.labels import N_

#: The posted fields: ALTCHA's solution, and the waiting page's token.
SOLUTION_FIELD = "altcha"
WAIT_FIELD = "altcha_wait"
#: The honeypot: a field people never see nor reach, that form-filling robots fill.
HONEYPOT = "website"

REFUSALS = {
    Verdict.INVALID: N_(
        "La vérification anti-robot n'a pas abouti : envoyez de nouveau le formulaire."
    ),
    Verdict.EXPIRED: N_("La vérification anti-robot a expiré : envoyez de nouveau le formulaire."),
    Verdict.REPLAYED: N_(
        "Cette vérification anti-robot a déjà servi : le formulaire a peut-être déjà été "
        "envoyé. Vérifiez-le, puis envoyez-le de nouveau si besoin."
    ),
}


def checks_of(connection: ASGIConnection[Any, Any, Any, Any]) -> BotChecks:
    checks: BotChecks = connection.app.state.context.bot_checks
    return checks


async def check_form(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    purpose: str,
    solution: Any,
    wait_token: Any,
) -> Outcome:
    """Judges the solution or waiting token that the form ``purpose`` posted, and records
    its use in the request's session ``db_session``, which the handler commits with what
    the form asked for."""
    return await checks_of(request).check(
        purpose,
        solution if isinstance(solution, str) else "",
        wait_token if isinstance(wait_token, str) else "",
        db_session,
    )


def refusal(i18n: Translator, outcome: Outcome) -> str:
    """The message shown above the form when its check failed."""
    return i18n(REFUSALS.get(outcome.verdict, REFUSALS[Verdict.INVALID]))


@pass_context
def bot_challenge(context: Context, purpose: str) -> str:
    """``{{ bot_challenge("signin") }}``: a new challenge, as JSON for the page's script."""
    request = context.get("request")
    if not isinstance(request, Request):
        return ""  # rendered outside a request: no form to protect
    return json.dumps(checks_of(request).challenge(purpose), separators=(",", ":"))


def install(environment: Environment) -> None:
    environment.globals["bot_challenge"] = bot_challenge
    environment.globals["bot_check_lifetime"] = LIFETIME
