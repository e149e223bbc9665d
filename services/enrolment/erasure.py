"""Erasing a person on request (UK GDPR right to erasure): a coordinator names the person by
their e-mail address; enrolment pseudonymises every record of them at once (project leads and
senior sponsors with the team's contact phone, project-team members of the same name in their
teams, coaches, accounts-payable contacts, the applicant's own submissions when their sign-in
subject is that address, and the events it recorded) the way ``shared.erasure`` says, keeps the
rows, and records ``enrolment.person.erased`` (the address's digest only) so that every other
service does its part."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import EmailStr
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment import store
from services.enrolment.fields import RequestModel
from services.enrolment.models import Erasure, Team
from services.enrolment.organisations import record_updated
from shared.auth import Principal
from shared.erasure import (
    ERASED,
    email_digest,
    erased_email,
    normalise_email,
    rewrite_recorded_events,
)
from shared.erasure import pseudonymised_contact as _pseudonymised
from shared.events.enrolment import PersonErased
from shared.outbox import record_event

# What an erasure reports, always in full (0 where nothing was found).
KINDS = (
    "project_leads",
    "senior_sponsors",
    "contact_phones",
    "project_team_members",
    "coaches",
    "accounts_payable_contacts",
    "applications",
    "withdrawals",
    "cohort_changes",
    "recorded_events",
)
_PERSON_KEYS = ("name", "job_title", "phone")


class ErasureRequest(RequestModel):
    email: EmailStr


@dataclass(frozen=True)
class Person:
    """Who is erased: the normalised address and its digest."""

    email: str
    digest: str

    @property
    def in_text(self) -> re.Pattern[str]:
        """The address inside text, and not inside a longer one (``bada@x.org``, ``ada@x.org.uk``)."""
        return re.compile(rf"(?<![\w.+-]){re.escape(self.email)}(?![\w-])(?!\.\w)", re.I)

    def is_(self, address: object) -> bool:
        return isinstance(address, str) and normalise_email(address) == self.email

    def scrubbed(self, value: Any) -> Any:
        """``value`` (an event's JSON) with this person taken out: a contact with their address
        (``email``, or ``<x>_email`` with its ``<x>_name``...) keeps its shape with the person's
        details replaced, and the address disappears from any text."""
        if isinstance(value, dict):
            out = {key: self.scrubbed(item) for key, item in value.items()}
            for key, item in value.items():
                if key.endswith("email") and self.is_(item):
                    prefix = key[: -len("email")]
                    out[key] = erased_email(self.digest)
                    for person_key in _PERSON_KEYS:
                        if out.get(prefix + person_key):
                            out[prefix + person_key] = ERASED
            return out
        if isinstance(value, list):
            return [self.scrubbed(item) for item in value]
        if isinstance(value, str) and self.email in value.lower():
            return self.in_text.sub(erased_email(self.digest), value)
        return value


def _erase_in_team(team: Team, person: Person, counts: Counter[str]) -> None:
    names: set[str] = set()
    for column, kind in (("project_lead", "project_leads"), ("senior_sponsor", "senior_sponsors")):
        contact = getattr(team, column)
        if contact and person.is_(contact.get("email")):
            names.add(str(contact.get("name", "")).casefold())
            setattr(team, column, _pseudonymised(contact, person.digest))
            counts[kind] += 1
            if column == "project_lead" and team.contact_phone:
                # The team's contact number is its project lead's.
                team.contact_phone = ERASED
                counts["contact_phones"] += 1
    if names and any(str(m.get("name") or "").casefold() in names for m in team.project_team):
        # The same person listed in their own team's project team.
        members = []
        for member in team.project_team:
            if str(member.get("name") or "").casefold() in names:
                member = {**member, "name": ERASED}
                counts["project_team_members"] += 1
            members.append(member)
        team.project_team = members
    for column, kind in (
        ("submitted_by", "applications"),
        ("withdrawn_by", "withdrawals"),
        ("withdrawal_date_chosen_by", "withdrawals"),
    ):
        if person.is_(getattr(team, column)):
            setattr(team, column, erased_email(person.digest))
            counts[kind] += 1


async def erase_person(
    session: AsyncSession, *, email: str, user: Principal, now: datetime
) -> Erasure:
    """Pseudonymise every record of the person enrolment holds and record
    ``enrolment.person.erased``; asking again finds nothing more and records the request again."""
    person = Person(normalise_email(email), email_digest(email))
    counts: Counter[str] = Counter()
    for team in await store.teams_mentioning(session, person.email):
        _erase_in_team(team, person, counts)
    for coach in await store.coaches_with_email(session, person.email):
        coach.name, coach.email = ERASED, erased_email(person.digest)
        counts["coaches"] += 1
    for organisation in await store.organisations_paying_to(session, person.email):
        payable = dict(organisation.accounts_payable or {})
        payable["email"] = erased_email(person.digest)
        if payable.get("name"):
            payable["name"] = ERASED
        organisation.accounts_payable = payable
        organisation.updated_at = now
        counts["accounts_payable_contacts"] += 1
        await store.flush(session)
        await record_updated(session, organisation)
    for change in await store.cohort_changes_by(session, person.email):
        change.changed_by = erased_email(person.digest)
        counts["cohort_changes"] += 1
    await store.flush(session)
    # Last, so that the events recorded above are scrubbed too (they carry no address by now).
    counts["recorded_events"] += await rewrite_recorded_events(
        session, [person.email], person.scrubbed
    )
    erasure = Erasure(
        id=uuid.uuid4(),
        email_digest=person.digest,
        requested_by=user.subject,
        erased_at=now,
        erased={kind: counts[kind] for kind in KINDS},
    )
    await store.add(session, erasure)
    await record_event(
        session,
        PersonErased(erasure_id=erasure.id, email_digest=person.digest, erased_at=now),
        subject=str(erasure.id),
    )
    return erasure
