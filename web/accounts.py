"""Accounts, sign-in and their pages and API, mounted by ``create_app`` in one place."""

from __future__ import annotations

from typing import Any

from web.api.auth import AuthController
from web.api.follows import FollowController
from web.api.me import MeController
from web.pages.account import ACCOUNT_PAGES
from web.pages.notifications import NOTIFICATION_PAGES
from web.pages.personal_data import PERSONAL_DATA_PAGES
from web.pages.signin import SIGN_IN_PAGES


def account_route_handlers() -> list[Any]:
    return [
        AuthController,
        MeController,
        FollowController,
        *SIGN_IN_PAGES,
        *ACCOUNT_PAGES,
        *PERSONAL_DATA_PAGES,
        *NOTIFICATION_PAGES,
    ]
