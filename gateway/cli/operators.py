"""`gateway operators hash`: the argon2id hash that goes in `[operators.LOGIN]`, never the secret."""

from __future__ import annotations

import click

from gateway.cli.common import main


@main.group()
def operators() -> None:
    """Named operators: their token and password hashes."""


@operators.command("hash")
@click.option("--new-token", "login", default=None, help="make a fresh API token for LOGIN")
def hash_command(login: str | None) -> None:
    """Print an argon2id hash: of a fresh token for --new-token LOGIN, or of a password typed in."""
    from gateway.operators import hash_secret, new_token

    if login is not None:
        token = new_token(login)
        click.echo(f"token (give it to {login}; it is not kept anywhere): {token}")
        click.echo(f"[operators.{login}]")
        click.echo(f'token_hash = "{hash_secret(token)}"')
        return
    secret = click.prompt("password", hide_input=True, confirmation_prompt=True)
    click.echo(f'password_hash = "{hash_secret(secret)}"')
