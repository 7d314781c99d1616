"""What the database's integer columns hold: PostgreSQL's ``INTEGER``, the type of every
id and counted amount. A number beyond it names nothing stored and cannot be stored."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
INTEGER = re.compile(r"-?[0-9]{1,10}")


def in_range(value: int) -> bool:
    """Whether ``value`` fits an ``INTEGER`` column."""
    return INT_MIN <= value <= INT_MAX


def stored_int(text: str) -> int | None:
    """``text`` (a form's ``-12``) as an integer an ``INTEGER`` column holds, else ``None``."""
    if not INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if in_range(number) else None


def may_be_id(value: int) -> bool:
    """Whether ``value`` may be the id of a row (ids start at 1)."""
    return 1 <= value <= INT_MAX


#: An integer field of a request body that an ``INTEGER`` column stores.
StoredInt = Annotated[int, msgspec.Meta(ge=INT_MIN, le=INT_MAX)]
#: A reference to a row in a request body.
RowId = Annotated[int, msgspec.Meta(ge=1, le=INT_MAX)]
