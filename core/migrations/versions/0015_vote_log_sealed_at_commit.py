"""the vote log's entries chained at commit on PostgreSQL

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:00:00.000000

Until now the PostgreSQL trigger chained each entry as it was inserted (``BEFORE INSERT``),
taking its dialogue's head then, and holding it until commit. The insert is a ballot
change's last statement, but the head stayed locked while the answer travelled back to
the worker and the worker sent ``COMMIT``: under a burst on one dialogue, every vote
queued behind that round trip, and behind the worker's turn on a busy CPU.

Now an entry is inserted with ``seq`` and ``hash`` NULL, and a constraint trigger
deferred to commit (``vote_log_seal``) chains it: the first of a transaction's entries of
a dialogue takes the head ``FOR UPDATE``, chains all of them in insertion order, and
moves the head once. The head is locked only from there to the end of the commit, inside
the database. Entries still chain in commit order and never fork, and an entry is never
committed without its place in the chain.

- An entry inserted with a ``seq`` or ``hash`` of its own is refused: only the chain
  writes them.
- ``vote_log_append_only`` lets the seal, and only it (a trigger's statement), fill a
  NULL ``seq`` and ``hash``; every other change stays refused.
- ``seq`` and ``hash`` become nullable in both databases (NULL only before the commit on
  PostgreSQL; SQLite's writers still chain the rows before inserting them), and SQLite's
  triggers, dropped with the table that ``batch_alter_table`` rebuilds, are created again.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_SEAL = [
    """
CREATE FUNCTION vote_log_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    entry record;
BEGIN
    IF NEW.seq IS NOT NULL OR NEW.hash IS NOT NULL THEN
        RAISE EXCEPTION 'the vote log is chained by the database: entry % came with a seq or hash',
            NEW.id USING ERRCODE = 'restrict_violation';
    END IF;
    -- An earlier entry of this transaction already chained this one.
    IF (SELECT seq FROM vote_log WHERE id = NEW.id) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    -- The head row is the dialogue's lock, held to the end of this commit: a concurrent
    -- commit of the same dialogue waits here, then reads the head this one moved.
    SELECT seq, hash INTO head_seq, head_hash
    FROM vote_log_heads WHERE dialogue_id = NEW.dialogue_id FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO vote_log_heads (dialogue_id, seq, hash)
        VALUES (NEW.dialogue_id, 0, repeat('0', 64))
        ON CONFLICT (dialogue_id) DO NOTHING;
        SELECT seq, hash INTO head_seq, head_hash
        FROM vote_log_heads WHERE dialogue_id = NEW.dialogue_id FOR UPDATE;
    END IF;
    -- Unchained entries of the dialogue: this transaction's only, since every committed
    -- one was chained by its own commit.
    FOR entry IN
        SELECT id, ballot_id, action, proposal_id, value, reason, created_at
        FROM vote_log WHERE dialogue_id = NEW.dialogue_id AND seq IS NULL ORDER BY id
    LOOP
        head_seq := head_seq + 1;
        head_hash := vote_log_entry_hash(
            head_hash, NEW.dialogue_id, head_seq, entry.ballot_id, entry.action,
            entry.proposal_id, entry.value, entry.reason, entry.created_at);
        UPDATE vote_log SET seq = head_seq, hash = head_hash WHERE id = entry.id;
    END LOOP;
    UPDATE vote_log_heads SET seq = head_seq, hash = head_hash
    WHERE dialogue_id = NEW.dialogue_id;
    RETURN NULL;
END
$$
""",
    """
CREATE CONSTRAINT TRIGGER vote_log_seal AFTER INSERT ON vote_log
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION vote_log_seal()
""",
    """
CREATE OR REPLACE FUNCTION vote_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.network IS NULL AND to_jsonb(NEW) - 'network' = to_jsonb(OLD) - 'network' THEN
            RETURN NEW;
        END IF;
        -- The seal (a trigger's statement, depth 2) chaining an entry of its transaction.
        IF OLD.seq IS NULL AND OLD.hash IS NULL AND pg_trigger_depth() >= 2
            AND to_jsonb(NEW) - 'seq' - 'hash' = to_jsonb(OLD) - 'seq' - 'hash' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION
            'the vote log is append-only: entry % (seq % of dialogue %) cannot be changed',
            OLD.id, OLD.seq, OLD.dialogue_id
            USING ERRCODE = 'restrict_violation',
            HINT = 'Only clearing an entry''s network (SET network = NULL) is allowed.';
    END IF;
    IF EXISTS (SELECT 1 FROM dialogues WHERE id = OLD.dialogue_id) THEN
        RAISE EXCEPTION
            'the vote log is append-only: entry % (seq % of dialogue %) cannot be deleted',
            OLD.id, OLD.seq, OLD.dialogue_id
            USING ERRCODE = 'restrict_violation',
            HINT = 'A ballot is voided, not deleted; an entry goes only with its dialogue.';
    END IF;
    RETURN OLD;
END
$$
""",
]

PG_UNSEAL = [
    "DROP TRIGGER IF EXISTS vote_log_seal ON vote_log",
    "DROP FUNCTION IF EXISTS vote_log_seal()",
]


def _revision_0012() -> ModuleType:
    """The chain's first revision, whose triggers a downgrade restores and whose SQLite
    triggers an upgrade creates again."""
    path = Path(__file__).with_name("0012_vote_log_chain.py")
    spec = importlib.util.spec_from_file_location("participe_revision_0012", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sqlite_triggers(chain: ModuleType) -> None:
    for statement in [*chain.SQLITE_DROP, *chain.SQLITE_TRIGGERS]:
        op.execute(statement)


def _nullable(nullable: bool) -> None:
    with op.batch_alter_table("vote_log") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=nullable)
        batch_op.alter_column("hash", existing_type=sa.String(64), nullable=nullable)


def upgrade() -> None:
    chain = _revision_0012()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER vote_log_move_heads ON vote_log")
        op.execute("DROP TRIGGER vote_log_link ON vote_log")
        op.execute("DROP FUNCTION vote_log_move_heads()")
        op.execute("DROP FUNCTION vote_log_link()")
        _nullable(True)
        for statement in PG_SEAL:
            op.execute(statement)
    else:
        _nullable(True)
        _sqlite_triggers(chain)


def downgrade() -> None:
    chain = _revision_0012()
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UNSEAL:
            op.execute(statement)
        _nullable(False)
        # 0012's functions and triggers in its order: link, move the heads, refuse changes.
        link, link_trigger, move, move_trigger, refuse = chain.PG_TRIGGERS[:5]
        for statement in [link, link_trigger, move, move_trigger]:
            op.execute(statement)
        op.execute(refuse.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    else:
        _nullable(False)
        _sqlite_triggers(chain)
