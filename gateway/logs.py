"""Logging that never writes an ΑΦΜ or an e-mail address in full, nor a line a client forged.

An ΑΦΜ reaches a log in every form the API accepts: 9 digits, with an EL/GR
prefix, grouped with spaces (raw or as %20 in a path), or 8 digits (the
leading zero dropped) as a look-up's key. CR, LF and ESC from a request
path would start a forged line or colour a terminal: they are escaped.
"""

from __future__ import annotations

import logging
import re

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

_SEP = r"(?:\x20|%20|\+)?"
_AFM = re.compile(
    rf"(?<![0-9A-Za-z])(?:(?:EL|GR|el|gr){_SEP})?((?:[0-9]{_SEP}){{5}}[0-9])"
    rf"({_SEP}[0-9]{_SEP}[0-9]{_SEP}[0-9])(?![0-9A-Za-z])"
)
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(?:@|%40)([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
#: a look-up's key is an identifier by design (an ΑΦΜ, an RF, a payment id): never logged
_LOOKUP_KEY = re.compile(r"(/v1/lookups/[^/?#]+/)[^?#]*")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def mask(text: str) -> str:
    """Keep the last 3 digits of an ΑΦΜ (any accepted form) and the first letter and domain of e-mails."""
    return _EMAIL.sub(r"\1***@\2", _AFM.sub(lambda m: "******" + m.group(2), text))


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


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)
