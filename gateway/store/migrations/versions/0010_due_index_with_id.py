"""The due index ends with the id, so a claim's ORDER BY next_attempt_at, id needs no sort.

SQLite's indexes end with the rowid already; PostgreSQL's did not, and a
claim over a backlog whose statistics were stale sorted every pending row
(to disk, envelopes and all) to find the oldest few: a 20,000 backlog
drained at a quarter of the rate of a 1,000 one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["plugin", "state", "next_attempt_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["plugin", "state", "next_attempt_at"])
