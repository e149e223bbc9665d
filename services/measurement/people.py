"""A person's erasure (``enrolment.person.erased``): measurement keeps no one's name or contact
details, but records who did things by their sign-in subject, which may be their e-mail address.
Every such mention whose e-mail digest is the erased person's becomes the same placeholder
address other services use (``shared.erasure``); the measures, keys, notes and batches stay."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.measurement.settings import MeasurementSettings
from services.measurement.store import people as store
from shared.erasure import email_digest, erased_email
from shared.events.enrolment import PersonErased
from shared.handlers import HandlerContext


async def person_erased(
    session: AsyncSession, *, event: PersonErased, context: HandlerContext[MeasurementSettings]
) -> None:
    placeholder = erased_email(event.email_digest)
    for subject in await store.named(session):
        if "@" in subject and email_digest(subject) == event.email_digest:
            await store.rename(session, old=subject, new=placeholder)
