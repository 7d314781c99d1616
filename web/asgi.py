"""ASGI entry point for servers: ``uvicorn --factory web.asgi:app_factory``.

Settings come from the environment when the server starts, never at import time.
"""

from __future__ import annotations

import gc
import os

from litestar import Litestar

from core.settings import Settings
from web import access_log
from web.app import create_app
from web.logs import configure_logging


def app_factory() -> Litestar:
    access_log.install()
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_format)
    app = create_app(settings)
    # What the app built at start-up lives as long as the worker: move it out of the
    # garbage collector's sight, so that its full collections do not walk it again and
    # again (pauses of tens of milliseconds in the middle of requests otherwise).
    gc.collect()
    gc.freeze()
    return app
