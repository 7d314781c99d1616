"""SMS gateways: how the platform sends a text message (a verification code) to a phone.

A gateway is registered by a plugin through the ``register_sms_gateways`` hook and named
by its ``id``. The core ships one, ``outbox``, which writes each message to the outbox
table (marked ``kind="sms"``, the phone number as recipient, never delivered by email),
for tests and demonstrations: a real provider is a plugin whose gateway hands the message
to the provider's API and keeps nothing.

Which gateway sends (:func:`choose_gateway`): the one ``PARTICIPE_SMS_GATEWAY`` names;
without it, the one a plugin registers besides ``outbox``, else ``outbox``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import ConfigurationError, DomainError
from core.languages import DEFAULT_LANGUAGE
from core.models import OutboxMessage

if TYPE_CHECKING:
    from core.models import Organisation
    from core.registries import Registry

__all__ = [
    "OUTBOX",
    "SMS_KIND",
    "OutboxSmsGateway",
    "SmsGateway",
    "SmsNotSent",
    "choose_gateway",
]

#: The outbox row's ``kind`` of a text message written by the outbox gateway.
SMS_KIND = "sms"
#: The id of the core's gateway.
OUTBOX = "outbox"


class SmsNotSent(DomainError):
    """The message could not be sent (the provider refused it or is unreachable): 503
    ``verification.sms_not_sent``, and the request changes nothing. Whatever else a
    gateway raises is turned into this one."""

    status_code = 503
    code = "verification.sms_not_sent"


class SmsGateway(ABC):
    """Sends text messages; subclasses set :attr:`id` and :meth:`send`."""

    #: Stable name, what ``PARTICIPE_SMS_GATEWAY`` gives (``"outbox"``, ``"ovh"``...).
    id: ClassVar[str]

    @abstractmethod
    async def send(
        self, session: AsyncSession, organisation: Organisation, phone: str, text: str
    ) -> None:
        """Sends ``text`` to ``phone`` (E.164: ``+33612345678``) for ``organisation``.

        Called in the request's transaction, which commits after it returns; an exception
        fails the request (503 ``verification.sms_not_sent``) and nothing is committed. A
        gateway must not log nor store the phone number or the text (they carry a secret
        code): the database only ever holds a keyed digest of the number.
        """


class OutboxSmsGateway(SmsGateway):
    """Writes each message to the outbox, for tests and demonstrations: staff and tests
    read it there (``participe outbox``). The row is marked sent at once, so that the
    email delivery never takes it."""

    id = OUTBOX

    async def send(
        self, session: AsyncSession, organisation: Organisation, phone: str, text: str
    ) -> None:
        now: datetime = utcnow()
        session.add(
            OutboxMessage(
                organisation_id=organisation.id,
                kind=SMS_KIND,
                recipient=phone,
                sender=SMS_KIND,
                subject="SMS",
                language=DEFAULT_LANGUAGE,
                text_body=text,
                html_body="",
                sensitive=True,
                created_at=now,
                sent_at=now,
            )
        )
        await session.flush()


def choose_gateway(gateways: Registry[SmsGateway], name: str | None) -> SmsGateway:
    """The gateway that sends: the one named ``name``; without a name, the only one
    registered besides ``outbox``, else ``outbox``. A :class:`ConfigurationError` for a
    name nobody registered, or for several gateways and no name."""
    if name:
        found = gateways.get(name)
        if found is None:
            known = ", ".join(gateway.id for gateway in gateways) or "none"
            raise ConfigurationError(
                f"PARTICIPE_SMS_GATEWAY: no SMS gateway {name!r} (registered: {known})"
            )
        return found
    others = [gateway for gateway in gateways if gateway.id != OUTBOX]
    if len(others) > 1:
        raise ConfigurationError(
            "PARTICIPE_SMS_GATEWAY: several SMS gateways are registered "
            f"({', '.join(gateway.id for gateway in others)}): name the one to use"
        )
    if others:
        return others[0]
    found = gateways.get(OUTBOX)
    if found is None:
        raise ConfigurationError("no SMS gateway is registered")
    return found
