"""Back office: the organisation's white label (name, logo, colours, fonts, texts, host
names, languages) and its options (retention, refused email domains, embedding sites,
custom statuses of the review)."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import MultipartBody

from core import languages, uploads
from core.defaults.features import PAGE_BLOCKS
from core.errors import DomainError
from core.models import Organisation
from core.services import audit, branding, review
from web.admin.form_builder import slugify
from web.admin.forms import FormValues, refusal_fields
from web.admin.guard import staff_guard
from web.admin.page_texts import translated, translated_map
from web.admin.pages import admin_page, discard_changes, done
from web.admin.struct_forms import parse_struct, struct_fields
from web.dependencies import Actor, CurrentOrg, DbSession, app_context

OPTIONS = "options."
REVIEW = "review."
MAX_LOGO_BYTES = uploads.MAX_BYTES


def _branding_from(form: FormValues) -> branding.Branding:
    return branding.Branding(
        name=form.get("name"),
        primary_color=form.get("primary_color"),
        text_color=form.get("text_color"),
        background_color=form.get("background_color"),
        font_body=form.get("font_body"),
        font_heading=form.get("font_heading"),
        texts={key: form.raw(f"text_{key}") for key in branding.TEXT_KEYS},
        hosts=[line for line in form.raw("hosts").splitlines() if line.strip()],
        languages=_languages(form),
    )


def _pending_logo(upload_dir: str, name: str) -> str | None:
    """The name of a logo stored by an earlier post of the form, if it is one of ours."""
    if not name or uploads.stored_path(upload_dir, name) is None:
        return None
    return name


def _languages(form: FormValues) -> list[str]:
    chosen = form.getall("languages")
    default = form.get("default_language")
    if default in chosen:
        chosen.remove(default)
        chosen.insert(0, default)
    return chosen


def _settings_of(org: Organisation, hosts: list[str]) -> dict[str, Any]:
    """The organisation's settings as flat keys, to tell the audit log which changed."""
    return copy.deepcopy(
        {
            "name": org.name,
            "hosts": sorted(hosts),
            **{f"theme.{key}": value for key, value in (org.theme or {}).items()},
            **{f"texts.{key}": value for key, value in (org.texts or {}).items()},
            **{f"options.{key}": value for key, value in (org.options or {}).items()},
        }
    )


def _custom_statuses(settings: review.ReviewSettings) -> review.ReviewSettings:
    """Gives every custom status a key (from its label when left empty), one each."""
    seen: set[str] = set()
    statuses = []
    for status in settings.custom_statuses:
        key = slugify(status.key or status.label) or "statut"
        base, number = key, 2
        while key in seen:
            key, number = f"{base}-{number}", number + 1
        seen.add(key)
        statuses.append(msgspec.structs.replace(status, key=key, label=status.label.strip()))
    return review.ReviewSettings(custom_statuses=statuses)


class OrganisationPages(Controller):
    path = "/admin/organisation"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def settings_page(
        self, request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg
    ) -> Response[str]:
        hosts = await branding.current_hosts(db_session, org)
        return self._page(request, org, branding.branding_of(org, hosts), None, {})

    def _page(
        self,
        request: Request[Any, Any, Any],
        org: Organisation,
        values: branding.Branding,
        submitted: FormValues | None,
        errors: dict[str, str],
        *,
        pending_logo: str | None = None,
    ) -> Response[str]:
        return admin_page(
            request,
            "admin/organisation.html",
            section="organisation",
            status_code=422 if errors else 200,
            page_title=translated(request, "Organisation"),
            values=values,
            hosts_text="\n".join(values.hosts),
            fonts=[(key, label) for key, (label, _) in branding.FONT_STACKS.items()],
            text_keys=branding.TEXT_KEYS,
            language_names=languages.LANGUAGE_NAMES,
            logo_url=(org.theme or {}).get("logo_url"),
            has_blocks=PAGE_BLOCKS.granted_to(org),
            pending_logo=pending_logo,
            option_fields=struct_fields(
                branding.OrganisationOptions,
                branding.options_of(org),
                prefix=OPTIONS,
                errors=errors,
                submitted=submitted,
            ),
            review_fields=struct_fields(
                review.ReviewSettings,
                review.review_settings(org),
                prefix=REVIEW,
                errors=errors,
                submitted=submitted,
            ),
            errors=translated_map(request, errors),
        )

    @post("/")
    async def save(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: MultipartBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        before = _settings_of(org, await branding.current_hosts(db_session, org))
        values = _branding_from(form)
        errors: dict[str, str] = {}
        options, option_errors = parse_struct(branding.OrganisationOptions, form, prefix=OPTIONS)
        errors.update(option_errors)
        statuses, status_errors = parse_struct(review.ReviewSettings, form, prefix=REVIEW)
        errors.update(status_errors)
        logo = form.file("logo")
        upload_dir = app_context(request).settings.upload_dir
        # A logo sent with a form that came back for another field's error is stored
        # already: the page carries its name, so that it is not sent again (nor lost).
        stored_name = _pending_logo(upload_dir, form.get("pending_logo"))
        try:
            if logo is not None:
                content = await logo.read(MAX_LOGO_BYTES + 1)
                stored_name = uploads.store_image(upload_dir, content).name
        except DomainError as error:
            errors["logo"] = error.detail
        try:
            await branding.apply_branding(db_session, org, values)
        except DomainError as error:
            errors.update(refusal_fields(error))
        if isinstance(options, branding.OrganisationOptions) and not errors:
            try:
                branding.set_options(org, options)
            except DomainError as error:
                errors.update({OPTIONS + k: v for k, v in refusal_fields(error).items()})
        if errors:
            await discard_changes(request, db_session)
            return self._page(request, org, values, form, errors, pending_logo=stored_name)
        assert isinstance(statuses, review.ReviewSettings)
        org.options = {
            **org.options,
            "custom_statuses": msgspec.to_builtins(_custom_statuses(statuses).custom_statuses),
        }
        if stored_name is not None:
            branding.set_logo(org, stored_name)
        elif form.checked("remove_logo"):
            branding.set_logo(org, None)
        after = _settings_of(org, await branding.current_hosts(db_session, org))
        changed = sorted(
            key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
        )
        if changed:
            audit.record(db_session, org, actor, "organisation.update", "", {"changed": changed})
        await db_session.commit()
        return done("/admin/organisation")
