"""The PDFs a finance team receives: what they say, read back with pypdf."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from services.billing.pricing import Amounts, due_date
from services.billing.rendering import DocumentKind, DocumentView, Line, Party, render_pdf

SUPPLIER = Party(
    name="Royal College of Psychiatrists",
    address_lines=("21 Prescot Street", "London"),
    postcode="E1 8BB",
    vat_registration_number="GB 123 4567 89",
)
CUSTOMER = Party(
    name="Betsi Cadwaladr University Health Board — Ysbyty Gwynedd",
    address_lines=("Penrhosgarnedd", "Bangor"),
    postcode="LL57 2PW",
)
FULL = Amounts.of_net(Decimal("4300.00"), Decimal("0.20"))
DESCRIPTION = "Enjoying Work membership: team Ward 7, Cohort 1 (1 April 2021 to 31 March 2022)"


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def line(amounts: Amounts, description: str = DESCRIPTION) -> Line:
    return Line(description, amounts.net, amounts.vat_rate, amounts.vat, amounts.gross)


def test_invoice_pdf_carries_what_a_uk_vat_invoice_needs() -> None:
    issued = date(2021, 3, 1)
    view = DocumentView(
        kind=DocumentKind.INVOICE,
        number="EWC-2021-00001",
        issued_on=issued,
        time_of_supply=issued,
        supplier=SUPPLIER,
        customer=CUSTOMER,
        lines=(line(FULL),),
        purchase_order="PO-778899",
        due_on=due_date(issued),
    )
    text = text_of(render_pdf(view))
    for expected in (
        "VAT INVOICE",
        "EWC-2021-00001",
        "PO-778899",
        "VAT registration number: GB 123 4567 89",
        "Royal College of Psychiatrists",
        "21 Prescot Street",
        "Betsi Cadwaladr University Health Board — Ysbyty Gwynedd",
        "LL57 2PW",
        "Ward 7",
        "£4,300.00",
        "20%",
        "£860.00",
        "£5,160.00",
        "Date of issue: 01 March 2021",
        "Time of supply: 01 March 2021",
        "Payment due: 31 March 2021",
        "30 days",
    ):
        assert expected in text, expected
    assert "NOT A VAT INVOICE" not in text.upper().replace("A VAT INVOICE WITH", "")


def test_credit_note_is_headed_credit_note_references_the_invoice_and_says_why() -> None:
    difference = FULL - Amounts.of_net(Decimal("3870.00"), Decimal("0.20"))
    view = DocumentView(
        kind=DocumentKind.CREDIT_NOTE,
        number="EWC-CN-2021-00001",
        issued_on=date(2021, 4, 15),
        supplier=SUPPLIER,
        customer=CUSTOMER,
        lines=(line(difference, "Multi-team discount on invoice EWC-2021-00001"),),
        purchase_order="PO-778899",
        references_invoice="EWC-2021-00001",
        reason="The organisation's second team was confirmed: 10% multi-team discount.",
    )
    text = text_of(render_pdf(view))
    assert text.startswith("CREDIT NOTE")
    for expected in (
        "EWC-CN-2021-00001",
        "Against invoice: EWC-2021-00001",
        "second team was confirmed",
        "£430.00",
        "£86.00",
        "£516.00",
        "20%",
        "GB 123 4567 89",
    ):
        assert expected in text, expected


def test_proforma_says_it_is_not_a_vat_invoice() -> None:
    view = DocumentView(
        kind=DocumentKind.PROFORMA,
        number="EWC-PF-2021-00001",
        issued_on=date(2021, 3, 1),
        supplier=SUPPLIER,
        customer=CUSTOMER,
        lines=(line(FULL),),
    )
    text = text_of(render_pdf(view))
    assert "NOT A VAT INVOICE" in text
    assert "awaiting purchase order" in text
    assert "Invoice number" not in text
    assert "Time of supply" not in text
    assert "£5,160.00" in text
