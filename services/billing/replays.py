"""``Idempotency-Key`` on finance's writes (payments, allocations, refunds).

The first request with a key records its row together with the exact answer it was given; a
retry with the same key and the same values is answered with those bytes again (whatever has
happened since), a retry with other values is refused (422). Keys are scoped to the document
the request writes to (an invoice's payments, a credit note's allocations or refunds).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.models import CreditAllocation, CreditNote, Invoice, Movement, Payment, Refund
from services.billing.problems import problem_type
from services.billing.store import queries
from shared.errors import Unprocessable

T = TypeVar("T")
R = TypeVar("R", Payment, CreditAllocation, Refund)

# Builds the answer (JSON text) to a recorded write, as the route gives it.
Answer = Callable[[T], str]


@dataclass(frozen=True)
class Answered(Generic[T]):
    """A write's outcome: what was recorded (None on a replay) and the answer to give."""

    recorded: T | None
    answer: str

    @property
    def replayed(self) -> bool:
        return self.recorded is None


async def replayed(
    session: AsyncSession,
    model: type[R],
    *,
    scope: uuid.UUID,
    idempotency_key: str | None,
    received: dict[str, Any],
    rebuild: Callable[[R], str],
) -> Answered[Any] | None:
    """The answer given to the request that first used the key, if there was one (``rebuild``:
    for a row kept before answers were); 422 when the key was used with other values."""
    if idempotency_key is None:
        return None
    earlier = await queries.by_key(session, model, scope, idempotency_key)
    if earlier is None:
        return None
    if {key: getattr(earlier, key) for key in received} != received:
        raise Unprocessable(
            "this Idempotency-Key was used for a different request",
            type=problem_type("idempotency-key-reused"),
        )
    return Answered(None, earlier.answer if earlier.answer is not None else rebuild(earlier))


def movement(
    against: Invoice | CreditNote, *, by: str, now: datetime, idempotency_key: str | None
) -> dict[str, Any]:
    """The columns every payment, allocation and refund has: whose, who recorded it and when,
    and the key a retry carries."""
    return {
        "organisation_id": against.organisation_id,
        "cohort_id": against.cohort_id,
        "recorded_at": now,
        "recorded_by": by,
        "idempotency_key": idempotency_key,
    }


def date_problem(on: date, *, today: date, earliest: date, what: str, since: str) -> None:
    """Money moves on a real day: not in the future, not before the document it moves against."""
    if on > today:
        raise Unprocessable(
            f"{what} cannot be dated in the future", type=problem_type("invalid-date")
        )
    if on < earliest:
        raise Unprocessable(
            f"the {what} date is before {since} ({earliest})", type=problem_type("invalid-date")
        )


async def kept(session: AsyncSession, row: Movement, recorded: T, answer: Answer[T]) -> Answered[T]:
    """Write a new row with the answer to its request (kept on the row when the client gave a
    key, in the same insert)."""
    text = answer(recorded)
    if row.idempotency_key is not None:
        row.answer = text
    session.add(row)
    await session.flush()
    return Answered(recorded, text)
