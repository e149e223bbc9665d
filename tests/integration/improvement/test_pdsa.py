"""Change ideas and PDSA cycles: Plan, Do, Study, Act; cycles on one idea form a ramp; a started
cycle records improvement.pdsa.started and an acted-on one improvement.pdsa.completed, published
to JetStream for measurement to annotate its charts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import nats

from tests.integration.improvement.improvement_world import World, at, recorded
from tests.support import eventually

PLAN = {
    "objective": "Thank-you cards at handover lift how staff feel about the shift",
    "questions": ["Will staff write cards?", "Do people feel thanked?"],
    "prediction": "Half the shift will write at least one card",
    "who": "Day shift nurses",
    "what": "A box of cards at the nurses' station",
    "when": "One week",
    "where": "Ward 7",
    "measure_keys": ["enjoying_work"],
}


async def an_idea(world: World, name: str = "Thank-you cards at handover") -> dict[str, Any]:
    lead = world.lead()
    found = await world.get(f"teams/{world.a1}/diagram", lead)
    diagram = found.json() if found.status_code == 200 else None
    if diagram is None:
        diagram = await world.ok(await world.post(f"teams/{world.a1}/diagram", None, lead), 201)
    driver = next(d for d in diagram["primary_drivers"] if d["component"] == "recognition_rewards")
    diagram = await world.ok(
        await world.post(
            f"diagrams/{diagram['id']}/change-ideas",
            {"driver_id": driver["id"], "name": name},
            lead,
        ),
        201,
    )
    ideas = next(d for d in diagram["primary_drivers"] if d["component"] == "recognition_rewards")
    return next(i for i in ideas["change_ideas"] if i["name"] == name)


async def run_cycle(
    world: World,
    idea_id: str,
    decision: str,
    *,
    started: date,
    completed: date,
    plan: dict[str, Any] = PLAN,
) -> dict[str, Any]:
    lead = world.lead()
    world.clock.set(at(started))
    cycle = await world.ok(await world.post(f"change-ideas/{idea_id}/cycles", plan, lead), 201)
    await world.ok(await world.post(f"cycles/{cycle['id']}/start", {}, lead))
    await world.ok(
        await world.put(
            f"cycles/{cycle['id']}/do",
            {
                "what_happened": "Cards were written on most shifts",
                "observations": "Nights were left out",
            },
            lead,
        )
    )
    await world.ok(
        await world.put(
            f"cycles/{cycle['id']}/study",
            {
                "results": "14 cards in a week",
                "against_prediction": "More than predicted",
                "learning": "Include nights",
            },
            lead,
        )
    )
    world.clock.set(at(completed))
    return await world.ok(
        await world.post(
            f"cycles/{cycle['id']}/act", {"decision": decision, "next_steps": "Next: nights"}, lead
        )
    )


async def test_three_cycles_on_one_idea_form_a_ramp_and_record_their_events(world: World) -> None:
    idea = await an_idea(world)
    first = await run_cycle(
        world, idea["id"], "adapt", started=date(2021, 3, 1), completed=date(2021, 3, 8)
    )
    assert first["ramp_step"] == 1 and first["status"] == "completed"
    assert first["plan"]["measure_keys"] == ["enjoying_work"]
    assert first["do"]["started_on"] == "2021-03-01"
    assert first["study"]["results"] == "14 cards in a week"
    assert first["act"] == {
        "decision": "adapt",
        "next_steps": "Next: nights",
        "completed_on": "2021-03-08",
    }
    wider = {
        **PLAN,
        "who": "Every shift, nights included",
        "measure_keys": ["enjoying_work", "recommend_team"],
    }
    second = await run_cycle(
        world,
        idea["id"],
        "adapt",
        started=date(2021, 3, 15),
        completed=date(2021, 4, 5),
        plan=wider,
    )
    third = await run_cycle(
        world,
        idea["id"],
        "adopt",
        started=date(2021, 4, 12),
        completed=date(2021, 5, 10),
        plan=wider,
    )
    assert (second["ramp_step"], third["ramp_step"]) == (2, 3)

    ramp = await world.ok(await world.get(f"change-ideas/{idea['id']}", world.coach_auth()))
    assert (ramp["outcome"], ramp["cycles"], ramp["team_id"]) == ("adopted", 3, str(world.a1))
    assert [c["act"]["decision"] for c in ramp["ramp"]] == ["adapt", "adapt", "adopt"]
    listed = await world.ok(await world.get(f"teams/{world.a1}/change-ideas", world.lead()))
    assert [(i["name"], i["outcome"], i["driver_name"]) for i in listed] == [
        ("Thank-you cards at handover", "adopted", "Recognition and rewards")
    ]

    started = await recorded(world.service, "improvement.pdsa.started", team_id=str(world.a1))
    completed = await recorded(world.service, "improvement.pdsa.completed", team_id=str(world.a1))
    assert [(e["ramp_step"], e["started_on"]) for e in started] == [
        (1, "2021-03-01"),
        (2, "2021-03-15"),
        (3, "2021-04-12"),
    ]
    assert started[0] == {
        "cycle_id": first["id"],
        "cohort_id": str(world.id),
        "team_id": str(world.a1),
        "change_idea_id": idea["id"],
        "change_idea_name": "Thank-you cards at handover",
        "ramp_step": 1,
        "objective": PLAN["objective"],
        "started_on": "2021-03-01",
        "measure_keys": ["enjoying_work"],
    }
    assert [(e["decision"], e["completed_on"]) for e in completed] == [
        ("adapt", "2021-03-08"),
        ("adapt", "2021-04-05"),
        ("adopt", "2021-05-10"),
    ]
    assert completed[2]["measure_keys"] == ["enjoying_work", "recommend_team"]

    # The relay published them to the IMPROVEMENT stream, where measurement will read them.
    async def published() -> list[dict[str, Any]]:
        return [e for e in await stream_events(world) if e["data"]["team_id"] == str(world.a1)]

    async def all_six() -> bool:
        return len(await published()) == 6

    await eventually(all_six)
    assert [e["type"] for e in await published()] == [
        "improvement.pdsa.started",
        "improvement.pdsa.completed",
    ] * 3


async def stream_events(world: World) -> list[dict[str, Any]]:
    connection = await nats.connect(world.service.settings.nats_url)
    try:
        js = connection.jetstream()
        subscription = await js.pull_subscribe("improvement.pdsa.>", stream="IMPROVEMENT")
        found: list[dict[str, Any]] = []
        while True:
            try:
                batch = await subscription.fetch(100, timeout=0.5)
            except nats.errors.TimeoutError:
                return found
            for message in batch:
                found.append(json.loads(message.data))
                await message.ack()
    finally:
        await connection.close()


async def test_the_ramp_and_the_stages_keep_their_order(world: World) -> None:
    lead = world.lead()
    idea = await an_idea(world)
    world.clock.set(at(date(2021, 3, 1)))
    unknown = await world.post(
        f"change-ideas/{idea['id']}/cycles", {**PLAN, "measure_keys": ["sick_days"]}, lead
    )
    assert unknown.status_code == 422 and "sick_days" in unknown.json()["detail"]
    cycle = await world.ok(await world.post(f"change-ideas/{idea['id']}/cycles", PLAN, lead), 201)
    assert cycle["status"] == "planned" and cycle["do"] is None
    assert (await world.post(f"change-ideas/{idea['id']}/cycles", PLAN, lead)).status_code == 409
    revised = await world.ok(
        await world.put(f"cycles/{cycle['id']}/plan", {**PLAN, "where": "Ward 8"}, lead)
    )
    assert revised["plan"]["where"] == "Ward 8"
    assert (
        await world.put(f"cycles/{cycle['id']}/do", {"what_happened": "x"}, lead)
    ).status_code == 409
    future = await world.post(f"cycles/{cycle['id']}/start", {"started_on": "2021-03-02"}, lead)
    assert future.status_code == 422
    await world.ok(
        await world.post(f"cycles/{cycle['id']}/start", {"started_on": "2021-02-26"}, lead)
    )
    assert (await world.put(f"cycles/{cycle['id']}/plan", PLAN, lead)).status_code == 409
    study = {"results": "r", "against_prediction": "p"}
    assert (await world.put(f"cycles/{cycle['id']}/study", study, lead)).status_code == 409
    early = await world.post(f"cycles/{cycle['id']}/act", {"decision": "adopt"}, lead)
    assert early.status_code == 409 and "do and study" in early.json()["detail"]
    await world.ok(
        await world.put(f"cycles/{cycle['id']}/do", {"what_happened": "Few cards"}, lead)
    )
    await world.ok(await world.put(f"cycles/{cycle['id']}/study", study, lead))
    assert (
        await world.put(f"cycles/{cycle['id']}/sharing", {"summary": "s"}, lead)
    ).status_code == 409
    done = await world.ok(
        await world.post(f"cycles/{cycle['id']}/act", {"decision": "abandon"}, lead)
    )
    assert done["act"]["completed_on"] == "2021-03-01"
    after = await world.post(f"change-ideas/{idea['id']}/cycles", PLAN, lead)
    assert after.status_code == 409 and "abandoned" in after.json()["detail"]
    assert (await world.call("DELETE", f"change-ideas/{idea['id']}", None, lead)).status_code == 409
    # A package idea is tested on a team's copy; another team's cycle is not found.
    package = await world.ok(await world.get(f"cohorts/{world.id}/package"))
    driver = package["primary_drivers"][0]["id"]
    package = await world.ok(
        await world.post(
            f"diagrams/{package['id']}/change-ideas", {"driver_id": driver, "name": "Huddles"}
        ),
        201,
    )
    package_idea = package["primary_drivers"][0]["change_ideas"][0]["id"]
    assert (await world.post(f"change-ideas/{package_idea}/cycles", PLAN)).status_code == 409
    for headers in (world.lead(world.org_b), world.coach_auth(world.other_coach)):
        assert (await world.get(f"cycles/{cycle['id']}", headers)).status_code == 404
        assert (await world.get(f"change-ideas/{idea['id']}", headers)).status_code == 404
