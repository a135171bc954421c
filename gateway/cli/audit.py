"""`gateway audit list|verify`: read the audit log, and prove it was not changed."""

from __future__ import annotations

import sys

import click

from gateway.cli.common import config_option, main, print_json, run, with_store


@main.group("audit")
def audit_group() -> None:
    """The audit log of operator actions (append-only, hash-chained)."""


@audit_group.command("list")
@config_option
@click.option("--actor")
@click.option("--action")
@click.option("--limit", default=50, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
def audit_list(
    config_path: str, actor: str | None, action: str | None, limit: int, as_json: bool
) -> None:
    """Newest first: when, who (role), what, on what, why, and how it ended."""
    from gateway.store import audit

    items = run(
        lambda: with_store(
            config_path, lambda s: audit.entries(s, actor=actor, action=action, limit=limit)
        )
    )
    if as_json:
        print_json({"items": items})
        return
    for item in items:
        why = f" — {item['reason']}" if item["reason"] else ""
        click.echo(
            f"#{item['seq']} {item['at']} {item['actor']} ({item['role']}) {item['action']} "
            f"{item['targets']} {item['outcome']}{why}"
        )


@audit_group.command("verify")
@config_option
def audit_verify(config_path: str) -> None:
    """Recompute the hash chain; name the first entry that was changed. Exit 1 if one was."""
    from gateway.store import audit

    checked, broken, why = run(lambda: with_store(config_path, audit.verify))
    if broken is None:
        click.echo(f"{checked} entries: {why}")
        return
    click.echo(f"entry #{broken}: {why} ({checked} entries before it are whole)", err=True)
    sys.exit(1)
