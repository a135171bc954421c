"""A free loopback port, for servers a test, the demo or a benchmark starts."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on right now (another process may still take it first)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
