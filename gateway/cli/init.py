"""`gateway init [DIR]`: a working installation in one command, with secrets of its own.

It writes the commented example config, the sample ΚΑΔ list beside it, and
a `.env` (mode 0600) with freshly generated portal secret and tokens, then
says what to run next. Nothing is overwritten without `--force`.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import sys
from pathlib import Path

import click

from gateway.cli.common import main
from gateway.starter import COPIED, EXAMPLE_CONFIG

CONFIG_NAME = "gateway.toml"
ENV_NAME = ".env"


def portal_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def environment(folder: Path) -> str:
    """The `.env` text: generated values, and placeholders the municipality replaces."""
    return "\n".join(
        [
            "# Written by `gateway init`. Keep this file private (mode 0600): it holds secrets.",
            "# Load it before a command:  set -a; . ./.env; set +a",
            "# or name it in the systemd unit:  EnvironmentFile=/etc/municipal-gateway/gateway.env",
            f"GATEWAY_CONFIG={folder / CONFIG_NAME}",
            "# Give this to the portal: it signs every event with it (Standard Webhooks).",
            f"GATEWAY_PORTAL_SECRET={portal_secret()}",
            "# Bearer tokens: the portal's reads, and the operators' API.",
            f"GATEWAY_PORTAL_TOKEN={secrets.token_urlsafe(32)}",
            f"GATEWAY_OPERATOR_TOKEN={secrets.token_urlsafe(32)}",
            "# The mocks accept these; replace them with the real credentials before going live:",
            "# AADE's special credentials (Ειδικοί Κωδικοί) and the ΙΡΙΔΑ service account.",
            "TAXIS_USERNAME=CHANGE_ME_TAXIS_USER",
            f"TAXIS_PASSWORD={secrets.token_urlsafe(16)}",
            "IRIDA_USERNAME=change-me-irida-user",
            f"IRIDA_PASSWORD={secrets.token_urlsafe(16)}",
            "# The ranking software's bearer token (ASEP hiring), from its vendor.",
            f"ASEP_TOKEN={secrets.token_urlsafe(24)}",
            "# Signs the unfollow link in every e-mail to a follower of a request.",
            f"GATEWAY_FOLLOW_SECRET={secrets.token_urlsafe(32)}",
            "",
        ]
    )


def config_text(folder: Path) -> str:
    """The example config, its database in this folder (a relative path would follow the cwd)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    database = f'database_url = "sqlite+aiosqlite:///{folder / "gateway.db"}"'
    text = text.replace('database_url = "sqlite+aiosqlite:///gateway.db"', database, 1)
    return text.replace(
        "# Validate with:  gateway check-config gateway.example.toml",
        "# Validate with:  gateway check-config  (GATEWAY_CONFIG names this file)",
        1,
    )


@main.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="overwrite gateway.toml and .env if they exist")
def init(folder: str, force: bool) -> None:
    """Write gateway.toml, the sample ΚΑΔ list and a .env with fresh secrets into FOLDER."""
    target = Path(folder).resolve()
    target.mkdir(parents=True, exist_ok=True)
    existing = [name for name in (CONFIG_NAME, ENV_NAME) if (target / name).exists()]
    if existing and not force:
        click.echo(
            f"{target}: {', '.join(existing)} already there; nothing written (use --force)",
            err=True,
        )
        sys.exit(2)
    (target / CONFIG_NAME).write_text(config_text(target), encoding="utf-8")
    for name, source in COPIED.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / name)
    env_path = target / ENV_NAME
    descriptor = os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(environment(target))
    env_path.chmod(0o600)  # also when --force rewrote a file that had wider rights
    click.echo(
        f"wrote {target / CONFIG_NAME}, {', '.join(str(target / n) for n in COPIED)}, "
        f"{env_path} (0600)"
    )
    click.echo("next:")
    click.echo(f"  cd {target}")
    click.echo("  set -a; . ./.env; set +a     # the secrets and GATEWAY_CONFIG")
    click.echo("  gateway check-config         # every problem, with its line")
    click.echo("  gateway mocks &              # mock backends, until the real ones are set")
    click.echo("  gateway serve                # the API on 127.0.0.1:8080 and the workers")
