"""What `gateway init` writes and the demo runs on: the example config, the sample ΚΑΔ list, the systemd unit.

Package data, so an installed wheel has them wherever it is installed.
"""

from __future__ import annotations

from pathlib import Path

STARTER = Path(__file__).resolve().parent
EXAMPLE_CONFIG = STARTER / "gateway.example.toml"
SAMPLE_KAD = STARTER / "taxis-affected-kad.sample.toml"
SYSTEMD_UNIT = STARTER / "municipal-gateway.service"
