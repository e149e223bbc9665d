"""What every answer of the sessions API shares: times shown in UK time with their offset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

from shared.clock import LONDON


def london_iso(value: datetime) -> str:
    return value.astimezone(LONDON).isoformat()


LondonOut = Annotated[datetime, PlainSerializer(london_iso, return_type=str)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
