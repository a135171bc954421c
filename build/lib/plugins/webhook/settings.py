"""`[plugins.webhook]`: forward events to any HTTP endpoint."""

from __future__ import annotations

from pydantic import Field, field_validator

from gateway.plugin_api import PluginSettings


class WebhookSettings(PluginSettings):
    url: str = Field(description="where events are POSTed, e.g. http://127.0.0.1:9001/events")
    secret: str | None = Field(None, description="whsec_… to sign what we send (Standard Webhooks)")
    health_url: str | None = Field(None, description="GET here answers 2xx when the receiver is up")

    @field_validator("url", "health_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("secret")
    @classmethod
    def _whsec(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("whsec_"):
            raise ValueError("must start with whsec_")
        return value
