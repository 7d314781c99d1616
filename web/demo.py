"""Seeds the demo: a town, its citizens, and one dialogue of each kind with realistic
French content, created through the same services as the API so that every rule holds."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from core import uploads
from core.db import utcnow
from core.models import Dialogue, Organisation, Proposal, User
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import (
    ballots,
    branding,
    comments,
    dialogues,
    organisations,
    page_blocks,
    phases,
    proposals,
    publication,
    users,
)
from core.specs import DialogueSpec, ProposalReview, ProposalSpec
from plugins.projects.demo import PAST_PROPOSALS, seed_projects
from web import demo_content as content
from web.demo_images import BANNER, PALETTES, emblem, illustration
from web.demo_votes import VOTE_DEMOS, VoteDemo

DEMO_ADMIN = "admin@belleville.example"
#: The vote type of the optional ``participe-majority-judgment`` package.
MAJORITY_JUDGMENT = "majority_judgment"


@dataclass
class DemoWorld:
    organisation: Organisation
    admin: User
    admin_token: str
    citizens: list[User] = field(default_factory=list)
    dialogues: dict[str, Dialogue] = field(default_factory=dict)
    proposals: dict[str, list[Proposal]] = field(default_factory=dict)
    #: Where the projects' illustrations are stored (``None``: none drawn).
    upload_dir: str | None = None


def _phases(now: datetime, current: str, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """Dated phases around ``now``: those before ``current`` are over, ``current`` runs for
    two more weeks, later ones follow on."""
    position = kinds.index(current)
    start = now - timedelta(days=21 * position + 7)
    phases = []
    for kind in kinds:
        end = start + timedelta(days=21)
        phases.append({"kind": kind, "starts_at": start.isoformat(), "ends_at": end.isoformat()})
        start = end
    phases[-1].pop("ends_at")
    return phases


def _spec(**fields: Any) -> DialogueSpec:
    return msgspec.convert(fields, type=DialogueSpec)


async def _submit(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    author: User,
    **fields: Any,
) -> Proposal:
    return await proposals.create_proposal(
        session,
        plugins,
        dialogue,
        author,
        msgspec.convert(fields, type=ProposalSpec),
        now=utcnow(),
        group_ids=set(),
    )


async def _open_for_proposals(
    session: AsyncSession, plugins: Plugins, org: Organisation, dialogue: Dialogue
) -> None:
    await dialogues.update_dialogue(
        session,
        plugins,
        org,
        dialogue,
        _spec(
            phases=[{"kind": "proposals", "starts_at": (utcnow() - timedelta(days=1)).isoformat()}]
        ),
    )


async def seed_demo(
    session: AsyncSession, plugins: Plugins, upload_dir: str | None = None
) -> DemoWorld:
    """Creates the demo organisation and its dialogues; the caller commits. With an
    ``upload_dir``, the budgets' projects are illustrated (:mod:`web.demo_images`)."""
    now = utcnow()
    org = await organisations.create_organisation(
        session, slug=content.TOWN["slug"], name=content.TOWN["name"], is_default=True
    )
    org.theme = {"primary_color": "#000091"}
    if upload_dir is not None:
        branding.set_logo(org, uploads.store_image(upload_dir, emblem()).name)
    org.texts = {
        "home_intro": content.HOME_INTRO,
        "legal_notice": content.LEGAL_NOTICE,
        "privacy": content.PRIVACY,
        "accessibility": content.ACCESSIBILITY,
    }
    branding.set_options(
        org,
        msgspec.convert(
            {
                "accessibility": content.ACCESSIBILITY_STATUS,
                "territory": content.TERRITORY,
                "contact": content.CONTACT,
            },
            type=branding.OrganisationOptions,
        ),
    )
    admin = await users.ensure_user(
        session, org, DEMO_ADMIN, role=Role.ADMIN, display_name="Équipe municipale"
    )
    world = DemoWorld(
        org, admin, await users.create_api_token(session, admin, "demo"), upload_dir=upload_dir
    )
    for index, (name, postal_code) in enumerate(content.CITIZENS):
        citizen = await users.ensure_user(
            session, org, f"citoyen{index + 1}@belleville.example", display_name=name
        )
        citizen.postal_code = postal_code
        world.citizens.append(citizen)
    await session.flush()

    # Seeded first: the home page lists the latest first, and the budget, the ideas box,
    # the consultation and the questionnaire keep their places at its top.
    for demo in VOTE_DEMOS:
        await _vote(session, plugins, world, now, demo)
    await _budget(session, plugins, world, now)
    await _past_budget(session, plugins, world, now)
    await _ideas(session, plugins, world, now)
    await _consultation(session, plugins, world, now)
    await _questionnaire(session, plugins, world, now)
    if MAJORITY_JUDGMENT in plugins.vote_types:  # only when its package is installed
        await _library_name(session, plugins, world, now)
    await _draft(session, plugins, world, now)
    await _participation(session, plugins, world)
    if upload_dir is not None:
        for index, (key, dialogue) in enumerate(world.dialogues.items()):
            theme = BANNER_THEMES.get(key) or list(PALETTES)[index % len(PALETTES)]
            banner = illustration(theme, index, BANNER)
            dialogues.set_image(dialogue, uploads.store_image(upload_dir, banner).name)
    home_block = await page_blocks.add_block(session, plugins, org, None, "text")
    text = page_blocks.block_type(plugins, "text").decode_settings(content.HOME_BLOCK)
    page_blocks.set_settings(plugins, home_block, text)
    return world


def _illustrate(world: DemoWorld, proposal: Proposal, theme: str, seed: int) -> None:
    """Gives ``proposal`` an illustration of its theme, stored as an upload would be."""
    if world.upload_dir is not None:
        picture = illustration(theme, seed)
        proposal.image_path = uploads.store_image(world.upload_dir, picture).name


#: The motif of each demo dialogue's banner (by its key in ``DemoWorld.dialogues``).
BANNER_THEMES = {
    "budget": "nature",
    "past_budget": "solidarite",
    "ideas": "mobilite",
    "consultation": "culture",
    "questionnaire": "culture",
    "library": "culture",
}


#: What one citizen's chosen projects may cost at most in the demo's budget (its basket).
BASKET_LIMIT = 300_000


async def _participation(session: AsyncSession, plugins: Plugins, world: DemoWorld) -> None:
    """Some citizens have already voted and commented, through the same services as the
    site, so that the demo's figures, results and debates are not empty."""
    choose = random.Random(2027)
    budget = world.dialogues["budget"]
    in_vote = [p for p in world.proposals["budget"] if p.is_votable]
    for citizen in world.citizens[:14]:
        picks = choose.sample(in_vote, k=choose.randint(2, 5))
        while sum(p.cost or 0 for p in picks) > BASKET_LIMIT:
            picks.pop()
        await ballots.replace_ballot(
            session, plugins, budget, citizen, [(p.id, None) for p in picks], now=utcnow()
        )
    consultation = world.dialogues["consultation"]
    for citizen in world.citizens[:12]:
        votes = [
            (p.id, choose.choice(("for", "for", "against", "neutral")))
            for p in world.proposals["consultation"]
        ]
        await ballots.replace_ballot(session, plugins, consultation, citizen, votes, now=utcnow())
    target = world.proposals["budget"][0]
    for citizen, stance, text in content.BUDGET_COMMENTS:
        await comments.post_comment(
            session,
            plugins,
            budget,
            target,
            world.citizens[citizen],
            body=text,
            stance=stance,
            now=utcnow(),
        )


async def _budget(session: AsyncSession, plugins: Plugins, world: DemoWorld, now: datetime) -> None:
    dialogue = await dialogues.create_dialogue(
        session,
        plugins,
        world.organisation,
        _spec(
            slug="budget-participatif-2027",
            title="Budget participatif 2027",
            kind="budget",
            description=(
                "500 000 € pour réaliser les projets des habitantes et des habitants. "
                "Votez pour vos projets préférés : chaque voix compte !"
            ),
            vote={
                "type": "support",
                "settings": {
                    "max_votes": 5,
                    "budget_limit": BASKET_LIMIT,
                    "label": "Je soutiens ce projet",
                },
            },
            budget={"amount": 500_000, "rule": "equal_shares"},
            comments={"mode": "qualified"},
            themes=content.THEMES,
            sectors=content.SECTORS,
            form=[
                {"key": "beneficiaires", "label": "Qui en profitera ?", "type": "long_text"},
                {
                    "key": "telephone",
                    "label": "Téléphone (pour l'équipe municipale)",
                    "type": "text",
                    "confidential": True,
                },
            ],
            results_visibility="after_vote",
        ),
    )
    await _open_for_proposals(session, plugins, world.organisation, dialogue)
    submitted = []
    for index, (title, body, theme, sector, cost, north, east) in enumerate(
        content.BUDGET_PROPOSALS
    ):
        author = world.citizens[index % len(world.citizens)]
        proposal = await _submit(
            session,
            plugins,
            dialogue,
            author,
            title=title,
            body=body,
            theme=theme,
            sector=sector,
            location={"lat": content.CENTRE[0] + north, "lng": content.CENTRE[1] + east},
            cost=cost,
            fields={
                "beneficiaires": "Tous les habitants du quartier",
                "telephone": "06 12 34 56 78",
            },
        )
        _illustrate(world, proposal, theme, index)
        verdict = "refused" if index == len(content.BUDGET_PROPOSALS) - 1 else "accepted"
        await proposals.review_proposal(
            session,
            plugins,
            dialogue,
            proposal,
            ProposalReview(
                status=verdict,
                status_reason=(
                    "Projet étudié par les services : faisable en 2027."
                    if verdict == "accepted"
                    else "Ce projet relève de la compétence du département."
                ),
            ),
            now=now,
        )
        submitted.append(proposal)
    await dialogues.update_dialogue(
        session,
        plugins,
        world.organisation,
        dialogue,
        _spec(
            phases=_phases(now, "vote", ("information", "proposals", "review", "vote", "results"))
        ),
    )
    world.dialogues["budget"] = dialogue
    world.proposals["budget"] = submitted


async def _past_budget(
    session: AsyncSession, plugins: Plugins, world: DemoWorld, now: datetime
) -> None:
    """Last year's budget: voted, its results published, and its winning projects
    followed up (the ``projects`` module)."""
    kinds = ("information", "proposals", "review", "vote", "results")
    dialogue = await dialogues.create_dialogue(
        session,
        plugins,
        world.organisation,
        _spec(
            slug="budget-participatif-2025",
            title="Budget participatif 2025",
            kind="budget",
            description=(
                "200 000 € votés par les habitantes et les habitants : suivez la réalisation "
                "des projets lauréats, étape par étape."
            ),
            vote={"type": "support", "settings": {"max_votes": 3}},
            budget={"amount": 200_000, "rule": "greedy"},
            themes=content.THEMES,
            sectors=content.SECTORS,
            results_visibility="after_vote",
            modules={"projects": {}},
        ),
    )
    await _open_for_proposals(session, plugins, world.organisation, dialogue)
    submitted = []
    for index, (title, body, theme, sector, cost, north, east) in enumerate(PAST_PROPOSALS):
        proposal = await _submit(
            session,
            plugins,
            dialogue,
            world.citizens[(index * 3) % len(world.citizens)],
            title=title,
            body=body,
            theme=theme,
            sector=sector,
            location={"lat": content.CENTRE[0] + north, "lng": content.CENTRE[1] + east},
            cost=cost,
        )
        _illustrate(world, proposal, theme, 100 + index)
        await proposals.review_proposal(
            session,
            plugins,
            dialogue,
            proposal,
            ProposalReview(status="accepted", status_reason="Projet faisable."),
            now=now,
        )
        submitted.append(proposal)
    await dialogues.update_dialogue(
        session, plugins, world.organisation, dialogue, _spec(phases=_phases(now, "vote", kinds))
    )
    choose = random.Random(2025)
    for citizen in world.citizens[:16]:
        picks = choose.sample(submitted, k=choose.randint(1, 3))
        await ballots.replace_ballot(
            session, plugins, dialogue, citizen, [(p.id, None) for p in picks], now=utcnow()
        )
    await phases.switch_phase(session, plugins, dialogue, "results", utcnow())
    publication.publish(session, plugins, dialogue, utcnow())
    await session.flush()
    await seed_projects(session, plugins, world.organisation, dialogue, world.admin, utcnow())
    world.dialogues["past_budget"] = dialogue
    world.proposals["past_budget"] = submitted


async def _ideas(session: AsyncSession, plugins: Plugins, world: DemoWorld, now: datetime) -> None:
    dialogue = await dialogues.create_dialogue(
        session,
        plugins,
        world.organisation,
        _spec(
            slug="ma-ville-en-2030",
            title="Ma ville en 2030 : la boîte à idées",
            kind="ideas",
            description="Partagez vos idées pour la ville de demain et soutenez celles des autres.",
            vote={"type": "support", "settings": {"label": "C'est une bonne idée !"}},
            comments={"mode": "thread"},
            themes=content.THEMES,
            sectors=content.SECTORS,
            phases=_phases(now, "proposals", ("proposals", "vote")),
            results_visibility="live",
        ),
    )
    submitted = []
    for index, (title, body, theme, sector) in enumerate(content.IDEAS):
        submitted.append(
            await _submit(
                session,
                plugins,
                dialogue,
                world.citizens[(index * 3) % len(world.citizens)],
                title=title,
                body=body,
                theme=theme,
                sector=sector,
                location={
                    "lat": content.CENTRE[0] + 0.004 * (index - 3),
                    "lng": content.CENTRE[1] + 0.003 * (index % 3),
                },
            )
        )
    world.dialogues["ideas"] = dialogue
    world.proposals["ideas"] = submitted


async def _consultation(
    session: AsyncSession, plugins: Plugins, world: DemoWorld, now: datetime
) -> None:
    dialogue = await dialogues.create_dialogue(
        session,
        plugins,
        world.organisation,
        _spec(
            slug="place-du-marche",
            title="Réaménagement de la place du Marché",
            kind="consultation",
            description=(
                "La municipalité propose quatre orientations pour la place du Marché. "
                "Donnez votre avis sur chacune d'elles."
            ),
            vote={
                "type": "binary",
                "settings": {
                    "options": ["for", "against", "neutral"],
                    "labels": {"for": "Pour", "against": "Contre", "neutral": "Sans avis"},
                },
            },
            comments={"mode": "qualified"},
            results_visibility="live",
        ),
    )
    await _open_for_proposals(session, plugins, world.organisation, dialogue)
    submitted = [
        await _submit(session, plugins, dialogue, world.admin, title=title, body=body)
        for title, body in content.CONSULTATION_PROPOSALS
    ]
    await dialogues.update_dialogue(
        session,
        plugins,
        world.organisation,
        dialogue,
        _spec(phases=_phases(now, "vote", ("information", "vote", "results"))),
    )
    world.dialogues["consultation"] = dialogue
    world.proposals["consultation"] = submitted


async def _questionnaire(
    session: AsyncSession, plugins: Plugins, world: DemoWorld, now: datetime
) -> None:
    dialogue = await dialogues.create_dialogue(
        session,
        plugins,
        world.organisation,
        _spec(
            slug="nouveau-logo",
            title="Quel logo pour notre ville ?",
            kind="questionnaire",
            description=(
                "Trois propositions de logo ont été dessinées par des élèves : à vous de choisir."
            ),
            phases=_phases(now, "vote", ("information", "vote", "results")),
            questionnaire=content.QUESTIONNAIRE_SETTINGS,
            results_visibility="after_vote",
        ),
    )
    world.dialogues["questionnaire"] = dialogue


async def _draft(session: AsyncSession, plugins: Plugins, world: DemoWorld, now: datetime) -> None:
    """A dialogue the team is still preparing: a draft, which only the staff see (with a
    preview banner on its pages) until they publish it."""
    dialogue = await dialogues.create_dialogue(
        session,
        plugins,
        world.organisation,
        _spec(
            slug=content.DRAFT["slug"],
            title=content.DRAFT["title"],
            kind="consultation",
            description=content.DRAFT["description"],
            phases=_phases(now, "information", ("information", "proposals", "results")),
            published=False,
        ),
    )
    world.dialogues["draft"] = dialogue


async def _library_name(
    session: AsyncSession, plugins: Plugins, world: DemoWorld, now: datetime
) -> None:
    """A name for the new media library, chosen by majority judgment: citizens give each
    name a mention, and a few have already voted. Seeded only when a plugin provides the
    vote type (it is read from the registry, never imported)."""
    dialogue = await dialogues.create_dialogue(
        session,
        plugins,
        world.organisation,
        _spec(
            slug="nom-mediatheque",
            title="Quel nom pour la nouvelle médiathèque ?",
            kind="consultation",
            description=(
                "La médiathèque ouvrira au printemps. Donnez une mention à chaque nom "
                "proposé, d'« Excellent » à « À rejeter » : le nom qui obtient la meilleure "
                "mention de la majorité sera retenu."
            ),
            vote={"type": MAJORITY_JUDGMENT, "settings": {}},
            comments={"mode": "thread"},
            results_visibility="live",
        ),
    )
    await _open_for_proposals(session, plugins, world.organisation, dialogue)
    submitted = [
        await _submit(session, plugins, dialogue, world.admin, title=title, body=body)
        for title, body in content.LIBRARY_NAMES
    ]
    await dialogues.update_dialogue(
        session,
        plugins,
        world.organisation,
        dialogue,
        _spec(phases=_phases(now, "vote", ("information", "vote", "results"))),
    )
    for citizen, grades in zip(world.citizens, content.LIBRARY_GRADES, strict=False):
        votes = [(p.id, grade) for p, grade in zip(submitted, grades, strict=True)]
        await ballots.replace_ballot(session, plugins, dialogue, citizen, votes, now=utcnow())
    world.dialogues["library"] = dialogue
    world.proposals["library"] = submitted


async def _vote(
    session: AsyncSession, plugins: Plugins, world: DemoWorld, now: datetime, demo: VoteDemo
) -> None:
    """A dialogue of the town open for voting (points, grades, ranks, yes or no), its
    proposals written by the town, and the ballots some citizens have already cast."""
    dialogue = await dialogues.create_dialogue(
        session,
        plugins,
        world.organisation,
        _spec(
            slug=demo.slug,
            title=demo.title,
            kind="consultation",
            description=demo.description,
            vote=demo.vote,
            comments={"mode": "thread"},
            results_visibility="live",
        ),
    )
    await _open_for_proposals(session, plugins, world.organisation, dialogue)
    submitted = []
    for title, body, offset in demo.proposals:
        located = {}
        if offset is not None:
            located["location"] = {
                "lat": content.CENTRE[0] + offset[0],
                "lng": content.CENTRE[1] + offset[1],
            }
        submitted.append(
            await _submit(
                session, plugins, dialogue, world.admin, title=title, body=body, **located
            )
        )
    await dialogues.update_dialogue(
        session,
        plugins,
        world.organisation,
        dialogue,
        _spec(phases=_phases(now, "vote", ("information", "vote", "results"))),
    )
    for citizen, votes in zip(world.citizens, demo.ballots, strict=False):
        ballot = [(submitted[index].id, value) for index, value in votes.items()]
        await ballots.replace_ballot(session, plugins, dialogue, citizen, ballot, now=utcnow())
        if demo.confirmed:
            await ballots.confirm_ballot(session, plugins, dialogue, citizen, now=utcnow())
    world.dialogues[demo.key] = dialogue
    world.proposals[demo.key] = submitted
