"""Events, deliveries and attempts.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from gateway.store.models import ID, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", ID, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("source", sa.String(512), nullable=False),
        sa.Column("subject", sa.String(256)),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("envelope", sa.JSON()),
        sa.Column("cause_id", sa.String(128)),
        sa.Column("purged_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sa.UniqueConstraint("id", name="uq_events_id"),
    )
    op.create_index("ix_events_subject", "events", ["subject"])
    op.create_index("ix_events_cause_id", "events", ["cause_id"])
    op.create_index("ix_events_type_seq", "events", ["type", "seq"])
    op.create_table(
        "deliveries",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("plugin", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime()),
        sa.Column("lease_token", sa.String(36)),
        sa.Column("lease_expires_at", UTCDateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_error_kind", sa.String(32)),
        sa.Column("result", sa.JSON()),
        sa.Column("emitted", sa.JSON()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name="fk_deliveries_event_id_events"),
        sa.UniqueConstraint("event_id", "plugin", name="uq_deliveries_event_id_plugin"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["plugin", "state", "next_attempt_at"])
    op.create_index("ix_deliveries_state", "deliveries", ["state"])
    op.create_table(
        "attempts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(128), nullable=False),
        sa.Column("lease_token", sa.String(36), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("outcome", sa.String(32)),
        sa.Column("error_class", sa.String(128)),
        sa.Column("error_message", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_attempts"),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["deliveries.id"], name="fk_attempts_delivery_id_deliveries"
        ),
    )
    op.create_index("ix_attempts_delivery_id", "attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_table("attempts")
    op.drop_table("deliveries")
    op.drop_table("events")
