"""Settings of the enrolment service (environment variables prefixed ``ENROLMENT_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, settings_getter


class EnrolmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ENROLMENT_", extra="ignore")

    service_name: str = "enrolment"
    port: int = 8001


get_settings = settings_getter(EnrolmentSettings)
