"""the vote log, append-only and hash-chained per dialogue

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06 20:00:00.000000

Each ``vote_log`` entry gets ``seq`` (its position in its dialogue's chain, from 1) and
``hash`` (the SHA-256 of its canonical text, which holds the previous entry's hash:
``core.vote_chain``); ``vote_log_heads`` keeps each dialogue's last ``seq`` and ``hash``.
Existing entries are chained in ``id`` order, dialogue by dialogue.

On PostgreSQL the database does it, whoever inserts the row:

- ``vote_log_link`` (``BEFORE INSERT``, per row) locks the dialogue's head row
  (``SELECT ... FOR UPDATE``, creating it first if need be), held until commit, so that
  the entries of one dialogue chain in commit order and never fork; it sets ``seq`` and
  ``hash`` after the head, or after the rows the same statement inserted before;
- ``vote_log_move_heads`` (``AFTER INSERT``, per statement) moves the heads to the last
  rows inserted: once per statement, since updating one row once per entry would make a
  statement of n entries cost n² (every update of a row adds a version that the next one
  walks through until the transaction ends);
- ``vote_log_append_only`` refuses any ``UPDATE`` but the one that only clears
  ``network`` (``participe purge``), and any ``DELETE`` while the entry's dialogue
  stands: deleting a ballot that has entries is refused (a ballot is voided, not
  deleted), deleting a dialogue takes its whole chain, and its head, with it;
- ``vote_log_heads_guard`` refuses any write of ``vote_log_heads`` that does not come
  from those triggers (or from a dialogue's deletion).

On SQLite the writers chain their rows (``core.vote_chain.link``) and two triggers refuse
the same updates and deletions. A later migration that rebuilds ``vote_log`` on SQLite
(``batch_alter_table``) drops them with the table and must create them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db
from core.vote_chain import GENESIS, entry_hash

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# -- PostgreSQL ----------------------------------------------------------------------

PG_ENTRY_HASH = r"""
CREATE FUNCTION vote_log_entry_hash(
    previous text, dialogue_id bigint, seq bigint, ballot_id bigint, action text,
    proposal_id bigint, value bigint, reason text, created_at timestamptz
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    -- The canonical text of core.vote_chain, byte for byte.
    SELECT encode(sha256(convert_to(
        'participe vote log v1'
        || E'\nprevious ' || previous
        || E'\ndialogue ' || dialogue_id
        || E'\nseq ' || seq
        || E'\nballot ' || ballot_id
        || E'\naction ' || char_length(action) || ':' || action
        || E'\nproposal ' || coalesce(proposal_id::text, '-')
        || E'\nvalue ' || coalesce(value::text, '-')
        || E'\nreason ' || char_length(reason) || ':' || reason
        || E'\ncreated '
        || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'UTF8')), 'hex')
$$
"""

PG_BACKFILL = """
DO $$
DECLARE
    entry record;
    dialogue bigint;
    entry_seq bigint;
    last_hash text;
BEGIN
    FOR entry IN
        SELECT id, dialogue_id, ballot_id, action, proposal_id, value, reason, created_at
        FROM vote_log ORDER BY dialogue_id, id
    LOOP
        IF dialogue IS DISTINCT FROM entry.dialogue_id THEN
            IF dialogue IS NOT NULL THEN
                INSERT INTO vote_log_heads (dialogue_id, seq, hash)
                VALUES (dialogue, entry_seq, last_hash);
            END IF;
            dialogue := entry.dialogue_id;
            entry_seq := 0;
            last_hash := repeat('0', 64);
        END IF;
        entry_seq := entry_seq + 1;
        last_hash := vote_log_entry_hash(
            last_hash, entry.dialogue_id, entry_seq, entry.ballot_id, entry.action,
            entry.proposal_id, entry.value, entry.reason, entry.created_at);
        UPDATE vote_log SET seq = entry_seq, hash = last_hash WHERE id = entry.id;
    END LOOP;
    IF dialogue IS NOT NULL THEN
        INSERT INTO vote_log_heads (dialogue_id, seq, hash) VALUES (dialogue, entry_seq, last_hash);
    END IF;
END
$$
"""

PG_TRIGGERS = [
    """
CREATE FUNCTION vote_log_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous_seq bigint;
    previous_hash text;
    later_seq bigint;
    later_hash text;
BEGIN
    -- The head row is the dialogue's lock, held until commit: a concurrent entry of the
    -- same dialogue waits here, then reads what this transaction committed.
    SELECT seq, hash INTO previous_seq, previous_hash
    FROM vote_log_heads WHERE dialogue_id = NEW.dialogue_id FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO vote_log_heads (dialogue_id, seq, hash)
        VALUES (NEW.dialogue_id, 0, repeat('0', 64))
        ON CONFLICT (dialogue_id) DO NOTHING;
        SELECT seq, hash INTO previous_seq, previous_hash
        FROM vote_log_heads WHERE dialogue_id = NEW.dialogue_id FOR UPDATE;
    END IF;
    -- The heads move at the end of each statement: rows this statement inserted before
    -- this one come after the head.
    SELECT seq, hash INTO later_seq, later_hash
    FROM vote_log WHERE dialogue_id = NEW.dialogue_id AND seq > previous_seq
    ORDER BY seq DESC LIMIT 1;
    IF FOUND THEN
        previous_seq := later_seq;
        previous_hash := later_hash;
    END IF;
    NEW.seq := previous_seq + 1;
    NEW.hash := vote_log_entry_hash(
        previous_hash, NEW.dialogue_id, NEW.seq, NEW.ballot_id, NEW.action,
        NEW.proposal_id, NEW.value, NEW.reason, NEW.created_at);
    RETURN NEW;
END
$$
""",
    """
CREATE TRIGGER vote_log_link BEFORE INSERT ON vote_log
FOR EACH ROW EXECUTE FUNCTION vote_log_link()
""",
    """
CREATE FUNCTION vote_log_move_heads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vote_log_heads AS head SET seq = last.seq, hash = last.hash
    FROM (
        SELECT DISTINCT ON (dialogue_id) dialogue_id, seq, hash
        FROM inserted ORDER BY dialogue_id, seq DESC
    ) AS last
    WHERE head.dialogue_id = last.dialogue_id;
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER vote_log_move_heads AFTER INSERT ON vote_log
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION vote_log_move_heads()
""",
    """
CREATE FUNCTION vote_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.network IS NULL AND to_jsonb(NEW) - 'network' = to_jsonb(OLD) - 'network' THEN
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
    """
CREATE TRIGGER vote_log_append_only BEFORE UPDATE OR DELETE ON vote_log
FOR EACH ROW EXECUTE FUNCTION vote_log_refuse_change()
""",
    """
CREATE FUNCTION vote_log_heads_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth 2 or more: called from vote_log's triggers, or from a dialogue's deletion.
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'vote_log_heads is written only by the vote log''s triggers'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$
""",
    """
CREATE TRIGGER vote_log_heads_guard BEFORE INSERT OR UPDATE OR DELETE ON vote_log_heads
FOR EACH ROW EXECUTE FUNCTION vote_log_heads_guard()
""",
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS vote_log_heads_guard ON vote_log_heads",
    "DROP TRIGGER IF EXISTS vote_log_append_only ON vote_log",
    "DROP TRIGGER IF EXISTS vote_log_move_heads ON vote_log",
    "DROP TRIGGER IF EXISTS vote_log_link ON vote_log",
    "DROP FUNCTION IF EXISTS vote_log_heads_guard()",
    "DROP FUNCTION IF EXISTS vote_log_refuse_change()",
    "DROP FUNCTION IF EXISTS vote_log_move_heads()",
    "DROP FUNCTION IF EXISTS vote_log_link()",
    "DROP FUNCTION IF EXISTS vote_log_entry_hash("
    "text, bigint, bigint, bigint, text, bigint, bigint, text, timestamptz)",
]

# -- SQLite --------------------------------------------------------------------------

#: Every column but ``network``: a later column must be added here.
_SQLITE_KEPT = (
    "id",
    "dialogue_id",
    "ballot_id",
    "action",
    "proposal_id",
    "value",
    "reason",
    "created_at",
    "seq",
    "hash",
)

SQLITE_TRIGGERS = [
    f"""
CREATE TRIGGER vote_log_no_update BEFORE UPDATE ON vote_log
WHEN NEW.network IS NOT NULL
    OR {" OR ".join(f"NEW.{name} IS NOT OLD.{name}" for name in _SQLITE_KEPT)}
BEGIN
    SELECT RAISE(ABORT, 'the vote log is append-only: only an entry''s network may be cleared');
END
""",
    """
CREATE TRIGGER vote_log_no_delete BEFORE DELETE ON vote_log
WHEN EXISTS (SELECT 1 FROM dialogues WHERE id = OLD.dialogue_id)
BEGIN
    SELECT RAISE(ABORT, 'the vote log is append-only: an entry goes only with its dialogue');
END
""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS vote_log_no_delete",
    "DROP TRIGGER IF EXISTS vote_log_no_update",
]


def _sqlite_backfill() -> None:
    """Chains the existing entries in Python (``core.vote_chain``), dialogue by dialogue."""
    log = sa.table(
        "vote_log",
        sa.column("id", sa.Integer()),
        sa.column("dialogue_id", sa.Integer()),
        sa.column("ballot_id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("proposal_id", sa.Integer()),
        sa.column("value", sa.Integer()),
        sa.column("reason", sa.Text()),
        sa.column("created_at", core.db.UTCDateTime()),
        sa.column("seq", sa.BigInteger()),
        sa.column("hash", sa.String()),
    )
    heads = sa.table(
        "vote_log_heads",
        sa.column("dialogue_id", sa.Integer()),
        sa.column("seq", sa.BigInteger()),
        sa.column("hash", sa.String()),
    )
    connection = op.get_bind()
    chained: list[dict[str, object]] = []
    last: dict[int, tuple[int, str]] = {}
    query = sa.select(
        log.c.id,
        log.c.dialogue_id,
        log.c.ballot_id,
        log.c.action,
        log.c.proposal_id,
        log.c.value,
        log.c.reason,
        log.c.created_at,
    ).order_by(log.c.dialogue_id, log.c.id)
    for row in connection.execute(query):
        seq, previous = last.get(row.dialogue_id, (0, GENESIS))
        seq += 1
        hash_ = entry_hash(
            previous,
            dialogue_id=row.dialogue_id,
            seq=seq,
            ballot_id=row.ballot_id,
            action=row.action,
            proposal_id=row.proposal_id,
            value=row.value,
            reason=row.reason,
            created_at=row.created_at,
        )
        last[row.dialogue_id] = (seq, hash_)
        chained.append({"entry_id": row.id, "new_seq": seq, "new_hash": hash_})
    if chained:
        connection.execute(
            log.update()
            .where(log.c.id == sa.bindparam("entry_id"))
            .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash")),
            chained,
        )
        connection.execute(
            heads.insert(),
            [
                {"dialogue_id": dialogue_id, "seq": seq, "hash": hash_}
                for dialogue_id, (seq, hash_) in last.items()
            ],
        )


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("vote_log", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("vote_log", sa.Column("hash", sa.String(64), nullable=True))
    op.create_table(
        "vote_log_heads",
        sa.Column(
            "dialogue_id",
            sa.Integer(),
            sa.ForeignKey("dialogues.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    if postgresql:
        op.execute(PG_ENTRY_HASH)
        op.execute(PG_BACKFILL)
    else:
        _sqlite_backfill()
    with op.batch_alter_table("vote_log") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(64), nullable=False)
    op.create_index("ix_vote_log_dialogue_seq", "vote_log", ["dialogue_id", "seq"], unique=True)
    for statement in PG_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in PG_DROP if postgresql else SQLITE_DROP:
        op.execute(statement)
    op.drop_index("ix_vote_log_dialogue_seq", table_name="vote_log")
    with op.batch_alter_table("vote_log") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("seq")
    op.drop_table("vote_log_heads")
