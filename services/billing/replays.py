"""``Idempotency-Key`` on finance's writes (payments, allocations, refunds).

The first request with a key records its row together with the exact answer it was given; a
retry with the same key and the same values is answered with those bytes again (whatever has
happened since), a retry with other values is refused (422). Keys are scoped to the document
the request writes to (an invoice's payments, a credit note's allocations or refunds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from services.billing.models import CreditAllocation, Payment, Refund
from shared.errors import Unprocessable

T = TypeVar("T")
Row = Payment | CreditAllocation | Refund

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


def replay(earlier: Row, received: dict[str, Any], rebuild: Callable[[], str]) -> Answered[Any]:
    """The answer given to the request that first used the key (``rebuild``: for a row kept
    before answers were); 422 when the key was used for a write with other values."""
    if {key: getattr(earlier, key) for key in received} != received:
        raise Unprocessable(
            "this Idempotency-Key was used for a different request",
            title="Idempotency-Key reused",
        )
    return Answered(None, earlier.answer if earlier.answer is not None else rebuild())


def answered(row: Row, recorded: T, answer: Answer[T]) -> Answered[T]:
    """Build the answer to a new write and keep it on its row when the client gave a key."""
    text = answer(recorded)
    if row.idempotency_key is not None:
        row.answer = text
    return Answered(recorded, text)
