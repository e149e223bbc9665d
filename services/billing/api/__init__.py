"""HTTP routes of the billing service (mounted under /api/billing): one router per resource,
each thin (parse, call one use case, answer through a schemas builder).

Finance and coordinators see all billing; a project lead sees only their own organisation's
documents (anything else is 404, as if it did not exist). Only finance records POs and payments.
"""

from __future__ import annotations

from services.billing.api import credit_notes, invoices, payments, proformas, statements
from shared.ratelimit import WRITES, limit_writes

# People's writes are rate limited per caller (429 with Retry-After; see shared/ratelimit.py).
ROUTERS = [
    limit_writes(router, WRITES)
    for router in (
        invoices.router,
        invoices.purchase_order_router,
        payments.router,
        credit_notes.router,
        proformas.router,
        statements.organisations,
        statements.overdue,
        statements.cohorts,
    )
]
