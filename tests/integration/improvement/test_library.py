"""Sharing across teams: the cohort's idea library (tested ideas, how many teams tested, adopted,
adapted or abandoned them, and the PDSA summaries teams chose to share). Other teams of the
cohort read the library and shared summaries only; they copy an idea into their own diagram."""

from __future__ import annotations

from datetime import date

from tests.integration.improvement.improvement_world import World, at
from tests.integration.improvement.test_pdsa import an_idea, run_cycle


async def test_the_library_shares_what_teams_learned_and_nothing_more(world: World) -> None:
    idea = await an_idea(world)
    first = await run_cycle(
        world, idea["id"], "adapt", started=date(2021, 3, 1), completed=date(2021, 3, 8)
    )
    second = await run_cycle(
        world, idea["id"], "adopt", started=date(2021, 3, 15), completed=date(2021, 4, 5)
    )
    lead_a = world.lead()
    summary = "Cards at every handover; nights needed their own box. Staff felt noticed."
    shared = await world.ok(
        await world.put(f"cycles/{second['id']}/sharing", {"summary": summary}, lead_a)
    )
    assert shared["shared_summary"] == summary
    await world.ok(await world.put(f"cycles/{first['id']}/sharing", {"summary": None}, lead_a))
    meeting = {
        "held_on": "2021-03-02",
        "coach_present": True,
        "notes": "Confidential: rota dispute",
    }
    notes = await world.ok(await world.post(f"teams/{world.a1}/meetings", meeting, lead_a), 201)
    pebble = await world.ok(
        await world.post(
            f"teams/{world.a1}/ideas", {"kind": "impediment", "text": "Bullying on nights"}, lead_a
        ),
        201,
    )

    # Team B, in the same cohort: the library and the shared summary, nothing else of team A's.
    lead_b = world.lead(world.org_b)
    library = await world.ok(await world.get(f"cohorts/{world.id}/library", lead_b))
    assert len(library) == 1
    entry = library[0]
    assert entry["id"] == idea["origin_id"]
    assert (entry["name"], entry["driver_name"]) == (
        "Thank-you cards at handover",
        "Recognition and rewards",
    )
    assert (
        entry["teams_tested"],
        entry["teams_adopted"],
        entry["teams_adapted"],
        entry["teams_abandoned"],
    ) == (1, 1, 0, 0)
    assert entry["cycles"] == 2
    assert [
        (s["team_name"], s["ramp_step"], s["decision"], s["summary"])
        for s in entry["shared_summaries"]
    ] == [("Ward 7", 2, "adopt", summary)]
    text = str(library)
    assert "Confidential" not in text and "Bullying" not in text and "Next: nights" not in text
    for path in (
        f"meetings/{notes['id']}",
        f"teams/{world.a1}/ideas",
        f"teams/{world.a1}/voting-rounds",
        f"cycles/{first['id']}",
        f"cycles/{second['id']}",
        f"change-ideas/{idea['id']}",
        f"teams/{world.a1}/diagram",
    ):
        assert (await world.get(path, lead_b)).status_code == 404, path
    assert (
        await world.patch(f"ideas/{pebble['id']}", {"status": "done"}, lead_b)
    ).status_code == 404
    one = await world.ok(
        await world.get(
            f"cohorts/{world.id}/library/{entry['id']}", world.coach_auth(world.other_coach)
        )
    )
    assert one["name"] == entry["name"]

    # Team B copies the idea into its own diagram (onto its own Recognition driver), tests it,
    # abandons it: the library counts both teams.
    world.clock.set(at(date(2021, 4, 6)))
    diagram_b = await world.ok(await world.post(f"teams/{world.b1}/diagram", None, lead_b), 201)
    copied = await world.ok(
        await world.post(
            f"diagrams/{diagram_b['id']}/change-ideas/copies",
            {"library_idea_id": entry["id"]},
            lead_b,
        ),
        201,
    )
    recognition = next(
        d for d in copied["primary_drivers"] if d["component"] == "recognition_rewards"
    )
    copy = recognition["change_ideas"][0]
    assert (copy["name"], copy["origin_id"]) == ("Thank-you cards at handover", entry["id"])
    twice = await world.post(
        f"diagrams/{diagram_b['id']}/change-ideas/copies", {"library_idea_id": entry["id"]}, lead_b
    )
    assert twice.status_code == 409
    world.clock.set(at(date(2021, 4, 12)))
    cycle = await world.ok(
        await world.post(
            f"change-ideas/{copy['id']}/cycles",
            {"objective": "Cards in the crisis team", "prediction": "Used daily"},
            lead_b,
        ),
        201,
    )
    await world.ok(await world.post(f"cycles/{cycle['id']}/start", {}, lead_b))
    await world.ok(
        await world.put(f"cycles/{cycle['id']}/do", {"what_happened": "Not used"}, lead_b)
    )
    await world.ok(
        await world.put(
            f"cycles/{cycle['id']}/study",
            {"results": "0 cards", "against_prediction": "Far below"},
            lead_b,
        )
    )
    await world.ok(await world.post(f"cycles/{cycle['id']}/act", {"decision": "abandon"}, lead_b))
    entry = (await world.ok(await world.get(f"cohorts/{world.id}/library", lead_a)))[0]
    assert (
        entry["teams_tested"],
        entry["teams_adopted"],
        entry["teams_abandoned"],
        entry["cycles"],
    ) == (2, 1, 1, 3)

    # An idea that is not in the library (untested, or of another cohort) cannot be copied.
    untested = await an_idea(world, "Walking meetings")
    refused = await world.post(
        f"diagrams/{diagram_b['id']}/change-ideas/copies",
        {"library_idea_id": untested["origin_id"]},
        lead_b,
    )
    assert refused.status_code == 404
    assert (
        await world.get(f"cohorts/{world.id}/library/{untested['origin_id']}", lead_b)
    ).status_code == 404
