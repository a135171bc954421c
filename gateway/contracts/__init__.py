"""Where the language-neutral contracts live; everything loads from disk, never the network.

The contracts (event schemas, the OpenAPI, WSDLs, examples) are package data
of this package, so a wheel installed anywhere finds them beside this file.
`GATEWAY_CONTRACTS_DIR` points elsewhere (a vendor's real WSDL, for example).
"""

from __future__ import annotations

import os
from pathlib import Path


def contracts_dir() -> Path:
    """`GATEWAY_CONTRACTS_DIR`, else the contracts installed with the gateway."""
    override = os.environ.get("GATEWAY_CONTRACTS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent
