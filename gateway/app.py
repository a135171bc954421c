"""`create_app(settings)`: the whole gateway as one aiohttp application.

Every resource (database, plugin connectors, dispatcher lanes, intake
batcher, retention job) is opened and closed in `cleanup_ctx`, in that
order, so a failed start-up closes exactly what was opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from gateway import api, api_audit, api_repair, appkeys, intake, tracing
from gateway.assembly import Assembly, assemble
from gateway.config import Settings
from gateway.departments import DepartmentMap
from gateway.dispatcher import Dispatcher, PluginLane, worker_name
from gateway.health import HealthCache
from gateway.http_input import refuse_control_characters
from gateway.logs import escaped
from gateway.metrics import Metrics
from gateway.plugin_api import Connector, HealthCheck, Lookup
from gateway.plugins import PluginHost, PluginLoadError
from gateway.problems import ProblemError, problem
from gateway.reload import LiveSettings
from gateway.store import open_store
from gateway.store.models import utcnow
from gateway.store.retention import purge_expired, purge_payloads

log = logging.getLogger("gateway.app")
RETENTION_EVERY = 3600.0


@web.middleware
async def problem_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Views raise; only here do errors become HTTP answers, always problem documents."""
    try:
        return await handler(request)
    except ProblemError as exc:
        return exc.response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return problem(
            exc.status,
            exc.reason,
            exc.text or exc.reason,
            "http-" + str(exc.status),
            headers={k: v for k, v in exc.headers.items() if k.lower() == "allow"},
        )
    except (SQLAlchemyError, OSError):
        log.exception("the store failed on %s %s", request.method, escaped(request.path))
        return problem(
            503,
            "Service Unavailable",
            "the database did not answer; try again shortly",
            "store-unavailable",
            headers={"Retry-After": "5"},
        )
    except Exception:
        log.exception("unhandled error on %s %s", request.method, escaped(request.path))
        return problem(
            500, "Internal Server Error", "the gateway failed; the error is in its log", "internal"
        )


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    store = await open_store(app[appkeys.SETTINGS].gateway.database_url)
    store.on_batch = app[appkeys.METRICS].write_batch.observe
    app[appkeys.STORE] = store
    yield
    await store.close()


async def _plugins_ctx(app: web.Application) -> AsyncIterator[None]:
    host = app[appkeys.HOST]
    connectors: dict[str, Connector] = {}
    lookups: dict[str, tuple[str, Lookup]] = {}
    checks: dict[str, HealthCheck | None] = {}
    try:
        for name, context in app[appkeys.ASSEMBLY].contexts(app[appkeys.STORE]).items():
            connector = host.connector(context)
            connectors[name] = connector
            for lookup in host.lookups(context, connector):
                if lookup.name in lookups:
                    raise PluginLoadError(
                        name,
                        f"look-up {lookup.name!r} is already offered by {lookups[lookup.name][0]!r}",
                    )
                lookups[lookup.name] = (name, lookup)
            checks[name] = host.health_check(context, connector)
        app[appkeys.CONNECTORS] = connectors
        app[appkeys.LOOKUPS] = lookups
        app[appkeys.HEALTH] = HealthCache(checks, app[appkeys.SETTINGS].gateway.health_interval)
        yield
    finally:
        for name, connector in connectors.items():
            try:
                await connector.aclose()
            except Exception:
                log.exception("closing plugin %s failed", name)


async def _dispatcher_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[appkeys.SETTINGS]
    lanes: dict[str, PluginLane] = {}
    dispatcher = Dispatcher(lanes)
    worker = worker_name()
    # an intake-only process (dispatch = false) has no lanes; other processes deliver
    working = app[appkeys.CONNECTORS] if settings.gateway.dispatch else {}
    for name, connector in working.items():
        lanes[name] = PluginLane(
            name,
            settings.plugins[name],
            connector,
            store=app[appkeys.STORE],
            schemas=app[appkeys.SCHEMAS],
            route=app[appkeys.ROUTER].plugins_for,
            metrics=app[appkeys.METRICS],
            notify=dispatcher.notify,
            poll_interval=settings.gateway.poll_interval,
            worker=worker,
            traced=settings.telemetry.enabled,
        )
    app[appkeys.DISPATCHER] = dispatcher
    dispatcher.start()
    yield
    await dispatcher.stop()


@contextlib.asynccontextmanager
async def _in_background(work: Coroutine[Any, Any, None], name: str) -> AsyncIterator[None]:
    """A loop that runs while the app does, and is cancelled and awaited when it stops."""
    task = asyncio.create_task(work, name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _retention_ctx(app: web.Application) -> AsyncIterator[None]:
    days = app[appkeys.SETTINGS].gateway.retention_days

    async def loop() -> None:
        while True:
            try:
                purged = await purge_payloads(app[appkeys.STORE], utcnow() - timedelta(days=days))
                if purged:
                    log.info(
                        "retention: purged the payload of %d events older than %g days",
                        purged,
                        days,
                    )
                expired = await purge_expired(app[appkeys.STORE])
                if expired:
                    log.info("retention: deleted %d expired cache and send-log records", expired)
            except Exception:
                log.exception("retention run failed")
            await asyncio.sleep(RETENTION_EVERY)

    async with _in_background(loop(), "retention"):
        yield


async def _reconciliation_ctx(app: web.Application) -> AsyncIterator[None]:
    """Every day at `[reconciliation] at` (Athens), yesterday's payments; off by default."""
    settings = app[appkeys.SETTINGS]
    if not (settings.reconciliation.enabled and settings.gateway.dispatch):
        yield
        return
    from gateway import reconciliation

    async def loop() -> None:
        while True:
            await asyncio.sleep(reconciliation.seconds_until(settings.reconciliation.time))
            try:
                backend, ledger = reconciliation.find_ledger(
                    app[appkeys.ASSEMBLY], app[appkeys.CONNECTORS]
                )
                report = await reconciliation.reconcile_day(
                    app[appkeys.ASSEMBLY],
                    app[appkeys.STORE],
                    ledger,
                    backend,
                    reconciliation.yesterday(),
                    Path(settings.reconciliation.report_dir),
                )
                app[appkeys.DISPATCHER].notify(report.routed_to)
                log.info("reconciliation: %s", report.summary)
            except Exception:
                log.exception("the daily payment reconciliation failed")
            await asyncio.sleep(60)  # never twice in the same minute

    async with _in_background(loop(), "reconciliation"):
        yield


async def _digest_ctx(app: web.Application) -> AsyncIterator[None]:
    """The daily digest to IT and departments, sent by one process a day; off by default."""
    settings = app[appkeys.SETTINGS]
    if not settings.digest.enabled:
        yield
        return
    from gateway import digest

    checking = digest.run_daily(
        app[appkeys.STORE],
        settings,
        app[appkeys.DEPARTMENTS],
        app[appkeys.CONNECTORS],
        worker_name(),
    )
    async with _in_background(checking, "digest"):
        yield


async def _freeze_gc(_app: web.Application) -> None:
    """Move everything built at start-up out of the collector's sight, and collect less often.

    Schemas, plugin objects, SQLAlchemy's and pydantic's machinery live as long
    as the process; left in the tracked generations, every collection walks
    them again while requests wait. A request allocates a few hundred objects,
    almost none in cycles, so the default (a young collection every 700
    allocations, several per request) is mostly wasted work: measured, a
    threshold of 20,000 takes about 7% off intake's CPU per event.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def create_app(config: Settings | Assembly, host: PluginHost | None = None) -> web.Application:
    """The gateway for validated settings (assembled here) or an assembly made by the caller."""
    parts = config if isinstance(config, Assembly) else assemble(config, host=host)
    app = web.Application(middlewares=[problem_middleware, refuse_control_characters])
    app[appkeys.ASSEMBLY] = parts
    app[appkeys.SETTINGS] = parts.settings
    app[appkeys.LIVE] = LiveSettings.of(parts.settings)
    app[appkeys.DEPARTMENTS] = DepartmentMap(
        parts.settings.departments, parts.settings.request_types
    )
    app[appkeys.HOST] = parts.host
    app[appkeys.SCHEMAS] = parts.schemas
    app[appkeys.ROUTER] = parts.router
    app[appkeys.METRICS] = Metrics()
    tracing.install(parts.settings.telemetry)
    app.cleanup_ctx.extend(
        [
            _store_ctx,
            _plugins_ctx,
            _dispatcher_ctx,
            _retention_ctx,
            _reconciliation_ctx,
            _digest_ctx,
        ]
    )
    app.on_startup.append(_freeze_gc)
    app.router.add_post("/v1/events", intake.post_event)
    app.router.add_get("/v1/events", api.list_events)
    app.router.add_get("/v1/events/{event_id}", api.get_event)
    app.router.add_post("/v1/events/{event_id}/replay", api.replay_event)
    app.router.add_post("/v1/events/{event_id}/purge", api_repair.purge_event)
    app.router.add_post("/v1/events/{event_id}/deliveries/{plugin}/confirm", api.confirm_delivery)
    app.router.add_post("/v1/events/{event_id}/deliveries/{plugin}/release", api.release_delivery)
    app.router.add_get("/v1/dead-letters", api.dead_letters)
    app.router.add_post("/v1/dead-letters/replay", api_repair.replay_dead_letters)
    app.router.add_post("/v1/dead-letters/dismiss", api_repair.dismiss_dead_letters)
    app.router.add_post("/v1/plugins/{plugin}/pause", api_repair.pause_plugin)
    app.router.add_post("/v1/plugins/{plugin}/resume", api_repair.resume_plugin)
    app.router.add_get("/v1/audit", api_audit.audit_entries)
    app.router.add_get("/v1/lookups/{lookup}/{key}", api.run_lookup)
    app.router.add_get("/v1/lookups/{lookup}/{scope}/{key}", api.run_lookup)
    app.router.add_get("/healthz", api.healthz)
    app.router.add_get("/readyz", api.readyz)
    app.router.add_get("/v1/health", api.plugin_health)
    app.router.add_get("/metrics", api.metrics)
    if parts.settings.console.enabled:
        from gateway.console import setup_console

        setup_console(app, parts.settings)
    return app
