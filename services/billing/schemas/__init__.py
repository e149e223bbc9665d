"""Request and response models of the billing API, by what they are about: documents, money
moved against them, and the reports read across them.

Amounts are GBP ``Decimal`` strings with two places (JSON numbers would invite float). Requests
forbid extra fields: status, organisation and prices are never client-settable. Every time in
an answer carries its offset.
"""

from services.billing.schemas.documents import (
    AccountsPayableOut,
    CreditNoteOut,
    CustomerOut,
    InvoiceOut,
    LineOut,
    ProformaOut,
    PurchaseOrderIn,
    SupplierOut,
    WithdrawalOut,
)
from services.billing.schemas.money import (
    AllocationIn,
    AllocationOut,
    AllocationRecordedOut,
    Money,
    PaymentIn,
    PaymentOut,
    PaymentRecordedOut,
    RecordedOut,
    RefundIn,
    RefundOut,
    RefundRecordedOut,
)
from services.billing.schemas.reports import (
    CohortTotalsOut,
    OpenItemOut,
    OverdueCheckOut,
    OverdueOut,
    StatementEntryOut,
    StatementOut,
)

__all__ = [
    "AccountsPayableOut",
    "AllocationIn",
    "AllocationOut",
    "AllocationRecordedOut",
    "CohortTotalsOut",
    "CreditNoteOut",
    "CustomerOut",
    "InvoiceOut",
    "LineOut",
    "Money",
    "OpenItemOut",
    "OverdueCheckOut",
    "OverdueOut",
    "PaymentIn",
    "PaymentOut",
    "PaymentRecordedOut",
    "ProformaOut",
    "PurchaseOrderIn",
    "RecordedOut",
    "RefundIn",
    "RefundOut",
    "RefundRecordedOut",
    "StatementEntryOut",
    "StatementOut",
    "SupplierOut",
    "WithdrawalOut",
]
