"""Durable state: events, their per-plugin deliveries and every attempt (SQLAlchemy 2, async)."""

from gateway.store.db import Store, open_store

__all__ = ["Store", "open_store"]
