"""Money moved against documents: payments, allocations of unused credit and refunds, what
finance sends and what each write answers (its answer is kept as JSON text for a replay)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Generic, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.billing.allocations import Allocated, Refunded
from services.billing.balances import MAX_AMOUNT, PaymentMethod
from services.billing.payments import RecordedPayment
from services.billing.pricing import money
from services.billing.replays import Answer
from services.billing.schemas.documents import CreditNoteOut, FromAttributes, InvoiceOut
from services.billing.settings import BillingSettings
from shared.fields import IsoDate, Text100, UtcDateTime

# Every amount a client gives: pounds and pence, with a documented bound (``MAX_AMOUNT``).
Money = Annotated[
    Decimal,
    Field(
        ge=Decimal("0.01"),
        le=MAX_AMOUNT,
        decimal_places=2,
        description=f'GBP, 0.01 to {MAX_AMOUNT:,}, at most 2 decimal places, e.g. "2580.00".',
    ),
    AfterValidator(money),
]


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_on: IsoDate
    amount: Money = Field(description="Partial payments allowed.")
    reference: Text100
    method: PaymentMethod


class PaymentOut(FromAttributes):
    id: uuid.UUID
    invoice_id: uuid.UUID
    received_on: IsoDate
    amount: Decimal
    reference: str
    method: str
    recorded_at: UtcDateTime
    recorded_by: str


Done = TypeVar("Done")


class RecordedOut(BaseModel, Generic[Done]):
    """The answer to a write of money, built from what the use case recorded."""

    @classmethod
    def of(cls, settings: BillingSettings, done: Done, *, today: date) -> Self:
        raise NotImplementedError

    @classmethod
    def answer(cls, settings: BillingSettings, *, today: date) -> Answer[Done]:
        """The answer as JSON text: what the use case keeps to replay a retried request."""
        return lambda done: cls.of(settings, done, today=today).model_dump_json()


class PaymentRecordedOut(RecordedOut[RecordedPayment]):
    payment: PaymentOut
    invoice: InvoiceOut

    @classmethod
    def of(cls, settings: BillingSettings, done: RecordedPayment, *, today: date) -> Self:
        return cls(
            payment=PaymentOut.build(done.payment),
            invoice=InvoiceOut.build(settings, done.invoice, today=today),
        )


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_id: uuid.UUID = Field(
        description="An open invoice of the same organisation in the same cohort."
    )
    amount: Money


class AllocationOut(FromAttributes):
    id: uuid.UUID
    credit_note_id: uuid.UUID
    invoice_id: uuid.UUID
    amount: Decimal
    allocated_on: date
    recorded_at: UtcDateTime
    recorded_by: str


class AllocationRecordedOut(RecordedOut[Allocated]):
    allocation: AllocationOut
    credit_note: CreditNoteOut
    invoice: InvoiceOut

    @classmethod
    def of(cls, settings: BillingSettings, done: Allocated, *, today: date) -> Self:
        return cls(
            allocation=AllocationOut.build(done.allocation),
            credit_note=CreditNoteOut.build(settings, done.credit_note, done.corrects),
            invoice=InvoiceOut.build(settings, done.invoice, today=today),
        )


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Money
    paid_on: IsoDate
    reference: Text100 = Field(description="The reference the money went out with.")
    method: PaymentMethod


class RefundOut(FromAttributes):
    id: uuid.UUID
    credit_note_id: uuid.UUID
    amount: Decimal
    paid_on: date
    reference: str
    method: str
    recorded_at: UtcDateTime
    recorded_by: str


class RefundRecordedOut(RecordedOut[Refunded]):
    refund: RefundOut
    credit_note: CreditNoteOut

    @classmethod
    def of(cls, settings: BillingSettings, done: Refunded, *, today: date) -> Self:
        return cls(
            refund=RefundOut.build(done.refund),
            credit_note=CreditNoteOut.build(settings, done.credit_note, done.corrects),
        )
