"""The enrolment service's problem types (``application/problem+json``), named once."""

from __future__ import annotations

from services.enrolment.rules import TransitionRefused
from shared.errors import Conflict, NotFound

PROBLEM_BASE = "https://enjoying-work.example/problems/enrolment/"


def refused(exc: TransitionRefused) -> Conflict:
    """A change the cohort's or team's state does not allow (409, typed by the rule)."""
    return Conflict(exc.detail, type=PROBLEM_BASE + exc.code)


def conflict(detail: str, code: str) -> Conflict:
    return Conflict(detail, type=PROBLEM_BASE + code)


def unknown_cohort() -> NotFound:
    return NotFound("no such cohort", type=PROBLEM_BASE + "unknown-cohort")


def unknown_team() -> NotFound:
    """Also what another organisation's team answers: it does not exist for the caller."""
    return NotFound("no such team", type=PROBLEM_BASE + "unknown-team")


def unknown_organisation() -> NotFound:
    return NotFound("no such organisation", type=PROBLEM_BASE + "unknown-organisation")


def unknown_coach() -> NotFound:
    return NotFound("no such coach", type=PROBLEM_BASE + "unknown-coach")
