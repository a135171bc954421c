"""`[plugins.genesis]`: the GENESIS back office (our SOAP contract, pending the vendor's)."""

from __future__ import annotations

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
