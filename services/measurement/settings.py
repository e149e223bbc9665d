"""Settings of the measurement service (environment variables prefixed ``MEASUREMENT_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, settings_getter


class MeasurementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEASUREMENT_", extra="ignore")

    service_name: str = "measurement"
    port: int = 8002
    # Teams chart a baseline before they test changes: data may be for periods up to this many
    # months before their cohort starts (never for the future).
    baseline_months_before_start: int = Field(default=24, ge=0, le=120)
    # Outside the team itself, a period value built from fewer responses than this is withheld
    # (national staff surveys withhold small groups the same way); pooled aggregates keep it.
    small_number_threshold: int = Field(default=5, ge=1, le=100)


get_settings = settings_getter(MeasurementSettings)
