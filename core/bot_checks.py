"""Bot checks on the citizen forms: a proof of work (ALTCHA), or a wait for browsers that
cannot do the work.

A protected form carries a challenge made here: the SHA-256 of a signed salt and a secret
number below :data:`MAX_NUMBER`. The browser finds the number (``web/static/js/
bot-check.js``, with WebCrypto) and posts it back as the base64 JSON payload of ALTCHA's
classic protocol (``algorithm``, ``challenge``, ``number``, ``salt``, ``signature``),
which :func:`altcha.v1.verify_solution` checks; the classic protocol's work is plain
SHA-256, which WebCrypto does natively. Nothing goes to a third party and no cookie is
set: the salt carries the form it is for and when it expires, under an HMAC keyed with a
key derived from the app's secret key.

A browser without JavaScript (or without WebCrypto) posts no solution. It is answered
with a waiting page that carries a signed *waiting token*: the token is good only
:data:`WAIT_SECONDS` after it was made, for :data:`WAIT_LIFETIME` seconds. A person
reads the page and presses its button; a robot has to wait as long, for each form, and
every one of its posts counts against the rate limits of the route.

Solutions and waiting tokens serve once: the first use is written to the
``used_challenges`` table (a row per use, kept until it expires), which every worker
shares; a second use is refused.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qs

import msgspec
from altcha.v1 import Payload, create_challenge, verify_solution
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, begin_write
from core.models import UsedChallenge

#: Seconds a challenge lives after it was made (a page's script asks for a fresh one
#: when the citizen took longer to fill the form).
LIFETIME = 300
#: The secret number is below this: a browser tries half as many numbers on average.
MAX_NUMBER = 100_000
ALGORITHM: Final = "SHA-256"
#: Seconds before a waiting token is good, then seconds it stays good.
WAIT_SECONDS = 8
WAIT_LIFETIME = 600
#: Longer posted values are not even decoded.
MAX_POSTED = 4000
#: What a form's name (its *purpose*) may look like.
PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class Verdict(enum.StrEnum):
    PASSED = "passed"
    #: Neither a solution nor a waiting token: the waiting page.
    MISSING = "missing"
    #: A good waiting token, used before its time: the waiting page again.
    TOO_EARLY = "too_early"
    INVALID = "invalid"
    EXPIRED = "expired"
    REPLAYED = "replayed"


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    #: For the waiting page: the token it carries and the seconds before it is good.
    wait_token: str = ""
    seconds_left: int = 0

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED

    @property
    def must_wait(self) -> bool:
        return self.verdict in (Verdict.MISSING, Verdict.TOO_EARLY)


class _Solution(msgspec.Struct):
    """ALTCHA's classic payload, as a browser posts it (more fields are ignored)."""

    algorithm: str
    challenge: str
    number: int
    salt: str
    signature: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class BotChecks:
    """Makes challenges and waiting tokens, and judges what a form posts back.

    ``clock`` (seconds since the epoch) dates challenges and tokens and judges their
    expiry; ``database`` keeps what was used.
    """

    def __init__(
        self,
        secret_key: str,
        database: Database,
        *,
        clock: Callable[[], float] = time.time,
        max_number: int = MAX_NUMBER,
    ) -> None:
        self._key = hmac.new(
            secret_key.encode(), b"participe-bot-checks", hashlib.sha256
        ).hexdigest()
        self.database = database
        self.clock = clock
        self.max_number = max_number

    def challenge(self, purpose: str) -> dict[str, Any]:
        """A new challenge for the form ``purpose``, as the page's script reads it:
        ``{"algorithm", "challenge", "maxNumber", "salt", "signature"}``."""
        expires = datetime.fromtimestamp(math.floor(self.clock()) + LIFETIME, UTC)
        made = create_challenge(
            algorithm=ALGORITHM,
            max_number=self.max_number,
            salt_length=12,
            hmac_key=self._key,
            salt="",
            number=None,
            expires=expires,
            params={"form": purpose},
        )
        challenge: dict[str, Any] = made.to_dict()
        return challenge

    def wait_token(self, purpose: str) -> str:
        """A waiting token for the form ``purpose``, good from :data:`WAIT_SECONDS` on."""
        terms = _b64(
            msgspec.json.encode([purpose, secrets.token_urlsafe(16), math.floor(self.clock())])
        )
        return f"{terms}.{self._sign(terms)}"

    async def check(
        self, purpose: str, solution: str, wait_token: str, session: AsyncSession | None = None
    ) -> Outcome:
        """Judges what the form ``purpose`` posted: a solution, else a waiting token,
        else nothing (a new waiting token comes with the verdict).

        The use is recorded in ``session``'s transaction when one is given (a request's
        that writes what the form asked for: the solution is spent when that commits),
        otherwise in a transaction of its own."""
        if solution:
            return Outcome(await self._check_solution(purpose, solution, session))
        if wait_token:
            return await self._check_wait(purpose, wait_token, session)
        return Outcome(Verdict.MISSING, self.wait_token(purpose), WAIT_SECONDS)

    async def _check_solution(
        self, purpose: str, posted: str, session: AsyncSession | None
    ) -> Verdict:
        if len(posted) > MAX_POSTED:
            return Verdict.INVALID
        try:
            solution = msgspec.json.decode(base64.b64decode(posted, validate=True), type=_Solution)
        except (binascii.Error, ValueError, msgspec.DecodeError):
            return Verdict.INVALID
        _, _, query = solution.salt.partition("?")
        params = parse_qs(query)
        expires = params.get("expires", [""])[0]
        if solution.algorithm != ALGORITHM or params.get("form") != [purpose]:
            return Verdict.INVALID
        if not expires.isdecimal() or not 0 <= solution.number <= self.max_number:
            return Verdict.INVALID
        # The signature proves the salt (its form and expiry) is ours and the number the
        # right one. The expiry is judged on this checker's clock, which made it.
        payload = Payload(
            ALGORITHM, solution.challenge, solution.number, solution.salt, solution.signature
        )
        verified, _ = verify_solution(payload, self._key, check_expires=False)
        if not verified:
            return Verdict.INVALID
        if int(expires) <= self.clock():
            return Verdict.EXPIRED
        if not await self._use(f"solution\x00{solution.signature}", int(expires), session):
            return Verdict.REPLAYED
        return Verdict.PASSED

    async def _check_wait(self, purpose: str, token: str, session: AsyncSession | None) -> Outcome:
        terms, _, signature = token.partition(".")
        if len(token) > MAX_POSTED or not hmac.compare_digest(
            signature.encode(), self._sign(terms).encode()
        ):
            return Outcome(Verdict.INVALID)
        try:
            made_for, nonce, made_at = msgspec.json.decode(_unb64(terms), type=tuple[str, str, int])
        except (binascii.Error, ValueError, msgspec.DecodeError):
            return Outcome(Verdict.INVALID)
        if made_for != purpose:
            return Outcome(Verdict.INVALID)
        now = self.clock()
        good_from = made_at + WAIT_SECONDS
        if now < good_from:
            return Outcome(Verdict.TOO_EARLY, token, math.ceil(good_from - now))
        expires = good_from + WAIT_LIFETIME
        if now > expires:
            return Outcome(Verdict.EXPIRED)
        if not await self._use(f"wait\x00{nonce}", expires, session):
            return Outcome(Verdict.REPLAYED)
        return Outcome(Verdict.PASSED)

    def _sign(self, terms: str) -> str:
        digest = hmac.new(self._key.encode(), f"wait\x00{terms}".encode(), hashlib.sha256)
        return _b64(digest.digest())

    async def _use(self, what: str, expires: int, session: AsyncSession | None) -> bool:
        """Records that ``what`` served; ``False`` when it had served already. Rows past
        their expiry go at the same time."""
        if session is None:
            async with self.database.write_session() as own:
                return await self._use(what, expires, own)
        key = hashlib.sha256(what.encode()).hexdigest()
        insert = sqlite_insert if self.database.is_sqlite else postgresql_insert
        now = datetime.fromtimestamp(self.clock(), UTC)
        await begin_write(session)
        # Rows another transaction is pruning are left to it, not waited for.
        expired = (
            select(UsedChallenge.key)
            .where(UsedChallenge.expires_at < now)
            .with_for_update(skip_locked=True)
        )
        await session.execute(delete(UsedChallenge).where(UsedChallenge.key.in_(expired)))
        used = await session.scalar(
            insert(UsedChallenge)
            .values(key=key, expires_at=datetime.fromtimestamp(expires, UTC))
            .on_conflict_do_nothing()
            .returning(UsedChallenge.key)
        )
        return used is not None
