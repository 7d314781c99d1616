"""ASGI entry point for servers: ``uvicorn --factory web.asgi:app_factory``.

Settings come from the environment when the server starts, never at import time.
"""

from __future__ import annotations

import os

from litestar import Litestar

from core.settings import Settings
from web.app import create_app


def app_factory() -> Litestar:
    return create_app(Settings.from_env(os.environ))
