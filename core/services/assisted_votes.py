"""Assisted voting at the desk (the ``desk`` module): a staff member casts the ballot of
a person without internet who came to the town hall's desk with an identity document.

The person's vote is held by a *desk account*: an account without an email address,
created at the desk for the person's identity, verified by the ``desk`` method by the
staff member, and reused at their next assisted vote. It is not one of the person's own
accounts, which the staff never choose. The ballot goes through the same service
functions as an online ballot (:func:`core.services.ballots.replace_ballot`, then
:func:`~core.services.ballots.confirm_ballot` where the vote type asks for a
confirmation), so the vote type and rules judge it exactly the same, and
:func:`core.services.verification.hold_vote` makes the identity vote once: a person who
voted online is refused at the desk (409 ``vote.identity_already_voted``), and their
accounts are refused online once the desk account holds the vote. A person votes once at
the desk too: a second assisted ballot is refused the same way.

Every vote-log entry of an assisted ballot carries the reason ``assisted:staff:{id}``;
the audit log records ``vote.assisted`` with the staff member and the dialogue, never the
person's fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.defaults.verification import DESK
from core.errors import Conflict, NotFound
from core.models import Dialogue, Identity, IdentityVote, Organisation, User, UserVerification
from core.models.ballots import BallotStatus
from core.permissions import Action, staff_check
from core.plugin_manager import Plugins
from core.services import ages, audit, ballots, verification
from core.services.ballots import BallotChange

#: The vote log's reason of an assisted ballot's entries (``{staff}``: the staff id).
REASON = "assisted:staff:{staff}"


def assisted_reason(staff: User) -> str:
    return REASON.format(staff=staff.id)


async def _desk_account(
    session: AsyncSession, organisation: Organisation, identity_id: int, now: datetime
) -> User | None:
    """The live desk account of ``identity_id``, if one was created before."""
    found: User | None = await session.scalar(
        select(User)
        .join(UserVerification, UserVerification.user_id == User.id)
        .where(
            UserVerification.identity_id == identity_id,
            UserVerification.method == DESK.name,
            User.organisation_id == organisation.id,
            User.email.is_(None),
            User.deleted_at.is_(None),
        )
        .order_by(User.id)
        .limit(1)
    )
    return found


async def desk_account(
    session: AsyncSession,
    organisation: Organisation,
    staff: User,
    who: verification.Person,
    *,
    secret_key: str,
    now: datetime,
) -> tuple[User, int]:
    """The desk account of ``who`` and their identity's id, verified at the desk by
    ``staff`` now: the one created at an earlier visit, else a new one. The identity's
    row is locked (PostgreSQL; SQLite writes one at a time) so that two desks serving
    the same person at once make one account."""
    digest = verification.identity_digest(secret_key, organisation.id, who)
    identity_id = await verification.ensure_identity(session, organisation, digest, now)
    # ``FOR NO KEY UPDATE``: two desks wait for each other, but an online vote of the same
    # person does not (its ``identity_votes`` insert checks its key with ``FOR KEY
    # SHARE``, which a ``FOR UPDATE`` would block into a deadlock with this transaction).
    await session.execute(
        select(Identity.id).where(Identity.id == identity_id).with_for_update(key_share=True)
    )
    user = await _desk_account(session, organisation, identity_id, now)
    if user is None:
        user = User(organisation_id=organisation.id, email=None, display_name="", created_at=now)
        session.add(user)
        await session.flush()
    # The postal code typed at the desk places the person's ballot in their sector's
    # envelope where the budget is split (:mod:`core.services.envelopes`), as an online
    # voter's account's does.
    user.postal_code = who.postal_code
    await verification.verify_as(session, organisation, user, digest, DESK.name, staff, now)
    await ages.record_verified_birth_date(session, user, who.birth_date, now)
    return user, identity_id


async def cast_assisted_ballot(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    staff: User | None,
    who: verification.Person,
    raw_votes: Sequence[tuple[int, object]],
    *,
    secret_key: str,
    now: datetime,
) -> list[BallotChange]:
    """Casts ``who``'s ballot (``(proposal_id, API value)`` pairs) in ``dialogue`` at the
    desk: ``staff`` (moderators, administrators) verified them by their document. Returns
    the ballot's changes, whose events the caller announces once committed; the last one
    holds the ballot. 404 ``desk.not_enabled`` where the dialogue has no desk, 409
    ``vote.identity_already_voted`` where the person voted already (online, on paper or
    at the desk), and every refusal of an online ballot."""
    actor = staff_check(staff, Action.MODERATE)
    if not DESK.granted_to(organisation) or not DESK.enabled_on(dialogue):
        raise NotFound(
            "Le vote assisté au guichet n'est pas ouvert dans cette démarche.",
            code="desk.not_enabled",
        )
    await begin_write(session)
    user, identity_id = await desk_account(
        session, organisation, actor, who, secret_key=secret_key, now=now
    )
    held = await session.scalar(
        select(IdentityVote.identity_id).where(
            IdentityVote.dialogue_id == dialogue.id, IdentityVote.identity_id == identity_id
        )
    )
    if held is not None:
        raise Conflict(
            "Cette personne a déjà voté dans cette démarche (en ligne, sur papier ou au "
            "guichet) : elle ne vote qu'une fois.",
            code="vote.identity_already_voted",
        )
    reason = assisted_reason(actor)
    changes = [
        await ballots.replace_ballot(
            session, plugins, dialogue, user, raw_votes, now=now, reason=reason
        )
    ]
    if changes[0].state.status != BallotStatus.CONFIRMED:
        changes.append(
            await ballots.confirm_ballot(session, plugins, dialogue, user, now=now, reason=reason)
        )
    ballot = changes[-1].state.ballot
    audit.record(
        session,
        organisation,
        actor,
        "vote.assisted",
        f"dialogue:{dialogue.slug}",
        {"dialogue": dialogue.id, "ballot": ballot.id if ballot is not None else None},
        now=now,
    )
    await session.flush()
    return changes
