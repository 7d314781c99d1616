"""Registries: where plugins hand the core named things, keyed by a stable ``id``.

A dialogue stores the id (``"support"``, ``"greedy"``...), and the id is validated against
the registry when the dialogue is saved. A registry belongs to one plugin manager, never to a
class, so two apps in one process never see each other's plugins.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar


class Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=Identified)


class DuplicateId(ValueError):
    pass


class Registry(Generic[T]):
    """Named things of one kind, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._origins: dict[str, str] = {}
        #: The plugin whose registration hook is running: the origin of what it adds.
        self.registering = ""

    def add(self, item: T, *, origin: str = "") -> None:
        """Adds ``item`` under its ``id``; a second item with the same id is an error
        (two plugins must not silently replace each other)."""
        origin = origin or self.registering
        item_id = item.id
        if not item_id or not isinstance(item_id, str):
            raise ValueError(f"a {self.kind} needs a non-empty string id, got {item_id!r}")
        if item_id in self._items:
            raise DuplicateId(
                f"{self.kind} {item_id!r} registered twice"
                + (f" (first by {self._origins[item_id]})" if self._origins[item_id] else "")
            )
        self._items[item_id] = item
        self._origins[item_id] = origin

    def get(self, item_id: str) -> T | None:
        return self._items.get(item_id)

    def __getitem__(self, item_id: str) -> T:
        return self._items[item_id]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def ids(self) -> list[str]:
        return list(self._items)

    def origin(self, item_id: str) -> str:
        return self._origins.get(item_id, "")
