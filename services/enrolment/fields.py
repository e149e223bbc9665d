"""The field types of the enrolment service's requests and answers: checked text, programme
dates, the programme's names for nations, settings and statuses, and times that always leave the
API with their offset. Shared by the input models beside the use cases and by ``schemas``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, StringConstraints

from shared.events.enrolment import Nation, Setting
from shared.fields import (
    FreeText,
    ProgrammeDate,
    ProgrammeDateTime,
    RequestModel,
    Text200,
    Text2000,
    UtcDateTime,
    strip,
)

__all__ = [
    "CohortStatusName",
    "InvoiceReferenceText",
    "Nation",
    "Postcode",
    "ProgrammeDate",
    "ProgrammeDateTime",
    "PurchaseOrder",
    "Reason",
    "RequestModel",
    "Setting",
    "TeamStatusName",
    "Text200",
    "Text2000",
    "UtcDateTime",
]

TeamStatusName = Literal["submitted", "accepted", "declined", "confirmed", "withdrawn", "released"]
CohortStatusName = Literal["open", "closed", "confirmed", "cancelled"]

# Optional free text (may be empty): reasons, purchase orders and other invoice references,
# postcodes.
Reason = FreeText
PurchaseOrder = Annotated[str, StringConstraints(max_length=100), AfterValidator(strip)]
InvoiceReferenceText = PurchaseOrder
Postcode = Annotated[str, StringConstraints(max_length=10), AfterValidator(strip)]
