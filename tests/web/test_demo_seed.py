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
    assert world.dialogues["draft"].published_at is None  # a draft, shown to the staff only
    assert all(d.published_at is not None for k, d in world.dialogues.items() if k != "draft")
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


async def test_the_demo_town_publishes_its_own_texts(database: Database, plugins: Plugins) -> None:
    """The demo fills the home introduction, the legal notice, the personal-data policy
    and the accessibility statement (with the audit its conformity rests on), and puts a
    block on its home page."""
    from core.services import branding, page_blocks

    async with database.session() as session:
        world = await seed_demo(session, plugins)
        await session.commit()
        org = world.organisation
        assert set(org.texts) >= {"home_intro", "legal_notice", "privacy", "accessibility"}
        assert "Défenseur des droits" in org.texts["accessibility"]
        status = branding.options_of(org).accessibility
        assert status.conformity == "partial" and status.rate == 78
        blocks = await page_blocks.list_blocks(session, org, None)
        assert [block.kind for block in blocks] == ["text"]
