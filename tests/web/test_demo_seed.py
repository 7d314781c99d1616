"""The demo town seeds with the plugins at hand: the media-library dialogue (a
majority-judgment vote) only when a plugin provides that vote type."""

from __future__ import annotations

from core.db import Database, utcnow
from core.plugin_manager import Plugins
from core.services.recount import recount
from core.services.results import compute_results
from web.demo import MAJORITY_JUDGMENT, seed_demo


async def test_the_demo_seeds_with_or_without_majority_judgment(
    database: Database, plugins: Plugins
) -> None:
    async with database.session() as session:
        world = await seed_demo(session, plugins)
        await session.commit()
    installed = MAJORITY_JUDGMENT in plugins.vote_types
    assert ("library" in world.dialogues) is installed
    assert {"budget", "ideas", "consultation", "questionnaire"} <= set(world.dialogues)
    if installed:
        async with database.session() as session:
            library = world.dialogues["library"]
            results = await compute_results(session, plugins, library)
            assert results["ballots_counted"] == 8
            assert len(results["winners"]) == 4
            assert (await recount(session, plugins, library)).ok


async def test_the_demo_follows_up_last_years_winning_projects(
    database: Database, plugins: Plugins
) -> None:
    from plugins.projects.follow_up import list_projects, results_out

    async with database.session() as session:
        world = await seed_demo(session, plugins)
        await session.commit()
    async with database.session() as session:
        past = world.dialogues["past_budget"]
        assert results_out(past, utcnow())
        projects = {
            view.proposal.title: view for view in await list_projects(session, plugins, past)
        }
    assert "Une patinoire couverte" not in projects  # beyond the budget
    skatepark = projects["Un skatepark au bord de la Loire"]
    assert (skatepark.stage.key, skatepark.progress, skatepark.spent) == ("works", 55, 48_500)
    assert len(skatepark.updates) == 2
