"""Alembic environment: runs on the connection that :mod:`core.migrate` hands over."""

from __future__ import annotations

from alembic import context

import core.models  # noqa: F401 - registers the core's tables
from core.db import Base

connection = context.config.attributes["connection"]
if connection.dialect.name == "sqlite":
    # ``batch_alter_table`` rebuilds a table and renames the copy to its name; SQLite's
    # modern ALTER TABLE re-checks every trigger at the rename and refuses while the
    # table is missing (the vote log's triggers name ``dialogues``, migration 0012).
    # The legacy rename leaves the triggers as they are: they name the table that the
    # copy becomes. Only for the migrations: the connection goes back to the pool as it
    # came.
    connection.exec_driver_sql("PRAGMA legacy_alter_table = ON")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    # ``core.migrate`` collects the revisions applied, for ``participe db`` to report.
    on_version_apply=context.config.attributes.get("on_version_apply"),
)
try:
    with context.begin_transaction():
        context.run_migrations()
finally:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA legacy_alter_table = OFF")
