"""`[plugins.genesis]`: the GENESIS back office (our SOAP contract, pending the vendor's)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gateway.plugin_api import PluginSettings


class GenesisSettings(PluginSettings):
    url: str = Field(description="the GENESIS SOAP endpoint")
    username: str | None = Field(
        None, description="WS-Security UsernameToken, when GENESIS asks for one"
    )
    password: str | None = None
    sync_contacts: bool = Field(
        True, description="pass the e-mail a citizen gives at login on to GENESIS"
    )
    debts_cache_ttl: float = Field(60.0, ge=0, description="seconds a debt look-up is reused")
    post_channels: list[Literal["card", "dias", "iris", "bank_transfer"]] = Field(
        ["card", "iris", "bank_transfer"],
        description="the payment channels the plugin posts as receipts; GENESIS imports DIAS "
        "payments from the bank's file itself, so posting them too would count them twice",
    )
