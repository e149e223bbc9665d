"""Settings of the improvement service (environment variables prefixed ``IMPROVEMENT_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ImprovementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IMPROVEMENT_", extra="ignore")

    service_name: str = "improvement"
    port: int = 8005
    # A team in its coaching months that has logged no project meeting for this many days has
    # lapsed (improvement.team.meetings_lapsed, once per lapse).
    meetings_lapse_days: int = Field(default=21, ge=1, le=365)
    # How often the lapse check runs (it is cheap: one query over the active teams).
    meetings_check_seconds: float = Field(default=3600.0, gt=0)


@lru_cache
def get_settings() -> ImprovementSettings:
    return ImprovementSettings()
