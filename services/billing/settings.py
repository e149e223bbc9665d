"""Settings of the billing service (environment variables prefixed ``BILLING_``)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, settings_getter

PLACEHOLDER_VAT_NUMBER = "GB 000 0000 00"


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore")

    service_name: str = "billing"
    port: int = 8004

    # The supplier printed on every document (a VAT invoice must name it and its VAT number).
    supplier_name: str = "Royal College of Psychiatrists"
    supplier_address: list[str] = Field(default_factory=lambda: ["21 Prescot Street", "London"])
    supplier_postcode: str = "E1 8BB"
    supplier_vat_number: str = PLACEHOLDER_VAT_NUMBER
    supplier_email: str = "enjoyingwork@rcpsych.ac.uk"
    # How to pay, printed on every invoice and statement (bank details are configuration, not
    # code; production refuses to start without them). The payment reference to quote is the
    # invoice's number.
    remittance_bank: str | None = None
    remittance_account_name: str | None = None
    remittance_sort_code: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}-\d{2}$")
    remittance_account_number: str | None = Field(default=None, pattern=r"^\d{8}$")
    # Where to send remittance advice, and any further lines printed under "How to pay".
    remittance_email: str | None = None
    payment_details: list[str] = Field(default_factory=list)
    programme_name: str = "Enjoying Work collaborative"
    # Document numbers read <prefix>-<year>-00001, <prefix>-CN-<year>-00001, <prefix>-PF-...
    document_prefix: str = "EWC"
    # How often the service looks for invoices that have fallen overdue (records the event once).
    overdue_check_seconds: float = 3600.0

    @property
    def remittance_missing(self) -> list[str]:
        """The remittance details not configured (by their variable names)."""
        required = {
            "BILLING_REMITTANCE_BANK": self.remittance_bank,
            "BILLING_REMITTANCE_ACCOUNT_NAME": self.remittance_account_name,
            "BILLING_REMITTANCE_SORT_CODE": self.remittance_sort_code,
            "BILLING_REMITTANCE_ACCOUNT_NUMBER": self.remittance_account_number,
        }
        return [name for name, value in required.items() if not (value or "").strip()]

    @property
    def placeholder_vat_number(self) -> bool:
        return self.supplier_vat_number == PLACEHOLDER_VAT_NUMBER

    @model_validator(mode="after")
    def _real_documents_in_production(self) -> BillingSettings:
        if self.environment != "production":
            return self  # development documents say what they lack (``documents.warnings``)
        if self.placeholder_vat_number:
            raise ValueError("production needs the supplier's real VAT registration number")
        if self.remittance_missing:
            raise ValueError(
                "production prints how to pay on every invoice: set "
                + ", ".join(self.remittance_missing)
            )
        return self


get_settings = settings_getter(BillingSettings)
