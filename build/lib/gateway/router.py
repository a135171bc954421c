"""Which plugins an event goes to, from the `[[routes]]` of the config."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gateway.config import Route


class Router:
    def __init__(self, routes: Iterable[Route], enabled: Iterable[str]) -> None:
        self._routes = list(routes)
        self._enabled = set(enabled)

    def plugins_for(self, event_type: str, data: Mapping[str, Any]) -> list[str]:
        """Enabled plugins of every matching route, in config order, each once."""
        chosen: list[str] = []
        for route in self._routes:
            if route.type != event_type:
                continue
            if any(key not in data or data[key] != value for key, value in route.match.items()):
                continue
            chosen += [p for p in route.plugins if p in self._enabled and p not in chosen]
        return chosen
