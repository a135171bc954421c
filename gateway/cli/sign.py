"""`gateway sign`: the three Standard Webhooks headers for a body, as the portal must send them.

For the portal's developers and for trying the API with curl: the HMAC key is
the base64 *after* `whsec_`, and the signed content is `id.timestamp.body`,
byte for byte; this prints headers computed exactly that way.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import BinaryIO

import click

from gateway.cli.common import main
from gateway.signature import signed_headers


@main.command()
@click.option(
    "--secret",
    envvar="GATEWAY_PORTAL_SECRET",
    required=True,
    show_envvar=True,
    help="the whsec_… secret the gateway's [auth] portal_secrets holds",
)
@click.option("--id", "msg_id", default=None, help="webhook-id; default: the event's own id")
@click.argument("body_file", type=click.File("rb"))
def sign(secret: str, msg_id: str | None, body_file: BinaryIO) -> None:
    """Print webhook-id, webhook-timestamp and webhook-signature for BODY_FILE (- for stdin).

    The output is curl's header-file format: curl -H @headers.txt ...
    """
    body: bytes = body_file.read()
    if not secret.startswith("whsec_"):
        click.echo("the secret starts with whsec_", err=True)
        sys.exit(2)
    if msg_id is None:
        try:
            found = json.loads(body).get("id")
        except (ValueError, AttributeError):
            found = None
        msg_id = found if isinstance(found, str) and found else f"msg-{uuid.uuid4().hex}"
    for name, value in signed_headers(secret, msg_id, body).items():
        click.echo(f"{name}: {value}")
