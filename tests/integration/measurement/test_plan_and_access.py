"""The measurement plan API, team knowledge from enrolment events, and who may read a series."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from services.measurement.models import MeasureValue
from shared.auth import Role
from shared.events.enrolment import TeamConfirmed
from shared.outbox import build_envelope
from tests.integration.measurement.conftest import (
    OPTIONAL_MEASURES,
    World,
    publish,
    swemwbs,
    team_confirmed,
    team_row,
)
from tests.support import eventually


def absence(client_id: str, team: uuid.UUID) -> dict[str, object]:
    return {
        "client_id": client_id,
        "team_id": str(team),
        "measure": "sickness_absence",
        "period": "2026-04-01",
        "numerator": 3,
        "denominator": 60,
    }


async def test_default_plan_and_versioned_definitions(world: World):
    client, coordinator = world.service.client, world.coordinator
    plan = await client.get(f"/api/measurement/cohorts/{world.cohort_id}/plan", headers=coordinator)
    assert plan.status_code == 200
    # The default plan's three pulse measures, and the optional ones this world added.
    assert {m["key"] for m in plan.json()["measures"]} == {
        "frequently_enjoy_work",
        "no_burnout_symptoms",
        "extremely_likely_to_recommend",
        *OPTIONAL_MEASURES,
    }
    before = await world.post("values", [absence(f"v1-{uuid.uuid4()}", world.a1)])
    assert before.status_code == 200

    current = next(m for m in plan.json()["measures"] if m["key"] == "sickness_absence")
    spec = {k: v for k, v in current.items() if k != "version"}
    changed = {**spec, "operational_definition": "Working days lost / working days available."}
    saved = await client.put(
        "/api/measurement/measures/sickness_absence", json=changed, headers=coordinator
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["changed"] and saved.json()["measure"]["version"] >= 2
    version = saved.json()["measure"]["version"]
    same = await client.put(
        "/api/measurement/measures/sickness_absence", json=changed, headers=coordinator
    )
    assert not same.json()["changed"] and same.json()["measure"]["version"] == version
    other_kind = await client.put(
        "/api/measurement/measures/sickness_absence", json={**changed, "data_kind": "rate"},
        headers=coordinator,
    )  # fmt: skip
    assert other_kind.status_code == 422
    lead = await client.put(
        "/api/measurement/measures/sickness_absence", json=changed,
        headers=world.service.auth(Role.team_lead, organisation_id=world.org_a),
    )  # fmt: skip
    assert lead.status_code == 403

    after = await world.post("values", [absence(f"v2-{uuid.uuid4()}", world.a1)])
    assert after.status_code == 200
    async with world.service.app.state.database.sessions() as session:
        versions = (
            await session.execute(
                select(MeasureValue.measure_version)
                .where(MeasureValue.team_id == world.a1)
                .order_by(MeasureValue.client_id)
            )
        ).scalars()
        assert list(versions) == [version - 1, version]  # the earlier row keeps its version
    history = await client.get(
        "/api/measurement/measures/sickness_absence/versions", headers=coordinator
    )
    assert [v["version"] for v in history.json()][-2:] == [version - 1, version]
    assert history.json()[-2]["operational_definition"] == spec["operational_definition"]


async def test_coordinator_adds_and_removes_plan_measures(world: World):
    client, coordinator = world.service.client, world.coordinator
    huddles = {
        "key": "huddles_held",
        "name": "Safety huddles held",
        "operational_definition": "Huddles held in the week, from the team's huddle log.",
        "type": "process",
        "data_kind": "count",
        "unit": "huddles",
        "period": "week",
        "direction": "increase",
    }
    created = await client.put(
        "/api/measurement/measures/huddles_held", json=huddles, headers=coordinator
    )
    assert created.status_code == 200 and created.json()["measure"]["version"] == 1
    value = {"client_id": f"h-{uuid.uuid4()}", "team_id": str(world.a1), "measure": "huddles_held",
             "period": "2026-04-08", "value": 4}  # fmt: skip
    refused = await world.post("values", [value])
    assert refused.status_code == 422  # not on the cohort's plan yet
    added = await client.put(
        f"/api/measurement/cohorts/{world.cohort_id}/plan/huddles_held", headers=coordinator
    )
    assert "huddles_held" in {m["key"] for m in added.json()["measures"]}
    assert (await world.post("values", [value])).status_code == 200
    removed = await client.delete(
        f"/api/measurement/cohorts/{world.cohort_id}/plan/huddles_held", headers=coordinator
    )
    assert "huddles_held" not in {m["key"] for m in removed.json()["measures"]}
    assert (await world.post("values", [{**value, "client_id": "h-2"}])).status_code == 422
    (point,) = (await world.series(world.a1, "huddles_held"))["points"]  # data already held stays
    assert point["period_start"] == "2026-04-06"
    extra = await client.put("/api/measurement/measures/x_y", json={**huddles, "key": "x_y", "owner": "me"},
                             headers=coordinator)  # fmt: skip
    assert extra.status_code == 422


async def test_series_reads_are_scoped_by_role(world: World):
    rows = [
        swemwbs(f"s-{uuid.uuid4()}", team, "2026-03-04T10:00:00Z", [3] * 7)
        for team in (world.a1, world.a2)
    ]
    assert (await world.post("responses", rows)).status_code == 200
    b_row = swemwbs(f"s-{uuid.uuid4()}", world.b1, "2026-03-04T10:00:00Z", [3] * 7)
    assert (await world.post("responses", [b_row], world.key_b)).status_code == 200
    service = world.service

    async def status(team: uuid.UUID, headers: dict[str, str]) -> int:
        response = await service.client.get(
            f"/api/measurement/teams/{team}/series/swemwbs",
            params={"from": "2026-01-01", "to": "2026-06-30"},
            headers=headers,
        )
        return response.status_code

    coordinator = service.auth(Role.coordinator)
    lead_a = service.auth(Role.team_lead, organisation_id=world.org_a)
    lead_b = service.auth(Role.team_lead, organisation_id=world.org_b)
    coach = service.auth(Role.coach, coach_id=world.coach)
    other_coach = service.auth(Role.coach, coach_id=uuid.uuid4())
    finance = service.auth(Role.finance)
    assert [await status(t, coordinator) for t in (world.a1, world.a2, world.b1)] == [200] * 3
    assert [await status(t, lead_a) for t in (world.a1, world.a2, world.b1)] == [200, 200, 404]
    assert [await status(t, lead_b) for t in (world.a1, world.a2, world.b1)] == [404, 404, 200]
    assert [await status(t, coach) for t in (world.a1, world.a2, world.b1)] == [200, 404, 404]
    assert await status(world.a1, other_coach) == 404
    assert await status(world.a1, finance) == 403  # a role that never reads teams' data
    assert await status(world.a1, world.machine(world.key_a)) == 200
    assert await status(world.b1, world.machine(world.key_a)) == 404
    assert await status(world.a1, {}) == 401


async def test_team_events_are_handled_once_and_coach_comes_with_confirmation(world: World):
    runner = world.service.app.state.runner
    coach = uuid.uuid4()
    event = team_confirmed(cohort_id=world.cohort_id, organisation_id=world.org_a, coach_id=coach)
    payload = build_envelope(event, source="/enrolment").model_dump_json()
    assert await runner.handle("test-consumer", TeamConfirmed.subject, payload) == "handled"
    assert await runner.handle("test-consumer", TeamConfirmed.subject, payload) == "duplicate"
    team = await team_row(world.service, event.team_id)
    assert team is not None and team.coach_id == coach and team.organisation_id == world.org_a
    lead = world.service.auth(Role.coach, coach_id=coach)
    response = await world.service.client.get(
        f"/api/measurement/teams/{event.team_id}/series/swemwbs",
        params={"from": "2026-01-01", "to": "2026-06-30"},
        headers=lead,
    )
    assert response.status_code == 200 and response.json()["points"] == []

    # A cohort measurement has not seen before gets the default plan with its first team.
    later = team_confirmed(
        cohort_id=uuid.uuid4(), organisation_id=world.org_a, start=date(2026, 9, 7)
    )
    await publish(world.service, later)
    await eventually(lambda: team_row(world.service, later.team_id))
    plan = await world.service.client.get(
        f"/api/measurement/cohorts/{later.cohort_id}/plan", headers=world.coordinator
    )
    assert {m["key"] for m in plan.json()["measures"]} == {
        "frequently_enjoy_work",
        "no_burnout_symptoms",
        "extremely_likely_to_recommend",
    }
    # Baseline data is accepted from 24 months before the cohort starts (7 September 2026).
    pulse = {
        "client_id": f"e-{uuid.uuid4()}",
        "team_id": str(later.team_id),
        "measure": "frequently_enjoy_work",
        "responded_at": "2024-09-07T10:00:00+01:00",
        "items": [4],
    }
    early = await world.post("responses", [pulse])
    assert early.status_code == 200, early.text
    too_early = await world.post(
        "responses", [{**pulse, "client_id": "x", "responded_at": "2024-09-06T23:00:00+01:00"}]
    )
    assert too_early.status_code == 422
    assert too_early.json()["errors"][0]["field"] == "responded_at"
    assert "before 2024-09-07" in too_early.json()["errors"][0]["message"]
