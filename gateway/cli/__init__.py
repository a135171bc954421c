"""The `gateway` command: serve, run mocks, check config, inspect and repair events.

Each group of commands is a module of its own; importing them registers them on `main`.
"""

from gateway.cli import db, deliveries, events, init, reconcile, repair, serving, sign
from gateway.cli.common import main

__all__ = ["db", "deliveries", "events", "init", "main", "reconcile", "repair", "serving", "sign"]
