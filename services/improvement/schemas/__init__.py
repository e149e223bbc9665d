"""Request and response models of the improvement service's API, one module per resource.

Request models are the use cases' own input models (``extra="forbid"``); each response is built
in one place (the ``*_out`` functions) from what a use case returns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
