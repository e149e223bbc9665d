"""The billing documents as PDF: UK VAT invoice, credit note and pro-forma (what a reader may
download), their views built from the stored rows, and the rendering.

fpdf2 is pure Python (no system packages). The DejaVu Sans font shipped with matplotlib (a pinned
dependency) is embedded so any name or address (Welsh circumflexes, dashes, quotes) prints as given;
if it were missing, the PDF core font is used with the text folded to Latin-1.
"""

from __future__ import annotations

import asyncio
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.invoicing import Customer
from services.billing.models import CreditNote, Invoice, Proforma
from services.billing.pricing import PAYMENT_TERMS_DAYS, format_gbp, format_rate
from services.billing.settings import BillingSettings
from services.billing.statements import get_credit_note, get_invoice, get_proforma
from services.billing.store import queries
from shared.auth import Principal


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PROFORMA = "proforma"


TITLES = {
    DocumentKind.INVOICE: "VAT invoice",
    DocumentKind.CREDIT_NOTE: "Credit note",
    DocumentKind.PROFORMA: "Pro-forma invoice",
}


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address_lines: tuple[str, ...]
    postcode: str | None = None
    vat_registration_number: str | None = None
    extra: tuple[str, ...] = ()  # e.g. ODS code, payables address


@dataclass(frozen=True, slots=True)
class Line:
    description: str
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True, slots=True)
class DocumentView:
    """Everything printed on one document; built by the service from its stored rows."""

    kind: DocumentKind
    number: str
    issued_on: date
    supplier: Party
    customer: Party
    lines: tuple[Line, ...]
    purchase_order: str | None = None
    time_of_supply: date | None = None
    due_on: date | None = None
    references_invoice: str | None = None  # credit notes: the invoice they correct
    reason: str | None = None  # credit notes: why
    payment_details: tuple[str, ...] = field(default_factory=tuple)

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return sum((line.vat for line in self.lines), Decimal("0.00"))

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def _dejavu() -> tuple[Path, Path] | None:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a pinned dependency
        return None
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    regular, bold = fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        return regular, bold
    return None  # pragma: no cover


_FONTS = _dejavu()

_FOLD = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def _latin1(text: str) -> str:
    text = text.translate(_FOLD)
    if all(ord(c) < 256 for c in text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if ord(c) < 256 and not unicodedata.combining(c))


class _Pdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer_text
        if _FONTS is not None:
            self.add_font("Body", "", str(_FONTS[0]))
            self.add_font("Body", "B", str(_FONTS[1]))
            self.body_family = "Body"
        else:  # pragma: no cover
            self.body_family = "Helvetica"
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(18, 18, 18)

    def text_of(self, text: str) -> str:
        return text if _FONTS is not None else _latin1(text)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.body_family, "", 8)
        self.cell(0, 5, self.text_of(self._footer_text), align="C")


def _party_block(
    pdf: _Pdf, heading: str, party: Party, *, x: float, y: float, width: float
) -> float:
    pdf.set_xy(x, y)
    pdf.set_font(pdf.body_family, "B", 9)
    pdf.cell(width, 5, pdf.text_of(heading), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(pdf.body_family, "B", 10)
    pdf.multi_cell(width, 5, pdf.text_of(party.name), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(pdf.body_family, "", 10)
    lines = [*party.address_lines]
    if party.postcode:
        lines.append(party.postcode)
    if party.vat_registration_number:
        lines.append(f"VAT registration number: {party.vat_registration_number}")
    lines.extend(party.extra)
    for line in lines:
        pdf.multi_cell(width, 5, pdf.text_of(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
    return pdf.get_y()


def render_pdf(view: DocumentView) -> bytes:
    """The document as a one-page (or more) A4 PDF."""
    kind = view.kind
    if kind is DocumentKind.PROFORMA:
        footer = "Pro-forma: this is not a VAT invoice and creates no tax point."
    elif kind is DocumentKind.CREDIT_NOTE:
        footer = f"Credit note {view.number} against invoice {view.references_invoice}."
    else:
        footer = f"VAT invoice {view.number}."
    pdf = _Pdf(footer)
    pdf.set_title(f"{TITLES[kind]} {view.number}")
    pdf.set_author(view.supplier.name)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # Heading: the document's nature comes first, so nobody mistakes a pro-forma for an invoice.
    pdf.set_font(pdf.body_family, "B", 18)
    pdf.cell(width, 10, TITLES[kind].upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if kind is DocumentKind.PROFORMA:
        pdf.set_font(pdf.body_family, "B", 12)
        pdf.cell(width, 7, "NOT A VAT INVOICE", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    top = pdf.get_y()
    half = width / 2 - 4
    bottom_supplier = _party_block(pdf, "From", view.supplier, x=pdf.l_margin, y=top, width=half)

    # Document facts on the right.
    facts: list[tuple[str, str]] = []
    label = {
        DocumentKind.INVOICE: "Invoice number",
        DocumentKind.CREDIT_NOTE: "Credit note number",
        DocumentKind.PROFORMA: "Pro-forma reference",
    }[kind]
    facts.append((label, view.number))
    facts.append(("Date of issue", view.issued_on.strftime("%d %B %Y")))
    if kind is not DocumentKind.PROFORMA:
        supply = view.time_of_supply or view.issued_on
        facts.append(("Time of supply", supply.strftime("%d %B %Y")))
    if view.references_invoice:
        facts.append(("Against invoice", view.references_invoice))
    facts.append(("Purchase order", view.purchase_order or "awaiting purchase order"))
    if view.due_on and kind is not DocumentKind.CREDIT_NOTE:
        facts.append(("Payment due", view.due_on.strftime("%d %B %Y")))
    right_x = pdf.l_margin + width / 2 + 4
    pdf.set_xy(right_x, top)
    for name, value in facts:
        pdf.set_x(right_x)
        pdf.set_font(pdf.body_family, "B", 9)
        pdf.cell(40, 5, pdf.text_of(name + ":"))
        pdf.set_font(pdf.body_family, "", 9)
        pdf.multi_cell(half - 40, 5, pdf.text_of(value), new_x=XPos.LEFT, new_y=YPos.NEXT)
    bottom_facts = pdf.get_y()

    y = max(bottom_supplier, bottom_facts) + 6
    _party_block(
        pdf,
        "Credit to" if kind is DocumentKind.CREDIT_NOTE else "Bill to",
        view.customer,
        x=pdf.l_margin,
        y=y,
        width=width,
    )
    pdf.ln(4)

    if view.reason:
        pdf.set_x(pdf.l_margin)
        pdf.set_font(pdf.body_family, "B", 10)
        pdf.cell(width, 6, "Reason for credit", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(pdf.body_family, "", 10)
        pdf.multi_cell(width, 5, pdf.text_of(view.reason), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)

    # Lines: net, VAT rate, VAT and gross per line, each in sterling.
    pdf.set_x(pdf.l_margin)
    pdf.set_font(pdf.body_family, "", 9)
    with pdf.table(
        col_widths=(74, 26, 18, 26, 30),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        first_row_as_headings=True,
        line_height=6,
    ) as table:
        header = table.row()
        for name in ("Description", "Net (GBP)", "VAT rate", "VAT (GBP)", "Gross (GBP)"):
            header.cell(name)
        for line in view.lines:
            row = table.row()
            row.cell(pdf.text_of(line.description))
            row.cell(format_gbp(line.net))
            row.cell(format_rate(line.vat_rate))
            row.cell(format_gbp(line.vat))
            row.cell(format_gbp(line.gross))
    pdf.ln(4)

    rates = sorted({line.vat_rate for line in view.lines})
    rate_text = ", ".join(format_rate(rate) for rate in rates)
    totals = [
        ("Total net", format_gbp(view.net)),
        (f"Total VAT at {rate_text}", format_gbp(view.vat)),
        (
            "Total credited" if kind is DocumentKind.CREDIT_NOTE else "Total due (GBP)",
            format_gbp(view.gross),
        ),
    ]
    for name, value in totals:
        pdf.set_x(pdf.l_margin + width - 100)
        pdf.set_font(pdf.body_family, "B", 10)
        pdf.cell(64, 6, pdf.text_of(name), align="R")
        pdf.set_font(pdf.body_family, "", 10)
        pdf.cell(36, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    pdf.set_font(pdf.body_family, "", 9)
    notes: list[str] = []
    if kind is DocumentKind.INVOICE:
        notes.append(
            f"Payment terms: {PAYMENT_TERMS_DAYS} days from the date of issue. "
            "Please quote the invoice number and purchase order with your payment."
        )
    elif kind is DocumentKind.PROFORMA:
        notes.append(
            "This pro-forma is not a VAT invoice. A VAT invoice with its own number will be issued "
            "when your purchase order is received. Do not pay against this document."
        )
        notes.append(f"Payment terms of the VAT invoice: {PAYMENT_TERMS_DAYS} days.")
    else:
        notes.append(
            "This credit note reduces the amount owed on the invoice above, at that invoice's "
            "VAT rate."
        )
    notes.extend(view.payment_details)
    for note in notes:
        pdf.multi_cell(width, 5, pdf.text_of(note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


# --- views of the stored documents, and the downloads ------------------------------------------


def supplier(settings: BillingSettings) -> Party:
    return Party(
        name=settings.supplier_name,
        address_lines=tuple(settings.supplier_address),
        postcode=settings.supplier_postcode,
        vat_registration_number=settings.supplier_vat_number,
        extra=(settings.supplier_email,) if settings.supplier_email else (),
    )


def _view(
    settings: BillingSettings,
    row: Invoice | Proforma | CreditNote,
    kind: DocumentKind,
    number: str,
) -> DocumentView:
    """What every document shows: the supplier, the customer as the row states it, its one
    line (each kind's own facts are added to it)."""
    stated = Customer.of_document(row)
    extra: list[str] = []
    if stated.ods_code:
        extra.append(f"ODS code: {stated.ods_code}")
    if stated.payables_code:
        extra.append(f"Payables code: {stated.payables_code}")
    customer = Party(stated.name, stated.address, stated.postcode, extra=tuple(extra))
    line = Line(row.description, row.net, row.vat_rate, row.vat, row.gross)
    return DocumentView(
        kind=kind,
        number=number,
        issued_on=row.issued_on,
        supplier=supplier(settings),
        customer=customer,
        lines=(line,),
    )


def invoice_view(settings: BillingSettings, invoice: Invoice) -> DocumentView:
    return replace(
        _view(settings, invoice, DocumentKind.INVOICE, invoice.number),
        time_of_supply=invoice.time_of_supply,
        purchase_order=invoice.purchase_order,
        due_on=invoice.due_on,
        payment_details=tuple(settings.payment_details),
    )


def credit_note_view(
    settings: BillingSettings, note: CreditNote, invoice_number: str, purchase_order: str | None
) -> DocumentView:
    return replace(
        _view(settings, note, DocumentKind.CREDIT_NOTE, note.number),
        time_of_supply=note.issued_on,
        purchase_order=purchase_order,
        references_invoice=invoice_number,
        reason=note.reason_text,
    )


def proforma_view(settings: BillingSettings, proforma: Proforma) -> DocumentView:
    return _view(settings, proforma, DocumentKind.PROFORMA, proforma.reference)


async def _rendered(filename: str, view: DocumentView) -> tuple[str, bytes]:
    """(file name, PDF): rendering takes a while, so it runs off the event loop."""
    return f"{filename}.pdf", await asyncio.to_thread(render_pdf, view)


async def invoice_pdf(
    session: AsyncSession, *, settings: BillingSettings, invoice_id: uuid.UUID, user: Principal
) -> tuple[str, bytes]:
    invoice = await get_invoice(session, invoice_id=invoice_id, user=user)
    return await _rendered(invoice.number, invoice_view(settings, invoice))


async def credit_note_pdf(
    session: AsyncSession, *, settings: BillingSettings, credit_note_id: uuid.UUID, user: Principal
) -> tuple[str, bytes]:
    note, invoice_number = await get_credit_note(session, credit_note_id=credit_note_id, user=user)
    purchase_order = await queries.purchase_order_of(session, note.invoice_id)
    return await _rendered(
        note.number, credit_note_view(settings, note, invoice_number, purchase_order)
    )


async def proforma_pdf(
    session: AsyncSession, *, settings: BillingSettings, proforma_id: uuid.UUID, user: Principal
) -> tuple[str, bytes]:
    proforma = await get_proforma(session, proforma_id=proforma_id, user=user)
    return await _rendered(proforma.reference, proforma_view(settings, proforma))
