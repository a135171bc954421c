"""The `gateway` command: serve, run mocks, check config, inspect and repair events.

Each group of commands is a module of its own; importing them registers them on `main`.
"""

from gateway.cli import (
    audit,
    db,
    deliveries,
    events,
    init,
    operators,
    reconcile,
    repair,
    serving,
    sign,
)
from gateway.cli.common import main

__all__ = [
    "audit",
    "db",
    "deliveries",
    "events",
    "init",
    "main",
    "operators",
    "reconcile",
    "repair",
    "serving",
    "sign",
]
