"""Events measurement records for the other services (plan changes) and consumes from them (PDSA
cycles become notes on a team's charts; a person's erasure), on a real database and NATS."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from services.measurement.models import Base, ChartAnnotation
from shared.auth import Role
from shared.db import platform_metadata
from shared.erasure import email_digest, erased_email
from shared.events.enrolment import PersonErased
from shared.events.improvement import PdsaCompleted, PdsaStarted
from shared.outbox import outbox
from tests.integration.measurement.conftest import (
    World,
    publish,
    team_confirmed,
    team_row,
)
from tests.support import eventually

API = "/api/measurement"


async def recorded(world: World, subject: str) -> list[dict[str, Any]]:
    async with world.service.app.state.database.sessions() as session:
        rows = await session.execute(
            select(outbox.c.payload)
            .where(outbox.c.subject == subject)
            .order_by(outbox.c.created_at)
        )
        payloads = [json.loads(p) if isinstance(p, str) else p for (p,) in rows]
    return [payload["data"] for payload in payloads]


async def test_every_plan_change_is_recorded_the_default_plan_included(world: World) -> None:
    added = [e for e in await recorded(world, "measurement.plan.measure_added")
             if e["cohort_id"] == str(world.cohort_id)]  # fmt: skip
    # The default plan of the new cohort (three weekly pulse proportions), then the optional
    # measures this world's coordinator added.
    assert [(e["measure_key"], e["kind"], e["frequency"]) for e in added[:3]] == [
        ("frequently_enjoy_work", "proportion", "weekly"),
        ("no_burnout_symptoms", "proportion", "weekly"),
        ("extremely_likely_to_recommend", "proportion", "weekly"),
    ]
    assert added[3]["measure_key"] == "swemwbs" and added[3]["frequency"] == "monthly"
    assert added[0]["name"] == "Staff who frequently enjoy being at work"
    client, coordinator = world.service.client, world.coordinator
    plan = f"{API}/cohorts/{world.cohort_id}/plan"
    # Adding a measure already on the plan records nothing; removing one records its removal.
    assert (await client.put(f"{plan}/swemwbs", headers=coordinator)).status_code == 200
    again = [e for e in await recorded(world, "measurement.plan.measure_added")
             if e["cohort_id"] == str(world.cohort_id)]  # fmt: skip
    assert len(again) == len(added)
    assert (await client.delete(f"{plan}/swemwbs", headers=coordinator)).status_code == 200
    removed = await recorded(world, "measurement.plan.measure_removed")
    assert {"cohort_id": str(world.cohort_id), "measure_key": "swemwbs"} in [
        {k: e[k] for k in ("cohort_id", "measure_key")} for e in removed
    ]


def started(world: World, cycle: uuid.UUID, **overrides: Any) -> PdsaStarted:
    values: dict[str, Any] = {
        "cycle_id": cycle,
        "cohort_id": world.cohort_id,
        "team_id": world.a1,
        "change_idea_id": uuid.uuid4(),
        "change_idea_name": "Walking meetings",
        "ramp_step": 2,
        "objective": "Try one walking meeting a week",
        "started_on": date(2026, 3, 4),
        "measure_keys": ["frequently_enjoy_work", "no_burnout_symptoms", "not_a_measure"],
    }
    return PdsaStarted(**{**values, **overrides})


async def notes_of(world: World, team: uuid.UUID) -> list[tuple[str, str, str, str | None]]:
    async with world.service.app.state.database.sessions() as session:
        rows = await session.execute(
            select(
                ChartAnnotation.measure_key,
                ChartAnnotation.day,
                ChartAnnotation.note,
                ChartAnnotation.pdsa_stage,
            )
            .where(ChartAnnotation.team_id == team)
            .order_by(ChartAnnotation.day, ChartAnnotation.measure_key)
        )
        return [(key, day.isoformat(), note, stage) for key, day, note, stage in rows]


async def test_pdsa_cycles_annotate_the_teams_charts_once_per_cycle(world: World) -> None:
    cycle = uuid.uuid4()
    event = started(world, cycle)
    await publish(world.service, event)
    await eventually(lambda: notes_of(world, world.a1))
    # A redelivery (same event id) and a repeat (a new event for the same cycle) add nothing.
    await publish(world.service, event)
    await publish(world.service, started(world, cycle, change_idea_name="Walking meetings!"))
    completed = PdsaCompleted(
        cycle_id=cycle,
        cohort_id=world.cohort_id,
        team_id=world.a1,
        change_idea_id=event.change_idea_id,
        change_idea_name="Walking meetings",
        ramp_step=2,
        started_on=date(2026, 3, 4),
        completed_on=date(2026, 4, 1),
        decision="adopt",
        measure_keys=["frequently_enjoy_work"],
    )
    await publish(world.service, completed)
    await publish(world.service, completed)

    async def four() -> list[Any] | None:
        found = await notes_of(world, world.a1)
        return found if len(found) >= 3 else None

    notes = await eventually(four)
    testing = "Testing 'Walking meetings' (PDSA cycle 2)"
    assert notes == [
        ("frequently_enjoy_work", "2026-03-04", testing, "started"),
        ("no_burnout_symptoms", "2026-03-04", testing, "started"),
        ("frequently_enjoy_work", "2026-04-01", "'Walking meetings' (PDSA cycle 2) adopted",
         "completed"),
    ]  # fmt: skip
    # The team's chart tells the story (the note lands on the week holding its day).
    pulse = [
        {"client_id": f"p{k}-{uuid.uuid4().hex[:6]}", "team_id": str(world.a1),
         "measure": "frequently_enjoy_work", "responded_at": f"2026-03-{2 + k:02d}T10:00:00Z",
         "items": [4 if k % 2 else 2]}
        for k in range(8)
    ] + [
        {"client_id": f"q{k}-{uuid.uuid4().hex[:6]}", "team_id": str(world.a1),
         "measure": "frequently_enjoy_work", "responded_at": f"2026-04-{1 + k:02d}T10:00:00Z",
         "items": [5]}
        for k in range(6)
    ]  # fmt: skip
    assert (await world.post("responses", pulse)).status_code == 200
    chart = await world.service.client.get(
        f"{API}/teams/{world.a1}/charts/frequently_enjoy_work", headers=world.lead()
    )
    assert chart.status_code == 200, chart.text
    assert [(a["period"], a["note"]) for a in chart.json()["chart"]["annotations"]] == [
        ("2026-03-02", testing),
        ("2026-03-30", "'Walking meetings' (PDSA cycle 2) adopted"),
    ]
    svg = await world.service.client.get(
        f"{API}/teams/{world.a1}/charts/frequently_enjoy_work.svg", headers=world.lead()
    )
    assert "Walking meetings" in svg.text


async def test_a_cycle_for_a_team_not_known_yet_is_retried_until_it_is(world: World) -> None:
    later = team_confirmed(cohort_id=world.cohort_id, organisation_id=world.org_a)
    await publish(world.service, started(world, uuid.uuid4(), team_id=later.team_id))
    await publish(world.service, later)
    await eventually(lambda: team_row(world.service, later.team_id))
    assert [n[0] for n in await eventually(lambda: notes_of(world, later.team_id))] == [
        "frequently_enjoy_work",
        "no_burnout_symptoms",
    ]


async def _texts(world: World) -> list[str]:
    """Every text value of every table of the service's database, outbox payloads included."""
    found: list[str] = []
    async with world.service.app.state.database.sessions() as session:
        for table in [*Base.metadata.sorted_tables, *platform_metadata.sorted_tables]:
            rows = await session.execute(select(table))
            for row in rows:
                found.extend(str(value) for value in row if value is not None)
    return found


async def test_a_person_erased_is_named_nowhere_in_measurement(world: World) -> None:
    email = f"ada.lovelace.{uuid.uuid4().hex[:6]}@example.nhs.uk"
    # Someone whose identity provider makes their e-mail address their sign-in subject.
    coordinator = world.service.auth(Role.coordinator, subject=email)
    lead = world.service.auth(Role.team_lead, subject=email, organisation_id=world.org_a)
    client = world.service.client
    key = await client.post(
        f"{API}/api-keys",
        json={"organisation_id": str(world.org_a), "label": "Rostering"},
        headers=coordinator,
    )
    assert key.status_code == 201 and key.json()["created_by"] == email
    note = await client.post(
        f"{API}/teams/{world.a1}/charts/swemwbs/annotations",
        json={"day": "2026-03-02", "note": "new rota"},
        headers=lead,
    )
    assert note.status_code == 201
    upload = await client.post(
        f"{API}/uploads/teams/{world.a1}/values",
        content=b"client_id,measure,period,value\nrota-1,days_to_fill_rota_gap,2026-03-02,4.5\n",
        headers={**lead, "Content-Type": "text/csv"},
    )
    assert upload.status_code == 200, upload.text
    other = "someone.else@example.nhs.uk"
    kept = await client.post(
        f"{API}/teams/{world.a1}/charts/swemwbs/annotations",
        json={"day": "2026-03-09", "note": "huddles"},
        headers=world.service.auth(Role.coordinator, subject=other),
    )
    assert kept.status_code == 201
    assert any(email in text for text in await _texts(world))

    await publish(
        world.service,
        PersonErased(
            erasure_id=uuid.uuid4(), email_digest=email_digest(email), erased_at=datetime.now(UTC)
        ),
    )

    async def gone() -> bool:
        return not any(email in text for text in await _texts(world))

    await eventually(gone)
    texts = await _texts(world)
    assert not any("Ada Lovelace" in text or "ada.lovelace" in text for text in texts)
    # The rows stay, naming the placeholder; other people are untouched.
    placeholder = erased_email(email_digest(email))
    notes = await client.get(
        f"{API}/teams/{world.a1}/charts/swemwbs/annotations", headers=world.coordinator
    )
    assert [(n["note"], n["created_by"]) for n in notes.json()] == [
        ("new rota", placeholder),
        ("huddles", other),
    ]
    keys = (await client.get(f"{API}/api-keys", headers=world.coordinator)).json()
    assert [k["created_by"] for k in keys if k["label"] == "Rostering"] == [placeholder]
