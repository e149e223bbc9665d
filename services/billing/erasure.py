"""A person erased on request (``enrolment.person.erased``): billing takes them out of what it
holds, the same way every service does (``shared.erasure``), and keeps the organisation on its
issued documents. Where billing holds people, and what it keeps: ``store.people``."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.settings import BillingSettings
from services.billing.store import people
from shared.events.enrolment import PersonErased
from shared.handlers import HandlerContext


async def person_erased(
    session: AsyncSession, *, event: PersonErased, context: HandlerContext[BillingSettings]
) -> None:
    await people.pseudonymise(session, event.email_digest)
