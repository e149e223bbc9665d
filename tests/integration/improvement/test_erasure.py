"""Erasure (issue #17 item 11): after ``enrolment.person.erased`` the improvement service's
database names the person nowhere: not as a team's project lead or coach, not as a project-team
member, a meeting's attendee or an action's owner, not in a dead-lettered event."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import String, Text, inspect, select

from services.improvement.models import Base
from shared.auth import Role
from shared.clock import MovableClock
from shared.erasure import email_digest
from shared.events.enrolment import CoachAllocated, Contact, PersonErased
from shared.inbox import dead_letters
from tests.integration.improvement.improvement_world import START, at, publish, team_confirmed
from tests.support import RunningService, eventually

LEAD = Contact(name="Olwen Pryce-Erasmus", email="olwen.pryce@example.nhs.uk", job_title="Lead")
COACH_NAME, COACH_EMAIL = "Bartholomew Quist", "b.quist@coaches.example.org"


async def _texts(service: RunningService) -> str:
    """Every text the service's database holds, in every table (the platform's included)."""
    found: list[str] = []
    async with service.app.state.database.sessions() as session:
        tables = await session.run_sync(lambda s: inspect(s.connection()).get_table_names())
        for name in tables:
            table = Base.metadata.tables.get(name)
            if table is None:
                rows = (
                    await session.execute(select(dead_letters)) if name == "dead_letter" else None
                )
                found += [json.dumps(r._asdict(), default=str) for r in (rows or [])]
                continue
            columns = [
                c
                for c in table.c
                if isinstance(c.type, String | Text) or c.type.__class__.__name__ == "JSON"
            ]
            for row in (await session.execute(select(*columns))).all() if columns else []:
                found.append(json.dumps(list(row), default=str))
    return "\n".join(found)


async def test_an_erased_lead_and_coach_are_named_nowhere(
    improvement: RunningService, clock: MovableClock
) -> None:
    clock.set(at(START.replace(day=11)))  # in the lead-in, after the meeting
    cohort, org, team, coach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    event = team_confirmed(cohort_id=cohort, organisation_id=org, team_id=team, name="Ward 9")
    await publish(improvement, event.model_copy(update={"project_lead": LEAD}))
    await publish(
        improvement,
        CoachAllocated(
            cohort_id=cohort,
            team_id=team,
            coach_id=coach,
            coach_name=COACH_NAME,
            coach_email=COACH_EMAIL,
        ),
    )
    lead = improvement.auth(Role.team_lead, org=str(org))

    async def known() -> bool:
        answer = await improvement.client.get(f"/api/improvement/teams/{team}", headers=lead)
        return answer.status_code == 200 and answer.json().get("coach_id") == str(coach)

    await eventually(known)
    api = f"/api/improvement/teams/{team}"
    member = await improvement.client.post(
        f"{api}/members", json={"name": LEAD.name, "role": "Ward manager"}, headers=lead
    )
    assert member.status_code == 201, member.text
    meeting = await improvement.client.post(
        f"{api}/meetings",
        json={
            "held_on": "2021-01-05",
            "coach_present": True,
            "other_attendees": [LEAD.name, "Psychologist"],
            "actions": [{"description": "Run the staff survey", "owner": LEAD.name}],
        },
        headers=lead,
    )
    assert meeting.status_code == 201, meeting.text
    # An event the service could not handle, kept whole: it names the lead too.
    async with improvement.app.state.database.transaction() as session:
        await session.execute(
            dead_letters.insert().values(
                id=str(uuid.uuid4()),
                consumer="improvement-enrolment",
                event_id=None,
                subject="enrolment.team.confirmed",
                payload=json.dumps({"data": {"project_lead": LEAD.model_dump()}}),
                error=f"could not handle the team of {LEAD.email}",
                attempts=1,
                created_at=datetime.now(UTC),
            )
        )
    before = await _texts(improvement)
    for text in (LEAD.name, LEAD.email, COACH_NAME):
        assert text in before, text  # the search would find them

    for email in (LEAD.email, COACH_EMAIL):
        await publish(
            improvement,
            PersonErased(
                erasure_id=uuid.uuid4(),
                email_digest=email_digest(email),
                erased_at=datetime.now(UTC),
            ),
        )

    async def gone() -> bool:
        texts = await _texts(improvement)
        return not any(t in texts for t in (LEAD.name, LEAD.email, COACH_NAME, COACH_EMAIL))

    await eventually(gone)
    # The rows stay (the team keeps its coach, the meeting its other attendee and its action).
    answer = (await improvement.client.get(api, headers=lead)).json()
    assert answer["coach_id"] == str(coach)
    after = await _texts(improvement)
    assert "Psychologist" in after and "Run the staff survey" in after
