"""How citizens reach the organisation, shown at the foot of every page: its contact
details (email, phone, postal address, a contact page) and its pages on social
networks. Kept in ``org.options["contact"]`` (:class:`core.services.branding.OrganisationOptions`).

Addresses of pages must be ``https://``: they are links on every page of the site, so a
``javascript:`` address or a plain ``http://`` page is refused where it is typed."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec

__all__ = ["NETWORKS", "Contact", "SocialLink", "contact_errors"]

#: The social networks a link may name, with the name the footer shows.
NETWORKS: dict[str, str] = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "x": "X",
    "other": "Autre",
}

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{6,30}$")
_PAGE = re.compile(r"^https://[^\s<>\"]+$", re.IGNORECASE)


class SocialLink(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The organisation's page on a social network."""

    network: Annotated[
        Literal[
            "facebook", "instagram", "linkedin", "youtube", "mastodon", "bluesky", "x", "other"
        ],
        msgspec.Meta(title="Réseau", extra={"choices": NETWORKS}),
    ] = "facebook"
    url: Annotated[
        str,
        msgspec.Meta(
            max_length=500,
            title="Adresse de la page",
            description="En https://, par exemple https://www.facebook.com/maville.",
        ),
    ] = ""


class Contact(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The organisation's contact details; each one left empty is not shown."""

    email: Annotated[str, msgspec.Meta(max_length=254, title="Adresse électronique")] = ""
    phone: Annotated[str, msgspec.Meta(max_length=30, title="Téléphone")] = ""
    address: Annotated[
        str,
        msgspec.Meta(
            max_length=300,
            title="Adresse postale",
            description="Par exemple : Hôtel de ville, 1 place de la Mairie, 44000 Nantes.",
        ),
    ] = ""
    page: Annotated[
        str,
        msgspec.Meta(
            max_length=500,
            title="Page de contact",
            description="Le formulaire de contact du site de l'organisation, en https://.",
        ),
    ] = ""
    social: Annotated[
        list[SocialLink],
        msgspec.Meta(max_length=10, title="Réseaux sociaux"),
    ] = msgspec.field(default_factory=list)


def contact_errors(contact: Contact, prefix: str = "contact.") -> dict[str, str]:
    """What is wrong in ``contact``, by field (``contact.social.0.url``); links to
    social networks left without an address are dropped by the caller, not refused."""
    errors: dict[str, str] = {}
    if contact.email.strip() and not _EMAIL.match(contact.email.strip()):
        errors[prefix + "email"] = "Saisissez une adresse électronique, comme mairie@ville.fr."
    if contact.phone.strip() and not _PHONE.match(contact.phone.strip()):
        errors[prefix + "phone"] = "Saisissez un numéro de téléphone, comme 02 40 00 00 00."
    if contact.page.strip() and not _PAGE.match(contact.page.strip()):
        errors[prefix + "page"] = "Écrivez une adresse en https://."
    for index, link in enumerate(contact.social):
        if link.url.strip() and not _PAGE.match(link.url.strip()):
            errors[f"{prefix}social.{index}.url"] = "Écrivez une adresse en https://."
    return errors


def cleaned(contact: Contact) -> Contact:
    """``contact`` with its values trimmed and its links without an address dropped."""
    return Contact(
        email=contact.email.strip(),
        phone=contact.phone.strip(),
        address=contact.address.strip(),
        page=contact.page.strip(),
        social=[
            SocialLink(network=link.network, url=link.url.strip())
            for link in contact.social
            if link.url.strip()
        ],
    )
