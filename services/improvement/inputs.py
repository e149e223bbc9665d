"""The request models' common ground: unknown fields are refused (``extra="forbid"``), and text
is trimmed and bounded."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000)]


def apply_changes(row: object, changes: BaseModel, *, clearable: Collection[str] = ()) -> None:
    """Set on ``row`` the fields a partial update names: a null leaves a field as it is, unless
    the field is ``clearable`` (then null clears it)."""
    for name in changes.model_fields_set:
        value = getattr(changes, name)
        if value is not None or name in clearable:
            setattr(row, name, value)
