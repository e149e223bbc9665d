"""Settings of the measurement service (environment variables prefixed ``MEASUREMENT_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MeasurementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEASUREMENT_", extra="ignore")

    service_name: str = "measurement"
    port: int = 8002


@lru_cache
def get_settings() -> MeasurementSettings:
    return MeasurementSettings()
