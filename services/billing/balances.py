"""How credit notes, payments, allocations and refunds settle an organisation's account: pure
rules, no I/O.

A credit note is first applied to its own invoice, as far as that invoice still owes anything;
what it could not apply there is its **unused** amount, which finance allocates to another open
invoice of the organisation or refunds. So, for an organisation (in a cohort):

    balance = invoiced - credited - paid + refunded
            = sum of its invoices' outstanding - sum of its credit notes' unused amounts

Every figure billing shows (an invoice's outstanding, the overdue list, statements, cohort
totals) is computed from these rules, so they agree; none of them is ever negative.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from services.billing.pricing import ZERO, format_gbp, money


class InvoiceStatus(StrEnum):
    ISSUED = "issued"
    PART_PAID = "part_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"  # settled by credit alone, no payment: nothing is owed


class ProformaStatus(StrEnum):
    AWAITING_PO = "awaiting_po"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"  # the team withdrew before the cutoff, or the cohort was cancelled
    SUPERSEDED = "superseded"  # repriced: a later revision replaces it


# How money moves, and how documents name each way.
PaymentMethod = Literal["bacs", "chaps", "card", "cheque", "direct_debit", "other"]
METHOD_WORDS: dict[str, str] = {
    "bacs": "BACS",
    "chaps": "CHAPS",
    "card": "card",
    "cheque": "cheque",
    "direct_debit": "Direct Debit",
    "other": "other means",
}

# The statuses as the API names them.
InvoiceStatusName = Literal["issued", "part_paid", "paid", "overdue", "credited"]
ProformaStatusName = Literal["awaiting_po", "invoiced", "cancelled", "superseded"]


def owed(*, gross: Decimal, credit_applied: Decimal, paid: Decimal) -> Decimal:
    """What is still owed on one invoice. Never negative: credit is applied, payments and
    allocations accepted, only up to what is owed."""
    return gross - credit_applied - paid


def unused(*, gross: Decimal, applied: Decimal, allocated: Decimal, refunded: Decimal) -> Decimal:
    """What is left of a credit note to allocate or refund."""
    return gross - applied - allocated - refunded


def credit_to_apply(*, credit: Decimal, still_owed: Decimal) -> Decimal:
    """How much of a new credit note its own invoice takes: as much as the invoice still owes."""
    return min(credit, max(still_owed, ZERO))


def invoice_status(
    *, gross: Decimal, credit_applied: Decimal, paid: Decimal, due_on: date, today: date
) -> InvoiceStatus:
    """issued → part_paid → paid, or overdue once past the due date with something still owed;
    credited when credit alone settled it."""
    left = owed(gross=gross, credit_applied=credit_applied, paid=paid)
    if left <= 0:
        return InvoiceStatus.PAID if paid > 0 else InvoiceStatus.CREDITED
    if today > due_on:
        return InvoiceStatus.OVERDUE
    if paid > 0:
        return InvoiceStatus.PART_PAID
    return InvoiceStatus.ISSUED


# No single payment, allocation or refund comes near it (a team's fee is a few thousand pounds):
# the documented bound of every amount a client gives.
MAX_AMOUNT = Decimal("1000000.00")


def amount_problem(amount: Decimal, what: str) -> str | None:
    """Why ``amount`` is no amount of money to move (``what``: "a payment", "a refund"...)."""
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        return f"{what} is an amount from £0.01 to {format_gbp(MAX_AMOUNT)}"
    if amount != money(amount):
        return f"{what} is an amount in pounds and pence (at most 2 decimal places)"
    if amount <= 0:
        return f"{what} must be greater than zero"
    return None


# What an amount may not exceed: (the limit, what it is, with {} for the sum, and what to say
# when there is nothing left at all).
Limit = tuple[Decimal, str, str]


def _beyond(amount: Decimal, what: str, *limits: Limit) -> str | None:
    """Why ``amount`` cannot move: it is no amount of money, or more than one of ``limits``."""
    problem = amount_problem(amount, what)
    if problem is not None:
        return problem
    for limit, text, nothing_left in limits:
        if limit <= 0:
            return nothing_left
        if amount > limit:
            return f"{what} of {format_gbp(amount)} exceeds {text.format(format_gbp(limit))}"
    return None


_OWED = "the {} outstanding", "the invoice has nothing outstanding"
_UNUSED = "the credit note's {} unused", "the credit note has nothing unused"


def payment_problem(*, amount: Decimal, still_owed: Decimal) -> str | None:
    """Why a payment of ``amount`` cannot be recorded against an invoice, or None if it can."""
    return _beyond(amount, "the payment", (still_owed, *_OWED))


def allocation_problem(
    *, amount: Decimal, unused_credit: Decimal, still_owed: Decimal
) -> str | None:
    """Why ``amount`` of a credit note cannot be allocated to an invoice, or None if it can."""
    return _beyond(
        amount,
        "the allocation",
        (unused_credit, *_UNUSED),
        (still_owed, "the invoice's {} outstanding", _OWED[1]),
    )


def refund_problem(*, amount: Decimal, unused_credit: Decimal) -> str | None:
    """Why ``amount`` of a credit note cannot be refunded, or None if it can."""
    return _beyond(amount, "the refund", (unused_credit, *_UNUSED))


def balance(*, invoiced: Decimal, credited: Decimal, paid: Decimal, refunded: Decimal) -> Decimal:
    """What an organisation owes (negative: what it is owed)."""
    return invoiced - credited - paid + refunded


def to_chase(overdue: Iterable[Decimal], *, unused_credit: Decimal) -> list[Decimal]:
    """What to chase on each of an organisation's overdue invoices (oldest first): their
    outstanding, less the credit it holds unallocated, taken from the oldest first (as finance
    would allocate it). Nothing is chased that the organisation's statement says it does not
    owe."""
    credit = max(unused_credit, ZERO)
    chased: list[Decimal] = []
    for outstanding in overdue:
        covered = min(outstanding, credit)
        credit -= covered
        chased.append(outstanding - covered)
    return chased
