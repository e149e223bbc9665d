"""A driver diagram as one document: aim → primary drivers → secondary drivers → change ideas.

The document is what the API shows, what each saved version keeps, and what the SVG is drawn
from. Change ideas hang on a primary or a secondary driver; a team's change ideas carry their
outcome so far (not tested, testing, adopted, adapted, abandoned).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DriverNode:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    description: str | None
    component: str | None
    origin_id: uuid.UUID
    position: int


@dataclass(frozen=True)
class IdeaNode:
    id: uuid.UUID
    driver_id: uuid.UUID
    name: str
    description: str | None
    origin_id: uuid.UUID
    outcome: str | None = None


def _idea(node: IdeaNode) -> dict[str, Any]:
    return {
        "id": str(node.id),
        "name": node.name,
        "description": node.description,
        "origin_id": str(node.origin_id),
        "outcome": node.outcome,
    }


def _driver(
    node: DriverNode, ideas: dict[uuid.UUID, list[IdeaNode]], secondary: list[dict[str, Any]] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(node.id),
        "name": node.name,
        "description": node.description,
        "component": node.component,
        "origin_id": str(node.origin_id),
        "change_ideas": [_idea(i) for i in ideas.get(node.id, [])],
    }
    if secondary is not None:
        out["secondary_drivers"] = secondary
    return out


def document(aim: str, drivers: Sequence[DriverNode], ideas: Sequence[IdeaNode]) -> dict[str, Any]:
    """The diagram's JSON document, drivers and ideas in their stated order."""
    by_driver: dict[uuid.UUID, list[IdeaNode]] = {}
    for idea in ideas:
        by_driver.setdefault(idea.driver_id, []).append(idea)
    ordered = sorted(drivers, key=lambda d: (d.position, d.name, d.id))
    children: dict[uuid.UUID, list[DriverNode]] = {}
    for node in ordered:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)
    primary = [
        _driver(node, by_driver, [_driver(c, by_driver, None) for c in children.get(node.id, [])])
        for node in ordered
        if node.parent_id is None
    ]
    return {"aim": aim, "primary_drivers": primary}


def count_change_ideas(doc: dict[str, Any]) -> int:
    return sum(
        len(p["change_ideas"]) + sum(len(s["change_ideas"]) for s in p["secondary_drivers"])
        for p in doc["primary_drivers"]
    )
