"""What every answer of the sessions API shares: times shown in UK time with their offset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

from services.sessions.rules.engagement import Engagement
from shared.clock import LONDON


def london_iso(value: datetime) -> str:
    return value.astimezone(LONDON).isoformat()


LondonOut = Annotated[datetime, PlainSerializer(london_iso, return_type=str)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def attributes(source: object, model: type[BaseModel]) -> dict[str, Any]:
    """The attributes of ``source`` that ``model`` has fields for (to build an answer from
    several objects at once)."""
    return {name: getattr(source, name) for name in model.model_fields if hasattr(source, name)}


def engagement_fields(so_far: Engagement) -> dict[str, Any]:
    """A team's engagement, as every answer that shows it names it."""
    return {
        "sessions_held": so_far.held,
        "sessions_attended": so_far.attended,
        "attendance_rate": so_far.rate,
        "missed_learning_sets_in_a_row": so_far.missed_learning_sets_in_a_row,
        "disengaged": so_far.disengaged,
        "clinics_held": so_far.clinics_held,
        "clinics_attended": so_far.clinics_attended,
    }
