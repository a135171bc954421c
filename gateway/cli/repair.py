"""`gateway dead-letters [replay|dismiss]` and `gateway plugins pause|resume`: repair from a shell.

Bulk commands count first and ask before acting (unless `--yes`); the count
is then the expect_count, so nothing that arrived between the two is touched.
"""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from typing import Any

import click

from gateway.cli.common import audited, config_option, main, print_json, run, with_store
from gateway.states import Outcome

FILTER_OPTIONS = (
    "plugin",
    "event_type",
    "error_kind",
    "error_contains",
    "since",
    "until",
    "department",
)


@main.group("dead-letters", invoke_without_command=True)
@config_option
@click.option("--plugin")
@click.option("--limit", default=100, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def dead_letters(
    ctx: click.Context, config_path: str, plugin: str | None, limit: int, as_json: bool
) -> None:
    """Deliveries that gave up, with their reasons; `replay` or `dismiss` them in bulk."""
    if ctx.invoked_subcommand is not None:
        return
    from gateway.store import views

    items = run(
        lambda: with_store(config_path, lambda s: views.dead_letters(s, plugin=plugin, limit=limit))
    )
    if as_json:
        print_json({"items": items})
        return
    if not items:
        click.echo("no dead letters")
    for item in items:
        click.echo(
            f"{item['dead_since']}  {item['plugin']:<10} {item['event_id']}  after {item['attempts']} attempt(s)"
            + (
                " [OUTCOME UNKNOWN: confirm or release]"
                if item["error_kind"] == Outcome.OUTCOME_UNKNOWN
                else ""
            )
            + f": {item['reason']}"
        )


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    from gateway.http_input import aware_moment

    try:
        return aware_moment(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} {exc}") from None


def _filter_options(command: Any) -> Any:
    for option in reversed(
        [
            config_option,
            click.option("--plugin"),
            click.option("--type", "event_type", help="the event type"),
            click.option("--kind", "error_kind", help="last_error_kind, e.g. permanent"),
            click.option("--contains", "error_contains", help="text in the last error"),
            click.option("--since", help="received at or after (ISO 8601 with offset)"),
            click.option("--until", help="received before (ISO 8601 with offset)"),
            click.option("--department", help="a [departments.NAME] of the config"),
            click.option("--yes", is_flag=True, help="act without asking"),
        ]
    ):
        command = option(command)
    return command


def _bulk(action: str, options: dict[str, Any], reason: str | None) -> None:
    from gateway.cli.common import settings_of
    from gateway.departments import DepartmentMap
    from gateway.store import bulk

    scope = None
    if options["department"] is not None:
        settings = settings_of(options["config_path"])
        departments = DepartmentMap(settings.departments, settings.request_types)
        if options["department"] not in departments.departments:
            raise click.BadParameter(f"no [departments.{options['department']}] in the config")
        scope = departments.clause([options["department"]])
    chosen = bulk.DeadFilter(
        scope=scope,
        plugin=options["plugin"],
        event_type=options["event_type"],
        error_kind=options["error_kind"],
        error_contains=options["error_contains"],
        since=_moment(options["since"]),
        until=_moment(options["until"]),
    )
    config_path = options["config_path"]
    try:
        found = run(
            lambda: with_store(
                config_path, lambda s: bulk.count(s, chosen, replayable=action == "replay")
            )
        )
    except bulk.TooMany as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(f"{found} dead letter(s) match")
    targets = {
        "filter": {k: options[k] for k in FILTER_OPTIONS if options[k] is not None},
        "expect_count": found,
    }
    if found == 0:
        return
    if not options["yes"]:
        click.confirm(f"{action} {found}?", abort=True)
    try:
        if action == "replay":
            plugins = run(
                lambda: with_store(
                    config_path,
                    lambda s: audited(
                        s, "bulk_replay", targets, None, bulk.replay(s, chosen, found)
                    ),
                )
            )
            click.echo(f"replayed {found} ({', '.join(plugins)}); a running gateway takes them up")
        else:
            done = run(
                lambda: with_store(
                    config_path,
                    lambda s: audited(
                        s,
                        "bulk_dismiss",
                        targets,
                        reason,
                        bulk.dismiss(s, chosen, found, reason or "", f"cli:{getpass.getuser()}"),
                    ),
                )
            )
            click.echo(f"dismissed {done}")
    except bulk.CountChanged as exc:
        click.echo(f"the count changed to {exc.found} meanwhile: nothing was done", err=True)
        sys.exit(1)


@dead_letters.command("replay")
@_filter_options
def replay_dead_letters(**options: Any) -> None:
    """Requeue every dead letter the filter selects (in-doubt deliveries are never selected)."""
    _bulk("replay", options, None)


@dead_letters.command("dismiss")
@_filter_options
@click.option("--reason", required=True, help="why: kept in each delivery's history")
def dismiss_dead_letters(reason: str, **options: Any) -> None:
    """Take every dead letter the filter selects off the list for good (history kept)."""
    _bulk("dismiss", options, reason)


@main.group("plugin")
def plugin_group() -> None:
    """Pause or resume one plugin's deliveries (every process; nothing is dropped)."""


@plugin_group.command("pause")
@config_option
@click.argument("name")
@click.option("--reason", required=True)
def pause(config_path: str, name: str, reason: str) -> None:
    """Stop delivering NAME's events until resumed; they wait as pending."""
    from gateway.store import pauses

    newly = run(
        lambda: with_store(
            config_path,
            lambda s: audited(
                s,
                "pause",
                {"plugin": name},
                reason,
                pauses.pause(s, name, reason, f"cli:{getpass.getuser()}"),
            ),
        )
    )
    click.echo(f"{name}: paused" if newly else f"{name}: was already paused")


@plugin_group.command("resume")
@config_option
@click.argument("name")
def resume(config_path: str, name: str) -> None:
    """Deliver again what waited while NAME was paused."""
    from gateway.store import pauses

    was = run(
        lambda: with_store(
            config_path,
            lambda s: audited(s, "resume", {"plugin": name}, None, pauses.resume(s, name)),
        )
    )
    click.echo(f"{name}: resumed" if was else f"{name}: was not paused")
