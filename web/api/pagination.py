"""The API's pagination: ``?page=1&per_page=20`` (``per_page`` at most 100), answered as
``{"items", "total", "page", "per_page"}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar

from litestar.params import QueryParameter

from web.api.schemas import Page

T = TypeVar("T")

PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000)]
PerPage = Annotated[int, QueryParameter(ge=1, le=100)]


def page_of(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    """The ``page``-th page of ``items``, a list already in memory."""
    start = (page - 1) * per_page
    return Page(
        items=list(items[start : start + per_page]), total=len(items), page=page, per_page=per_page
    )
