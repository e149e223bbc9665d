"""The billing service's own problem types (``application/problem+json``), registered once in the
platform's registry (docs/problems.md lists them)."""

from __future__ import annotations

from shared.problems import ProblemType, register_problems

PROBLEMS = register_problems(
    "billing",
    {
        "credit-not-available": (
            422,
            "Credit not available",
            "The credit note's unused amount cannot be applied or refunded as asked (over what "
            "is unused or owed, or another organisation's or cohort's invoice); `unused` says "
            "what is left.",
        ),
        "payment-refused": (
            422,
            "Payment refused",
            "The payment is more than the invoice still owes, or not a positive amount; "
            "`outstanding` says what is owed.",
        ),
        "invalid-date": (
            422,
            "Invalid date",
            "Money moves on a real day: not in the future, not before the document it moves "
            "against.",
        ),
        "invalid-range": (
            422,
            "Invalid range",
            "The export's date range ends before it starts or is longer than allowed.",
        ),
        "idempotency-key-reused": (
            422,
            "Idempotency-Key reused",
            "The Idempotency-Key was used before for a different request.",
        ),
    },
)


def problem_type(code: str) -> ProblemType:
    """The registered type of ``code`` (a KeyError for a code nobody registered)."""
    return PROBLEMS[code]
