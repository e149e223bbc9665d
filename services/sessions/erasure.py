"""Erasing a person (``enrolment.person.erased``): this service's part.

What this service holds of people, and what happens to it:

* a coach's name on their teams' allocations (found by the digest of the coach's e-mail, kept
  for this): the name becomes ``[erased]``; the allocation stays, so the coach's teams keep a
  coach id;
* the subject of whoever recorded attendance, registered places, closed a register, added
  material or made a feed token, when that subject is the person's e-mail address: it becomes
  the erased placeholder address; their feed tokens are revoked and their labels erased;
* events this service could not handle, kept in its dead-letter store: the person's details in
  the event and in the error text are pseudonymised (the rest stays, for the operator).

Rosters hold teams and organisations, not people; attendance holds how many came and in which
roles (``project_lead``...), never who. The service's own events carry no person's details.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessions.settings import SessionsSettings
from services.sessions.store import erasure as store
from shared.erasure import ERASED, erased_email, is_address_of, scrub_dead_letters
from shared.events.enrolment import PersonErased
from shared.handlers import HandlerContext


async def person_erased(
    session: AsyncSession, *, event: PersonErased, context: HandlerContext[SessionsSettings]
) -> None:
    digest = event.email_digest
    for allocation in await store.allocations_of(session, digest):
        allocation.coach_name = ERASED
    subjects = {s for s in await store.address_subjects(session) if is_address_of(s, digest)}
    if subjects:
        for token in await store.feed_tokens_of(session, subjects):
            token.revoked_at = token.revoked_at or context.clock.now()
            token.label = ERASED if token.label else None
        await session.flush()
        await store.replace_subjects(session, subjects, erased_email(digest))
    await scrub_dead_letters(session, digest)
