"""Verifying one's account, without JavaScript: ``/me/verification``.

A citizen types their last name, first name, birth date and postal code; when the
organisation's residents list holds them, their account is verified (the census method,
:mod:`core.services.verification`). Or they type the code mailed to them (the letter_code
method, :mod:`core.services.letter_codes`). Every try counts against the ``verification`` rate
limits (per account and per network), so that the list cannot be guessed. The page also
offers the weak check by a postal code and a code sent by SMS (its number never shown back
once sent: the second form carries its keyed digest), says how to be verified at the town
hall's desk, and what the account is verified as.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect

from core.db import begin_write, utcnow
from core.defaults.verification import (
    CENSUS,
    DESK,
    LETTER_CODE,
    MINIMUM_AGE,
    POSTAL_CODE,
    SMS_CODE,
)
from core.errors import DomainError
from core.services import ages, letter_codes, verification
from web.admin.pages import discard_changes
from web.api.verification import check_code, send_code
from web.dependencies import Actor, CurrentOrg, DbSession
from web.i18n import translator
from web.labels import N_
from web.pages.context import notice, safe_next, signin_url
from web.rate_limits import rate_limited
from web.refusals import known_refusal
from web.templating import render

PAGE = "/me/verification"
BIRTH_DATE_REFUSED = (
    "Indiquez une date de naissance plausible, par exemple 02/04/2008 ou 2008-04-02."
)
LETTER_CODE_UNKNOWN = (
    "Ce code n'est pas valable : vérifiez-le sur votre courrier (il ne sert qu'une fois), "
    "ou faites-vous vérifier autrement."
)
POSTAL_CODE_UNKNOWN = (
    "Ce code postal n'est pas l'un de ceux de la commune : seuls ses habitant·es votent ici."
)


class VerificationForm(msgspec.Struct):
    """What the form posts; unknown fields (the CSRF token) are ignored."""

    last_name: str = ""
    first_name: str = ""
    birth_date: str = ""
    postal_code: str = ""
    next: str = ""


async def _page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Any,
    *,
    next_path: str,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    sms_digest: str = "",
) -> Response[str]:
    held = await verification.verification_of(db_session, actor)
    return render(
        request,
        "me/verification.html",
        status_code=status_code,
        verified=held,
        # The list's form only once there is a list to be found in.
        census=CENSUS.granted_to(org) and await verification.census_size(db_session, org) > 0,
        desk=DESK.granted_to(org),
        letter_code=LETTER_CODE.granted_to(org) and await letter_codes.has_codes(db_session, org),
        postal_code=POSTAL_CODE.granted_to(org) and bool(verification.postal_codes_of(org)),
        sms=SMS_CODE.granted_to(org),
        minimum_age=MINIMUM_AGE.granted_to(org),
        birth=await ages.birth_date_of(db_session, actor),
        errors=errors or {},
        values=values or {},
        next_path=next_path,
        notice=notice(request),
        sms_digest=sms_digest,
    )


async def _refused(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Any,
    error: DomainError,
    *,
    form: str,
    values: dict[str, str],
    next_path: str,
    missing: str | None = None,
    no_match: str | None = None,
    sms_digest: str = "",
) -> Response[str]:
    """The page again after one of its one-field forms was refused, nothing of the try
    kept: the form's message says what was ``missing`` (a field not understood), that
    nothing matched (``no_match``), or the refusal in the reader's language."""
    await discard_changes(request, db_session)
    i18n = translator(request, org)
    if missing is not None and error.extra.get("errors"):
        message = i18n.gettext(missing)
    elif no_match is not None and error.code == "verification.no_match":
        message = i18n.gettext(no_match)
    else:
        message = known_refusal(i18n, error.code) or error.detail
    return await _page(
        request,
        db_session,
        org,
        actor,
        next_path=next_path,
        errors={form: message},
        values=values,
        status_code=error.status_code,
        sms_digest=sms_digest,
    )


@get(PAGE, include_in_schema=False)
async def verification_page(
    request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg, actor: Actor
) -> Response[Any]:
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    next_path = safe_next(request.query_params.get("next"), "")
    return await _page(request, db_session, org, actor, next_path=next_path)


@post(
    PAGE,
    include_in_schema=False,
    guards=[rate_limited("verification")],
)
async def verify_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[VerificationForm],
) -> Response[Any]:
    if actor is None:
        return Redirect(signin_url(request, PAGE), status_code=303)
    next_path = safe_next(data.next, "")
    values = {
        "last_name": data.last_name,
        "first_name": data.first_name,
        "birth_date": data.birth_date,
        "postal_code": data.postal_code,
    }
    i18n = translator(request, org)
    try:
        who = verification.person(**values)
        await verification.verify_by_census(
            db_session,
            org,
            actor,
            who,
            secret_key=request.app.state.context.settings.secret_key,
            now=utcnow(),
        )
    except DomainError as error:
        await discard_changes(request, db_session)
        errors = {
            item["field"]: i18n.gettext("Ce champ est manquant ou illisible.")
            for item in error.extra.get("errors", [])
        }
        if not errors:
            errors["form"] = known_refusal(i18n, error.code) or error.detail
        else:
            errors["form"] = i18n.gettext("Vérifiez les champs signalés.")
        return await _page(
            request,
            db_session,
            org,
            actor,
            next_path=next_path,
            errors=errors,
            values=values,
            status_code=422 if error.status_code == 422 else error.status_code,
        )
    await db_session.commit()
    return _verified(next_path)


def _verified(next_path: str, notice_key: str = "verified") -> Redirect:
    target = next_path or PAGE
    joiner = "&" if "?" in target else "?"
    return Redirect(f"{target}{joiner}notice={notice_key}", status_code=303)


class PostalCodeForm(msgspec.Struct):
    postal_code: str = ""
    next: str = ""


@post(PAGE + "/postal-code", include_in_schema=False, guards=[rate_limited("verification")])
async def verify_postal_code_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[PostalCodeForm],
) -> Response[Any]:
    """The weak check: a postal code of the area."""
    if actor is None:
        return Redirect(signin_url(request, PAGE), status_code=303)
    next_path = safe_next(data.next, "")
    try:
        await verification.verify_by_postal_code(
            db_session,
            org,
            actor,
            data.postal_code,
            secret_key=request.app.state.context.settings.secret_key,
            now=utcnow(),
        )
    except DomainError as error:
        return await _refused(
            request,
            db_session,
            org,
            actor,
            error,
            form="postal_form",
            values={"postal_only": data.postal_code},
            next_path=next_path,
            missing=N_("Indiquez votre code postal."),
            no_match=POSTAL_CODE_UNKNOWN,
        )
    await db_session.commit()
    held = await verification.verification_of(db_session, actor)
    weak = held is not None and held.method == POSTAL_CODE.name
    return _verified(next_path, "postal_code_declared" if weak else "verified")


class LetterCodeForm(msgspec.Struct):
    code: str = ""
    next: str = ""


@post(PAGE + "/letter-code", include_in_schema=False, guards=[rate_limited("verification")])
async def verify_letter_code_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[LetterCodeForm],
) -> Response[Any]:
    """The code received by mail; every try counts against the ``verification`` limits."""
    if actor is None:
        return Redirect(signin_url(request, PAGE), status_code=303)
    next_path = safe_next(data.next, "")
    try:
        await letter_codes.verify_by_letter_code(
            db_session,
            org,
            actor,
            data.code,
            secret_key=request.app.state.context.settings.secret_key,
            now=utcnow(),
        )
    except DomainError as error:
        return await _refused(
            request,
            db_session,
            org,
            actor,
            error,
            form="letter_form",
            values={"letter_code": data.code},
            next_path=next_path,
            missing=N_("Indiquez le code reçu par courrier."),
            no_match=LETTER_CODE_UNKNOWN,
        )
    await db_session.commit()
    return _verified(next_path)


class BirthDateForm(msgspec.Struct):
    birth_date: str = ""
    next: str = ""


@post(PAGE + "/birth-date", include_in_schema=False)
async def declare_birth_date_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[BirthDateForm],
) -> Response[Any]:
    """The birth date a citizen declares, for the dialogues with a minimum age."""
    if actor is None:
        return Redirect(signin_url(request, PAGE), status_code=303)
    next_path = safe_next(data.next, "")
    try:
        await begin_write(db_session)
        await ages.declare_birth_date(
            db_session, actor, verification.parse_birth_date(data.birth_date), utcnow()
        )
    except DomainError as error:
        await discard_changes(request, db_session)
        i18n = translator(request, org)
        return await _page(
            request,
            db_session,
            org,
            actor,
            next_path=next_path,
            errors={"birth_form": i18n.gettext(BIRTH_DATE_REFUSED)},
            values={"birth_only": data.birth_date},
            status_code=error.status_code,
        )
    await db_session.commit()
    return _verified(next_path, "birth_date_saved")


SMS_SENT = N_(
    "Un code vous a été envoyé par SMS : saisissez-le ci-dessous. Il est valable 10 minutes."
)
SMS_NOT_A_MOBILE = N_(
    "Indiquez un numéro de mobile, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78."
)
SMS_NO_MATCH = N_(
    "Ce code ne correspond pas, ou il a expiré : vérifiez-le ou demandez-en un nouveau."
)


class SmsForm(msgspec.Struct):
    phone: str = ""
    next: str = ""


@post(PAGE + "/sms", include_in_schema=False, guards=[rate_limited("sms_send")])
async def send_sms_code_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[SmsForm],
) -> Response[Any]:
    """Sends a code by SMS and shows the form to type it in (the number stays out of the
    page: the form carries its keyed digest)."""
    if actor is None:
        return Redirect(signin_url(request, PAGE), status_code=303)
    next_path = safe_next(data.next, "")
    i18n = translator(request, org)
    try:
        digest = await send_code(request, db_session, org, actor, data.phone)
    except DomainError as error:
        return await _refused(
            request,
            db_session,
            org,
            actor,
            error,
            form="sms_form",
            values={"sms_phone": data.phone},
            next_path=next_path,
            missing=SMS_NOT_A_MOBILE,
        )
    await db_session.commit()
    return await _page(
        request,
        db_session,
        org,
        actor,
        next_path=next_path,
        values={"sms_sent": i18n.gettext(SMS_SENT)},
        sms_digest=digest,
    )


class SmsCodeForm(msgspec.Struct):
    phone_digest: str = ""
    code: str = ""
    next: str = ""


@post(PAGE + "/sms/code", include_in_schema=False, guards=[rate_limited("sms_check")])
async def verify_sms_code_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[SmsCodeForm],
) -> Response[Any]:
    """The code received by SMS, typed back."""
    if actor is None:
        return Redirect(signin_url(request, PAGE), status_code=303)
    next_path = safe_next(data.next, "")
    digest = data.phone_digest.strip().lower()
    try:
        await check_code(request, db_session, org, actor, digest, data.code)
    except DomainError as error:
        return await _refused(
            request,
            db_session,
            org,
            actor,
            error,
            form="sms_code_form",
            values={"sms_code": data.code},
            next_path=next_path,
            no_match=SMS_NO_MATCH,
            sms_digest=digest if len(digest) == 64 else "",
        )
    await db_session.commit()
    return _verified(next_path)
