"""Leaner indexes for intake: no index on cause_id, dead deliveries only in the state index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEAD = sa.text("state = 'dead'")


def upgrade() -> None:
    op.drop_index("ix_events_cause_id", table_name="events")
    op.drop_index("ix_deliveries_state", table_name="deliveries")
    op.create_index(
        "ix_deliveries_dead",
        "deliveries",
        ["finished_at"],
        sqlite_where=DEAD,
        postgresql_where=DEAD,
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_dead", table_name="deliveries")
    op.create_index("ix_deliveries_state", "deliveries", ["state"])
    op.create_index("ix_events_cause_id", "events", ["cause_id"])
