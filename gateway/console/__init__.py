"""The operator console at /console: server-rendered pages in Greek and English.

`setup_console` adds its routes and middleware to the gateway's app when
`[console] enabled`; templates and the stylesheet are package data beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from gateway.config import Settings
from gateway.console import actions, pages, signin
from gateway.console.state import CONSOLE, ConsoleState
from gateway.console.web import PREFIX, console_middleware

HERE = Path(__file__).resolve().parent


def pretty(value: Any, indent: int | None = None) -> str:
    """JSON as people read it: Greek letters as they are (Jinja's tojson escapes them to
    \\uXXXX); the template's autoescaping makes it safe in HTML."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


def setup_console(app: web.Application, settings: Settings) -> None:
    app[CONSOLE] = ConsoleState.of(settings.console, settings.gateway.public_url)
    environment = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["pretty"] = pretty
    app.middlewares.append(console_middleware)
    add = app.router
    add.add_get(PREFIX + "/login", signin.login_page, name="console_login")
    add.add_post(PREFIX + "/login", signin.login, name="console_login_post")
    add.add_get(PREFIX + "/lang", signin.switch_language, name="console_lang")
    add.add_static(PREFIX + "/static", HERE / "static", name="console_static")
    add.add_post(PREFIX + "/logout", signin.logout)
    add.add_get(PREFIX + "/", pages.overview)
    add.add_get(PREFIX, pages.overview)
    add.add_get(PREFIX + "/events", pages.events_page)
    add.add_get(PREFIX + "/events/{event_id}", pages.event_timeline)
    add.add_post(PREFIX + "/events/{event_id}/reveal", actions.reveal)
    add.add_post(PREFIX + "/events/{event_id}/replay", actions.replay)
    add.add_get(PREFIX + "/dead-letters", pages.dead_letters_page)
    add.add_get(PREFIX + "/dead-letters/bulk", actions.bulk_preview)
    add.add_post(PREFIX + "/dead-letters/bulk", actions.bulk_act)
    add.add_get(PREFIX + "/in-doubt", pages.in_doubt_list)
    add.add_post(PREFIX + "/in-doubt/{event_id}/{plugin}/confirm", actions.confirm)
    add.add_post(PREFIX + "/in-doubt/{event_id}/{plugin}/release", actions.release)
    add.add_get(PREFIX + "/backends", pages.backends)
    add.add_post(PREFIX + "/backends/{plugin}/pause", actions.pause)
    add.add_post(PREFIX + "/backends/{plugin}/resume", actions.resume)
    add.add_get(PREFIX + "/audit", pages.audit_page)
