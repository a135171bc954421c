"""Example events from gateway/contracts/examples, copied with fresh ids."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from gateway.contracts import contracts_dir


def example(event_type: str, **changes: Any) -> dict[str, Any]:
    event = json.loads(
        (contracts_dir() / "examples" / f"{event_type}.json").read_text(encoding="utf-8")
    )
    event = copy.deepcopy(event)
    event["id"] = changes.pop("id", f"evt-{uuid.uuid4().hex[:16]}")
    data = changes.pop("data", None)
    if data:
        event["data"].update(data)
    event.update(changes)
    return event
