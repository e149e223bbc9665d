"""Settings of the measurement service (environment variables prefixed ``MEASUREMENT_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, settings_getter


class MeasurementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEASUREMENT_", extra="ignore")

    service_name: str = "measurement"
    port: int = 8002


get_settings = settings_getter(MeasurementSettings)
