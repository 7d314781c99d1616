"""The ceiling of the vote burst: a bare Litestar route that does one ``INSERT`` through a
psycopg connection pool, and nothing else (no organisation, no token, no rule, no ORM).

``bench_vote_burst.py`` serves it with the same server, workers and pool size as the app
and sends it the same requests (same paths under ``/ceiling``, same Bearer header), so that
the app's throughput reads as a share of what this machine can do at all.

Environment: ``BENCH_DATABASE_URL`` (a ``postgresql://`` URL), ``BENCH_POOL_SIZE``.
"""

from __future__ import annotations

import os
from typing import Any

from litestar import Litestar, Request, delete, get, put
from psycopg_pool import AsyncConnectionPool

TABLE = "bench_ceiling"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, citizen text NOT NULL,"
    " proposal_id integer NOT NULL, action text NOT NULL, created_at timestamptz NOT NULL)"
)
INSERT = (
    f"INSERT INTO {TABLE} (citizen, proposal_id, action, created_at) VALUES (%s, %s, %s, now())"
)


def app_factory() -> Litestar:
    url = os.environ["BENCH_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    size = int(os.environ.get("BENCH_POOL_SIZE", "10"))
    # The app's SQLAlchemy pool keeps ``size`` connections and opens up to twice as many
    # more under load: the same bounds here.
    pool = AsyncConnectionPool(url, min_size=size, max_size=size * 3, open=False)

    async def insert(request: Request[Any, Any, Any], proposal_id: int, action: str) -> None:
        citizen = request.headers.get("authorization", "")[-12:]
        async with pool.connection() as connection:
            await connection.execute(INSERT, (citizen, proposal_id, action))

    @put("/ceiling/dialogues/{slug:str}/ballot/votes/{proposal_id:int}")
    async def cast(request: Request[Any, Any, Any], slug: str, proposal_id: int) -> dict[str, Any]:
        await insert(request, proposal_id, "cast")
        return {"dialogue": slug, "proposal_id": proposal_id, "status": "confirmed"}

    @delete("/ceiling/dialogues/{slug:str}/ballot/votes/{proposal_id:int}", status_code=200)
    async def withdraw(
        request: Request[Any, Any, Any], slug: str, proposal_id: int
    ) -> dict[str, Any]:
        await insert(request, proposal_id, "withdraw")
        return {"dialogue": slug, "proposal_id": proposal_id, "status": "draft"}

    @get("/ceiling/ping")
    async def ping() -> str:
        return "pong"

    async def start(app: Litestar) -> None:
        await pool.open(wait=True)

    async def stop(app: Litestar) -> None:
        await pool.close()

    return Litestar(route_handlers=[cast, withdraw, ping], on_startup=[start], on_shutdown=[stop])
