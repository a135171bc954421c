"""The send log gets a table of its own (it lived in the lookup cache).

Records a plugin kept in its cache namespace as `{"state": "sending"|"done",
"at": ...}` move over with their expiry: a `sending` record lost in an
upgrade would let the next attempt send a second time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from gateway.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SEND_STATES = ("sending", "done")


def _tables() -> tuple[sa.Table, sa.Table]:
    meta = sa.MetaData()
    cache = sa.Table(
        "lookup_cache",
        meta,
        sa.Column("namespace", sa.String(64)),
        sa.Column("key", sa.String(256)),
        sa.Column("value", sa.JSON()),
        sa.Column("stored_at", UTCDateTime()),
        sa.Column("expires_at", UTCDateTime()),
    )
    log = sa.Table(
        "send_log",
        meta,
        sa.Column("namespace", sa.String(64)),
        sa.Column("key", sa.String(256)),
        sa.Column("state", sa.String(16)),
        sa.Column("facts", sa.JSON()),
        sa.Column("recorded_at", UTCDateTime()),
        sa.Column("expires_at", UTCDateTime()),
    )
    return cache, log


def _is_send_record(value: Any) -> bool:
    return isinstance(value, dict) and value.get("state") in SEND_STATES and "at" in value


def upgrade() -> None:
    op.create_table(
        "send_log",
        sa.Column("namespace", sa.String(64), nullable=False),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("namespace", "key", name="pk_send_log"),
    )
    op.create_index("ix_send_log_expires_at", "send_log", ["expires_at"])
    if op.get_context().as_sql:
        # `gateway db upgrade --sql` shows the schema change; moving rows needs the rows, online
        return
    cache, log = _tables()
    connection = op.get_bind()
    rows = connection.execute(sa.select(cache)).all()
    moved = [row for row in rows if _is_send_record(row.value)]
    for row in moved:
        facts = {k: v for k, v in row.value.items() if k not in ("state", "at")}
        try:
            recorded = datetime.fromisoformat(row.value["at"])
        except (TypeError, ValueError):
            recorded = row.stored_at
        connection.execute(
            log.insert().values(
                namespace=row.namespace,
                key=row.key,
                state=row.value["state"],
                facts=facts,
                recorded_at=recorded if recorded.tzinfo else recorded.replace(tzinfo=UTC),
                expires_at=row.expires_at,
            )
        )
        connection.execute(
            cache.delete().where(cache.c.namespace == row.namespace, cache.c.key == row.key)
        )


def downgrade() -> None:
    cache, log = _tables()
    connection = op.get_bind()
    for row in connection.execute(sa.select(log)).all():
        value = {**row.facts, "state": row.state, "at": row.recorded_at.isoformat()}
        connection.execute(
            cache.insert().values(
                namespace=row.namespace,
                key=row.key,
                value=value,
                stored_at=row.recorded_at,
                expires_at=row.expires_at,
            )
        )
    op.drop_table("send_log")
