"""The white label: an organisation's name, logo, colours, fonts, texts, host names,
languages and options, as its administrators set them.

Where things are kept (and who reads them):

- ``org.theme``: ``logo`` (a stored upload's name) and ``logo_url``; ``primary_color``,
  ``text_color``, ``background_color`` (``#rrggbb``); ``font_body`` and ``font_heading``
  (keys of :data:`FONT_STACKS`). The theme style sheet (``/theme.css``) and the page
  header read them.
- ``org.texts``: the organisation's own pages and paragraphs, in Markdown, by
  :data:`TEXT_KEYS` (``legal_notice``, ``accessibility``, ``signup``, ...), beside the
  ``messages`` overrides of :mod:`web.i18n`.
- ``org.options``: ``languages`` (the default first), ``retention``,
  ``refused_email_domains``, ``embedding_sites``, ``territory``, ``contact`` (see
  :class:`OrganisationOptions`, :mod:`core.services.territory` and
  :mod:`core.services.contact`), and
  what other parts keep there (``custom_statuses``, ``map``), which saving never drops.
- host names: the ``organisation_hosts`` table.

Colours are refused when text would not stand out enough from its background
(WCAG 2.1 AA, 4.5:1, :mod:`core.colours`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import colours, languages
from core.errors import ValidationFailed
from core.models import Organisation, OrganisationHost
from core.services.contact import Contact, cleaned, contact_errors
from core.services.organisations import LOCAL_HOSTS, host_without_port
from core.services.territory import Territory, territory_errors

#: Fonts an organisation may choose: stacks of fonts found on readers' devices (no font is
#: fetched from elsewhere: the pages' CSP allows none).
FONT_STACKS: dict[str, tuple[str, str]] = {
    "system": (
        "Police du système",
        'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    ),
    "humanist": (
        "Humaniste (Seravek, Gill Sans…)",
        'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", source-sans-pro, sans-serif',
    ),
    "geometric": (
        "Géométrique (Avenir, Montserrat…)",
        'Avenir, Montserrat, Corbel, "URW Gothic", source-sans-pro, sans-serif',
    ),
    "serif": (
        "Avec empattements (Charter, Georgia…)",
        'Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif',
    ),
    "rounded": (
        "Arrondie (Nunito, Quicksand…)",
        'ui-rounded, "Hiragino Maru Gothic ProN", Quicksand, Comfortaa, Manjari, '
        '"Arial Rounded MT", "Arial Rounded MT Bold", Calibri, source-sans-pro, sans-serif',
    ),
}
#: The organisation's own texts, in Markdown: key → what it is.
TEXT_KEYS: dict[str, str] = {
    "home_intro": "Présentation sur la page d'accueil",
    "signup": "Texte de la page d'inscription et de connexion",
    "legal_notice": "Mentions légales",
    "privacy": "Politique de confidentialité (données personnelles)",
    "accessibility": "Déclaration d'accessibilité",
}
DEFAULT_COLOURS = {
    "primary_color": "#000091",
    "text_color": "#161616",
    "background_color": "#ffffff",
}
MAX_TEXT = 50_000
HOST = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
DOMAIN = HOST
#: An HTTPS origin, or a plain HTTP one on this machine (a developer's test page).
ORIGIN = re.compile(
    r"^(?:https://[a-z0-9.-]+|http://(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}))(?::\d{1,5})?$"
)


class Retention(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How long personal data is kept (RGPD)."""

    inactive_accounts_months: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=120)] | None,
        msgspec.Meta(
            title="Comptes inactifs supprimés après (mois)",
            description="Un compte sans connexion depuis ce nombre de mois est supprimé ; "
            "ses contributions restent, anonymes. Vide : jamais.",
        ),
    ] = 36
    sent_emails_days: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=3650,
            title="Courriels envoyés gardés (jours)",
            description="Durée pendant laquelle la boîte d'envoi garde les courriels.",
        ),
    ] = 90
    exports_days: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=365,
            title="Validité des liens d'export (jours)",
            description="Au-delà, un lien de téléchargement d'export ne fonctionne plus.",
        ),
    ] = 1
    network_digests_days: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=90,
            title="Empreintes de réseau gardées (jours)",
            description="L'empreinte du réseau d'où viennent les inscriptions et les votes "
            "(jamais l'adresse IP elle-même) sert à repérer les fraudes ; elle est effacée "
            "au-delà.",
        ),
    ] = 30


class AccessibilityStatus(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Where the site stands against the RGAA, as its accessibility statement says.

    Only an audit of the whole RGAA gives a conformity rate: without one the site is
    "non conforme" (the RGAA's own rule); "partiellement conforme" needs an audit with
    a rate of 50 % at least, "totalement conforme" an audit with 100 %.
    """

    conformity: Annotated[
        Literal["none", "partial", "total"],
        msgspec.Meta(
            title="État de conformité au RGAA",
            description="« Non conforme » tant qu'aucun audit complet n'a été fait.",
            extra={
                "choices": {
                    "none": "Non conforme (aucun audit complet, ou taux sous 50 %)",
                    "partial": "Partiellement conforme (audit, taux de 50 % au moins)",
                    "total": "Totalement conforme (audit, taux de 100 %)",
                }
            },
        ),
    ] = "none"
    audit_date: Annotated[date | None, msgspec.Meta(title="Date de l'audit")] = None
    audited_by: Annotated[str, msgspec.Meta(max_length=200, title="Audit réalisé par")] = ""
    rate: Annotated[
        Annotated[int, msgspec.Meta(ge=0, le=100)] | None,
        msgspec.Meta(title="Taux de conformité (%)"),
    ] = None


class OrganisationOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The options an administrator sets on the organisation page."""

    retention: Annotated[Retention, msgspec.Meta(title="Durées de conservation")] = msgspec.field(
        default_factory=Retention
    )
    refused_email_domains: Annotated[
        list[str],
        msgspec.Meta(
            title="Domaines d'adresse refusés à l'inscription",
            description="Par exemple des services d'adresses jetables : yopmail.com.",
        ),
    ] = msgspec.field(default_factory=list)
    embedding_sites: Annotated[
        list[str],
        msgspec.Meta(
            title="Sites autorisés à intégrer les pages",
            description="Adresses en https:// des sites qui peuvent afficher les pages de "
            "la plateforme dans un cadre (iframe), par exemple https://www.ville.fr.",
        ),
    ] = msgspec.field(default_factory=list)
    accessibility: Annotated[
        AccessibilityStatus,
        msgspec.Meta(title="Déclaration d'accessibilité : conformité au RGAA"),
    ] = msgspec.field(default_factory=AccessibilityStatus)
    territory: Annotated[
        Territory,
        msgspec.Meta(
            title="Territoire",
            description="Où s'ouvrent les cartes, et le cadre dans lequel une proposition "
            "peut être placée (les propositions placées en dehors sont refusées).",
        ),
    ] = msgspec.field(default_factory=Territory)
    contact: Annotated[
        Contact,
        msgspec.Meta(
            title="Contact",
            description="Au pied de chaque page : comment joindre l'organisation, et ses "
            "pages sur les réseaux sociaux.",
        ),
    ] = msgspec.field(default_factory=Contact)


def options_of(org: Organisation) -> OrganisationOptions:
    """The organisation's options as set (defaults where unset or unreadable)."""
    raw = org.options or {}
    given = {
        key: raw[key]
        for key in (
            "retention",
            "refused_email_domains",
            "embedding_sites",
            "accessibility",
            "territory",
            "contact",
        )
        if key in raw
    }
    try:
        return msgspec.convert(given, type=OrganisationOptions)
    except msgspec.ValidationError:
        return OrganisationOptions()


def check_options(options: OrganisationOptions) -> OrganisationOptions:
    """Normalises and checks the domains and sites; errors name the faulty field."""
    errors: dict[str, str] = {}
    domains = []
    for domain in options.refused_email_domains:
        value = domain.strip().lower().lstrip("@")
        if not DOMAIN.match(value):
            errors["refused_email_domains"] = f"« {domain} » n'est pas un nom de domaine."
            break
        domains.append(value)
    sites = []
    for site in options.embedding_sites:
        value = site.strip().lower().rstrip("/")
        if not ORIGIN.match(value):
            errors["embedding_sites"] = (
                f"« {site} » : écrivez une adresse en https://, sans chemin."
            )
            break
        sites.append(value)
    errors.update(_check_accessibility(options.accessibility))
    errors.update(
        {
            f"territory.{key}": message
            for key, message in territory_errors(options.territory).items()
        }
    )
    errors.update(contact_errors(options.contact))
    if errors:
        raise ValidationFailed("options: valeurs refusées", extra={"fields": errors})
    return msgspec.structs.replace(
        options,
        refused_email_domains=sorted(set(domains)),
        embedding_sites=list(dict.fromkeys(sites)),
        contact=cleaned(options.contact),
    )


def _check_accessibility(status: AccessibilityStatus) -> dict[str, str]:
    """A conformity the audit behind it does not support, refused (RGAA rules)."""
    prefix = "accessibility."
    if status.conformity == "none":
        return {}
    if status.audit_date is None:
        return {
            prefix + "audit_date": "Sans audit complet, le site est « non conforme » : "
            "indiquez la date de l'audit, ou choisissez « Non conforme »."
        }
    floor = 100 if status.conformity == "total" else 50
    if status.rate is None or status.rate < floor:
        return {
            prefix + "rate": f"Ce niveau demande un taux de conformité de {floor} % au moins, "
            "mesuré par l'audit."
        }
    if status.conformity == "partial" and status.rate == 100:
        return {prefix + "conformity": "Un taux de 100 % : choisissez « Totalement conforme »."}
    return {}


def set_options(org: Organisation, options: OrganisationOptions) -> None:
    """Stores ``options`` beside what other parts keep in ``org.options``."""
    org.options = {**(org.options or {}), **msgspec.to_builtins(check_options(options))}


@dataclass
class Branding:
    """What the organisation page changes (besides options and the logo)."""

    name: str
    primary_color: str
    text_color: str
    background_color: str
    font_body: str = "system"
    font_heading: str = "system"
    texts: dict[str, str] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: list(languages.LANGUAGES))


def branding_of(org: Organisation, hosts: list[str]) -> Branding:
    theme = org.theme or {}
    texts = org.texts or {}
    return Branding(
        name=org.name,
        primary_color=str(theme.get("primary_color") or DEFAULT_COLOURS["primary_color"]),
        text_color=str(theme.get("text_color") or DEFAULT_COLOURS["text_color"]),
        background_color=str(theme.get("background_color") or DEFAULT_COLOURS["background_color"]),
        font_body=str(theme.get("font_body") or "system"),
        font_heading=str(theme.get("font_heading") or "system"),
        texts={key: str(texts.get(key) or "") for key in TEXT_KEYS},
        hosts=hosts,
        languages=list((org.options or {}).get("languages") or languages.LANGUAGES),
    )


def _ratio_message(ratio: float, what: str) -> str:
    shown = f"{ratio:.2f}".replace(".", ",")
    return (
        f"Contraste insuffisant : {shown}:1 {what} (il faut au moins 4,5:1 pour que le texte "
        "reste lisible, RGAA 3.2 / WCAG 1.4.3). Choisissez une couleur plus foncée ou plus claire."
    )


def check_colours(branding: Branding) -> dict[str, str]:
    """The colours normalised in place; a message per field whose contrast fails AA.

    White text is written on the primary colour (buttons, header) and the primary colour
    is used for links on the background: both must reach 4.5:1, as must the text colour
    on the background.
    """
    errors: dict[str, str] = {}
    for name in ("primary_color", "text_color", "background_color"):
        try:
            setattr(branding, name, colours.normalise(getattr(branding, name)))
        except ValueError:
            errors[name] = "Choisissez une couleur au format #rrggbb."
    if errors:
        return errors
    on_primary = colours.contrast_ratio("#ffffff", branding.primary_color)
    if on_primary < colours.AA_NORMAL_TEXT:
        errors["primary_color"] = _ratio_message(on_primary, "entre le texte blanc et ce fond")
    else:
        links = colours.contrast_ratio(branding.primary_color, branding.background_color)
        if links < colours.AA_NORMAL_TEXT:
            errors["primary_color"] = _ratio_message(links, "entre cette couleur et le fond")
    text = colours.contrast_ratio(branding.text_color, branding.background_color)
    if text < colours.AA_NORMAL_TEXT:
        errors["text_color"] = _ratio_message(text, "entre le texte et le fond")
    return errors


async def current_hosts(session: AsyncSession, org: Organisation) -> list[str]:
    return list(
        await session.scalars(
            select(OrganisationHost.host)
            .where(OrganisationHost.organisation_id == org.id)
            .order_by(OrganisationHost.id)
        )
    )


async def _check_hosts(
    session: AsyncSession, org: Organisation, hosts: list[str], errors: dict[str, str]
) -> list[str]:
    cleaned: list[str] = []
    for raw in hosts:
        host = host_without_port(raw.strip().removeprefix("https://").removeprefix("http://"))
        host = host.split("/", 1)[0]
        if not host:
            continue
        if host in LOCAL_HOSTS or not HOST.match(host):
            errors["hosts"] = (
                f"« {raw.strip()} » n'est pas un nom de domaine (ex. : participer.ville.fr)."
            )
            return cleaned
        if host not in cleaned:
            cleaned.append(host)
    if cleaned:
        taken = await session.scalar(
            select(OrganisationHost.host).where(
                OrganisationHost.host.in_(cleaned), OrganisationHost.organisation_id != org.id
            )
        )
        if taken:
            errors["hosts"] = f"« {taken} » sert déjà une autre organisation."
    return cleaned


async def apply_branding(session: AsyncSession, org: Organisation, branding: Branding) -> None:
    """Checks every part of ``branding`` and, when all is well, writes it on ``org``;
    otherwise raises :class:`ValidationFailed` with a message per field."""
    errors = check_colours(branding)
    name = " ".join(branding.name.split())
    if not 1 <= len(name) <= 200:
        errors["name"] = "Le nom est obligatoire (200 caractères au plus)."
    for key in ("font_body", "font_heading"):
        if getattr(branding, key) not in FONT_STACKS:
            errors[key] = "Choisissez une police de la liste."
    for key, text in branding.texts.items():
        if key not in TEXT_KEYS:
            errors[f"text_{key}"] = "Texte inconnu."
        elif len(text) > MAX_TEXT:
            errors[f"text_{key}"] = f"{MAX_TEXT} caractères au plus."
    chosen = [lang for lang in branding.languages if lang in languages.LANGUAGES]
    if not chosen or len(chosen) != len(branding.languages):
        errors["languages"] = "Choisissez au moins une langue de la liste."
    hosts = await _check_hosts(session, org, branding.hosts, errors)
    if errors:
        raise ValidationFailed("organisation: valeurs refusées", extra={"fields": errors})

    org.name = name
    org.theme = {
        **(org.theme or {}),
        "primary_color": branding.primary_color,
        "text_color": branding.text_color,
        "background_color": branding.background_color,
        "font_body": branding.font_body,
        "font_heading": branding.font_heading,
    }
    texts: dict[str, Any] = {**(org.texts or {})}
    for key, text in branding.texts.items():
        if text.strip():
            texts[key] = text.strip()
        else:
            texts.pop(key, None)
    org.texts = texts
    org.options = {**(org.options or {}), "languages": list(dict.fromkeys(chosen))}
    await session.execute(
        delete(OrganisationHost).where(
            OrganisationHost.organisation_id == org.id, OrganisationHost.host.not_in(hosts)
        )
    )
    existing = set(await current_hosts(session, org))
    for host in hosts:
        if host not in existing:
            session.add(OrganisationHost(organisation_id=org.id, host=host))
    await session.flush()


def set_logo(org: Organisation, stored_name: str | None) -> None:
    """Points the theme at an uploaded logo (``None``: no logo)."""
    theme = {**(org.theme or {})}
    if stored_name is None:
        theme.pop("logo", None)
        theme.pop("logo_url", None)
    else:
        theme["logo"] = stored_name
        theme["logo_url"] = f"/media/{stored_name}"
    org.theme = theme


def font_stack(key: str | None) -> str:
    return FONT_STACKS.get(key or "system", FONT_STACKS["system"])[1]


def theme_css_extras(org: Organisation) -> str:
    """The text and background colours and the fonts of ``org`` as CSS, for the theme
    style sheet (only values checked here reach it: colours parsed, fonts by key)."""
    theme = org.theme or {}
    rules = []
    variables = []
    for key, variable in (("text_color", "--text"), ("background_color", "--bg")):
        try:
            variables.append(f"  {variable}: {colours.normalise(str(theme.get(key) or ''))};")
        except ValueError:
            continue
    body = theme.get("font_body")
    heading = theme.get("font_heading")
    if body in FONT_STACKS:
        variables.append(f"  --font-body: {font_stack(body)};")
        rules.append("body { font-family: var(--font-body); }")
    if heading in FONT_STACKS:
        variables.append(f"  --font-heading: {font_stack(heading)};")
        rules.append("h1, h2, h3, h4 { font-family: var(--font-heading); }")
    if not variables:
        return ""
    return ":root {\n" + "\n".join(variables) + "\n}\n" + "".join(r + "\n" for r in rules)
