"""Where the language-neutral contracts live; everything loads from disk, never the network."""

from __future__ import annotations

import os
from pathlib import Path


def contracts_dir() -> Path:
    """`GATEWAY_CONTRACTS_DIR`, else the `contracts/` folder of this checkout."""
    override = os.environ.get("GATEWAY_CONTRACTS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "contracts"
