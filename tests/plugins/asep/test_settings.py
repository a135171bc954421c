"""`[plugins.asep]` refuses what cannot work, each by its key."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from plugins.asep.settings import AsepSettings

GOOD = {"url": "https://ranking.example/api/v1/", "token": "t0ken"}


def test_a_good_section_and_its_trailing_slash() -> None:
    assert AsepSettings(**GOOD).url == "https://ranking.example/api/v1"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"url": "ftp://ranking.example"}, "http"),
        ({"url": "ranking.example"}, "http"),
        ({"token": " "}, "empty"),
        ({"token": None}, "string"),
        ({"mock_weights": {"height_cm": 1}}, "unknown criteria: height_cm"),
        ({"mock_caps": {"children": -1}}, "must not be negative: children"),
        ({"mock_weights": {"children": "many"}}, "number"),
    ],
)
def test_a_wrong_key_is_named(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AsepSettings(**{**GOOD, **changes})
    assert words in str(caught.value)
