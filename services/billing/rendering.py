"""The billing documents as PDF: UK VAT invoice, credit note, pro-forma and an organisation's
statement of account, drawn from views that say everything printed (no I/O here).

fpdf2 is pure Python (no system packages). The DejaVu Sans font shipped with matplotlib (a pinned
dependency) is embedded so any name or address (Welsh circumflexes, dashes, quotes) prints as given;
if it were missing, the PDF core font is used with the text folded to Latin-1.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.billing.pricing import PAYMENT_TERMS_DAYS, ZERO, format_gbp, format_rate


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PROFORMA = "proforma"


TITLES = {
    DocumentKind.INVOICE: "VAT invoice",
    DocumentKind.CREDIT_NOTE: "Credit note",
    DocumentKind.PROFORMA: "Pro-forma invoice",
}
NUMBER_LABELS = {
    DocumentKind.INVOICE: "Invoice number",
    DocumentKind.CREDIT_NOTE: "Credit note number",
    DocumentKind.PROFORMA: "Pro-forma reference",
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
    facts: tuple[tuple[str, str], ...] = ()  # more facts beside the number and dates
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (heading, lines) under the customer
    send_to: tuple[str, ...] = ()  # the customer's accounts-payable contact
    payment_details: tuple[str, ...] = field(default_factory=tuple)  # how to pay, and to whom
    warnings: tuple[str, ...] = ()  # what makes it no real document (development)

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((line.vat for line in self.lines), ZERO)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True, slots=True)
class StatementRow:
    on: date
    kind: str  # words, e.g. "Invoice", "Credit note"
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class StatementView:
    """An organisation's statement of account as printed."""

    supplier: Party
    customer: Party
    as_of: date
    scope: str  # e.g. "All cohorts" or the cohort's name
    rows: tuple[StatementRow, ...]
    totals: tuple[tuple[str, Decimal], ...]
    open_items: tuple[tuple[str, str, Decimal], ...]  # (what, reference, amount)
    send_to: tuple[str, ...] = ()
    payment_details: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


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

    @property
    def width(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)

    def text_of(self, text: str) -> str:
        return text if _FONTS is not None else _latin1(text)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.body_family, "", 8)
        self.cell(0, 5, self.text_of(self._footer_text), align="C")

    def heading(self, title: str, warnings: Sequence[str]) -> None:
        """The document's nature comes first, so nobody mistakes a pro-forma for an invoice;
        then anything that makes it no real document."""
        self.add_page()
        self.set_font(self.body_family, "B", 18)
        self.cell(self.width, 10, title.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for warning in warnings:
            self.set_font(self.body_family, "B", 10)
            self.multi_cell(
                self.width, 5, self.text_of(warning), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.ln(2)

    def section(self, heading: str, lines: Sequence[str]) -> None:
        if not lines:
            return
        self.set_x(self.l_margin)
        self.set_font(self.body_family, "B", 10)
        self.cell(self.width, 6, self.text_of(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.body_family, "", 9)
        for line in lines:
            self.multi_cell(
                self.width, 5, self.text_of(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.ln(2)

    def party(self, heading: str, party: Party, *, x: float, y: float, width: float) -> float:
        self.set_xy(x, y)
        self.set_font(self.body_family, "B", 9)
        self.cell(width, 5, self.text_of(heading), new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(self.body_family, "B", 10)
        self.multi_cell(
            width, 5, self.text_of(party.name), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT
        )
        self.set_font(self.body_family, "", 10)
        lines = [*party.address_lines]
        if party.postcode:
            lines.append(party.postcode)
        if party.vat_registration_number:
            lines.append(f"VAT registration number: {party.vat_registration_number}")
        lines.extend(party.extra)
        for line in lines:
            self.multi_cell(
                width, 5, self.text_of(line), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT
            )
        return float(self.get_y())

    def facts(self, facts: Sequence[tuple[str, str]], *, x: float, y: float, width: float) -> float:
        self.set_xy(x, y)
        for name, value in facts:
            self.set_x(x)
            self.set_font(self.body_family, "B", 9)
            self.cell(40, 5, self.text_of(name + ":"))
            self.set_font(self.body_family, "", 9)
            self.multi_cell(
                width - 40, 5, self.text_of(value), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT
            )
        return float(self.get_y())

    def table_of(
        self,
        widths: tuple[int, ...],
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        size: int = 8,
    ) -> None:
        self.set_x(self.l_margin)
        self.set_font(self.body_family, "", size)
        with self.table(
            col_widths=widths,
            text_align=("LEFT", *(["RIGHT"] * (len(widths) - 1))),
            first_row_as_headings=True,
            line_height=5,
        ) as table:
            heading = table.row()
            for name in header:
                heading.cell(name)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.text_of(value))
        self.ln(3)

    def totals(self, totals: Sequence[tuple[str, str]]) -> None:
        for name, value in totals:
            self.set_x(self.l_margin + self.width - 100)
            self.set_font(self.body_family, "B", 10)
            self.cell(64, 6, self.text_of(name), align="R")
            self.set_font(self.body_family, "", 10)
            self.cell(36, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)


def _day(value: date) -> str:
    return value.strftime("%d %B %Y")


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
    nature = ("NOT A VAT INVOICE",) if kind is DocumentKind.PROFORMA else ()
    pdf.heading(TITLES[kind], (*nature, *view.warnings))

    top, half = pdf.get_y(), pdf.width / 2 - 4
    bottom_supplier = pdf.party("From", view.supplier, x=pdf.l_margin, y=top, width=half)
    facts = [(NUMBER_LABELS[kind], view.number), ("Date of issue", _day(view.issued_on))]
    if kind is not DocumentKind.PROFORMA:
        facts.append(("Time of supply", _day(view.time_of_supply or view.issued_on)))
    if view.references_invoice:
        facts.append(("Against invoice", view.references_invoice))
    facts.append(("Purchase order", view.purchase_order or "awaiting purchase order"))
    if view.due_on and kind is not DocumentKind.CREDIT_NOTE:
        facts.append(("Payment due", _day(view.due_on)))
    facts.extend(view.facts)
    right = pdf.l_margin + pdf.width / 2 + 4
    bottom_facts = pdf.facts(facts, x=right, y=top, width=half)

    y = max(bottom_supplier, bottom_facts) + 6
    heading = "Credit to" if kind is DocumentKind.CREDIT_NOTE else "Bill to"
    pdf.party(heading, view.customer, x=pdf.l_margin, y=y, width=pdf.width)
    pdf.ln(3)
    pdf.section("Send to (accounts payable)", view.send_to)
    if view.reason:
        pdf.section("Reason for credit", [view.reason])
    for heading, lines in view.sections:
        pdf.section(heading, lines)

    # Lines: net, VAT rate, VAT and gross per line, each in sterling.
    pdf.table_of(
        (74, 26, 18, 26, 30),
        ("Description", "Net (GBP)", "VAT rate", "VAT (GBP)", "Gross (GBP)"),
        [
            (
                line.description,
                format_gbp(line.net),
                format_rate(line.vat_rate),
                format_gbp(line.vat),
                format_gbp(line.gross),
            )
            for line in view.lines
        ],
    )
    rates = ", ".join(format_rate(rate) for rate in sorted({line.vat_rate for line in view.lines}))
    pdf.totals(
        [
            ("Total net", format_gbp(view.net)),
            (f"Total VAT at {rates}", format_gbp(view.vat)),
            (
                "Total credited" if kind is DocumentKind.CREDIT_NOTE else "Total due (GBP)",
                format_gbp(view.gross),
            ),
        ]
    )
    if kind is DocumentKind.INVOICE:
        notes = [
            f"Payment terms: {PAYMENT_TERMS_DAYS} days from the date of issue. "
            "Please quote the invoice number and purchase order with your payment."
        ]
    elif kind is DocumentKind.PROFORMA:
        notes = [
            "This pro-forma is not a VAT invoice. A VAT invoice with its own number will be "
            "issued when your purchase order is received. Do not pay against this document.",
            f"Payment terms of the VAT invoice: {PAYMENT_TERMS_DAYS} days.",
        ]
    else:
        notes = [
            "This credit note reduces the amount owed on the invoice above, at that invoice's "
            "VAT rate. Any part of it that invoice no longer needs is applied to another of "
            "your invoices or refunded."
        ]
    pdf.section("Notes", notes)
    pdf.section("How to pay", view.payment_details)
    return bytes(pdf.output())


def render_statement(view: StatementView) -> bytes:
    """An organisation's statement of account as an A4 PDF."""
    pdf = _Pdf(f"Statement of account for {view.customer.name} as of {_day(view.as_of)}.")
    pdf.set_title(f"Statement of account {view.customer.name}")
    pdf.set_author(view.supplier.name)
    pdf.heading("Statement of account", view.warnings)
    top, half = pdf.get_y(), pdf.width / 2 - 4
    bottom_supplier = pdf.party("From", view.supplier, x=pdf.l_margin, y=top, width=half)
    facts = [("Statement date", _day(view.as_of)), ("Covering", view.scope)]
    bottom_facts = pdf.facts(facts, x=pdf.l_margin + pdf.width / 2 + 4, y=top, width=half)
    y = max(bottom_supplier, bottom_facts) + 6
    pdf.party("Account of", view.customer, x=pdf.l_margin, y=y, width=pdf.width)
    pdf.ln(3)
    pdf.section("Send to (accounts payable)", view.send_to)
    pdf.table_of(
        (17, 17, 27, 53, 20, 20, 20),
        ("Date", "Entry", "Reference", "Description", "Debit", "Credit", "Balance"),
        [
            (
                row.on.strftime("%d/%m/%Y"),
                row.kind,
                row.reference,
                row.description,
                format_gbp(row.debit) if row.debit else "",
                format_gbp(row.credit) if row.credit else "",
                format_gbp(row.balance),
            )
            for row in view.rows
        ],
        size=7,
    )
    pdf.totals([(name, format_gbp(amount)) for name, amount in view.totals])
    pdf.section(
        "Open items",
        [f"{what} {reference}: {format_gbp(amount)}" for what, reference, amount in view.open_items]
        or ["Nothing is open."],
    )
    pdf.section("How to pay", view.payment_details)
    return bytes(pdf.output())
