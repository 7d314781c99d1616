"""The server's access log never shows a sign-in token.

A sign-in link (``/signin/<token>``) stays valid for minutes after the mail left, and
uvicorn's access log writes every request's path: :class:`SignInTokenFilter`, on the
``uvicorn.access`` logger, writes ``/signin/…`` instead. A reverse proxy keeps its own
log and needs the same rule (``docs/deployment.md``).
"""

from __future__ import annotations

import logging
import re

#: ``/signin/`` followed by a token; the fixed pages under ``/signin/`` stay as they are.
TOKEN_PATH = re.compile(r"/signin/(?!(?:confirm|check-your-email)(?:[?#/\s\"]|$))[^/?#\s\"]+")
REDACTED = "/signin/…"
ACCESS_LOGGER = "uvicorn.access"


def redact(text: str) -> str:
    """``text`` with every sign-in token of a path replaced by ``…``."""
    return TOKEN_PATH.sub(REDACTED, text)


class SignInTokenFilter(logging.Filter):
    """Rewrites the arguments and message of access log records that hold a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install(logger_name: str = ACCESS_LOGGER) -> None:
    """Adds the filter to the access logger once, however many apps a process builds."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, SignInTokenFilter) for existing in logger.filters):
        logger.addFilter(SignInTokenFilter())
