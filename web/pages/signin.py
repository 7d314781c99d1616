"""Sign-in pages: ask for a link, check your email, confirm the link, sign out.

The link's GET only shows a button: mail scanners that open links must not use them up.
Only the button's POST signs in, to ``/signin/confirm`` with the token in its body, so that
no request of the page carries it in its address; the page sends no ``Referer`` (its
stylesheets and scripts would otherwise carry the link's address), and the server's access
log shows ``/signin/…`` for the link itself (``web.access_log``). The form that asks for a
link has a honeypot and a bot check (``web.bot_checks``): a proof of work done by the
page's script, or a short wait for browsers without JavaScript.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import ValidationFailed
from core.models import Organisation
from core.services import magic_links
from core.services.magic_links import InvalidSignInLink
from core.services.users import normalise_email
from web import bot_checks
from web.dependencies import Actor, CurrentOrg, DbSession
from web.i18n import translator
from web.labels import N_
from web.pages.bot_check import waiting_page
from web.rate_limits import rate_limited
from web.session_cookies import clear_session_cookie, set_session_cookie
from web.sign_in import safe_next, send_link, sign_in, sign_out
from web.templating import render

SENT_PAGE = "/signin/check-your-email"
CONFIRM_PATH = "/signin/confirm"
#: The pages that hold a live token: no ``Referer`` from them, and no copy kept anywhere.
TOKEN_PAGE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


#: The honeypot: a field people never see nor reach, that form-filling robots fill.
HONEYPOT = bot_checks.HONEYPOT
#: The name of the form for its bot check.
BOT_CHECK = "signin"
INVALID_ADDRESS = N_("Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")
REFUSED_DOMAIN = N_("Les adresses de ce domaine ne sont pas acceptées ici : utilisez-en une autre.")


class SignInForm(msgspec.Struct):
    email: str = ""
    next: str = ""
    csrf_token: str = ""
    website: str = ""
    altcha: str = ""
    altcha_wait: str = ""


class ConfirmForm(msgspec.Struct):
    next: str = ""
    csrf_token: str = ""
    token: str = ""


@get("/signin", include_in_schema=False)
async def signin_page(
    request: Request[Any, Any, Any], org: CurrentOrg, actor: Actor, next: FromQuery[str] = ""
) -> Response[str]:
    return render(
        request, "signin/ask.html", email="", next=safe_next(next), error=None, bot_error=None
    )


@post("/signin", include_in_schema=False, guards=[rate_limited("signin")])
async def signin_submit(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[SignInForm],
) -> Response[Any]:
    next_path = safe_next(data.next)
    if data.website:
        # A robot: it is answered as a person would be, and nothing is sent.
        return Redirect(SENT_PAGE, status_code=303)
    email = data.email[:320]
    try:
        normalise_email(email)  # a typo is shown before any waiting
    except ValidationFailed:
        return _ask_again(request, email, next_path, error=INVALID_ADDRESS)
    outcome = await bot_checks.check_form(
        request, db_session, BOT_CHECK, data.altcha, data.altcha_wait
    )
    i18n = translator(request, org)
    if outcome.must_wait:
        return waiting_page(
            request,
            outcome,
            action="/signin",
            fields=[("email", email), ("next", next_path)],
            summary=i18n("Adresse : %(email)s", email=email),
        )
    if not outcome.passed:
        return _ask_again(request, email, next_path, bot_error=bot_checks.refusal(i18n, outcome))
    try:
        delivery = await send_link(request, db_session, org, data.email, next_path)
    except ValidationFailed as error:
        refused = error.code == "auth.email_domain_refused"
        return _ask_again(
            request, email, next_path, error=REFUSED_DOMAIN if refused else INVALID_ADDRESS
        )
    return Redirect(SENT_PAGE, status_code=303, background=delivery)


def _ask_again(
    request: Request[Any, Any, Any],
    email: str,
    next_path: str,
    *,
    error: str | None = None,
    bot_error: str | None = None,
) -> Response[str]:
    """The form again, with what was typed and why it was not sent."""
    return render(
        request,
        "signin/ask.html",
        status_code=422,
        email=email,
        next=next_path,
        error=error,
        bot_error=bot_error,
    )


@get(SENT_PAGE, include_in_schema=False)
async def signin_sent_page(
    request: Request[Any, Any, Any], org: CurrentOrg, actor: Actor
) -> Response[str]:
    return render(request, "signin/sent.html")


@get("/signin/{token:str}", include_in_schema=False)
async def signin_confirm_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    token: FromPath[str],
    next: FromQuery[str] = "",
) -> Response[str]:
    if not await magic_links.link_is_live(db_session, org, token, now=utcnow()):
        return render(
            request, "signin/invalid.html", status_code=400, headers=dict(TOKEN_PAGE_HEADERS)
        )
    return render(
        request,
        "signin/confirm.html",
        headers=dict(TOKEN_PAGE_HEADERS),
        token=token,
        next=safe_next(next),
        action=CONFIRM_PATH,
    )


@post(CONFIRM_PATH, include_in_schema=False, guards=[rate_limited("verify")])
async def signin_confirm(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[ConfirmForm],
) -> Response[Any]:
    return await _confirm(request, db_session, org, data.token, data.next)


@post("/signin/{token:str}", include_in_schema=False, guards=[rate_limited("verify")])
async def signin_confirm_in_path(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    token: FromPath[str],
    data: URLEncodedBody[ConfirmForm],
) -> Response[Any]:
    """The confirmation as pages opened before ``/signin/confirm`` existed send it."""
    return await _confirm(request, db_session, org, token, data.next)


async def _confirm(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    org: Organisation,
    token: str,
    next_path: str,
) -> Response[Any]:
    try:
        _, session_id = await sign_in(request, db_session, org, token[:200])
    except InvalidSignInLink:
        return render(
            request, "signin/invalid.html", status_code=400, headers=dict(TOKEN_PAGE_HEADERS)
        )
    response: Response[Any] = Redirect(
        safe_next(next_path) or "/", status_code=303, headers=dict(TOKEN_PAGE_HEADERS)
    )
    set_session_cookie(response, request.app.state.context.settings, session_id)
    return response


@post("/signout", include_in_schema=False)
async def signout(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    await sign_out(request, db_session)
    response: Response[Any] = Redirect("/", status_code=303)
    clear_session_cookie(response, request.app.state.context.settings)
    return response


SIGN_IN_PAGES = [
    signin_page,
    signin_submit,
    signin_sent_page,
    signin_confirm_page,
    signin_confirm,
    signin_confirm_in_path,
    signout,
]
