"""Health of the process and of what it depends on, for load balancers and supervisors.

``GET /health`` answers as long as the process does, without the database: a supervisor
restarts a worker only when it stops answering. ``GET /health/ready`` checks the database
(``SELECT 1``) and, when ``PARTICIPE_REDIS_URL`` is set, Redis (``PING``): a load
balancer sends requests only to workers that can serve them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import MediaType, Request, Response, get
from sqlalchemy import text

from web.dependencies import app_context
from web.errors import RETRY_AFTER_SECONDS

#: Seconds a check may take before it counts as failed.
CHECK_SECONDS = 3.0


@get("/health", include_in_schema=False, media_type=MediaType.JSON)
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def _database_answers(request: Request[Any, Any, Any]) -> bool:
    database = app_context(request).database
    try:
        async with asyncio.timeout(CHECK_SECONDS), database.reader.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


async def _redis_answers(url: str) -> bool:
    from redis.asyncio import Redis

    client: Any = Redis.from_url(url, socket_connect_timeout=CHECK_SECONDS)
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


@get("/health/ready", include_in_schema=False, media_type=MediaType.JSON)
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """200 ``{"status": "ready", "checks": {...}}`` when every check passes, else 503 with
    the error body (code ``unavailable``), the same checks and ``Retry-After``."""
    settings = app_context(request).settings
    checks = {"database": "ok" if await _database_answers(request) else "unavailable"}
    if settings.redis_url:
        checks["redis"] = "ok" if await _redis_answers(settings.redis_url) else "unavailable"
    if all(state == "ok" for state in checks.values()):
        return Response({"status": "ready", "checks": checks})
    failing = ", ".join(name for name, state in checks.items() if state != "ok")
    return Response(
        {
            "status_code": 503,
            "detail": f"Not ready: {failing} cannot be reached.",
            "code": "unavailable",
            "checks": checks,
        },
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )


HEALTH_ROUTES = [health, ready]
