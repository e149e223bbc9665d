"""Erasing a person (``enrolment.person.erased``): this service's part, the way
``shared.erasure`` says.

* A team's project lead or senior sponsor with the erased address: the contact keeps its shape
  with the person's details replaced; in that team, project-team members, other attendees of a
  meeting and owners of actions typed with the person's name become ``[erased]`` (a name is
  matched only inside the teams the person led or sponsored: the same name elsewhere may be
  someone else).
* A coach (found by the digest of their e-mail kept on their allocations): their name becomes
  ``[erased]``; the allocation stays, so readiness and lapses still know the team has a coach.
* Events the service could not handle, kept in its dead-letter store: the person is taken out of
  their payload and error text.
The service's own events name no person.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.improvement.settings import ImprovementSettings
from services.improvement.store import people
from shared.erasure import ERASED, is_address_of, pseudonymised_contact, scrub_dead_letters
from shared.events.enrolment import PersonErased
from shared.handlers import HandlerContext


def _is_them(contact: dict[str, Any] | None, digest: str) -> bool:
    return bool(contact) and is_address_of((contact or {}).get("email"), digest)


async def person_erased(
    session: AsyncSession, *, event: PersonErased, context: HandlerContext[ImprovementSettings]
) -> None:
    digest = event.email_digest
    names: set[str] = set()
    team_ids = []
    for team in await people.teams(session):
        for field in ("project_lead", "senior_sponsor"):
            contact = getattr(team, field)
            if _is_them(contact, digest):
                if contact.get("name"):
                    names.add(contact["name"])
                setattr(team, field, pseudonymised_contact(contact, digest))
                team_ids.append(team.id)
    for allocation in await people.allocations_of(session, digest):
        allocation.coach_name = ERASED
    if team_ids and names:
        for member in await people.members_named(session, team_ids, names):
            member.name = ERASED
        for meeting in await people.meetings_of(session, team_ids):
            attendees = [ERASED if name in names else name for name in meeting.other_attendees]
            if attendees != meeting.other_attendees:
                meeting.other_attendees = attendees
        for action in await people.actions_owned(session, team_ids, names):
            action.owner = ERASED
    await scrub_dead_letters(session, digest)
