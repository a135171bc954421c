"""A whole gateway with its mocks, the console on, and one operator of each kind with a password.

Shared by the console's tests (HTTP and browser) and its benchmark's smoke check.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.devtools.demo import demo_assembly, demo_config
from gateway.devtools.portal import PortalClient
from gateway.devtools.runner import running_gateway
from gateway.operators import hash_secret

#: login → (role, departments or None, password)
STAFF: dict[str, tuple[str, list[str] | None, str]] = {
    "anna": ("admin", None, "anna-admin-password"),
    "oscar": ("operator", None, "oscar-operator-password"),
    "rena": ("operator", ["revenue"], "rena-revenue-password"),
    "vera": ("viewer", None, "vera-viewer-password"),
}
_HASHES = {login: hash_secret(password) for login, (_r, _d, password) in STAFF.items()}
IRIDA_SEND = "/iris/api/v2/external/innerPositions"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class World:
    base_url: str
    app: Any
    portal: PortalClient
    mocks: dict[str, Any]
    env: dict[str, str]
    workdir: Path
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def console(self) -> str:
        return self.base_url + "/console"


def staff_config(workdir: Path, **console: Any) -> tuple[dict[str, Any], dict[str, str]]:
    raw, env = demo_config(workdir)
    raw["console"] = {"enabled": True, **console}
    raw["operators"] = {
        login: {
            "role": role,
            **({"departments": departments} if departments is not None else {}),
            "password_hash": _HASHES[login],
        }
        for login, (role, departments, _password) in STAFF.items()
    }
    return raw, env


@contextlib.asynccontextmanager
async def console_world(
    workdir: Path,
    database_url: str | None = None,
    sections: dict[str, Any] | None = None,
    **console: Any,
) -> AsyncIterator[World]:
    """The demo's gateway and mocks with staff; `sections` adds or replaces top-level tables."""
    raw, env = staff_config(workdir, **console)
    raw.update(sections or {})
    if database_url:
        raw["gateway"]["database_url"] = database_url
    parts = demo_assembly(raw, env)
    mocks: dict[str, Any] = {}
    try:
        for name, context in parts.contexts().items():
            mock = parts.host.mock(context)
            if mock is not None:
                await mock.start()
                mocks[name] = mock
        async with running_gateway(parts) as (base_url, app):
            portal = PortalClient(
                base_url, env["GATEWAY_PORTAL_SECRET"], env["GATEWAY_OPERATOR_TOKEN"]
            )
            try:
                yield World(base_url, app, portal, mocks, env, workdir)
            finally:
                await portal.client.aclose()
    finally:
        for mock in mocks.values():
            await mock.stop()
