"""Back-office tabs and menu entries that plugins add, through ``register_admin_tabs``.

A tab of a dialogue's back office leads to a page of the plugin under the dialogue's
address (``path="/petition"`` shows as ``/admin/dialogues/{slug}/petition``); an entry of
the organisation's menu leads to a page of the plugin's own (``path="/admin/petitions"``).
The label is a French message id, shown in the reader's language through the plugin's
translation catalogue (``translation_dirs``).

A plugin that declares modules shows its dialogue tabs only on the dialogues where one of
its modules is on, and its menu entries only to the organisations that may use one of
them (:class:`core.plugin_manager.Plugins`); the plugin's routes still check the module
themselves, as its other pages do.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

#: What a tab's or an entry's id may be.
TAB_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: A path of one or more segments, without query or trailing slash.
TAB_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")


class AdminTabPlace(enum.StrEnum):
    """Where a tab shows."""

    #: Among a dialogue's back-office tabs.
    DIALOGUE = "dialogue"
    #: In the organisation's administration menu.
    ORGANISATION = "organisation"


@dataclass(frozen=True)
class AdminTab:
    """A link of the back office to a plugin's page."""

    id: str
    #: A French message id (translated with the plugin's catalogue).
    label: str
    #: For a dialogue tab, the part after ``/admin/dialogues/{slug}`` (``/petition``);
    #: for a menu entry, the whole path (``/admin/petitions``).
    path: str
    place: AdminTabPlace = AdminTabPlace.DIALOGUE

    def __post_init__(self) -> None:
        if not TAB_ID.match(self.id):
            raise ValueError(f"admin tab id {self.id!r}: a lowercase letter, then a-z, 0-9 or _")
        if not self.label.strip():
            raise ValueError(f"admin tab {self.id!r}: the label is empty")
        if not TAB_PATH.match(self.path):
            raise ValueError(f"admin tab {self.id!r}: path {self.path!r} is not like /segment")
        if self.place is AdminTabPlace.ORGANISATION and not self.path.startswith("/admin/"):
            raise ValueError(f"admin menu entry {self.id!r}: its path must start with /admin/")

    def href(self, dialogue_slug: str | None = None) -> str:
        """The address the tab leads to (a dialogue tab needs the dialogue's slug)."""
        if self.place is AdminTabPlace.ORGANISATION:
            return self.path
        if dialogue_slug is None:
            raise ValueError(f"admin tab {self.id!r} belongs to a dialogue: give its slug")
        return f"/admin/dialogues/{dialogue_slug}{self.path}"
