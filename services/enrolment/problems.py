"""The enrolment service's problem types (``application/problem+json``), registered once in the
platform's registry (docs/problems.md lists them)."""

from __future__ import annotations

from services.enrolment.rules import TransitionRefused
from shared.errors import Conflict, NotFound
from shared.problems import ProblemType, register_problems

_STATE = "Not allowed in this state"
PROBLEMS = register_problems(
    "enrolment",
    {
        "cohort-cancelled": (409, _STATE, "The cohort was cancelled."),
        "cohort-decided": (409, _STATE, "The cohort's go or no-go is already decided."),
        "cohort-invoiced": (
            409,
            _STATE,
            "An invoice exists for the cohort: its fee and VAT can no longer change.",
        ),
        "cohort-not-confirmed": (409, _STATE, "The cohort has not been confirmed (go) yet."),
        "cohort-not-viable": (
            409,
            _STATE,
            "The cohort has fewer teams than its minimum: it cannot go ahead.",
        ),
        "cohort-still-open": (
            409,
            _STATE,
            "The cohort's deadline for expressions of interest has not passed yet.",
        ),
        "cohort-not-cancelled": (
            409,
            _STATE,
            "Only a cancelled cohort's expressions of interest are carried forward.",
        ),
        "eoi-deadline-passed": (
            409,
            "Deadline passed",
            "The cohort's deadline for expressions of interest has passed.",
        ),
        "team-state": (409, _STATE, "The team's state does not allow this change."),
        "team-not-confirmed": (409, _STATE, "Only a confirmed team has a coach."),
        "duplicate-coach": (409, "Already registered", "A coach with this email exists."),
        "coach-full": (409, "Coach at capacity", "The coach already has as many teams as allowed."),
        "organisation-merged": (
            409,
            _STATE,
            "The organisation was merged into another one; use that one.",
        ),
        "organisation-verified": (
            409,
            _STATE,
            "Only an unverified organisation is merged into another.",
        ),
        "organisation-unverified": (
            409,
            _STATE,
            "The organisation is not verified yet: a coordinator verifies or merges it first.",
        ),
        "duplicate-eoi": (
            409,
            "Already put forward",
            "The organisation already put a team of this name forward to the cohort.",
        ),
        "duplicate-ods-code": (
            409,
            "Already registered",
            "An organisation with this ODS code is already registered.",
        ),
        "incomplete-eoi": (
            422,
            "Incomplete expression of interest",
            "The expression of interest misses what the programme asks for; `errors` lists each.",
        ),
        "unknown-cohort": (404, "Not Found", "No such cohort."),
        "unknown-team": (
            404,
            "Not Found",
            "No such team, or another organisation's team (it does not exist for the caller).",
        ),
        "unknown-organisation": (404, "Not Found", "No such organisation."),
        "unknown-coach": (404, "Not Found", "No such coach."),
    },
)


def problem(code: str) -> ProblemType:
    """The registered type of ``code`` (a KeyError for a code nobody registered)."""
    return PROBLEMS[code]


def refused(exc: TransitionRefused) -> Conflict:
    """A change the cohort's or team's state does not allow (409, typed by the rule)."""
    return Conflict(exc.detail, type=problem(exc.code))


def conflict(detail: str, code: str) -> Conflict:
    return Conflict(detail, type=problem(code))


def unknown_cohort() -> NotFound:
    return NotFound("no such cohort", type=problem("unknown-cohort"))


def unknown_team() -> NotFound:
    """Also what another organisation's team answers: it does not exist for the caller."""
    return NotFound("no such team", type=problem("unknown-team"))


def unknown_organisation() -> NotFound:
    return NotFound("no such organisation", type=problem("unknown-organisation"))


def unknown_coach() -> NotFound:
    return NotFound("no such coach", type=problem("unknown-coach"))
