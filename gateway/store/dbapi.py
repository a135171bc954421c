"""The DBAPI cursor's words, for the few statements the hot path sends without SQLAlchemy.

Intake, claims and settles run thousands of times a second, and SQLAlchemy's
cost per statement (cache keys, bind processors, expanding IN lists) was
more than SQLite's own work: measured on a claim and its settles, two
thirds of the writer's time. These statements go to the driver's cursor,
with values in the exact form the column types would give them (UTC times
as naive text on SQLite; JSON as text) and read back the same way.
"""

from __future__ import annotations

import functools
import itertools
import re
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.engine import Connection


@functools.lru_cache(maxsize=256)
def for_driver(sql: str, dialect: str) -> str:
    """SQL written with `?` placeholders, in the driver's style (asyncpg numbers them `$n`)."""
    if dialect == "sqlite":
        return sql
    numbers = itertools.count(1)
    return re.sub(r"\?", lambda _match: f"${next(numbers)}", sql)


def padded(ids: list[Any]) -> list[Any]:
    """The list grown to a power of two by repeating its last item.

    The driver keeps prepared statements by their text: ten sizes of IN list
    stay prepared, where one text per batch size was prepared anew nearly
    every batch (measured: that SELECT cost two thirds of the INSERT's time).
    """
    size = 1
    while size < len(ids):
        size *= 2
    return ids + ids[-1:] * (size - len(ids))


def in_list(values: list[Any]) -> tuple[str, list[Any]]:
    """An IN list for SQL written with `?`: its placeholders and its values, `padded`."""
    values = padded(values)
    return "(" + ", ".join("?" * len(values)) + ")", values


def stamper(dialect: str) -> Any:
    """A function giving an aware datetime as the column stores it."""
    if dialect == "sqlite":
        return lambda value: (
            value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        )
    return lambda value: value.astimezone(UTC)


def read_time(value: Any) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite gives text, asyncpg a datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_text(value: Any) -> str:
    """A JSON column's value as stored (None is JSON null, as SQLAlchemy's JSON type stores it)."""
    return orjson.dumps(value).decode()


def read_json(value: Any) -> Any:
    """A JSON column's value as Python (a driver may give it decoded already)."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def driver_cursor(connection: Connection) -> Any:
    """The DBAPI cursor under a SQLAlchemy connection, inside its transaction."""
    return connection.connection.cursor()
