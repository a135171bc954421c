"""Tables. Times are UTC everywhere; SQLite keeps them naive, PostgreSQL as timestamptz."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ID = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


def bounded_reference(reference: object) -> str | None:
    """A plugin's reference as stored: text, at most the column's 128 characters."""
    return str(reference)[:128] if reference is not None and str(reference) else None


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Base(DeclarativeBase):
    metadata = metadata


class EventRow(Base):
    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(128), unique=True)
    type: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(512))
    subject: Mapped[str | None] = mapped_column(String(256), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    body_hash: Mapped[str] = mapped_column(String(64))
    envelope: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cause_id: Mapped[str | None] = mapped_column(String(128))
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the citizen's ΑΦΜ, so the console finds an event by it without reading every payload;
    #: personal data, purged with the payload
    afm: Mapped[str | None] = mapped_column(String(16), index=True)
    #: the W3C trace context its deliveries continue (intake's span, or the attempt that derived it)
    traceparent: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_events_type_seq", "type", "seq"),)


class DeliveryRow(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128), ForeignKey("events.id"))
    plugin: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_token: Mapped[str | None] = mapped_column(String(36))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_kind: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the backend's identifier of what was done (a protocol number), for the console's search
    reference: Mapped[str | None] = mapped_column(String(128), index=True)
    emitted: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("event_id", "plugin"),
        # ends with the id: a claim's ORDER BY next_attempt_at, id is read in order, not sorted
        Index("ix_deliveries_due", "plugin", "state", "next_attempt_at", "id"),
        # only dead rows are indexed: the dead-letter list needs it, intake's inserts do not pay for it
        Index(
            "ix_deliveries_dead",
            "finished_at",
            sqlite_where=text("state = 'dead'"),
            postgresql_where=text("state = 'dead'"),
        ),
    )


class AttemptRow(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ID, ForeignKey("deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(128))
    lease_token: Mapped[str] = mapped_column(String(36))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: indexed for the console's last 24 hours of outcomes
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    outcome: Mapped[str | None] = mapped_column(String(32))
    error_class: Mapped[str | None] = mapped_column(String(128))
    error_message: Mapped[str | None] = mapped_column(Text)


class CacheRow(Base):
    """Answers a plugin may reuse for a while (look-ups that cost calls, like the tax registry's)."""

    __tablename__ = "lookup_cache"

    namespace: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SendRow(Base):
    """A plugin's record of a call to a backend that cannot deduplicate (`SendLog`): sending or done."""

    __tablename__ = "send_log"

    namespace: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PauseRow(Base):
    """A plugin an operator paused: its lane claims nothing until resumed; in every process."""

    __tablename__ = "plugin_pauses"

    plugin: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    paused_by: Mapped[str] = mapped_column(String(128))
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobRunRow(Base):
    """A daily job's run for one day: leased by one process, done once."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, Athens
    holder: Mapped[str | None] = mapped_column(String(128))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditRow(Base):
    """One operator action, allowed or refused; append-only, each row chained to the one before."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# Core tables for the hot paths; typed as Table so insert/update/delete type-check
events: Table = cast(Table, EventRow.__table__)
deliveries: Table = cast(Table, DeliveryRow.__table__)
attempts: Table = cast(Table, AttemptRow.__table__)
lookup_cache: Table = cast(Table, CacheRow.__table__)
send_log: Table = cast(Table, SendRow.__table__)
plugin_pauses: Table = cast(Table, PauseRow.__table__)
audit_log: Table = cast(Table, AuditRow.__table__)
job_runs: Table = cast(Table, JobRunRow.__table__)
