"""The billing events in the catalogue, and the settings guard for production documents."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from services.billing.settings import BillingSettings
from shared.events import CATALOGUE
from shared.events.billing import CreditNoteIssued

SUBJECTS = {
    "billing.invoice.issued",
    "billing.proforma.issued",
    "billing.credit_note.issued",
    "billing.payment.recorded",
    "billing.invoice.paid",
    "billing.invoice.overdue",
    "billing.credit.allocated",
    "billing.refund.recorded",
}


def test_every_billing_event_is_in_the_catalogue() -> None:
    assert set(CATALOGUE) >= SUBJECTS


def test_billing_events_are_frozen_and_keep_money_exact() -> None:
    event = CreditNoteIssued(
        credit_note_id=uuid.uuid4(),
        number="EWC-CN-2021-00001",
        invoice_id=uuid.uuid4(),
        invoice_number="EWC-2021-00001",
        cohort_id=uuid.uuid4(),
        organisation_id=uuid.uuid4(),
        team_id=uuid.uuid4(),
        reason="multi_team_discount",
        issued_on=date(2021, 3, 1),
        net=Decimal("430.00"),
        vat_rate=Decimal("0.20"),
        vat=Decimal("86.00"),
        gross=Decimal("516.00"),
    )
    with pytest.raises(ValidationError):
        event.gross = Decimal("1")  # type: ignore[misc]
    data = event.model_dump(mode="json")
    assert data["gross"] == "516.00"
    assert CreditNoteIssued.model_validate(data) == event
    with pytest.raises(ValidationError):
        CreditNoteIssued.model_validate({**data, "reason": "goodwill"})


REMITTANCE = {
    "remittance_bank": "Lloyds Bank",
    "remittance_account_name": "Royal College of Psychiatrists",
    "remittance_sort_code": "30-94-57",
    "remittance_account_number": "12345678",
}
PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "jwt_secret": "x" * 40,
    "database_url": "postgresql+asyncpg://billing@db/billing",
}


def test_production_needs_the_real_vat_registration_number() -> None:
    with pytest.raises(ValidationError, match="VAT registration number"):
        BillingSettings(**PRODUCTION, **REMITTANCE)
    settings = BillingSettings(**PRODUCTION, **REMITTANCE, supplier_vat_number="GB 123 4567 89")
    assert settings.supplier_vat_number == "GB 123 4567 89"


@pytest.mark.parametrize("missing", sorted(REMITTANCE))
def test_production_needs_every_remittance_detail(missing: str) -> None:
    """Issue 16 item 5: how to pay is printed on every invoice, so production refuses to start
    without the bank, account name, sort code and account number."""
    given = {k: v for k, v in REMITTANCE.items() if k != missing}
    with pytest.raises(ValidationError, match=f"BILLING_{missing.upper()}"):
        BillingSettings(**PRODUCTION, **given, supplier_vat_number="GB 123 4567 89")


def test_development_may_lack_them_and_bank_details_are_checked() -> None:
    settings = BillingSettings(environment="development")
    assert settings.placeholder_vat_number
    assert len(settings.remittance_missing) == 4
    with pytest.raises(ValidationError):
        BillingSettings(**{**REMITTANCE, "remittance_sort_code": "309457"})
    with pytest.raises(ValidationError):
        BillingSettings(**{**REMITTANCE, "remittance_account_number": "1234"})
