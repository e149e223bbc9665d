"""Tables of the measurement service."""

from __future__ import annotations

from shared.db import ServiceBase, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()
