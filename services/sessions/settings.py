"""Settings of the sessions service (environment variables prefixed ``SESSIONS_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, settings_getter


class SessionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONS_", extra="ignore")

    service_name: str = "sessions"
    port: int = 8003


get_settings = settings_getter(SessionsSettings)
