"""Calendar feed tokens: asked for, listed, and shown once with their secret."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field, model_validator

from services.sessions.calendar import feed_path
from services.sessions.models import FeedToken
from services.sessions.schemas.base import LondonOut, Out
from shared.fields import RequestModel


class FeedTokenCreate(RequestModel):
    """Exactly one of cohort_id (the cohort's feed) or team_id (a team's feed)."""

    cohort_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    label: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_target(self) -> FeedTokenCreate:
        if (self.cohort_id is None) == (self.team_id is None):
            raise ValueError("give exactly one of cohort_id or team_id")
        return self


class FeedTokenOut(Out):
    id: uuid.UUID
    scope: Literal["cohort", "team"]
    cohort_id: uuid.UUID
    team_id: uuid.UUID | None
    label: str | None
    created_at: LondonOut
    revoked_at: LondonOut | None


class FeedTokenCreated(FeedTokenOut):
    token: str = Field(description="The secret; shown once, only its hash is kept")
    url: str = Field(description="Path of the subscribable feed, token included")

    @classmethod
    def build(cls, token: FeedToken, secret: str) -> FeedTokenCreated:
        out = FeedTokenOut.model_validate(token)
        return cls(**out.model_dump(), token=secret, url=feed_path(token, secret))
