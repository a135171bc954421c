"""A free loopback port, for servers a test, the demo or a benchmark starts.

The port is chosen below the kernel's ephemeral range: a port the kernel hands
out itself (bind to 0) is one any outgoing connection may take a moment later,
before the server that was told of it binds; the demo once lost that race to
its own clients in CI. Below the range, only another server can take it.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20000
_handed_out: set[int] = set()


def _ephemeral_low() -> int:
    try:
        low = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default, and outside the range elsewhere too
    return low if low > _LOWEST + 1000 else 65536


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nothing listens on right now and the kernel does not give to clients."""
    high = _ephemeral_low()
    if high > 65535:  # the ephemeral range starts low: fall back to the kernel's choice
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            kernel_port: int = sock.getsockname()[1]
            return kernel_port
    for _ in range(200):
        port = random.randrange(_LOWEST, high)
        if port not in _handed_out and _bindable(port):
            _handed_out.add(port)
            return port
    raise OSError(f"no free loopback port between {_LOWEST} and {high}")
