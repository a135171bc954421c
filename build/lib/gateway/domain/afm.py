"""ΑΦΜ (Greek tax number) normalisation and check digit (domain file §2)."""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^(EL|GR)", re.IGNORECASE)


def normalize_afm(value: str) -> str:
    """Strip an EL/GR prefix and spaces; left-pad an 8-digit number to 9."""
    text = _PREFIX.sub("", value.strip()).replace(" ", "")
    if len(text) == 8 and text.isdigit():
        text = "0" + text
    return text


def afm_problem(value: str) -> str | None:
    """Why `value` is not a valid ΑΦΜ, or None when it is."""
    afm = value if len(value) == 9 and value.isascii() and value.isdigit() else normalize_afm(value)
    if len(afm) != 9 or not afm.isascii() or not afm.isdigit():
        return "an ΑΦΜ has 9 digits"
    if afm == "000000000":
        return "000000000 is not an ΑΦΜ"
    total = 0
    for digit in afm[:8]:
        total = total * 2 + int(digit)
    if (total * 2) % 11 % 10 != int(afm[8]):
        return "the ΑΦΜ check digit does not match"
    return None


def is_valid_afm(value: str) -> bool:
    return afm_problem(value) is None
