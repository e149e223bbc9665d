"""Response models of the improvement service's API (request models are the use cases' own
input models, ``extra="forbid"``).

Each response model is built in one place from what a use case returns: read from its
attributes, or, where the answer is shaped unlike the result, by the model's ``shaped`` step.
"""

from __future__ import annotations

import typing
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


class Out(BaseModel):
    """A response model, read from a use case's result's attributes. A model whose answer is
    shaped unlike the result defines ``shaped(cls, v: Result)``: results of the class (or
    classes) its ``v`` names are shaped by it first."""

    model_config = ConfigDict(from_attributes=True)
    source: ClassVar[tuple[type, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        shaped = cls.__dict__.get("shaped")
        if shaped is not None:
            named = typing.get_type_hints(shaped.__func__)["v"]
            cls.source = typing.get_args(named) or (named,)

    @model_validator(mode="before")
    @classmethod
    def _from_source(cls, value: Any) -> Any:
        return cls.shaped(value) if cls.source and isinstance(value, cls.source) else value

    @classmethod
    def shaped(cls, v: Any) -> dict[str, Any]:
        return cls.attrs(v)

    @classmethod
    def attrs(cls, value: Any) -> dict[str, Any]:
        """The fields of this model that ``value`` has as attributes."""
        return {k: getattr(value, k) for k in cls.model_fields if hasattr(value, k)}
