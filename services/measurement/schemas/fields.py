"""How query parameters are declared: each documented with its meaning and an example, as the
OpenAPI shows them."""

from __future__ import annotations

from typing import Any

from pydantic import Field


def option(description: str, example: object, **constraints: Any) -> Any:
    """An optional query parameter (None unless given)."""
    return Field(default=None, description=description, examples=[example], **constraints)
