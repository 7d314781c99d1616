"""What a staff page view of the analysis and a look-up while writing cost at 10,000
proposals, before (computed in the request) and after (stored results, cached index),
on PostgreSQL.

    python -m bench.analysis_requests [--proposals 10000] [--admin-url URL]

Creates the database ``participe_bench_analysis`` next to ``--admin-url``'s, loads one
dialogue of ``--proposals`` proposals (those of :mod:`bench.analysis_speed`, their stems
stored as the event handler stores them), then measures:

- a staff page view before: the whole analysis computed from the stored stems, as each
  view of the page and each call of the API did; after: the stored results read;
- the recomputation after a burst (once, in the background);
- a look-up while writing before: the dialogue's similarity index built, then compared;
  after: the worker's index, built once for the proposals' version, compared.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from bench.analysis_speed import proposals
from bench.seed import DEFAULT_ADMIN_URL, bench_plugins, drop_database, fresh_database
from bench.seed import organisation as bench_organisation
from core.db import Database, utcnow
from core.models import Dialogue, Proposal
from core.models.proposals import ProposalStatus
from core.services import dialogues
from core.specs import DialogueSpec
from plugins.analysis import results, store
from plugins.analysis.models import AnalysedText
from plugins.analysis.similar import analysed

NAME = "participe_bench_analysis"
TEXT = ("Une piste cyclable avenue Jean Jaurès", "Pour les vélos")


async def _timed(work: Callable[[], Awaitable[Any]], times: int = 3) -> tuple[float, float]:
    """The best elapsed and processor time of ``times`` runs."""
    best = (float("inf"), float("inf"))
    for _ in range(times):
        started = (time.perf_counter(), time.process_time())
        await work()
        spent = (time.perf_counter() - started[0], time.process_time() - started[1])
        best = min(best, spent)
    return best


async def _load(database: Database, count: int) -> int:
    plugins = bench_plugins()
    org = await bench_organisation(database)
    themes = sorted({theme for _, theme in proposals(count)})
    spec = msgspec.convert(
        {
            "slug": "analyse",
            "title": "Boîte à idées",
            "kind": "ideas",
            "description": "Vos idées.",
            "themes": [{"key": t, "label": t} for t in themes],
        },
        DialogueSpec,
        strict=False,
    )
    now = utcnow()
    async with database.session() as session:
        dialogue = await dialogues.create_dialogue(session, plugins, org, spec)
        dialogue.modules = {**(dialogue.modules or {}), "analysis": {}}
        rows = [
            Proposal(
                dialogue_id=dialogue.id,
                title=document.title,
                body=document.body,
                # half of them themed, to learn from, half to suggest a theme for
                theme=theme if document.id % 2 else None,
                status=ProposalStatus.PUBLISHED,
                created_at=now,
                updated_at=now,
                published_at=now,
            )
            for document, theme in proposals(count)
        ]
        session.add_all(rows)
        await session.flush()
        session.add_all(
            AnalysedText(
                proposal_id=p.id,
                dialogue_id=dialogue.id,
                text=analysed(p.title, p.body),
                analysed_at=now,
            )
            for p in rows
        )
        await session.commit()
        return dialogue.id


async def run(admin_url: str, count: int) -> None:
    url = await fresh_database(admin_url, NAME, bench_plugins())
    database = Database(url)
    try:
        dialogue_id = await _load(database, count)
        async with database.session() as session:
            dialogue = await session.get(Dialogue, dialogue_id)
            assert dialogue is not None
            threshold = 0.16

            async def page_before() -> None:
                data = await results.snapshot(session, dialogue, threshold)
                results.compute(data)

            async def page_after() -> None:
                await results.stored(session, dialogue, threshold)

            async def refresh() -> None:
                await results.request_refresh(session, dialogue_id)
                await session.commit()
                assert await results.refresh(database, dialogue_id)

            async def look_up_before() -> None:
                index, _ = await store.similarity_index(session, dialogue)
                index.similar(*TEXT)

            async def look_up_after() -> None:
                await store.similar(session, dialogue, *TEXT, limit=5, threshold=threshold)

            figures = {
                "staff page view, before (computed in the request)": await _timed(page_before, 1),
                "recomputation in the background, once per burst": await _timed(refresh, 1),
                "staff page view, after (stored results read)": await _timed(page_after),
                "look-up while writing, before (index built each time)": await _timed(
                    look_up_before
                ),
            }
            await look_up_after()  # the worker's first look-up builds the index
            figures["look-up while writing, after (worker's index)"] = await _timed(look_up_after)
    finally:
        await database.dispose()
        await drop_database(admin_url, NAME)
    print("| request | elapsed | processor |")
    print("| --- | --- | --- |")
    for name, (wall, processor) in figures.items():
        print(f"| {name}, {count} proposals | {wall:.3f} s | {processor:.3f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.admin_url, arguments.proposals))


if __name__ == "__main__":
    main()
