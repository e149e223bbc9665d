"""PDSA cycles on one change idea form a ramp: small tests first, growing as confidence grows.

Rules:

* a cycle moves ``planned`` → ``doing`` (started: the Do begins) → ``completed`` (acted on);
* a new cycle on an idea may be planned only when every earlier cycle on it is completed, and
  not after one that abandoned the idea (a new idea is planned instead); after "adopt" further
  cycles may test the idea at a larger scale or in another place;
* a cycle is acted on only once its Do and Study are recorded;
* an idea's outcome is that of its latest completed cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

CycleStatus = Literal["planned", "doing", "completed"]
Decision = Literal["adopt", "adapt", "abandon"]
Outcome = Literal["not_tested", "planned", "testing", "adopted", "adapted", "abandoned"]
_OUTCOME: dict[str, Outcome] = {"adopt": "adopted", "adapt": "adapted", "abandon": "abandoned"}


class RampRefused(ValueError):
    pass


@dataclass(frozen=True)
class CycleState:
    status: str
    decision: str | None = None


def next_ramp_step(cycles: Sequence[CycleState]) -> int:
    """The ramp step of a new cycle on an idea with these ``cycles`` (in ramp order)."""
    for step, cycle in enumerate(cycles, 1):
        if cycle.status != "completed":
            raise RampRefused(f"cycle {step} on this idea is still open: act on it first")
    if cycles and cycles[-1].decision == "abandon":
        raise RampRefused("this idea was abandoned: plan a cycle on another idea")
    return len(cycles) + 1


def idea_outcome(cycles: Sequence[CycleState]) -> Outcome:
    if not cycles:
        return "not_tested"
    if cycles[-1].status == "doing":
        return "testing"
    completed = [c for c in cycles if c.status == "completed" and c.decision]
    if completed:
        return _OUTCOME[str(completed[-1].decision)]
    return "planned"


def missing_before_act(*, did: bool, studied: bool) -> list[str]:
    """What must be recorded before a cycle is acted on."""
    return [name for name, done in (("do", did), ("study", studied)) if not done]
