"""The schema revision a database is at, read without migrating it (for `db upgrade --sql`)."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine


async def current_revision(url: str) -> str | None:
    """None for an empty database (every migration would run)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
