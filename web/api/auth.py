"""API: sign-in by email link, and sign-out (see the API contract, "Sign-in")."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec
from litestar import Controller, Request, Response, post
from litestar.params import JSONBody

from core.models import User
from core.specs import Strict
from web.csrf import make_token
from web.dependencies import CurrentOrg, DbSession
from web.rate_limits import rate_limited
from web.session_cookies import clear_session_cookie, set_session_cookie
from web.sign_in import send_link, sign_in, sign_out
from web.state import AppContext


class EmailRequest(Strict):
    email: str
    #: A path of the site to come back to after signing in.
    next: str = ""


class VerifyRequest(Strict):
    token: str


class UserOut(msgspec.Struct):
    id: int
    email: str | None
    display_name: str
    role: str
    postal_code: str | None
    language: str


class LinkSent(msgspec.Struct):
    detail: str


class SignedIn(msgspec.Struct):
    user: UserOut
    #: For the ``X-CSRF-Token`` header of later cookie-authenticated API calls.
    csrf_token: str


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role.value,
        postal_code=user.postal_code,
        language=user.language,
    )


def _context(request: Request[Any, Any, Any]) -> AppContext:
    context: AppContext = request.app.state.context
    return context


class AuthController(Controller):
    path = "/api/v1/auth"
    tags: ClassVar[list[str]] = ["sign-in"]

    # Neither route acts with a session's authority: a JSON body is protection enough.
    @post("/email", status_code=202, guards=[rate_limited("signin")], opt={"csrf": "json"})
    async def ask_for_link(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        data: JSONBody[EmailRequest],
    ) -> Response[LinkSent]:
        """Sends a sign-in link to the address; the answer is the same for every address."""
        delivery = await send_link(request, db_session, org, data.email, data.next)
        return Response(
            LinkSent("Un lien de connexion a été envoyé à cette adresse."),
            status_code=202,
            background=delivery,
        )

    @post("/verify", status_code=200, guards=[rate_limited("verify")], opt={"csrf": "json"})
    async def verify(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        data: JSONBody[VerifyRequest],
    ) -> Response[SignedIn]:
        """Uses a sign-in token: the user, and a session cookie."""
        user, session_id = await sign_in(request, db_session, org, data.token)
        settings = _context(request).settings
        response = Response(
            SignedIn(user_out(user), make_token(settings.secret_key, "session", session_id))
        )
        set_session_cookie(response, settings, session_id)
        return response

    @post("/logout", status_code=204)
    async def logout(
        self, request: Request[Any, Any, Any], db_session: DbSession
    ) -> Response[None]:
        """Ends the session of the cookie, if any."""
        await sign_out(request, db_session)
        response: Response[None] = Response(None, status_code=204)
        clear_session_cookie(response, _context(request).settings)
        return response
