"""`[plugins.genesis]`: the channels it posts, and bad values named with their key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from plugins.genesis.settings import GenesisSettings

URL = "http://erp.test/services/Genesis"


def test_dias_is_not_posted_by_default() -> None:
    assert GenesisSettings(url=URL).post_channels == ["card", "iris", "bank_transfer"]
    chosen = GenesisSettings.model_validate({"url": URL, "post_channels": ["card", "dias"]})
    assert chosen.post_channels == ["card", "dias"]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"post_channels": ["card", "cash"]}, "post_channels"),
        ({"post_channels": "card"}, "post_channels"),
        ({"debts_cache_ttl": -1}, "debts_cache_ttl"),
    ],
)
def test_bad_values_name_their_key(changes: dict, key: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as caught:
        GenesisSettings.model_validate({"url": URL, **changes})
    assert any(error["loc"][0] == key for error in caught.value.errors())
