"""SIGHUP: take the new secrets, tokens and log level from the config file, without a restart.

Rotating the portal secret is routine (list the new one beside the old, let
the portal switch, remove the old); a restart for each step would drop
requests in flight. What a reload can change is what is read per request:
`[auth]`, `[operators]` and `[gateway] log_level`. Everything else (plugins, routes, the
database, listen) needs a restart, and a reload that finds it changed says
so instead of half-applying it. A config with problems is refused whole:
the running settings stay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from gateway.assembly import assemble_file
from gateway.config import AuthSection, ConfigError, Settings
from gateway.operators import TokenBook

log = logging.getLogger("gateway.reload")


@dataclass
class LiveSettings:
    """What requests read at the time they arrive; replaced whole by a reload."""

    book: TokenBook
    log_level: str

    @classmethod
    def of(cls, settings: Settings) -> LiveSettings:
        return cls(TokenBook(settings.auth, dict(settings.operators)), settings.gateway.log_level)

    @property
    def auth(self) -> AuthSection:
        return self.book.auth


def reload_config(path: str | Path, live: LiveSettings, running: Settings) -> bool:
    """Apply the file's [auth] and log level to `live`; False (and nothing changed) when it is wrong."""
    try:
        fresh = assemble_file(path).settings
    except ConfigError as exc:
        log.error(
            "reload refused, the running config stays: %d problem(s): %s",
            len(exc.problems),
            "; ".join(str(p) for p in exc.problems),
        )
        return False
    changed = [
        name
        for name in ("portal_secrets", "portal_tokens", "operator_tokens")
        if getattr(fresh.auth, name) != getattr(live.auth, name)
    ]
    if fresh.gateway.log_level != live.log_level:
        logging.getLogger().setLevel(fresh.gateway.log_level.upper())
        changed.append("log_level")
    if fresh.operators != live.book.operators:
        changed.append("operators")
    live.book, live.log_level = (
        TokenBook(fresh.auth, dict(fresh.operators)),
        fresh.gateway.log_level,
    )
    restart = [
        section
        for section, old, new in (
            (
                "[gateway]",
                running.gateway.model_copy(update={"log_level": ""}),
                fresh.gateway.model_copy(update={"log_level": ""}),
            ),
            ("[plugins]", running.plugins, fresh.plugins),
            ("[[routes]]", running.routes, fresh.routes),
            ("[reconciliation]", running.reconciliation, fresh.reconciliation),
            ("[departments]", running.departments, fresh.departments),
            ("[console]", running.console, fresh.console),
        )
        if old != new
    ]
    log.warning(
        "reloaded %s: %s%s",
        path,
        ", ".join(changed) or "nothing changed",
        f"; {', '.join(restart)} changed too and need a restart" if restart else "",
    )
    return True
