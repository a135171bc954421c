"""Lookup cache shared by a plugin's deliveries and look-ups.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from gateway.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lookup_cache",
        sa.Column("namespace", sa.String(64), nullable=False),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("namespace", "key", name="pk_lookup_cache"),
    )
    op.create_index("ix_lookup_cache_expires_at", "lookup_cache", ["expires_at"])


def downgrade() -> None:
    op.drop_table("lookup_cache")
