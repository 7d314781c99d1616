"""Conditional GET (RFC 9110, section 13.1.2): a client that sends back the entity tag of
the copy it holds in ``If-None-Match`` gets ``304 Not Modified`` and no body while the
resource keeps that tag."""

from __future__ import annotations


def none_match(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag``: ``*``, or one of its comma-separated tags,
    compared weakly (a ``W/`` prefix on either side is ignored)."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False
