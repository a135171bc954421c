"""Schemathesis hooks for the fuzz suite: sign what is posted to /v1/events as the portal would.

Loaded by the schemathesis CLI (SCHEMATHESIS_HOOKS=tests.support.fuzz_hooks).
A case whose generated webhook-timestamp is well formed is signed with the
test secret, so its body reaches the schema checks; a malformed one is sent
as generated, so the header parsers are fuzzed too.
"""

from __future__ import annotations

import json
import os
import re
import uuid
import zlib
from typing import Any

import schemathesis

from gateway.contracts import contracts_dir
from gateway.signature import signed_headers

SECRET = os.environ.get("FUZZ_PORTAL_SECRET", "")
EXAMPLE = json.loads(
    (contracts_dir() / "examples" / "request.submitted.json").read_text(encoding="utf-8")
)
_WELL_FORMED_STAMP = re.compile(r"[0-9]{1,12}")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.method.upper() != "POST" or case.path != "/v1/events" or not SECRET:
        return
    headers = dict(case.headers or {})
    if not _WELL_FORMED_STAMP.fullmatch(str(headers.get("webhook-timestamp", ""))):
        return
    document = case.body
    if isinstance(document, dict) and zlib.crc32(repr(sorted(document)).encode()) % 2:
        # half of the envelopes get a real event's type and data, so that generated ids,
        # subjects, sources and extension attributes reach the store (both databases)
        document = {**document, "type": "request.submitted", "data": EXAMPLE["data"]}
        case.body = document
    try:
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError):
        return  # no JSON body to sign (a missing body is fuzzed unsigned)
    kwargs["data"] = body  # sent byte for byte as signed
    headers.update(signed_headers(SECRET, f"fuzz-{uuid.uuid4().hex}", body))
    case.headers = headers
