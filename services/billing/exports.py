"""Finance exports: the ledger of a date range as CSV, for a finance system to import.

One row per document line (an invoice's list price and discount are two rows), and one per
payment, allocation and refund; each dated by its own date (issue, receipt, allocation, payment
out) and placed by its customer, purchase order and ODS code. Amounts are positive pounds and
pence; the ``entry`` column says which way they go (docs/billing.md lists the columns).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.balances import METHOD_WORDS
from services.billing.documents import document_lines
from services.billing.models import CreditNote, Invoice
from services.billing.problems import problem_type
from services.billing.statements import ENTRY_ORDER
from services.billing.store import queries
from shared.errors import Unprocessable

# At most a year (a financial year, leap day included) at a time.
MAX_RANGE_DAYS = 366

COLUMNS = (
    "date",
    "entry",
    "number",
    "line",
    "against",
    "description",
    "customer",
    "ods_code",
    "purchase_order",
    "net",
    "vat_rate_percent",
    "vat",
    "gross",
    "method",
    "reference",
    "organisation_id",
    "cohort_id",
)


@dataclass(frozen=True)
class Row:
    on: date
    entry: str
    number: str
    line: int
    against: str
    description: str
    customer: Invoice | CreditNote  # the document whose customer and PO the row carries
    net: Decimal | None
    vat_rate: Decimal | None
    vat: Decimal | None
    gross: Decimal
    method: str = ""
    reference: str = ""


def _safe(text: str | None) -> str:
    """Text a spreadsheet would not run as a formula (OWASP CSV injection)."""
    text = text or ""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _percent(rate: Decimal | None) -> str:
    return "" if rate is None else f"{(rate * 100).normalize():f}"


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _rows(ledger: queries.Ledger) -> Iterator[Row]:
    invoices, notes = ledger.invoices_by_id, ledger.credit_notes_by_id
    for invoice in ledger.invoices:
        for n, line in enumerate(document_lines(invoice), start=1):
            yield Row(
                invoice.issued_on, "invoice", invoice.number, n, "", line.description, invoice,
                line.net, line.vat_rate, line.vat, line.gross,
            )  # fmt: skip
    for note in ledger.credit_notes:
        corrected = invoices[note.invoice_id]
        yield Row(
            note.issued_on, "credit_note", note.number, 1, corrected.number, note.description,
            note, note.net, note.vat_rate, note.vat, note.gross,
        )  # fmt: skip
    for payment in ledger.payments:
        paid = invoices[payment.invoice_id]
        yield Row(
            payment.received_on, "payment", "", 1, paid.number,
            f"Payment against invoice {paid.number}", paid, None, None, None, payment.amount,
            METHOD_WORDS.get(payment.method, payment.method), payment.reference,
        )  # fmt: skip
    for allocation in ledger.allocations:
        source, target = notes[allocation.credit_note_id], invoices[allocation.invoice_id]
        yield Row(
            allocation.allocated_on, "allocation", source.number, 1, target.number,
            f"Credit note {source.number} applied to invoice {target.number}", target,
            None, None, None, allocation.amount,
        )  # fmt: skip
    for refund in ledger.refunds:
        source = notes[refund.credit_note_id]
        yield Row(
            refund.paid_on, "refund", source.number, 1, "",
            f"Refund of credit note {source.number}", source, None, None, None, refund.amount,
            METHOD_WORDS.get(refund.method, refund.method), refund.reference,
        )  # fmt: skip


def _purchase_order(row: Row, ledger: queries.Ledger) -> str | None:
    document = row.customer
    if isinstance(document, Invoice):
        return document.purchase_order
    return ledger.invoices_by_id[document.invoice_id].purchase_order


async def ledger_csv(session: AsyncSession, *, start: date, end: date) -> tuple[str, str]:
    """(file name, CSV text) of the ledger from ``start`` to ``end``, both included."""
    if end < start:
        raise Unprocessable("the range ends before it starts", type=problem_type("invalid-range"))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise Unprocessable(
            f"a ledger export covers at most {MAX_RANGE_DAYS} days",
            type=problem_type("invalid-range"),
        )
    ledger = await queries.ledger(session, start=start, end=end)
    rows = sorted(
        _rows(ledger), key=lambda r: (r.on, ENTRY_ORDER[r.entry], r.number, r.against, r.line)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        document = row.customer
        writer.writerow(
            (
                row.on.isoformat(),
                row.entry,
                _safe(row.number),
                row.line,
                _safe(row.against),
                _safe(row.description),
                _safe(document.customer_name),
                _safe(document.customer_ods_code),
                _safe(_purchase_order(row, ledger)),
                _amount(row.net),
                _percent(row.vat_rate),
                _amount(row.vat),
                _amount(row.gross),
                row.method,
                _safe(row.reference),
                document.organisation_id,
                document.cohort_id,
            )
        )
    return f"ledger-{start.isoformat()}-to-{end.isoformat()}.csv", out.getvalue()
