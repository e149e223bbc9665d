"""Erasing a person: their contact details and history leave this service (``shared.erasure``).

When enrolment records ``enrolment.person.erased`` (or a coordinator asks this service directly,
``POST /api/notifications/erasures``), the person's messages, deliveries and preferences are
deleted; where they are a team's lead or sponsor, a coach or an accounts-payable mailbox, their
details are replaced with placeholders; messages to other people that name them (a welcome to the
sponsor naming the lead) have the name and address taken out; the dead-letter store is scrubbed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.models import Coach, Organisation, OverdueInvoice, Team
from services.notifications.settings import NotificationsSettings
from shared.erasure import (
    ERASED,
    email_digest,
    erased_email,
    is_address_of,
    scrub_dead_letters,
    scrub_text,
)
from shared.events.enrolment import PersonErased
from shared.handlers import HandlerContext


@dataclass(frozen=True)
class Erased:
    messages: int
    contacts: int


def _erase_contact(
    row: object, digest: str, email_field: str, name_field: str | None
) -> dict[str, str]:
    """Replace one contact on ``row``; returns what was replaced (original → placeholder)."""
    replaced: dict[str, str] = {}
    email = getattr(row, email_field)
    if not is_address_of(email, digest):
        return replaced
    replaced[email] = erased_email(digest)
    setattr(row, email_field, erased_email(digest))
    if name_field is not None and getattr(row, name_field):
        replaced[getattr(row, name_field)] = ERASED
        setattr(row, name_field, ERASED)
    return replaced


async def erase(session: AsyncSession, *, digest: str) -> Erased:
    replaced: dict[str, str] = {}
    for team in await store.all_rows(session, Team):
        replaced |= _erase_contact(team, digest, "lead_email", "lead_name")
        replaced |= _erase_contact(team, digest, "sponsor_email", "sponsor_name")
    for coach in await store.all_rows(session, Coach):
        replaced |= _erase_contact(coach, digest, "email", "name")
    for organisation in await store.all_rows(session, Organisation):
        replaced |= _erase_contact(
            organisation, digest, "accounts_payable_email", "accounts_payable_name"
        )
    for invoice in await store.all_rows(session, OverdueInvoice):
        replaced |= _erase_contact(invoice, digest, "recipient", "recipient_name")
    own = [
        message
        for address in await store.recipients(session)
        if is_address_of(address, digest)
        for message in await store.messages_of(session, address)
    ]
    await store.delete(session, await store.deliveries_of(session, [m.id for m in own]))
    await store.delete(session, own)
    for preference in await store.all_preferences(session):
        if is_address_of(preference.recipient, digest):
            await session.delete(preference)
    await session.flush()
    words = sorted(w for w in replaced if w != ERASED)
    for message in await store.messages_mentioning(session, words):
        message.subject = scrub_text(message.subject, digest, replaced)
        message.body_text = scrub_text(message.body_text, digest, replaced)
        message.body_html = scrub_text(message.body_html, digest, replaced)
        if message.recipient_name in replaced:
            message.recipient_name = ERASED
    await scrub_dead_letters(session, digest)
    return Erased(messages=len(own), contacts=len(replaced))


async def erase_person(session: AsyncSession, *, email: str) -> Erased:
    """A coordinator's request, by address."""
    return await erase(session, digest=email_digest(email))


async def person_erased(
    session: AsyncSession, *, event: PersonErased, context: HandlerContext[NotificationsSettings]
) -> None:
    await erase(session, digest=event.email_digest)
