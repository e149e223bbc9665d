"""The improvement service's problem types (RFC 9457 ``type`` URIs), registered once in the
platform's registry (docs/problems.md lists them), and the one way it says "not found": another
organisation's object answers exactly like one that does not exist."""

from __future__ import annotations

from typing import TypeVar

from shared.errors import NotFound
from shared.problems import ProblemType, register_problems

T = TypeVar("T")

_STATE = "Not allowed in this state"
_MISSING = "Not Found"
_INVALID = "Unprocessable Content"
PROBLEMS = register_problems(
    "improvement",
    {
        # 404: no such object (or another organisation's).
        "unknown-team": (404, _MISSING, "No such team, or another organisation's team."),
        "unknown-cohort": (404, _MISSING, "No such cohort."),
        "unknown-member": (404, _MISSING, "No such member of the project team."),
        "no-aim": (404, _MISSING, "The team has not written its aim statement yet."),
        "unknown-meeting": (404, _MISSING, "No such project-team meeting."),
        "unknown-action": (404, _MISSING, "No such action from a meeting."),
        "unknown-diagram": (404, _MISSING, "No such driver diagram (or not started yet)."),
        "unknown-version": (404, _MISSING, "No such saved version of the driver diagram."),
        "unknown-driver": (404, _MISSING, "No such driver in the diagram."),
        "unknown-idea": (404, _MISSING, "No such idea."),
        "unknown-change-idea": (404, _MISSING, "No such change idea."),
        "unknown-round": (404, _MISSING, "No such voting round."),
        "unknown-cycle": (404, _MISSING, "No such PDSA cycle."),
        # 409: the object's state refuses the change.
        "team-withdrawn": (409, _STATE, "The team withdrew from the collaborative."),
        "cohort-cancelled": (409, _STATE, "The cohort was cancelled."),
        "aim-not-written": (409, _STATE, "Write the aim statement before agreeing it."),
        "theme-exists": (409, "Already there", "The team already has an idea theme of that name."),
        "too-few-ideas": (409, _STATE, "A voting round needs at least two ideas."),
        "round-closed": (409, _STATE, "The voting round is closed."),
        "ballot-code": (
            409,
            _STATE,
            "The anonymous ballot code is not valid for this round, or was used already.",
        ),
        "diagram-exists": (409, "Already there", "The team already has a driver diagram."),
        "driver-in-use": (
            409,
            _STATE,
            "The driver has change ideas or secondary drivers: move or remove them first.",
        ),
        "not-a-team-diagram": (
            409,
            _STATE,
            "Change ideas are added to a team's diagram, not to the change package.",
        ),
        "idea-exists": (409, "Already there", "The diagram already has that change idea."),
        "idea-tested": (
            409,
            _STATE,
            "The change idea has PDSA cycles: it can no longer be removed.",
        ),
        "not-a-team-idea": (409, _STATE, "Test a team's copy of a change-package idea."),
        "ramp": (
            409,
            _STATE,
            "The PDSA ramp refuses this cycle (e.g. the idea was abandoned, or a cycle on it "
            "is still open).",
        ),
        "cycle-planned": (409, _STATE, "The PDSA cycle is only planned."),
        "cycle-doing": (409, _STATE, "The PDSA cycle is under way (Do)."),
        "cycle-completed": (409, _STATE, "The PDSA cycle is completed."),
        "do-first": (409, _STATE, "Record what happened (Do) before studying it."),
        "study-first": (409, _STATE, "Record the study before deciding how to act."),
        # 422: the request names or says something the rules refuse.
        "unknown-reference": (
            422,
            _INVALID,
            "A field names an object this team does not have (an idea, a member, an action, "
            "a parent driver); the detail names the field.",
        ),
        "unknown-measure": (422, _INVALID, "Not a measure of the cohort's measurement plan."),
        "name-a-driver": (422, _INVALID, "A change idea hangs from a driver of the diagram."),
        "theme": (422, _INVALID, "The idea's theme is not one of the team's themes."),
        "ballot": (422, _INVALID, "The ballot is not valid (too many or repeated votes)."),
        "future-date": (422, _INVALID, "A date that has not come yet."),
        "future-month": (422, _INVALID, "A month that has not come yet."),
        "not-a-programme-month": (
            422,
            _INVALID,
            "The month is not one of the cohort's programme months.",
        ),
        "score": (422, _INVALID, "Not a score of the progress scale (1 to 5)."),
        "dates": (422, _INVALID, "The dates are out of order."),
    },
)


def problem(code: str) -> ProblemType:
    """The registered type of ``code`` (a KeyError for a code nobody registered)."""
    return PROBLEMS[code]


def present(row: T | None, detail: str, code: str) -> T:
    """The row, or 404 problem+json with ``detail``."""
    if row is None:
        raise NotFound(detail, type=problem(code))
    return row
