"""Project set-up in the lead-in, and readiness computed from it and from events: a team without
baseline data for every plan measure is not ready; readiness is shown per team and per cohort."""

from __future__ import annotations

from typing import Any

from tests.integration.improvement.improvement_world import World, make_world
from tests.support import eventually


def checks(readiness: dict[str, Any]) -> dict[str, bool]:
    return {c["key"]: c["met"] for c in readiness["checks"]}


async def set_up(world: World, team: str, *, service_user: bool = True) -> None:
    """A project team, a first meeting with the coach, an agreed aim and a drafted diagram."""
    lead = world.lead()
    for member in (
        {"role": "Band 6 nurse", "is_data_champion": True},
        {"role": "Occupational therapist"},
        {
            "role": "Service user" if service_user else "Healthcare assistant",
            "is_service_user": service_user,
        },
    ):
        await world.ok(await world.post(f"teams/{team}/members", member, lead), 201)
    meeting = {"held_on": "2021-01-08", "coach_present": True, "notes": "kick-off"}
    await world.ok(await world.post(f"teams/{team}/meetings", meeting, lead), 201)
    aim = {
        "what": "Increase the staff who frequently enjoy being at work",
        "how_much": "from 40% to 60%",
        "by_when": "2021-12-31",
        "for_whom": "the ward's nursing and therapy staff",
    }
    await world.ok(await world.put(f"teams/{team}/aim", aim, lead))
    await world.ok(await world.post(f"teams/{team}/aim/agreement", None, world.coach_auth()))
    diagram = await world.ok(await world.post(f"teams/{team}/diagram", None, lead), 201)
    driver = diagram["primary_drivers"][3]["id"]  # recognition and rewards
    idea = {"driver_id": driver, "name": "Thank-you cards at handover"}
    await world.ok(await world.post(f"diagrams/{diagram['id']}/change-ideas", idea, lead), 201)


async def test_the_project_team_needs_a_data_champion_and_for_clinical_teams_a_service_user(
    world: World,
) -> None:
    lead = world.lead()
    await set_up(world, str(world.a1), service_user=False)
    readiness = await world.ok(await world.get(f"teams/{world.a1}/readiness", lead))
    formed = next(c for c in readiness["checks"] if c["key"] == "project_team_formed")
    assert formed["met"] is False and "service user" in formed["detail"]
    assert formed["label"] == "Project team formed"
    added = await world.ok(
        await world.post(
            f"teams/{world.a1}/members",
            {"role": "Expert by experience", "name": "Sam", "is_service_user": True},
            lead,
        ),
        201,
    )
    assert added["joined_on"] == "2021-01-11"
    assert checks(await world.ok(await world.get(f"teams/{world.a1}/readiness", lead)))[
        "project_team_formed"
    ]
    # One data champion: naming another relieves the first.
    members = await world.ok(await world.get(f"teams/{world.a1}/members", lead))
    champion = next(m for m in members if m["is_data_champion"])
    other = next(m for m in members if not m["is_data_champion"])
    await world.ok(
        await world.patch(
            f"teams/{world.a1}/members/{other['id']}", {"is_data_champion": True}, lead
        )
    )
    members = await world.ok(await world.get(f"teams/{world.a1}/members", lead))
    assert [m["id"] for m in members if m["is_data_champion"]] == [other["id"]]
    # A member leaves: kept as a former member, no longer counted.
    gone = await world.call("DELETE", f"teams/{world.a1}/members/{champion['id']}", None, lead)
    assert gone.status_code == 204
    assert len(await world.ok(await world.get(f"teams/{world.a1}/members", lead))) == 3
    everyone = await world.ok(
        await world.get(f"teams/{world.a1}/members?include_former=true", lead)
    )
    assert [m["left_on"] for m in everyone if m["id"] == champion["id"]] == ["2021-01-11"]


async def test_a_changed_aim_must_be_agreed_again(world: World) -> None:
    lead = world.lead()
    assert (await world.get(f"teams/{world.a1}/aim", lead)).status_code == 404
    refused = await world.post(f"teams/{world.a1}/aim/agreement", None, lead)
    assert refused.status_code == 409
    aim = {"what": "Reduce burnout symptoms", "how_much": "by a third", "by_when": "2021-12-31"}
    written = await world.ok(await world.put(f"teams/{world.a1}/aim", aim, lead))
    assert written["statement"] == "Reduce burnout symptoms by a third by 31 December 2021."
    assert (written["revision"], written["agreed"]) == (1, False)
    agreed = await world.ok(await world.post(f"teams/{world.a1}/aim/agreement", None, lead))
    assert (agreed["agreed"], agreed["agreed_on"]) == (True, "2021-01-11")
    same = await world.ok(await world.put(f"teams/{world.a1}/aim", aim, lead))
    assert (same["revision"], same["agreed"]) == (1, True)  # nothing changed
    changed = await world.ok(
        await world.put(f"teams/{world.a1}/aim", {**aim, "how_much": "by half"}, lead)
    )
    assert (changed["revision"], changed["agreed"]) == (2, False)
    unknown = await world.put(f"teams/{world.a1}/aim", {**aim, "agreed_on": "2021-01-01"}, lead)
    assert unknown.status_code == 422  # agreement is its own step, never set with the text


async def test_readiness_comes_from_events_and_a_team_without_baseline_data_is_not_ready(
    world: World,
) -> None:
    await set_up(world, str(world.a1))
    lead = world.lead()
    readiness = await world.ok(await world.get(f"teams/{world.a1}/readiness", lead))
    assert checks(readiness) == {
        "project_team_formed": True,
        "first_meeting_with_coach": True,
        "aim_agreed": True,
        "driver_diagram_drafted": True,
        "baseline_data": False,
    }
    assert readiness["ready"] is False
    baseline = next(c for c in readiness["checks"] if c["key"] == "baseline_data")
    assert baseline["detail"] == "no data yet for enjoying_work, no_burnout, recommend_team"

    # Measurement accepts data for two of the three measures, then for the third.
    await world.data_arrives(world.a1, "enjoying_work", "no_burnout")

    async def partly() -> bool:
        found = await world.ok(await world.get(f"teams/{world.a1}/readiness", lead))
        return "no data yet for recommend_team" in str(found)

    await eventually(partly)
    await world.data_arrives(world.a1, "recommend_team")

    async def ready() -> bool:
        found = await world.ok(await world.get(f"teams/{world.a1}/readiness", lead))
        return bool(found["ready"])

    await eventually(ready)

    # Per cohort: the coordinator sees every active team, a coach their own.
    cohort = await world.ok(await world.get(f"cohorts/{world.id}/readiness"))
    assert cohort["coaching_starts_on"] == "2021-03-01"
    assert (cohort["teams"], cohort["teams_ready"]) == (3, 1)
    counts = {c["key"]: c["teams_met"] for c in cohort["checks"]}
    assert counts == {
        "project_team_formed": 1,
        "first_meeting_with_coach": 1,
        "aim_agreed": 1,
        "driver_diagram_drafted": 1,
        "baseline_data": 1,
    }
    by_team = {r["team_name"]: r["ready"] for r in cohort["readiness"]}
    assert by_team == {"Ward 7": True, "Estates": False, "Crisis team": False}
    coach_view = await world.ok(
        await world.get(f"cohorts/{world.id}/readiness", world.coach_auth())
    )
    assert [r["team_name"] for r in coach_view["readiness"]] == ["Ward 7"]
    other = await world.get(f"cohorts/{world.id}/readiness", world.coach_auth(world.org_b))
    assert other.status_code == 404  # a coach with no team in the cohort


async def test_an_empty_plan_is_not_a_ready_plan(world: World) -> None:
    # A team of a cohort whose plan measurement has not announced yet.
    bare = await make_world(world.service, world.clock, plan=())
    found = await world.ok(await bare.get(f"teams/{bare.a1}/readiness"))
    baseline = next(c for c in found["checks"] if c["key"] == "baseline_data")
    assert baseline == {
        "key": "baseline_data",
        "label": "Baseline data arriving for every measure of the plan",
        "met": False,
        "detail": "the cohort has no measurement plan yet",
    }
