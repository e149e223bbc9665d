"""Issue 17.11, the sessions part: after ``enrolment.person.erased`` no table of the sessions
database holds the person's name or e-mail address (outbox and dead letters included)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, select

from shared.auth import Role
from shared.erasure import ERASED, email_digest, erased_email
from shared.events.enrolment import CoachAllocated, PersonErased
from shared.inbox import dead_letters
from tests.integration.sessions.sessions_world import Cohort, coach_of, publish
from tests.support import RunningService, eventually, publish_envelope

EMAIL = "Erin.Erasable@example.nhs.uk"
NAME = "Dr Erin Erasable"


async def _everything(service: RunningService) -> list[tuple[str, str]]:
    """Every value of every row of every table in the service's database, as text."""
    found: list[tuple[str, str]] = []
    engine = service.app.state.database.engine
    async with engine.connect() as conn:
        metadata = MetaData()
        await conn.run_sync(metadata.reflect)
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                found += [(table.name, str(value)) for value in row if value is not None]
    return found


def _mentions(values: list[tuple[str, str]], *needles: str) -> list[tuple[str, str]]:
    lowered = [n.lower() for n in needles]
    return [(t, v) for t, v in values if any(n in v.lower() for n in lowered)]


async def _dead_lettered(service: RunningService, needle: str) -> bool:
    async with service.app.state.database.sessions() as session:
        payloads = (await session.scalars(select(dead_letters.c.payload))).all()
    return any(needle in p for p in payloads)


async def test_an_erased_coach_leaves_no_trace_in_the_sessions_database(cohort: Cohort) -> None:
    service = cohort.service
    erin = uuid.uuid4()
    await publish(
        service,
        CoachAllocated(
            cohort_id=cohort.id,
            team_id=cohort.a2,
            coach_id=erin,
            coach_name=NAME,
            coach_email=EMAIL,
        ),
    )

    async def allocated() -> bool:
        return await coach_of(service, cohort.a2) == erin

    await eventually(allocated)
    # Erin signs in with her address as subject, and uses the service.
    as_erin = service.auth(Role.coach, coach_id=erin, subject=EMAIL.lower())
    first_set = cohort.of_kind("learning_set")[0]["id"]
    assert (await cohort.attendance(first_set, cohort.a2, True, as_erin)).status_code == 201
    marked = await cohort.post(
        f"sessions/{cohort.of_kind('learning_set')[1]['id']}/register",
        {"marks": [{"team_id": str(cohort.a2), "attended": False}]},
        as_erin,
    )
    assert marked.status_code == 200, marked.text
    material = await cohort.post(
        f"sessions/{first_set}/materials",
        {"title": "Launch slides", "url": "https://files.example.org/launch"},
        as_erin,
    )
    assert material.status_code == 201, material.text
    token = await cohort.post(
        "feed-tokens", {"team_id": str(cohort.a2), "label": "Erin Erasable's phone"}, as_erin
    )
    assert token.status_code == 201, token.text
    # An event about her that the service could not take (no coach id) is dead-lettered whole.
    broken = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/enrolment",
        "type": "enrolment.coach.allocated",
        "data": {
            "cohort_id": str(cohort.id),
            "team_id": str(cohort.a1),
            "coach_name": NAME,
            "coach_email": EMAIL,
        },
    }
    await publish_envelope(
        service.settings.nats_url, "enrolment.coach.allocated", json.dumps(broken).encode()
    )
    await eventually(lambda: _dead_lettered(service, NAME))
    before = await _everything(service)
    assert {t for t, _ in _mentions(before, NAME, EMAIL)} >= {
        "coach_allocation",
        "attendance",
        "session_material",
        "feed_token",
        "dead_letter",
    }
    roster = (await cohort.get(f"cohorts/{cohort.id}/roster")).json()
    assert NAME in {t["coach_name"] for t in roster}

    await publish(
        service,
        PersonErased(
            erasure_id=uuid.uuid4(),
            email_digest=email_digest(EMAIL),
            erased_at=datetime(2022, 1, 10, 9, tzinfo=UTC),
        ),
    )

    async def erased() -> bool:
        return not _mentions(await _everything(service), NAME, EMAIL, "Erasable")

    await eventually(erased)
    assert _mentions(await _everything(service), NAME, EMAIL, "Erasable") == []

    # The rows stay (counts, history); the person's details are placeholders.
    roster = (await cohort.get(f"cohorts/{cohort.id}/roster")).json()
    a2 = next(t for t in roster if t["team_id"] == str(cohort.a2))
    assert (a2["coach_id"], a2["coach_name"]) == (str(erin), ERASED)
    history = (await cohort.get(f"teams/{cohort.a2}/attendance")).json()
    assert [h["recorded_by"] for h in history] == [erased_email(email_digest(EMAIL))] * 2
    materials = (await cohort.get(f"sessions/{first_set}/materials")).json()
    assert [m["title"] for m in materials] == ["Launch slides"]
    tokens: list[dict[str, Any]] = (await cohort.get("feed-tokens")).json()
    erins = next(t for t in tokens if t["id"] == token.json()["id"])
    assert (erins["label"], erins["revoked_at"] is not None) == (ERASED, True)
    assert (await service.client.get(token.json()["url"])).status_code == 404
