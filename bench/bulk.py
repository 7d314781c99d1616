"""Bulk-loading a large dialogue into PostgreSQL with ``COPY`` (psycopg's ``cursor.copy``):
citizens, proposals with themes, sectors, places and costs, comments, confirmed ballots with
their votes, and the vote log the ballot engine would have written.

10,000 proposals and 1,000,000 votes load in well under a minute; rows are built with numpy
and written as ``COPY ... FROM STDIN`` text, foreign-key triggers off for the load (the data
is consistent by construction, and the database belongs to the benchmark).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy
from sqlalchemy import text

from core.db import Database, utcnow

THEMES = [
    ("nature", "Nature en ville"),
    ("mobilite", "Mobilités"),
    ("sport", "Sport et loisirs"),
    ("culture", "Culture"),
    ("solidarite", "Solidarité"),
    ("education", "Éducation"),
    ("proprete", "Propreté"),
    ("numerique", "Numérique"),
]
SECTORS = [(f"quartier-{index}", f"Quartier {index}") for index in range(1, 13)]
STATUSES = ["published", "accepted", "under_review", "refused", "winner"]
STATUS_WEIGHTS = [0.55, 0.30, 0.07, 0.06, 0.02]
_WORDS = (
    "arbre jardin piste cyclable banc fontaine école parc terrain jeux bibliothèque marché"
    " éclairage trottoir composteur potager fresque skatepark gymnase préau toilettes abri vélo"
    " passage piéton ruelle place kiosque concert atelier réparation ombre verger ruche mare"
)
WORDS = _WORDS.split()
#: Street names, each in about one proposal in 400: what a text search looks for.
PLACES = [
    f"{a}{b}{c}".capitalize()
    for a in ("bel", "mar", "cor", "val", "ros", "lan", "ber", "mon")
    for b in ("ti", "ga", "lo", "ne", "ri")
    for c in ("ville", "court", "mont", "lieu", "pré", "bois", "champ", "noue", "tière", "eau")
]


@dataclass
class Loaded:
    dialogue_id: int
    slug: str
    proposals: int
    citizens: int
    ballots: int
    votes: int
    comments: int
    first_user_id: int


def _copy_text(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as ``COPY ... FROM STDIN`` text: tab-separated, ``\\N`` for NULL (values must
    hold no tab, newline or backslash)."""
    out = io.StringIO()
    for row in rows:
        out.write("\t".join("\\N" if value is None else str(value) for value in row))
        out.write("\n")
    return out.getvalue().encode()


async def _copy(connection: Any, table: str, columns: Sequence[str], data: bytes) -> None:
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    async with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for start in range(0, len(data), 1 << 20):
            await copy.write(data[start : start + (1 << 20)])


def _sentence(rng: numpy.random.Generator, words: int) -> str:
    return " ".join(WORDS[i] for i in rng.integers(0, len(WORDS), size=words))


def distinct_draws(
    rng: numpy.random.Generator, weights: numpy.ndarray, rows: int, per_row: int
) -> numpy.ndarray:
    """``rows`` rows of ``per_row`` distinct indices drawn by ``weights`` (popular ones
    more often): draws with replacement, rows with a repeat drawn again."""
    cumulative = numpy.cumsum(weights / weights.sum())
    out = rng.random((rows, per_row))
    out = numpy.searchsorted(cumulative, out).astype(numpy.int64)
    while True:
        ordered = numpy.sort(out, axis=1)
        repeated = numpy.nonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))[0]
        if repeated.size == 0:
            return out
        redraw = rng.random((repeated.size, per_row))
        out[repeated] = numpy.searchsorted(cumulative, redraw)


async def load_dialogue(
    database: Database,
    organisation_id: int,
    *,
    slug: str,
    proposals: int,
    ballots: int,
    votes_per_ballot: int,
    comments: int,
    located_share: float = 0.7,
    seed: int = 7,
    email_prefix: str = "voter",
) -> Loaded:
    """A participatory budget in its vote phase (support votes, at most
    ``votes_per_ballot`` per ballot) with ``ballots`` citizens who each voted for
    ``votes_per_ballot`` proposals, and ``comments`` comments."""
    rng = numpy.random.default_rng(seed)
    now = utcnow()
    phases = [
        ("proposals", now - timedelta(days=60), now - timedelta(days=30)),
        ("review", now - timedelta(days=30), now - timedelta(days=10)),
        ("vote", now - timedelta(days=10), now + timedelta(days=20)),
        ("results", None, None),
    ]
    async with database.engine.begin() as connection:
        await connection.execute(text("SET LOCAL session_replication_role = replica"))
        dialogue_id = (
            await connection.execute(
                text(
                    "INSERT INTO dialogues (organisation_id, slug, title, kind, description,"
                    " vote_type, vote_settings, comments_mode, budget_amount, budget_rule, form,"
                    " themes, sectors, modules, results_visibility, moderation, created_at,"
                    " updated_at, published_at) VALUES (:org, :slug, :title, 'budget',"
                    " :description, 'support', CAST(:settings AS JSON), 'thread', :budget,"
                    " 'greedy', '[]', CAST(:themes AS JSON), CAST(:sectors AS JSON), '{}',"
                    " 'live', 'post', :now, :now, :now) RETURNING id"
                ),
                {
                    "org": organisation_id,
                    "slug": slug,
                    "title": f"Budget participatif ({slug})",
                    "description": "Votez pour les projets de votre quartier.",
                    "settings": json.dumps({"max_votes": votes_per_ballot}),
                    "budget": 5_000_000,
                    "themes": json.dumps([{"key": k, "label": v} for k, v in THEMES]),
                    "sectors": json.dumps([{"key": k, "label": v} for k, v in SECTORS]),
                    "now": now,
                },
            )
        ).scalar_one()
        for position, (kind, starts, ends) in enumerate(phases):
            await connection.execute(
                text(
                    "INSERT INTO phases (dialogue_id, position, kind, title, starts_at, ends_at)"
                    " VALUES (:d, :position, :kind, '', :starts, :ends)"
                ),
                {"d": dialogue_id, "position": position, "kind": kind, "starts": starts,
                 "ends": ends},
            )  # fmt: skip

        first_user = await _load_citizens(connection, organisation_id, ballots, now, email_prefix)
        await _load_proposals(
            connection, rng, dialogue_id, proposals, first_user, ballots, located_share, now
        )
        proposal_ids = numpy.array(
            (
                await connection.execute(
                    text("SELECT id FROM proposals WHERE dialogue_id = :d ORDER BY id"),
                    {"d": dialogue_id},
                )
            )
            .scalars()
            .all(),
            dtype=numpy.int64,
        )
        weights = 1.0 / (numpy.arange(proposals) + 10.0)
        rng.shuffle(weights)
        await _load_comments(connection, rng, proposal_ids, weights, first_user, ballots,
                             comments, now)  # fmt: skip
        await connection.execute(
            text(
                "INSERT INTO ballots (dialogue_id, user_id, status, confirmed_at, void_reason,"
                " created_at, updated_at) SELECT :d, id, 'confirmed', :now, '', :now, :now"
                " FROM users WHERE id BETWEEN :first AND :last ORDER BY id"
            ),
            {"d": dialogue_id, "now": now, "first": first_user, "last": first_user + ballots - 1},
        )
        ballot_ids = numpy.array(
            (
                await connection.execute(
                    text("SELECT id FROM ballots WHERE dialogue_id = :d ORDER BY id"),
                    {"d": dialogue_id},
                )
            )
            .scalars()
            .all(),
            dtype=numpy.int64,
        )
        chosen = distinct_draws(rng, weights, ballots, votes_per_ballot)
        ballot_column = numpy.repeat(ballot_ids, votes_per_ballot)
        proposal_column = proposal_ids[chosen].ravel()
        data = "".join(
            f"{b}\t{p}\t1\n" for b, p in zip(ballot_column.tolist(), proposal_column.tolist(),
                                             strict=True)
        ).encode()  # fmt: skip
        await _copy(connection, "votes", ["ballot_id", "proposal_id", "value"], data)
        # The vote log is chained by its triggers (migration 0012), which the replica role
        # turns off: they run for it.
        await connection.execute(text("SET LOCAL session_replication_role = origin"))
        await connection.execute(
            text(
                "INSERT INTO vote_log (dialogue_id, ballot_id, action, proposal_id, value,"
                " reason, created_at) SELECT :d, v.ballot_id, 'cast', v.proposal_id, v.value,"
                " '', :now FROM votes v JOIN ballots b ON b.id = v.ballot_id"
                " WHERE b.dialogue_id = :d ORDER BY v.ballot_id, v.proposal_id"
            ),
            {"d": dialogue_id, "now": now},
        )
        await connection.execute(
            text(
                "INSERT INTO vote_log (dialogue_id, ballot_id, action, reason, created_at)"
                " SELECT :d, id, 'confirm', '', :now FROM ballots WHERE dialogue_id = :d"
            ),
            {"d": dialogue_id, "now": now},
        )
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))
    return Loaded(
        dialogue_id=int(dialogue_id),
        slug=slug,
        proposals=proposals,
        citizens=ballots,
        ballots=ballots,
        votes=ballots * votes_per_ballot,
        comments=comments,
        first_user_id=first_user,
    )


async def _load_citizens(
    connection: Any, organisation_id: int, count: int, now: datetime, prefix: str
) -> int:
    first = (
        await connection.execute(text("SELECT coalesce(max(id), 0) + 1 FROM users"))
    ).scalar_one()
    stamp = now.isoformat()
    data = _copy_text(
        (first + i, organisation_id, f"{prefix}{first + i}@bench.test",
         f"Habitant·e {first + i}", "citizen", stamp, stamp, "fr")
        for i in range(count)
    )  # fmt: skip
    await _copy(
        connection,
        "users",
        ["id", "organisation_id", "email", "display_name", "role", "email_verified_at",
         "created_at", "language"],
        data,
    )  # fmt: skip
    await connection.execute(text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
    return int(first)


async def _load_proposals(
    connection: Any,
    rng: numpy.random.Generator,
    dialogue_id: int,
    count: int,
    first_user: int,
    citizens: int,
    located_share: float,
    now: datetime,
) -> None:
    themes = rng.integers(0, len(THEMES), size=count)
    sectors = rng.integers(0, len(SECTORS), size=count)
    statuses = rng.choice(len(STATUSES), size=count, p=STATUS_WEIGHTS)
    located = rng.random(count) < located_share
    lats = 47.2184 + rng.normal(0, 0.03, size=count)
    lngs = -1.5536 + rng.normal(0, 0.05, size=count)
    costs = rng.integers(1, 300, size=count) * 1000
    authors = first_user + rng.integers(0, citizens, size=count)
    minutes = rng.integers(0, 60 * 24 * 30, size=count)
    start = now - timedelta(days=60)
    rows = []
    for i in range(count):
        published = (start + timedelta(minutes=int(minutes[i]))).isoformat()
        title = f"{_sentence(rng, 3).capitalize()} n°{i + 1}"
        place = PLACES[int(rng.integers(0, len(PLACES)))]
        body = ". ".join(_sentence(rng, 12).capitalize() for _ in range(6)) + f", rue {place}."
        rows.append(
            (
                dialogue_id,
                int(authors[i]),
                title,
                body,
                "{}",
                THEMES[themes[i]][0],
                SECTORS[sectors[i]][0],
                f"{lats[i]:.6f}" if located[i] else None,
                f"{lngs[i]:.6f}" if located[i] else None,
                int(costs[i]),
                STATUSES[statuses[i]],
                "",
                published,
                published,
                published,
                "",
                "f",
            )
        )
    await _copy(
        connection,
        "proposals",
        ["dialogue_id", "author_id", "title", "body", "fields", "theme", "sector", "lat", "lng",
         "cost", "status", "status_reason", "created_at", "updated_at", "published_at",
         "hidden_reason", "awaiting_moderation"],
        _copy_text(rows),
    )  # fmt: skip


async def _load_comments(
    connection: Any,
    rng: numpy.random.Generator,
    proposal_ids: numpy.ndarray,
    weights: numpy.ndarray,
    first_user: int,
    citizens: int,
    count: int,
    now: datetime,
) -> None:
    if count == 0:
        return
    cumulative = numpy.cumsum(weights / weights.sum())
    targets = proposal_ids[numpy.searchsorted(cumulative, rng.random(count))]
    authors = first_user + rng.integers(0, citizens, size=count)
    stamp = now.isoformat()
    await _copy(
        connection,
        "comments",
        ["proposal_id", "author_id", "body", "created_at", "hidden_reason",
         "awaiting_moderation"],
        _copy_text(
            (int(targets[i]), int(authors[i]), _sentence(rng, 15), stamp, "", "f")
            for i in range(count)
        ),
    )  # fmt: skip
