"""Back office: verified residents. Who is verified, how and when (never the clear values
of the residents list), the residents list's upload (administrators), the codes to mail
(administrators), and the desk's form, where a moderator or an administrator verifies a
person for an account.

The codes to mail are shown once: the upload's answer is the page of printable letters
(one a sheet when printed), which also holds the same letters as CSV in a form that posts
them back to be downloaded as a file (for a mail merge); nothing of them is stored in
clear, so neither can be asked for again."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from litestar.response import Redirect

from core.db import utcnow
from core.defaults.verification import CENSUS, DESK, LETTER_CODE, POSTAL_CODE
from core.errors import DomainError
from core.exports import inert_cells
from core.permissions import Action
from core.services import letter_codes, verification
from web.admin.forms import FormValues
from web.admin.guard import staff, staff_guard
from web.admin.page_texts import translated, translated_map
from web.admin.pages import admin_page, discard_changes, done
from web.dependencies import Actor, CurrentOrg, DbSession
from web.labels import N_
from web.pages.context import public_url

MAX_CENSUS_BYTES = 20 * 1024 * 1024
PAGE = "/admin/verification"
STAFF = staff(Action.MODERATE, Action.ADMINISTER)


def _errors(error: DomainError, default: str) -> dict[str, str]:
    fields = error.extra.get("errors") if error.extra else None
    found = {str(item["field"]): str(item["message"]) for item in fields or []}
    return {default: error.detail, **found}


async def _uploaded_csv(data: dict[str, Any], field: str) -> tuple[str, str | None]:
    """The text of the CSV file posted as ``field`` (UTF-8, else Windows-1252, as
    spreadsheets save it), or why it is refused (no file, too big)."""
    upload = FormValues(data).file(field)
    content = await upload.read(MAX_CENSUS_BYTES + 1) if upload is not None else b""
    if not content.strip():
        return "", N_("Choisissez un fichier CSV.")
    if len(content) > MAX_CENSUS_BYTES:
        return "", N_("Fichier trop gros (20 Mo au plus).")
    try:
        return content.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace"), None


class VerificationPages(Controller):
    path = PAGE
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/", opt=STAFF)
    async def index(
        self, request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg
    ) -> Response[str]:
        return await self._index(request, db_session, org)

    async def _index(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        report: verification.CensusUpload | None = None,
    ) -> Response[str]:
        try:
            page = max(1, int(request.query_params.get("page") or 1))
        except ValueError:
            page = 1
        found, total = await verification.verifications(db_session, org, page=page)
        return admin_page(
            request,
            "admin/verification.html",
            section="verification",
            status_code=422 if errors else 200,
            page_title=translated(request, "Résident·es vérifié·es"),
            verified=found,
            total=total,
            page=page,
            pages=max(1, -(-total // 50)),
            residents=await verification.census_size(db_session, org),
            census=CENSUS.granted_to(org),
            desk=DESK.granted_to(org),
            postal_code=POSTAL_CODE.granted_to(org),
            postal_codes=verification.postal_codes_of(org),
            letter_code=LETTER_CODE.granted_to(org),
            batches=await letter_codes.batches(db_session, org),
            errors=translated_map(request, errors or {}),
            values=values or {},
            report=report,
        )

    @post("/census")
    async def upload_census(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: MultipartBody[dict[str, Any]],
    ) -> Response[Any]:
        text, refused = await _uploaded_csv(data, "file")
        if refused is not None:
            return await self._index(request, db_session, org, errors={"file": refused})
        try:
            report = await verification.upload_census(
                db_session,
                org,
                actor,
                text,
                secret_key=request.app.state.context.settings.secret_key,
                now=utcnow(),
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            return await self._index(request, db_session, org, errors={"file": error.detail})
        await db_session.commit()
        return await self._index(request, db_session, org, report=report)

    @post("/letters")
    async def generate_letters(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: MultipartBody[dict[str, Any]],
    ) -> Response[Any]:
        """A new batch of codes for the people of the file: the printable letters."""
        field = "letters_file"
        text, refused = await _uploaded_csv(data, field)
        if refused is not None:
            return await self._index(request, db_session, org, errors={field: refused})
        try:
            batch, letters = await letter_codes.generate_letters(
                db_session,
                org,
                actor,
                text,
                secret_key=request.app.state.context.settings.secret_key,
                now=utcnow(),
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            return await self._index(request, db_session, org, errors={field: error.detail})
        await db_session.commit()
        return admin_page(
            request,
            "admin/letters.html",
            section="verification",
            status_code=201,
            page_title=translated(request, "Codes à envoyer par courrier"),
            batch=batch,
            letters=letters,
            letters_csv=_letters_csv(letters),
            verification_url=public_url(request, "/me/verification"),
        )

    @post("/letters/csv")
    async def download_letters(self, data: URLEncodedBody[dict[str, Any]]) -> Response[bytes]:
        """The letters the page shows, posted back by it, as a CSV file for a mail merge
        (nothing is read from the database: the codes are stored as digests only)."""
        text = FormValues(data).raw("letters")
        return Response(
            text.encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="codes-courrier.csv"',
                "Cache-Control": "no-store",
            },
        )

    @post("/letters/{batch:int}/withdraw")
    async def withdraw_letters(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        batch: FromPath[int],
    ) -> Response[Any]:
        """Withdraws the batch's unused codes (letters lost or sent by mistake); the page
        of a missing thing for a batch without any (404)."""
        await letter_codes.withdraw_batch(db_session, org, actor, batch, now=utcnow())
        await db_session.commit()
        return Redirect(f"{PAGE}?notice=letters_withdrawn#letters", status_code=303)

    @post("/desk", opt=STAFF)
    async def verify_at_desk(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        values = {
            name: form.get(name)
            for name in ("email", "last_name", "first_name", "birth_date", "postal_code")
        }
        try:
            who = verification.person(
                values["last_name"],
                values["first_name"],
                values["birth_date"],
                values["postal_code"],
            )
            await verification.verify_at_desk(
                db_session,
                org,
                actor,
                values["email"],
                who,
                secret_key=request.app.state.context.settings.secret_key,
                now=utcnow(),
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            field = "email" if error.code == "verification.no_account" else "__all__"
            return await self._index(
                request, db_session, org, errors=_errors(error, field), values=values
            )
        await db_session.commit()
        redirect: Redirect = done(PAGE, "desk_verified")
        return redirect

    @post("/postal-codes")
    async def set_postal_codes(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """The postal codes of the area (administrators)."""
        text = FormValues(data).raw("postal_codes")
        try:
            codes = verification.split_postal_codes(text)
            await verification.set_postal_codes(db_session, org, actor, codes, now=utcnow())
        except DomainError as error:
            await discard_changes(request, db_session)
            errors = {"postal_codes": error.detail}
            return await self._index(
                request, db_session, org, errors=errors, values={"postal_codes": text}
            )
        await db_session.commit()
        # Back where the form is, not at the top of a long page.
        return Redirect(f"{PAGE}?notice=saved#postal-codes", status_code=303)


def _letters_csv(letters: list[letter_codes.Letter]) -> str:
    """The letters as CSV (``;``, as spreadsheets in French read it), for a mail merge;
    a cell that a spreadsheet would read as a formula stays text."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["nom", "prenom", "adresse", "code"])
    for letter in letters:
        writer.writerow(
            inert_cells([letter.last_name, letter.first_name, letter.address, letter.code])
        )
    return out.getvalue()
