"""The service learns cohorts, teams, organisations, project leads, sponsors, coaches and plan
measures from enrolment's and measurement's events, idempotently, and each person sees only the
teams the platform's authorisation gives them."""

from __future__ import annotations

import uuid
from datetime import date

from services.improvement.models import BaselineData
from shared.auth import Role
from shared.events.enrolment import CoachAllocated, CohortCancelled, TeamWithdrawn
from shared.events.measurement import (
    BatchAccepted,
    BatchCount,
    PlanMeasureAdded,
    PlanMeasureRemoved,
)
from tests.integration.improvement.improvement_world import World, publish, team_confirmed
from tests.support import eventually


async def test_each_person_sees_the_teams_the_platform_gives_them(world: World) -> None:
    def ids(answer: list[dict[str, str]]) -> set[str]:
        return {t["id"] for t in answer}

    every = await world.ok(await world.get(f"teams?cohort_id={world.id}"))
    assert ids(every) == {str(world.a1), str(world.a2), str(world.b1)}
    own = await world.ok(await world.get(f"teams?cohort_id={world.id}", world.lead()))
    assert ids(own) == {str(world.a1), str(world.a2)}
    coached = await world.ok(await world.get(f"teams?cohort_id={world.id}", world.coach_auth()))
    assert ids(coached) == {str(world.a1)}

    team = await world.ok(await world.get(f"teams/{world.a1}", world.coach_auth()))
    assert team["name"] == "Ward 7" and team["setting"] == "clinical"
    assert team["project_lead"] == {
        "name": "Ada Lead",
        "email": "ada.lead@example.nhs.uk",
        "job_title": "Manager",
    }
    assert team["senior_sponsor"]["name"] == "Grace Sponsor"
    assert (team["coach_id"], team["coach_name"]) == (str(world.coach), "Coach K")
    assert team["programme"] == {
        "start_date": "2021-01-04",
        "lead_in_months": 2,
        "coaching_months": 10,
        "coaching_starts_on": "2021-03-01",
        "ends_on": "2021-12-31",
    }
    assert (team["phase"], team["programme_month"]) == ("lead_in", 1)

    # Another organisation's team, another coach's team, a team that does not exist: 404 alike.
    for path, headers in (
        (f"teams/{world.b1}", world.lead()),
        (f"teams/{world.b1}", world.coach_auth()),
        (f"teams/{uuid.uuid4()}", world.coordinator),
    ):
        answer = await world.get(path, headers)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"
    refused = await world.get("teams", world.service.auth(Role.finance))
    assert refused.status_code == 403


async def test_events_told_twice_change_nothing_and_later_news_is_kept(world: World) -> None:
    again = team_confirmed(
        cohort_id=world.id, organisation_id=world.org_b, team_id=world.b1, name="Crisis team"
    )
    await publish(world.service, again)  # a new envelope id: the inbox lets it through
    await publish(
        world.service,
        CoachAllocated(
            cohort_id=world.id, team_id=world.a2, coach_id=world.coach, coach_name="Coach K"
        ),
    )

    async def coached() -> bool:
        mine = await world.ok(await world.get(f"teams?cohort_id={world.id}", world.coach_auth()))
        return len(mine) == 2

    await eventually(coached)
    teams = await world.ok(await world.get(f"teams?cohort_id={world.id}"))
    assert len(teams) == 3
    package = await world.ok(await world.get(f"cohorts/{world.id}/package"))
    assert package["version"] == 1  # seeded once, though the cohort was announced four times
    assert [d["component"] for d in package["primary_drivers"]] == [
        "physical_psychological_safety",
        "meaning_purpose",
        "choice_autonomy",
        "recognition_rewards",
        "participative_management",
        "camaraderie_teamwork",
        "daily_improvement",
        "wellness_resilience",
        "real_time_measurement",
    ]
    await publish(world.service, PlanMeasureRemoved(cohort_id=world.id, measure_key="no_burnout"))

    async def plan_shrank() -> bool:
        return len(await world.ok(await world.get(f"cohorts/{world.id}/measures"))) == 2

    await eventually(plan_shrank)


async def test_a_withdrawn_team_keeps_its_project_read_only(world: World) -> None:
    member = {"role": "Band 6 nurse"}
    await world.ok(await world.post(f"teams/{world.a2}/members", member, world.lead()), 201)
    await publish(
        world.service,
        TeamWithdrawn(
            cohort_id=world.id,
            team_id=world.a2,
            organisation_id=world.org_a,
            reason="staffing",
            withdrawn_on=date(2021, 1, 20),
        ),
    )

    async def withdrawn() -> bool:
        team = await world.ok(await world.get(f"teams/{world.a2}"))
        return bool(team["status"] == "withdrawn")

    await eventually(withdrawn)
    refused = await world.post(f"teams/{world.a2}/members", member, world.lead())
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/team-withdrawn")
    members = await world.ok(await world.get(f"teams/{world.a2}/members", world.lead()))
    assert [m["role"] for m in members] == ["Band 6 nurse"]


async def test_a_cancelled_cohort_takes_no_more_changes(world: World) -> None:
    await publish(world.service, CohortCancelled(cohort_id=world.id, team_ids=[]))

    async def refused() -> bool:
        answer = await world.post(f"teams/{world.b1}/members", {"role": "Peer worker"})
        return answer.status_code == 409

    await eventually(refused)


async def test_a_batch_announced_twice_is_counted_once(world: World) -> None:
    batch = BatchAccepted(
        batch_id=uuid.uuid4(),
        organisation_id=world.org_a,
        kind="values",
        new_rows=4,
        repeated_rows=0,
        counts=[
            BatchCount(team_id=world.a1, measure_key="no_burnout", new_rows=4, repeated_rows=0)
        ],
        accepted_at=world.clock.now(),
    )
    await publish(world.service, batch)
    await publish(world.service, batch)  # another envelope id: only the business key stops it
    # A later event on the same stream: once it is handled, both copies of the batch were.
    sentinel = PlanMeasureAdded(
        cohort_id=world.id, measure_key="sentinel", name="s", kind="count", frequency="weekly"
    )
    await publish(world.service, sentinel)

    async def handled() -> bool:
        measures = await world.ok(await world.get(f"cohorts/{world.id}/measures"))
        return "sentinel" in {m["measure_key"] for m in measures}

    await eventually(handled)
    async with world.service.app.state.database.sessions() as session:
        row = await session.get(BaselineData, (world.a1, "no_burnout"))
    assert row is not None and row.rows == 4
