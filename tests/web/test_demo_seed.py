"""The demo town seeds with the plugins at hand: the media-library dialogue (a
majority-judgment vote) only when a plugin provides that vote type."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from core import uploads
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


#: The demo's dialogues open for voting: (vote type, settings they show), by their key.
OPEN_VOTES: dict[str, tuple[str, dict[str, object]]] = {
    "budget": ("support", {"max_votes": 5}),
    "consultation": ("binary", {"options": ["for", "against", "neutral"]}),
    "points": ("points", {"mode": "distribute", "points_budget": 10, "max_per_proposal": 5}),
    "scale": ("points", {"mode": "scale", "scale_max": 5}),
    "ranked": ("ranked", {"method": "schulze", "max_ranks": 3}),
    "yes_no": ("binary", {"options": ["yes", "no"], "min_votes": 2, "max_votes": 4}),
}


def _newcomers_ballot(key: str, ids: list[int]) -> list[tuple[int, object]]:
    """A ballot that the rules of the demo's dialogue ``key`` accept."""
    values: dict[str, list[object]] = {
        "budget": [None, None],
        "consultation": ["for", "against"],
        "points": [5, 5],
        "scale": [4, 1],
        "ranked": [1, 2],
        "yes_no": ["yes", "no"],
    }
    return list(zip(ids, values[key], strict=False))


async def test_the_demo_opens_a_vote_of_every_type_and_rule(
    database: Database, plugins: Plugins
) -> None:
    """Supports within a budget counted by equal shares, for/against, points to spread,
    a grade per proposal, a ranking, yes or no with a minimum and a maximum: each is open,
    already has ballots, and takes a newcomer's vote; last year's budget shows its
    published winners."""
    from core.defaults.map import MAP
    from core.models.dialogues import PhaseKind
    from core.services import ballots

    async with database.session() as session:
        world = await seed_demo(session, plugins)
        await session.commit()
    newcomer = world.citizens[-1]  # in none of the seeded ballots
    now = utcnow()
    async with database.session() as session:
        for key, (vote_type, settings) in OPEN_VOTES.items():
            dialogue = await session.get(type(world.dialogues[key]), world.dialogues[key].id)
            assert dialogue is not None
            assert dialogue.vote_type == vote_type, key
            assert settings.items() <= dialogue.vote_settings.items(), key
            phase = dialogue.current_phase(now)
            assert phase is not None and phase.kind is PhaseKind.VOTE, key
            before = (await compute_results(session, plugins, dialogue))["ballots_counted"]
            assert before > 0, key
            ids = [p.id for p in world.proposals[key] if p.is_votable]
            await ballots.replace_ballot(
                session, plugins, dialogue, newcomer, _newcomers_ballot(key, ids), now=now
            )
            if settings.get("min_votes"):
                await ballots.confirm_ballot(session, plugins, dialogue, newcomer, now=now)
            await session.commit()
            after = (await compute_results(session, plugins, dialogue))["ballots_counted"]
            assert after == before + 1, key
        budget = world.dialogues["budget"]
        assert budget.budget_rule == "equal_shares" and MAP.enabled_on(budget)
        assert all(p.lat is not None for p in world.proposals["budget"])
        past = world.dialogues["past_budget"]
        assert past.results_published_at is not None
        assert (await compute_results(session, plugins, past))["winners"]


async def test_the_demos_projects_are_illustrated(
    database: Database, plugins: Plugins, tmp_path: Path
) -> None:
    async with database.session() as session:
        world = await seed_demo(session, plugins, str(tmp_path))
        await session.commit()
    for key in ("budget", "past_budget"):
        for proposal in world.proposals[key]:
            assert proposal.image_path is not None
            assert uploads.stored_path(str(tmp_path), proposal.image_path) is not None
            with Image.open(tmp_path / uploads.sized_name(proposal.image_path, 400)) as image:
                assert image.size == (400, 225)
    # The ideas are left as citizens often leave them: without an image.
    assert all(p.image_path is None for p in world.proposals["ideas"])
