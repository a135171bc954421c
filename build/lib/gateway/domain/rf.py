"""ISO 11649 creditor references (RF codes) used for municipal debts (domain file §6)."""

from __future__ import annotations

import re

_SHAPE = re.compile(r"^RF\d{2}[A-Z0-9]{1,21}$")


def normalize_rf(value: str) -> str:
    """Remove the print grouping spaces and upper-case the letters."""
    return value.replace(" ", "").upper()


def _numeric(text: str) -> int:
    return int("".join(str(int(ch, 36)) for ch in text))


def rf_problem(value: str) -> str | None:
    """Why `value` is not a valid RF code, or None when it is."""
    code = normalize_rf(value)
    if not _SHAPE.match(code):
        return "an RF code is 'RF', 2 check digits and 1 to 21 letters or digits"
    if _numeric(code[4:] + code[:4]) % 97 != 1:
        return "the RF check digits do not match"
    return None


def is_valid_rf(value: str) -> bool:
    return rf_problem(value) is None


def rf_for(body: str) -> str:
    """The RF code whose reference part is `body` (used by mocks and tests)."""
    body = normalize_rf(body)
    check = 98 - _numeric(body + "RF00") % 97
    return f"RF{check:02d}{body}"
