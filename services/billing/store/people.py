"""Where billing holds people, and how an erased person is taken out of it (``shared.erasure``).

People in billing: a team's project lead (name, e-mail: for chasing overdue invoices); the
principals who recorded a withdrawal, chose its date, or recorded a payment, allocation or refund
(their subject, which may be an e-mail address); and, where an organisation gave a person's own
address as its accounts-payable mailbox, that person. The accounts-payable contact is the
organisation's (a mailbox such as ap@trust.nhs.uk), so it is kept, unless its address is the
erased person's. Issued documents keep the organisation (the law requires it), never the person.

A person is found by the digest of their e-mail address: each column that may hold one is read
(distinct values, a few hundred rows), its values hashed, and the matches replaced.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from services.billing.models import (
    BillingOrganisation,
    BillingTeam,
    CreditAllocation,
    CreditNote,
    Invoice,
    Payment,
    Proforma,
    Refund,
)
from shared.erasure import ERASED, email_digest, erased_email, rewrite_recorded_events

Column = InstrumentedAttribute[Any]

# An e-mail address and the name beside it on the same row.
CONTACTS: tuple[tuple[Column, Column], ...] = (
    (BillingTeam.project_lead_email, BillingTeam.project_lead_name),
    (BillingOrganisation.accounts_payable_email, BillingOrganisation.accounts_payable_name),
    (Invoice.accounts_payable_email, Invoice.accounts_payable_name),
    (Proforma.accounts_payable_email, Proforma.accounts_payable_name),
    (CreditNote.accounts_payable_email, CreditNote.accounts_payable_name),
)
# Principals' subjects (the identity provider's; an e-mail address for some).
SUBJECTS: tuple[Column, ...] = (
    BillingTeam.withdrawn_by,
    BillingTeam.withdrawal_date_chosen_by,
    CreditNote.withdrawn_by,
    CreditNote.withdrawal_date_chosen_by,
    Payment.recorded_by,
    CreditAllocation.recorded_by,
    Refund.recorded_by,
)
# Rows that keep the answer first given to a request (it may name any of the above).
ANSWERS = (Payment, CreditAllocation, Refund)


async def _matching(session: AsyncSession, column: Column, digest: str) -> set[str]:
    values = await session.scalars(select(column).where(column.is_not(None)).distinct())
    return {value for value in values if email_digest(value) == digest}


def _replaced(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, str):
        return replacements.get(value, value)
    if isinstance(value, list):
        return [_replaced(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, replacements) for key, item in value.items()}
    return value


async def _rewrite_answers(session: AsyncSession, replacements: dict[str, str]) -> None:
    """Stored answers naming the person are rewritten (JSON as pydantic writes it: compact)."""
    for model in ANSWERS:
        column = model.answer
        query = select(model.id, column).where(
            or_(*(column.contains(value, autoescape=True) for value in replacements))
        )
        for row_id, answer in (await session.execute(query)).all():
            rewritten = json.dumps(
                _replaced(json.loads(answer), replacements),
                separators=(",", ":"),
                ensure_ascii=False,
            )
            await session.execute(update(model).where(model.id == row_id).values(answer=rewritten))


async def pseudonymise(session: AsyncSession, digest: str) -> int:
    """Replace the person with that e-mail digest wherever billing holds them; returns how many
    distinct values (addresses, subjects, names) were replaced (0: billing never knew them)."""
    placeholder = erased_email(digest)
    replacements: dict[str, str] = {}
    for email, name in CONTACTS:
        matched = await _matching(session, email, digest)
        if not matched:
            continue
        table = email.class_
        names = await session.scalars(
            select(name).where(email.in_(matched), name.is_not(None)).distinct()
        )
        replacements |= dict.fromkeys(matched, placeholder) | dict.fromkeys(names, ERASED)
        await session.execute(
            update(table)
            .where(email.in_(matched))
            .values({email.key: placeholder, name.key: case((name.is_not(None), ERASED))})
        )
    for subject in SUBJECTS:
        matched = await _matching(session, subject, digest)
        if matched:
            replacements |= dict.fromkeys(matched, placeholder)
            await session.execute(
                update(subject.class_)
                .where(subject.in_(matched))
                .values({subject.key: placeholder})
            )
    if replacements:
        await _rewrite_answers(session, replacements)
        # Documents' events carry the accounts-payable mailbox, which may be a person's own.
        await rewrite_recorded_events(
            session, replacements, lambda payload: _replaced(payload, replacements)
        )
        session.expire_all()  # rows this session holds were changed by the statements above
    return len(replacements)
