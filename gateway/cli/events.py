"""Reading and replaying events (the database named in the config)."""

from __future__ import annotations

import sys

import click

from gateway.cli.common import audited, config_option, main, print_json, run, with_store
from gateway.states import EventStatus


@main.group()
def events() -> None:
    """Inspect and replay events (reads the database named in the config)."""


@events.command("list")
@config_option
@click.option("--status", type=click.Choice([str(status) for status in EventStatus]))
@click.option("--type", "event_type")
@click.option("--subject")
@click.option("--limit", default=50, type=click.IntRange(1, 500))
@click.option("--cursor")
@click.option("--json", "as_json", is_flag=True, help="print the API's JSON")
def events_list(
    config_path: str,
    status: str | None,
    event_type: str | None,
    subject: str | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """Newest events first."""
    from gateway.store import views

    try:
        page = run(
            lambda: with_store(
                config_path,
                lambda s: views.list_events(
                    s, status=status, type=event_type, subject=subject, limit=limit, cursor=cursor
                ),
            )
        )
    except ValueError:
        raise click.BadParameter(
            "not a cursor this gateway issued", param_hint="--cursor"
        ) from None
    if as_json:
        print_json(page)
        return
    for item in page["items"]:
        plugins = " ".join(f"{p}={s}" for p, s in item["deliveries"].items()) or "-"
        click.echo(
            f"{item['received_at']}  {item['status']:<9} {item['type']:<24} {item['id']}  {plugins}"
        )
    if page["next_cursor"]:
        click.echo(f"more: --cursor {page['next_cursor']}")


@events.command("show")
@config_option
@click.argument("event_id")
def events_show(config_path: str, event_id: str) -> None:
    """One event with every delivery and attempt."""
    from gateway.store import views

    view = run(lambda: with_store(config_path, lambda s: views.event_view(s, event_id)))
    if view is None:
        click.echo(f"no event with id {event_id!r}", err=True)
        sys.exit(1)
    print_json(view)


@events.command("replay")
@config_option
@click.argument("event_id")
def events_replay(config_path: str, event_id: str) -> None:
    """Put an event's dead or failed deliveries back in the queue."""
    from gateway.store import repair

    plugins = run(
        lambda: with_store(
            config_path,
            lambda s: audited(
                s, "replay", {"event_id": event_id}, None, repair.replay(s, event_id)
            ),
        )
    )
    if plugins is None:
        click.echo(f"no event with id {event_id!r}", err=True)
        sys.exit(1)
    click.echo(
        f"replayed: {', '.join(plugins)}"
        if plugins
        else "nothing to replay: no dead or failed deliveries"
    )
