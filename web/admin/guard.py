"""The wall around the back office: every route under ``/admin`` and ``/api/v1/admin``
is staff only, and says which staff actions open it.

The check runs as a guard, before Litestar reads the request's body, so that a citizen
(or a stranger) is refused with 401/403 whatever they send, never told by a 400 or a 404
what a back-office form expects or which dialogues exist. A handler names the actions
that open it in its ``opt``: ``opt=staff(Action.REVIEW)`` (any one of several:
``staff(Action.REVIEW, Action.MODERATE)``); without one, the route needs
:attr:`Action.ADMINISTER`. The rule itself is :func:`core.permissions.staff_check`.

The platform operator's pages, under ``/operator``, have their own wall,
:func:`operator_guard`: an operator need not be anyone's staff, and staff are not operators.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from core.errors import Forbidden
from core.models import User
from core.permissions import Action, operator_check, staff_check
from web.dependencies import app_context, provide_actor, provide_org

OPT_KEY = "staff_actions"
#: Every staff action: a page that any member of the staff may open.
ANY_STAFF = (Action.ADMINISTER, Action.REVIEW, Action.MODERATE)


def staff(*actions: Action) -> dict[str, Any]:
    """The ``opt`` of a back-office handler that any one of ``actions`` opens (rather
    than :attr:`Action.ADMINISTER` only)."""
    return {OPT_KEY: tuple(actions)}


def check_any(actor: User | None, actions: Sequence[Action]) -> User:
    """``actor`` if one of ``actions`` is theirs; the refusal of the last one otherwise."""
    refusal: Exception = Forbidden("Réservé à l'équipe de l'organisation.")
    for action in actions:
        try:
            return staff_check(actor, action)
        except Forbidden as error:
            refusal = error
    raise refusal


async def _actor(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The request's actor, read before its handler's dependencies (and its body)."""
    request: Any = connection
    async with app_context(request).database.read_session() as session:
        org = await provide_org(request, session)
        return await provide_actor(request, session, org)


async def staff_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Refuses the request unless its actor may do one of the handler's staff actions."""
    actions = handler.opt.get(OPT_KEY, (Action.ADMINISTER,))
    check_any(await _actor(connection), actions)


async def operator_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Refuses the request unless its actor is a platform operator
    (:func:`core.permissions.operator_check`), whatever their role: the wall around
    ``/operator``."""
    operator_check(await _actor(connection))
