"""How credit notes, payments, allocations and refunds settle an account (issue 16, item 1),
as pure rules: statuses, what may be paid, allocated or refunded, and what is chased."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.billing.balances import (
    InvoiceStatus,
    allocation_problem,
    balance,
    credit_to_apply,
    invoice_status,
    owed,
    payment_problem,
    refund_problem,
    to_chase,
    unused,
)

D = Decimal


def test_invoice_status_moves_issued_part_paid_paid_or_overdue() -> None:
    gross = D("5160.00")
    due = date(2021, 3, 31)
    kw: dict[str, Any] = {"gross": gross, "credit_applied": D(0), "due_on": due}
    assert invoice_status(paid=D(0), today=date(2021, 3, 1), **kw) is InvoiceStatus.ISSUED
    assert invoice_status(paid=D("100"), today=due, **kw) is InvoiceStatus.PART_PAID
    assert invoice_status(paid=gross, today=date(2021, 5, 1), **kw) is InvoiceStatus.PAID
    assert invoice_status(paid=D("100"), today=date(2021, 4, 1), **kw) is InvoiceStatus.OVERDUE
    credited = {**kw, "credit_applied": gross}
    assert invoice_status(paid=D(0), today=date(2021, 5, 1), **credited) is InvoiceStatus.CREDITED
    # A discount credit applied lowers what must be paid for "paid".
    discounted = {**kw, "credit_applied": D("516.00")}
    assert invoice_status(paid=D("4644.00"), today=due, **discounted) is InvoiceStatus.PAID


def test_a_credit_note_is_applied_only_as_far_as_its_invoice_still_owes() -> None:
    # The issue's case: the first team's invoice was paid in full, then the discount came.
    assert credit_to_apply(credit=D("516.00"), still_owed=D("0.00")) == D("0.00")
    assert credit_to_apply(credit=D("516.00"), still_owed=D("5160.00")) == D("516.00")
    assert credit_to_apply(credit=D("5160.00"), still_owed=D("160.00")) == D("160.00")
    assert unused(gross=D("516.00"), applied=D(0), allocated=D("16.00"), refunded=D("500.00")) == 0


def test_payment_allocation_and_refund_problems() -> None:
    assert payment_problem(amount=D("-1.00"), still_owed=D("5160.00"))
    assert payment_problem(amount=D("0.00"), still_owed=D("5160.00"))
    assert payment_problem(amount=D("1.001"), still_owed=D("5160.00"))
    assert payment_problem(amount=D("5160.01"), still_owed=D("5160.00"))
    assert payment_problem(amount=D("0.01"), still_owed=D("0.00"))
    assert payment_problem(amount=D("1E+400"), still_owed=D("5160.00"))
    assert payment_problem(amount=D("5160.00"), still_owed=D("5160.00")) is None

    assert allocation_problem(amount=D("516.01"), unused_credit=D("516.00"), still_owed=D("9999"))
    assert allocation_problem(amount=D("100.00"), unused_credit=D("516.00"), still_owed=D("99"))
    assert allocation_problem(amount=D("10.00"), unused_credit=D("516.00"), still_owed=D("0"))
    assert (
        allocation_problem(amount=D("516.00"), unused_credit=D("516.00"), still_owed=D("4644.00"))
        is None
    )
    assert refund_problem(amount=D("516.01"), unused_credit=D("516.00"))
    assert refund_problem(amount=D("0.00"), unused_credit=D("516.00"))
    assert refund_problem(amount=D("516.00"), unused_credit=D("516.00")) is None


def test_what_is_chased_nets_the_credit_held_from_the_oldest_invoice() -> None:
    # The issue's case: the next invoice is overdue, the £516 credit is not yet allocated.
    assert to_chase([D("4644.00")], unused_credit=D("516.00")) == [D("4128.00")]
    assert to_chase([D("100.00"), D("4644.00")], unused_credit=D("516.00")) == [
        D("0.00"),
        D("4228.00"),
    ]
    assert to_chase([D("100.00")], unused_credit=D("0.00")) == [D("100.00")]


money = st.integers(min_value=0, max_value=1_000_000).map(lambda p: D(p) / 100)


@given(st.lists(money, max_size=6), money)
def test_chasing_never_asks_for_more_than_the_statement_balance(
    outstanding: list[Decimal], credit: Decimal
) -> None:
    chased = to_chase(outstanding, unused_credit=credit)
    assert all(c >= 0 for c in chased)
    assert all(c <= o for c, o in zip(chased, outstanding, strict=True))
    # All invoices overdue: exactly what the organisation owes net (its statement's balance).
    assert sum(chased, D(0)) == max(sum(outstanding, D(0)) - credit, D(0))


@given(money, money, money, money, money)
def test_balance_is_outstanding_less_unused_credit(
    invoiced: Decimal, already_owed_share: Decimal, paid_share: Decimal, credit: Decimal, r: Decimal
) -> None:
    """One invoice and one credit note: however a credit is applied and the rest refunded,
    the two ways of stating the balance agree."""
    paid = min(paid_share, invoiced)
    applied = credit_to_apply(credit=credit, still_owed=invoiced - paid)
    refunded = min(r, credit - applied)
    outstanding = owed(gross=invoiced, credit_applied=applied, paid=paid)
    left = unused(gross=credit, applied=applied, allocated=D(0), refunded=refunded)
    assert outstanding >= 0 and left >= 0
    assert outstanding - left == balance(
        invoiced=invoiced, credited=credit, paid=paid, refunded=refunded
    )
