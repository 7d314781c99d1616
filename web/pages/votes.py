"""Voting from the pages, without JavaScript: the vote widgets beside proposals, the
forms they post, and the ballot box (``/me/ballots``).

A widget is its vote type's template (``VoteType.widget_template``), included with the
proposal, the citizen's current value, the settings and what remains. It posts ``value``
and ``action`` (``cast`` or ``withdraw``) to ``/proposals/{id}/vote``; the handler calls
the ballot service and comes back to the page the form was on with a message: what was
done, or why it was refused (a rule's stable code, in the reader's language). What the
citizen may still give (votes, points, budget) is shown on every page that has widgets.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.db_range import stored_int
from core.errors import DomainError, NotFound
from core.models import Dialogue, Organisation, Proposal, User
from core.permissions import Action, check
from core.plugin_manager import Plugins
from core.services import (
    ages,
    ballot_box,
    ballots,
    dialogues,
    envelopes,
    proposals,
    verification,
)
from core.services.ballot_box import BallotState, VoteRules
from core.vote_types import BallotContent, ProposalFacts
from web import labels
from web.client_network import client_network
from web.dependencies import Actor, CurrentOrg, DbSession, GroupIds, PluginsDep
from web.i18n import translator
from web.pages.context import (
    dialogue_frame,
    image_url_of,
    notice,
    refusal_message,
    refused_message,
    safe_next,
    signin_url,
)
from web.rate_limits import rate_limited
from web.templating import render


class VoteForm(msgspec.Struct):
    """What a widget posts; unknown fields (the CSRF token) are ignored."""

    action: str = "cast"
    value: str = ""
    next: str = ""


class ConfirmForm(msgspec.Struct):
    next: str = ""


def _rules(plugins: Plugins, dialogue: Dialogue) -> VoteRules | None:
    try:
        return ballot_box.vote_rules(plugins, dialogue)
    except DomainError:
        return None


def vote_call(plugins: Plugins, dialogue: Dialogue) -> str | None:
    """What the dialogue's page asks citizens to do while its vote is open, as its vote
    type words it for its settings (a French message id); ``None`` without a vote."""
    rules = _rules(plugins, dialogue)
    return rules.kind.call_to_action(rules.settings) if rules is not None else None


def shown_value(rules: VoteRules, value: int) -> str:
    """A stored vote as a citizen reads it (``Oui``, ``3 points``, ``rang 2``...)."""
    presented = rules.kind.present_value(rules.settings, value)
    label = getattr(rules.settings, "label", None)
    if callable(label):
        return str(label(presented))
    if isinstance(label, str):
        return label
    return str(presented)


async def vote_panel(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    items: Sequence[Proposal],
    actor: User | None,
    group_ids: Sequence[int] | set[int] = (),
) -> dict[str, Any] | None:
    """What pages need to show vote widgets beside ``items``, or ``None`` when the
    dialogue has no vote. ``open`` says whether ``actor`` may vote now; ``refusal``
    why not (also when the dialogue's vote type is missing: no widget then)."""
    rules = _rules(plugins, dialogue)
    i18n = translator(request)
    if rules is None:
        if dialogue.vote_type and dialogue.vote_type not in plugins.vote_types:
            return _missing_vote_type(request, dialogue, items, i18n.gettext(MISSING))
        return None
    try:
        check(plugins, actor, Action.VOTE, dialogue, now=utcnow(), group_ids=group_ids)
        refused = None
    except DomainError as error:
        refused = error
    methods = verification.accepted_methods(dialogue)
    if refused is None and actor is not None and methods:
        refused = await verification.voter_refusal(session, dialogue, actor, methods)
    if refused is None and actor is not None:
        refused = await ages.age_refusal(session, dialogue, actor, utcnow())
    state = (
        await ballot_box.read_ballot(session, dialogue, actor)
        if actor is not None
        else BallotState(dialogue, None)
    )
    values = {
        proposal_id: rules.kind.present_value(rules.settings, value)
        for proposal_id, value in state.votes.items()
    }
    remaining = rules.kind.remaining(rules.settings, state.content())
    split = envelopes.split_of(dialogue)
    baskets = None
    if split is not None and actor is not None:
        baskets = envelope_baskets(
            rules, split, envelopes.voter_envelope(split, actor.postal_code), state
        )
    basket = budget_basket(state, remaining) if baskets is None else None
    return {
        "open": refused is None,
        "refusal": refusal_message(i18n, refused) if refused is not None else None,
        "needs_signin": refused is not None and refused.code == "auth.required",
        "needs_verification": refused is not None
        and refused.code in ("vote.verification_required", "vote.not_eligible"),
        "phase_open": (phase := dialogue.current_phase(utcnow())) is not None
        and phase.kind.value == "vote",
        "signin": signin_url(request),
        "template": rules.kind.widget_template,
        "settings": rules.settings,
        "rules": rules.kind.rules(rules.settings),
        "remaining": remaining,
        "basket": basket,
        "baskets": baskets,
        "too_dear": too_dear(items, state, basket, baskets, split),
        "given": values,
        "count": len(state.votes),
        "status": state.status.value,
        "counted": state.counted,
        "min_votes": rules.min_votes,
        "votable": {p.id for p in items if p.is_votable},
        "dialogue": dialogue,
        "missing": False,
    }


def budget_basket(state: BallotState, remaining: Mapping[str, Any]) -> dict[str, Any] | None:
    """Where the vote type caps the cost of a ballot (it says what is left of a
    ``budget``), the citizen's basket: the chosen projects with their costs, what they
    come to, and the cap. ``None`` without a cap."""
    if remaining.get("budget") is None:
        return None
    return _basket(state, state.votes, remaining)


def _basket(
    state: BallotState, chosen: Collection[int], remaining: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``chosen`` projects of ``state`` with their costs, what they come to, and
    the cap: what they come to and the ``budget`` left (``None`` without a cap)."""
    costs = {pid: state.proposals[pid].cost or 0 for pid in chosen}
    spent = sum(costs.values())
    left = remaining.get("budget")
    return {
        "items": [
            {"id": pid, "title": state.proposals[pid].title, "cost": cost}
            for pid, cost in costs.items()
        ],
        "spent": spent,
        "limit": None if left is None else spent + left,
    }


def too_dear(
    items: Sequence[Proposal],
    state: BallotState,
    basket: Mapping[str, Any] | None,
    baskets: Sequence[Mapping[str, Any]] | None,
    split: envelopes.Split | None,
) -> dict[int, int]:
    """The projects of ``items`` the citizen has not chosen and that cost more than
    what is left in their basket (their envelope's, in a split budget), with what is
    left: their vote buttons give way to a word on why, rather than a refusal after
    the click."""
    left_in: dict[str | None, int] = {}
    if basket is not None:
        left_in[None] = int(basket["limit"]) - int(basket["spent"])
    for envelope in baskets or ():
        if envelope["limit"] is not None:
            key = envelope["key"]
            left_in[key] = int(envelope["limit"]) - int(envelope["spent"])
    found = {}
    for proposal in items:
        if proposal.id in state.votes or proposal.cost is None:
            continue
        key = None
        if split is not None:
            key = envelopes.envelope_of(split, ProposalFacts.of(proposal))
        left = left_in.get(key)
        if left is not None and proposal.cost > left:
            found[proposal.id] = left
    return found


def envelope_baskets(
    rules: VoteRules, split: envelopes.Split, sector: str | None, state: BallotState
) -> list[dict[str, Any]]:
    """In a budget split into envelopes, what the citizen has given and may still give
    in each envelope they vote in (their sector's, the city-wide one): the chosen
    projects, and what remains of each rule, the cost cap being the envelope's amount."""
    names = {str(option.get("key")): str(option.get("label")) for option in state.dialogue.sectors}
    mine = ([sector] if sector is not None else []) + (
        [envelopes.CITY_WIDE] if split.city_wide else []
    )
    found = []
    for key in mine:
        votes = {
            pid: value
            for pid, value in state.votes.items()
            if envelopes.envelope_of(split, state.proposals[pid].facts) == key
        }
        part = BallotContent(votes, proposals={pid: state.proposals[pid].facts for pid in votes})
        settings = envelopes.with_amount(rules.settings, split.amount(key))
        remaining = rules.kind.remaining(settings, part)
        found.append(
            {
                "key": key,
                "name": names.get(key, key) if key else None,
                "amount": split.amount(key),
                **_basket(state, votes, remaining),
                "remaining": remaining,
            }
        )
    return found


MISSING = labels.ERRORS["vote.type_missing"]


def _missing_vote_type(
    request: Request[Any, Any, Any], dialogue: Dialogue, items: Sequence[Proposal], message: str
) -> dict[str, Any]:
    """The panel of a dialogue whose vote type no enabled plugin provides: no widget (a
    notice in its place), and the citizen is told why."""
    return {
        "open": False,
        "refusal": message,
        "needs_signin": False,
        "needs_verification": False,
        "phase_open": (phase := dialogue.current_phase(utcnow())) is not None
        and phase.kind.value == "vote",
        "signin": signin_url(request),
        "template": "",
        "settings": None,
        "rules": {},
        "remaining": {},
        "basket": None,
        "too_dear": {},
        "given": {},
        "count": 0,
        "status": "draft",
        "counted": False,
        "min_votes": 0,
        "votable": {p.id for p in items if p.is_votable},
        "dialogue": dialogue,
        "missing": True,
    }


def _back(request: Request[Any, Any, Any], asked: str, default: str) -> str:
    """Where to come back after a vote: the form's ``next``, else the page it was on
    (the Referer, when it is one of ours), else ``default``."""
    if asked:
        return safe_next(asked, default)
    referer = request.headers.get("referer", "")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc == request.headers.get("host", ""):
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            return safe_next(path, default)
    return default


def refused_key(error: DomainError) -> str:
    """What a redirect says of a refusal: its code, and its reason where it gives one
    (``vote.not_eligible:envelope``), for :func:`web.pages.context.refused_message`."""
    reason = error.extra.get("reason")
    return (
        f"{error.code}:{reason}"
        if isinstance(reason, str) and reason.isidentifier()
        else error.code
    )


def with_message(path: str, key: str, value: str, anchor: str = "") -> str:
    """``path`` with one message parameter (replacing any earlier message)."""
    base, _, query = path.partition("?")
    base = base.split("#", 1)[0]
    kept = [
        part
        for part in query.split("#", 1)[0].split("&")
        if part and not part.startswith(("notice=", "refused="))
    ]
    kept.append(f"{key}={value}")
    return f"{base}?{'&'.join(kept)}{anchor}"


async def _after_refusal(session: AsyncSession, org: Organisation) -> None:
    """A refused ballot change rolls its transaction back, which expires what the session
    loaded; the organisation is read again, since the response's headers still use it."""
    await session.rollback()
    await session.refresh(org)


@post("/proposals/{proposal_id:int}/vote", include_in_schema=False, guards=[rate_limited("vote")])
async def vote_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    proposal_id: FromPath[int],
    data: URLEncodedBody[VoteForm],
) -> Redirect:
    proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
    back = _back(request, data.next, f"/proposals/{proposal.id}")
    anchor = f"#proposal-{proposal.id}"
    if actor is None:
        return Redirect(signin_url(request, back), status_code=303)
    raw: object = data.value
    if (number := stored_int(data.value)) is not None:
        raw = number
    elif data.value == "":
        raw = None
    try:
        if data.action == "withdraw":
            change = await ballots.withdraw_vote(
                db_session,
                plugins,
                dialogue,
                actor,
                proposal.id,
                now=utcnow(),
                group_ids=group_ids,
                network=client_network(request),
            )
            key = "vote_withdrawn"
        else:
            change = await ballots.cast_vote(
                db_session,
                plugins,
                dialogue,
                actor,
                proposal.id,
                raw,
                now=utcnow(),
                group_ids=group_ids,
                network=client_network(request),
            )
            key = "vote_cast"
    except DomainError as error:
        await _after_refusal(db_session, org)
        return Redirect(with_message(back, "refused", refused_key(error), anchor), status_code=303)
    await db_session.commit()
    ballots.announce(plugins, change)
    rules = _rules(plugins, dialogue)
    if change.unconfirmed and rules is not None and rules.min_votes > 0:
        # Without a minimum, an emptied ballot is "unconfirmed" too, but there is
        # nothing for the citizen to do about it.
        key = "ballot_unconfirmed"
    return Redirect(with_message(back, "notice", key, anchor), status_code=303)


@get("/dialogues/{slug:str}/ballot/confirm", include_in_schema=False)
async def review_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    slug: FromPath[str],
) -> Response[Any]:
    """The citizen's ballot to check before confirming it: the chosen proposals with
    their images, votes and costs, the basket against its cap, and the one button that
    confirms (where the vote asks for a confirmation), or the way back to change it."""
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    rules = _rules(plugins, dialogue)
    state = await ballot_box.read_ballot(db_session, dialogue, actor)
    chosen = list(
        await db_session.scalars(
            select(Proposal).where(Proposal.id.in_(state.votes)).order_by(Proposal.id)
        )
    )
    vote = await vote_panel(request, db_session, plugins, dialogue, chosen, actor, group_ids)
    if vote is None or rules is None:
        raise NotFound("Cette démarche ne comporte pas de vote.", code="vote.not_configured")
    items = [
        {
            "id": proposal.id,
            "title": proposal.title,
            "cost": proposal.cost,
            "image_url": image_url_of(proposal, dialogue),
            "shown": shown_value(rules, state.votes[proposal.id]),
        }
        for proposal in chosen
    ]
    return render(
        request,
        "dialogue/ballot_review.html",
        frame=dialogue_frame(dialogue, utcnow()),
        tab="ballot",
        vote=vote,
        items=items,
        shows_value=dialogue.vote_type != "support",
        refused=refused_message(request),
        notice=notice(request),
    )


@post(
    "/dialogues/{slug:str}/ballot/confirm", include_in_schema=False, guards=[rate_limited("vote")]
)
async def confirm_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    slug: FromPath[str],
    data: URLEncodedBody[ConfirmForm],
) -> Redirect:
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    back = _back(request, data.next, "/me/ballots")
    if actor is None:
        return Redirect(signin_url(request, back), status_code=303)
    try:
        change = await ballots.confirm_ballot(
            db_session,
            plugins,
            dialogue,
            actor,
            now=utcnow(),
            group_ids=group_ids,
            network=client_network(request),
        )
    except DomainError as error:
        await _after_refusal(db_session, org)
        return Redirect(with_message(back, "refused", error.code), status_code=303)
    await db_session.commit()
    ballots.announce(plugins, change)
    return Redirect(with_message(back, "notice", "ballot_confirmed"), status_code=303)


@get("/me/ballots", include_in_schema=False)
async def ballot_box_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
) -> Response[Any]:
    """Every ballot of the citizen: their votes, what remains, confirm or withdraw."""
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    try:
        page = max(1, int(request.query_params.get("page") or 1))
    except ValueError:
        page = 1
    per_page = 20
    states, total = await ballot_box.ballot_box(
        db_session, org, actor, page=page, per_page=per_page
    )
    now = utcnow()
    i18n = translator(request, org)
    entries = []
    for state in states:
        rules = _rules(plugins, state.dialogue)
        try:
            check(plugins, actor, Action.VOTE, state.dialogue, now=now, group_ids=group_ids)
            open_error = None
        except DomainError as error:
            open_error = error
        entries.append(
            {
                "state": state,
                "dialogue": state.dialogue,
                "votes": [
                    {
                        "proposal_id": proposal_id,
                        "title": state.proposals[proposal_id].title,
                        "value": shown_value(rules, value) if rules else str(value),
                    }
                    for proposal_id, value in sorted(state.votes.items())
                ],
                "remaining": rules.kind.remaining(rules.settings, state.content()) if rules else {},
                "min_votes": rules.min_votes if rules else 0,
                "open": open_error is None,
                "closed_message": refusal_message(i18n, open_error) if open_error else None,
            }
        )
    return render(
        request,
        "me/ballots.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // per_page)),
        notice=notice(request),
        refused=refused_message(request),
    )
