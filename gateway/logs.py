"""Logging that never writes an ΑΦΜ or an e-mail address in full, nor a line a client forged.

An ΑΦΜ reaches a log in every form the API accepts: 9 digits, with an EL/GR
prefix, grouped with spaces (raw or as %20 in a path), or 8 digits (the
leading zero dropped) as a look-up's key. CR, LF and ESC from a request
path would start a forged line or colour a terminal: they are escaped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse
from pythonjsonlogger.json import JsonFormatter

_SEP = r"(?:\x20|%20|\+)?"
_AFM = re.compile(
    rf"(?<![0-9A-Za-z])(?:(?:EL|GR|el|gr){_SEP})?((?:[0-9]{_SEP}){{5}}[0-9])"
    rf"({_SEP}[0-9]{_SEP}[0-9]{_SEP}[0-9])(?![0-9A-Za-z])"
)
#: the lookbehind starts a match only where a run of address characters starts: without it a
#: long run with no "@" (a token in a backend's answer) was scanned again from each of its
#: characters, 170 µs for 200 characters
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(?:@|%40)([A-Za-z0-9.-]+\.[A-Za-z]{2,})"
)
#: a look-up's key is an identifier by design (an ΑΦΜ, an RF, a payment id): never logged
_LOOKUP_KEY = re.compile(r"(/v1/lookups/[^/?#]+/)[^?#]*")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def mask(text: str) -> str:
    """Keep the last 3 digits of an ΑΦΜ (any accepted form) and the first letter and domain of e-mails."""
    return _EMAIL.sub(r"\1***@\2", _AFM.sub(lambda m: "******" + m.group(2), text))


def without_password(url: str) -> str:
    """A database URL as logged: the password replaced, the rest kept to say where it is."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def escaped(text: str) -> str:
    """CR, LF, ESC and every other control character as visible escapes: one record, one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def masked_path(path: str) -> str:
    """A request path as logged: a look-up's key hidden, personal data masked, controls escaped."""
    return escaped(mask(_LOOKUP_KEY.sub(r"\1***", path)))


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = escaped(mask(message))
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        return True


class AccessLogger(AbstractAccessLogger):
    """aiohttp's access log, one line a request, with the path masked and escaped."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %s %.3fs',
            request.remote,
            escaped(request.method),
            masked_path(request.raw_path),
            response.status,
            response.body_length,
            time,
        )


#: what a log line is about, set where the work starts (intake, a delivery attempt)
EVENT_ID: ContextVar[str | None] = ContextVar("gateway_log_event_id", default=None)
PLUGIN: ContextVar[str | None] = ContextVar("gateway_log_plugin", default=None)
#: the current trace's ids as 32 and 16 hex digits, or None; set by the tracing module
trace_ids: Callable[[], tuple[str, str] | None] = lambda: None  # noqa: E731
CONTEXT_FIELDS = ("event_id", "plugin", "trace_id", "span_id")


class ContextFilter(logging.Filter):
    """Every record carries the event, the plugin and the trace it was written for."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.event_id = EVENT_ID.get()
        record.plugin = PLUGIN.get()
        ids = trace_ids()
        record.trace_id, record.span_id = ids if ids else (None, None)
        return True


class JsonLines(JsonFormatter):
    """One JSON object a record: time, level, logger, message, event_id, plugin, trace_id,
    span_id, and the traceback when there is one; every string masked."""

    def add_fields(
        self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_record, record, message_dict)  # the record's extra fields
        moment = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        log_record["time"] = moment.replace("+00:00", "Z")
        log_record["level"] = record.levelname
        log_record["logger"] = record.name
        log_record["message"] = record.getMessage()
        for key in CONTEXT_FIELDS:
            log_record[key] = getattr(record, key, None)
        for key, value in message_dict.items():
            if key != "message":
                log_record[key] = value

    def process_log_record(self, log_record: dict[str, Any]) -> dict[str, Any]:
        return {
            key: mask(value) if isinstance(value, str) else value
            for key, value in log_record.items()
        }


def configure_logging(
    level: str = "INFO", fmt: str = "text", stream: IO[str] | None = None
) -> None:
    """The root logger: one handler, masking, context; text for a terminal, JSON for a collector."""
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(JsonLines("%(message)s", json_ensure_ascii=False))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)
