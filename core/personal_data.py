"""Personal data sources: the parts of a citizen's data that a plugin (or the core's own
defaults) keeps, which the citizen downloads and which their account deletion erases
(RGPD, articles 15, 17 and 20).

Plugins add sources through the ``register_personal_data`` hook; the services of
:mod:`core.services.personal_data` ask every registered source, in registration order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from core.models import User
    from core.plugin_manager import Plugins


@dataclass(frozen=True)
class PersonalDataContext:
    """What a source knows besides the user: the app's plugins (a vote type shows vote
    values) and the moment of the download or of the deletion."""

    plugins: Plugins
    now: datetime


class PersonalDataSource(ABC):
    """Base class of personal data sources; subclasses set :attr:`id` and the methods."""

    #: Stable id, the key of this source's part in the downloaded file (``"comments"``).
    id: ClassVar[str]

    @abstractmethod
    async def export(self, session: AsyncSession, user: User, context: PersonalDataContext) -> Any:
        """This source's data about ``user``, as JSON values (dicts, lists, strings,
        numbers, booleans, ``None``; ``datetime`` values are written in ISO 8601).
        Never another person's personal data, nor a secret (a token, a hash)."""

    @abstractmethod
    async def erase(self, session: AsyncSession, user: User, context: PersonalDataContext) -> None:
        """Erases or unlinks this source's personal data about ``user``, whose account is
        being deleted, in the caller's transaction (the caller commits).

        Called before the account itself is anonymised: ``user.email`` is still set.
        What counts in a result (a ballot, a questionnaire response) stays counted:
        unlink it from the person rather than delete it.
        """


#: Keys of the downloaded file that the core writes itself: no source may take one.
RESERVED_IDS = frozenset(
    {"format", "exported_at", "organisation", "account", "groups", "api_tokens", "sessions"}
)


def check_source_ids(sources: Iterable[PersonalDataSource]) -> None:
    """Raises ``ValueError`` when a source's id is one of :data:`RESERVED_IDS`."""
    for source in sources:
        if source.id in RESERVED_IDS:
            raise ValueError(f"personal data source {source.id!r}: this key is the core's own")
