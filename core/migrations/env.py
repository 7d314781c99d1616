"""Alembic environment: runs on the connection that :mod:`core.migrate` hands over."""

from __future__ import annotations

from alembic import context

import core.models  # noqa: F401 - registers the core's tables
from core.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
