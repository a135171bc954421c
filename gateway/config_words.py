"""A config problem in a person's words: pydantic's error types said plainly, "did you mean" for typos.

`check-config` is read by IT staff, not by Python programmers: "Input should
be a valid integer, unable to parse string as an integer" becomes "must be a
whole number", and an unknown key names the key it probably meant.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

#: pydantic's error types said plainly
WORDS = {
    "missing": "is required",
    "string_type": "must be text, in quotes",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "list_type": 'must be a list, e.g. ["a", "b"]',
    "dict_type": "must be a table of keys",
    "model_type": "must be a table of keys",
    "model_attributes_type": "must be a table of keys",
}


#: pydantic's bound errors: the words, and the ctx key holding the bound
BOUNDS = {
    "greater_than": ("more than", "gt"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("at most", "le"),
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for a close choice, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the field at `loc` (for an unknown key: its siblings' model)."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = field.annotation
        for argument in typing.get_args(current):  # Optional[Model]
            if isinstance(argument, type) and issubclass(argument, BaseModel):
                current = argument
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def plain(error: Any, model: type[BaseModel] | None = None) -> str:
    """One pydantic error (a dict of `ValidationError.errors()`) in plain words."""
    kind, ctx = error["type"], error.get("ctx") or {}
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1]) if model is not None and loc else None
        hint = did_you_mean(str(loc[-1]), owner.model_fields) if owner is not None else ""
        return "unknown key" + hint
    if kind in WORDS:
        return WORDS[kind]
    if kind in BOUNDS:
        bound, key = BOUNDS[kind]
        return f"must be {bound} {ctx.get(key)}"
    if kind == "string_too_short":
        return (
            "must not be empty"
            if ctx.get("min_length") == 1
            else (f"must be at least {ctx.get('min_length')} characters")
        )
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s)"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected')}"
    message = str(error.get("msg", kind))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
