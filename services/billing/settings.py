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
    # Printed under the totals: how to pay (bank details are configuration, not code).
    payment_details: list[str] = Field(default_factory=list)
    programme_name: str = "Enjoying Work collaborative"
    # Document numbers read <prefix>-<year>-00001, <prefix>-CN-<year>-00001, <prefix>-PF-...
    document_prefix: str = "EWC"
    # How often the service looks for invoices that have fallen overdue (records the event once).
    overdue_check_seconds: float = 3600.0

    @model_validator(mode="after")
    def _real_vat_number_in_production(self) -> BillingSettings:
        if self.environment == "production" and self.supplier_vat_number == PLACEHOLDER_VAT_NUMBER:
            raise ValueError("production needs the supplier's real VAT registration number")
        return self


get_settings = settings_getter(BillingSettings)
