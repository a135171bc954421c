"""Logging that never writes an ΑΦΜ or an e-mail address in full."""

from __future__ import annotations

import logging
import re

_AFM = re.compile(r"(?<![0-9])(?:EL|GR)?[0-9]{6}([0-9]{3})(?![0-9])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask(text: str) -> str:
    """Keep the last 3 digits of 9-digit numbers and the first letter and domain of e-mails."""
    return _EMAIL.sub(r"\1***@\2", _AFM.sub(r"******\1", text))


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)
