"""The free port is one the kernel will not hand to an outgoing connection."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from gateway.devtools.ports import free_port

RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


@pytest.mark.skipif(not RANGE.exists(), reason="no Linux ephemeral-port range to compare with")
def test_a_free_port_is_below_the_ephemeral_range_and_bindable() -> None:
    low = int(RANGE.read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50, "a port was handed out twice"
    for port in ports:
        assert port < low
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
