"""The database engines: SQLite tuned for a durable embedded queue, PostgreSQL pooled.

SQLite runs in WAL mode with `synchronous=FULL` (a commit survives a power
cut) and a busy timeout, so another process on the same file waits its turn
rather than failing; write transactions begin with BEGIN IMMEDIATE for the
same reason. Readers in WAL mode never wait.
"""

from __future__ import annotations

from typing import Any

import orjson
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "gateway.store:migrations")
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def postgres_engine(url: str) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )


def sqlite_engine(url: str, *, immediate: bool) -> AsyncEngine:
    """The event loop's engine (aiosqlite); `immediate` for the one that writes."""
    engine = create_async_engine(
        url,
        poolclass=NullPool if ":memory:" in url else None,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )
    _sqlite_pragmas(engine.sync_engine, immediate=immediate)
    return engine


def sqlite_thread_engine(url: str) -> Engine:
    """The writer thread's engine: the same file through the standard sqlite3 driver."""
    engine = create_engine(
        url.replace("sqlite+aiosqlite://", "sqlite+pysqlite://", 1),
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_size=1,
        max_overflow=0,
    )
    # the writer claims and settles over the whole backlog: a page cache of 32 MiB (the
    # default is 2) kept a backlog of 100,000 draining as fast as one of 1,000
    _sqlite_pragmas(engine, immediate=True, raw_begin=True, cache_kib=WRITER_CACHE_KIB)
    return engine


#: the writer connection's SQLite page cache, in KiB
WRITER_CACHE_KIB = 32768


def _sqlite_pragmas(
    engine: Engine, *, immediate: bool, raw_begin: bool = False, cache_kib: int | None = None
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        if cache_kib is not None:
            cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        cursor.close()

    statement = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if (
            raw_begin
        ):  # the writer thread's sqlite3 connection: skip SQLAlchemy's statement machinery
            connection.connection.driver_connection.execute(statement)
        else:
            connection.exec_driver_sql(statement)
