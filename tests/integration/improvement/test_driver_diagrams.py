"""Driver diagrams: the cohort's change package (seeded with the nine critical components, set by
the coordinator), each team's own diagram started from it, versions kept, JSON and SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from tests.integration.improvement.improvement_world import World

SVG = "{http://www.w3.org/2000/svg}"


def primary(diagram: dict[str, Any], component: str) -> dict[str, Any]:
    return next(d for d in diagram["primary_drivers"] if d["component"] == component)


async def test_teams_start_from_the_coordinators_change_package(world: World) -> None:
    package = await world.ok(await world.get(f"cohorts/{world.id}/package", world.lead()))
    assert (package["kind"], package["team_id"], package["version"]) == ("package", None, 1)
    assert package["title"] == "Change package: Enjoying Work 2021"
    assert len(package["primary_drivers"]) == 9
    recognition = primary(package, "recognition_rewards")
    assert recognition["name"] == "Recognition and rewards"

    # Only the coordinator changes the package.
    secondary = {"name": "Thanks are specific and timely", "parent_id": recognition["id"]}
    refused = await world.post(f"diagrams/{package['id']}/drivers", secondary, world.lead())
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    package = await world.ok(await world.post(f"diagrams/{package['id']}/drivers", secondary), 201)
    added = primary(package, "recognition_rewards")["secondary_drivers"][0]
    idea = {"driver_id": added["id"], "name": "Thank-you cards at handover"}
    package = await world.ok(await world.post(f"diagrams/{package['id']}/change-ideas", idea), 201)
    assert package["version"] == 3

    # The team writes its aim, then starts its diagram: a copy of the package as it stands.
    lead = world.lead()
    aim = {
        "what": "Increase the staff who enjoy work",
        "how_much": "from 40% to 60%",
        "by_when": "2021-12-31",
    }
    await world.ok(await world.put(f"teams/{world.a1}/aim", aim, lead))
    assert (await world.get(f"teams/{world.a1}/diagram", lead)).status_code == 404
    own = await world.ok(await world.post(f"teams/{world.a1}/diagram", None, lead), 201)
    assert (own["kind"], own["team_id"], own["version"]) == ("team", str(world.a1), 1)
    assert own["aim"] == "Increase the staff who enjoy work from 40% to 60% by 31 December 2021."
    copied = primary(own, "recognition_rewards")["secondary_drivers"][0]
    assert copied["id"] != added["id"] and copied["origin_id"] == added["origin_id"]
    card = copied["change_ideas"][0]
    assert (card["name"], card["outcome"]) == ("Thank-you cards at handover", "not_tested")
    again = await world.post(f"teams/{world.a1}/diagram", None, lead)
    assert again.status_code == 409

    # The team grows its own diagram; its coach may help; every change is a version.
    own = await world.ok(
        await world.post(
            f"diagrams/{own['id']}/drivers", {"name": "Safe staffing"}, world.coach_auth()
        ),
        201,
    )
    safe = next(d for d in own["primary_drivers"] if d["name"] == "Safe staffing")
    own = await world.ok(
        await world.post(
            f"diagrams/{own['id']}/change-ideas",
            {
                "driver_id": safe["id"],
                "name": "Rota six weeks ahead",
                "description": "Published early",
            },
            lead,
        ),
        201,
    )
    own = await world.ok(
        await world.put(f"diagrams/{own['id']}/aim", {"aim": "Joy at work on Ward 7"}, lead)
    )
    versions = await world.ok(await world.get(f"diagrams/{own['id']}/versions", lead))
    assert [v["version"] for v in versions] == [4, 3, 2, 1]
    assert versions[-1]["change"] == "started from the change package (v3)"
    assert versions[0]["change"] == "changed the aim"
    first = await world.ok(await world.get(f"diagrams/{own['id']}/versions/1", lead))
    assert first["aim"].startswith("Increase the staff") and len(first["primary_drivers"]) == 9
    assert (await world.get(f"diagrams/{own['id']}/versions/9", lead)).status_code == 404

    # The package changing later does not change a team's diagram.
    await world.ok(await world.put(f"diagrams/{package['id']}/aim", {"aim": "A new package aim"}))
    assert (await world.ok(await world.get(f"teams/{world.a1}/diagram", lead)))[
        "aim"
    ] == "Joy at work on Ward 7"

    # Other organisations and coaches: not found; a cohort without their team: not found either.
    for headers in (world.lead(world.org_b), world.coach_auth(world.other_coach)):
        assert (await world.get(f"diagrams/{own['id']}", headers)).status_code == 404
        assert (await world.get(f"diagrams/{own['id']}.svg", headers)).status_code == 404
        assert (
            await world.post(f"diagrams/{own['id']}/drivers", {"name": "X"}, headers)
        ).status_code == 404
    outsider = world.lead(world.coach)  # an organisation with no team in the cohort
    assert (await world.get(f"cohorts/{world.id}/package", outsider)).status_code == 404


async def test_drivers_and_ideas_are_changed_moved_and_removed_with_care(world: World) -> None:
    lead = world.lead()
    own = await world.ok(await world.post(f"teams/{world.a1}/diagram", None, lead), 201)
    safety = primary(own, "physical_psychological_safety")
    own = await world.ok(
        await world.post(
            f"diagrams/{own['id']}/drivers",
            {"name": "Speaking up", "parent_id": safety["id"]},
            lead,
        ),
        201,
    )
    speaking = primary(own, "physical_psychological_safety")["secondary_drivers"][0]
    # A secondary driver cannot have drivers of its own.
    nested = await world.post(
        f"diagrams/{own['id']}/drivers", {"name": "Deeper", "parent_id": speaking["id"]}, lead
    )
    assert nested.status_code == 422
    own = await world.ok(
        await world.post(
            f"diagrams/{own['id']}/change-ideas",
            {"driver_id": speaking["id"], "name": "Safety huddle"},
            lead,
        ),
        201,
    )
    huddle = primary(own, "physical_psychological_safety")["secondary_drivers"][0]["change_ideas"][
        0
    ]
    busy = await world.call("DELETE", f"diagrams/{own['id']}/drivers/{speaking['id']}", None, lead)
    assert busy.status_code == 409
    moved = await world.ok(
        await world.patch(
            f"change-ideas/{huddle['id']}",
            {"driver_id": safety["id"], "name": "Daily safety huddle"},
            lead,
        )
    )
    assert (
        primary(moved, "physical_psychological_safety")["change_ideas"][0]["name"]
        == "Daily safety huddle"
    )
    renamed = await world.ok(
        await world.patch(
            f"diagrams/{own['id']}/drivers/{speaking['id']}", {"name": "Speaking up safely"}, lead
        )
    )
    assert (
        primary(renamed, "physical_psychological_safety")["secondary_drivers"][0]["name"]
        == "Speaking up safely"
    )
    removed = await world.ok(
        await world.call("DELETE", f"diagrams/{own['id']}/drivers/{speaking['id']}", None, lead)
    )
    assert primary(removed, "physical_psychological_safety")["secondary_drivers"] == []
    gone = await world.ok(await world.call("DELETE", f"change-ideas/{huddle['id']}", None, lead))
    assert primary(gone, "physical_psychological_safety")["change_ideas"] == []
    assert (await world.get(f"change-ideas/{huddle['id']}", lead)).status_code == 404
    wrong_driver = await world.post(
        f"diagrams/{own['id']}/change-ideas", {"driver_id": safety["origin_id"], "name": "X"}, lead
    )
    assert wrong_driver.status_code == 404  # the package's driver, not this diagram's


async def test_the_diagram_is_drawn_as_svg(world: World) -> None:
    lead = world.lead()
    own = await world.ok(await world.post(f"teams/{world.a1}/diagram", None, lead), 201)
    meaning = primary(own, "meaning_purpose")
    await world.ok(
        await world.post(
            f"diagrams/{own['id']}/change-ideas",
            {"driver_id": meaning["id"], "name": "Stories of good care <shared> & read aloud"},
            lead,
        ),
        201,
    )
    drawn = await world.get(f"diagrams/{own['id']}.svg", world.coach_auth())
    assert drawn.status_code == 200
    assert drawn.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(drawn.text)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Driver diagram: Ward 7"
    nodes = root.findall(f".//{SVG}g[@data-id]")
    kinds = [n.get("class") for n in nodes]
    assert kinds.count("node aim") == 1
    assert kinds.count("node primary") == 9
    assert kinds.count("node change-idea") == 1
    titles = {n.find(f"{SVG}title").text for n in nodes}
    assert "Stories of good care <shared> & read aloud" in titles  # escaped, and read back whole
    assert "Meaning and purpose" in titles
    links = root.findall(f".//{SVG}g[@class='links']/{SVG}path")
    assert len(links) == 10  # aim to nine drivers, one driver to its idea
