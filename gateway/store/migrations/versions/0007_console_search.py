"""What the console searches and charts without reading every payload: the ΑΦΜ, a delivery's
reference (the protocol number), attempts by end time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

Events stored before this revision get their ΑΦΜ from their payload here,
so the console finds them too. The SQL that `gateway db upgrade --sql` prints
cannot compute it (it is read from JSON in Python): events stored before then
are found by ΑΦΜ only after an online upgrade.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("afm", sa.String(16), nullable=True))
    op.create_index("ix_events_afm", "events", ["afm"])
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("reference", sa.String(128), nullable=True))
    op.create_index("ix_deliveries_reference", "deliveries", ["reference"])
    op.create_index("ix_attempts_ended_at", "attempts", ["ended_at"])
    _fill_afm()
    _fill_references()


def _fill_afm() -> None:
    from gateway.store.accept import citizen_afm

    if op.get_context().as_sql:
        return
    connection = op.get_bind()
    events = sa.table("events", sa.column("id"), sa.column("envelope", sa.JSON), sa.column("afm"))
    rows = connection.execute(
        sa.select(events.c.id, events.c.envelope).where(events.c.envelope.is_not(None))
    ).all()
    updates = [
        {"key": row.id, "value": afm}
        for row in rows
        if isinstance(row.envelope, dict) and (afm := citizen_afm(row.envelope))
    ]
    if updates:
        connection.execute(
            events.update()
            .where(events.c.id == sa.bindparam("key"))
            .values(afm=sa.bindparam("value")),
            updates,
        )


#: where our own plugins' results held the reference before `DeliveryResult.reference`
_RESULT_REFERENCES = {"protocol": "protocol_number", "genesis": "receipt_number"}


def _fill_references() -> None:
    if op.get_context().as_sql:
        return
    connection = op.get_bind()
    deliveries = sa.table(
        "deliveries",
        sa.column("id"),
        sa.column("plugin"),
        sa.column("result", sa.JSON),
        sa.column("reference"),
    )
    rows = connection.execute(
        sa.select(deliveries.c.id, deliveries.c.plugin, deliveries.c.result).where(
            deliveries.c.plugin.in_(list(_RESULT_REFERENCES)), deliveries.c.result.is_not(None)
        )
    ).all()
    updates = []
    for row in rows:
        value = (
            row.result.get(_RESULT_REFERENCES[row.plugin]) if isinstance(row.result, dict) else None
        )
        if isinstance(value, str) and value:
            updates.append({"key": row.id, "value": value[:128]})
    if updates:
        connection.execute(
            deliveries.update()
            .where(deliveries.c.id == sa.bindparam("key"))
            .values(reference=sa.bindparam("value")),
            updates,
        )


def downgrade() -> None:
    op.drop_index("ix_attempts_ended_at", table_name="attempts")
    op.drop_index("ix_deliveries_reference", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("reference")
    op.drop_index("ix_events_afm", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("afm")
