"""QI coaches: allocation on confirmation (an organisation's teams kept together, never over
capacity, otherwise awaiting a coach), reassignment and loads."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.integration.enrolment.enrolment_support import (
    API,
    after_deadline,
    cohort_with_teams,
    coordinator,
    decide,
    ok,
    outbox_events,
    problem,
    team_action,
    written,
)
from tests.support import RunningService


async def _coach(enrolment: RunningService, name: str, capacity: int) -> dict[str, Any]:
    body = {"name": name, "email": f"{name.lower()}@example.org", "capacity": capacity}
    result: dict[str, Any] = ok(
        await enrolment.client.post(f"{API}/coaches", json=body, headers=coordinator(enrolment)),
        201,
    )
    return result


async def _team(enrolment: RunningService, team_id: str) -> dict[str, Any]:
    result: dict[str, Any] = ok(
        await enrolment.client.get(f"{API}/teams/{team_id}", headers=coordinator(enrolment))
    )
    return result


async def _assign(enrolment: RunningService, team_id: str, coach_id: str) -> Any:
    return await enrolment.client.put(
        f"{API}/teams/{team_id}/coach", json={"coach_id": coach_id}, headers=coordinator(enrolment)
    )


async def test_allocation_keeps_organisations_together_and_respects_capacity(
    enrolment: RunningService,
) -> None:
    alice = await _coach(enrolment, "Alice", 3)
    bob = await _coach(enrolment, "Bob", 2)
    before = await written(enrolment)
    duplicate = await enrolment.client.post(
        f"{API}/coaches",
        json={"name": "Alice again", "email": "alice@example.org", "capacity": 1},
        headers=coordinator(enrolment),
    )
    problem(duplicate, 409)
    assert await written(enrolment) == before

    cohort, _orgs, teams = await cohort_with_teams(enrolment, [1, 1, 1, 2, 2, 3], minimum_teams=6)
    after_deadline(enrolment)
    ok(await decide(enrolment, cohort["id"], "go"))
    coach_of = {t["id"]: (await _team(enrolment, t["id"]))["coach_id"] for t in teams}
    # Trust 01's three teams with Alice (most free capacity), Trust 02's two with Bob.
    assert [coach_of[t["id"]] for t in teams] == [alice["id"]] * 3 + [bob["id"]] * 2 + [None]
    awaiting = ok(
        await enrolment.client.get(
            f"{API}/teams", params={"awaiting_coach": "true"}, headers=coordinator(enrolment)
        )
    )
    assert [t["id"] for t in awaiting["items"]] == [teams[5]["id"]]
    assert awaiting["items"][0]["status"] == "confirmed"  # confirmed all the same
    allocated = await outbox_events(enrolment, "enrolment.coach.allocated")
    assert len(allocated) == 5
    confirmed = {
        e["team_id"]: e for e in await outbox_events(enrolment, "enrolment.team.confirmed")
    }
    assert confirmed[teams[0]["id"]]["coach_id"] == alice["id"]
    assert confirmed[teams[5]["id"]]["coach_id"] is None

    coaches = ok(await enrolment.client.get(f"{API}/coaches", headers=coordinator(enrolment)))
    assert [(c["name"], c["load"], c["free"]) for c in coaches] == [("Alice", 3, 0), ("Bob", 2, 0)]

    # Nobody goes over capacity by reassignment either.
    before = await written(enrolment)
    full = problem(await _assign(enrolment, teams[5]["id"], alice["id"]), 409)
    assert full["type"].endswith("/coach-full")
    assert await written(enrolment) == before

    # A withdrawal frees a place; the awaiting team gets it.
    ok(await team_action(enrolment, teams[0]["id"], "withdraw", json={"reason": "Merged"}))
    assigned = ok(await _assign(enrolment, teams[5]["id"], alice["id"]))
    assert (assigned["coach_name"], assigned["awaiting_coach"]) == ("Alice", False)

    carol = await _coach(enrolment, "Carol", 4)
    moved = ok(await _assign(enrolment, teams[3]["id"], carol["id"]))
    assert moved["coach_id"] == carol["id"]
    last = (await outbox_events(enrolment, "enrolment.coach.allocated"))[-1]
    assert (last["team_id"], last["coach_id"], last["previous_coach_id"]) == (
        teams[3]["id"],
        carol["id"],
        bob["id"],
    )
    coaches = ok(await enrolment.client.get(f"{API}/coaches", headers=coordinator(enrolment)))
    assert [(c["name"], c["load"]) for c in coaches] == [("Alice", 3), ("Bob", 1), ("Carol", 1)]

    # A coach sees the teams they coach, and only those.
    as_carol = enrolment.auth(Role.coach, coach_id=carol["id"])
    mine = ok(await enrolment.client.get(f"{API}/teams", headers=as_carol))
    assert [t["id"] for t in mine["items"]] == [teams[3]["id"]]
    problem(await enrolment.client.get(f"{API}/teams/{teams[1]['id']}", headers=as_carol), 404)
    nobody = await enrolment.client.get(f"{API}/teams", headers=enrolment.auth(Role.coach))
    assert nobody.status_code == 401  # a coach token naming no coach is refused outright
    # Only confirmed teams have coaches; only coordinators assign them.
    problem(await _assign(enrolment, teams[0]["id"], carol["id"]), 409)
    problem(
        await enrolment.client.put(
            f"{API}/teams/{teams[1]['id']}/coach", json={"coach_id": carol["id"]}, headers=as_carol
        ),
        403,
    )


async def test_late_joiner_goes_to_its_organisations_coach(enrolment: RunningService) -> None:
    alice = await _coach(enrolment, "Alice", 5)
    bob = await _coach(enrolment, "Bob", 6)
    cohort, orgs, teams = await cohort_with_teams(enrolment, [1, 2], minimum_teams=2)
    after_deadline(enrolment)
    ok(await decide(enrolment, cohort["id"], "go"))
    first = await _team(enrolment, teams[0]["id"])
    second = await _team(enrolment, teams[1]["id"])
    assert first["coach_id"] == bob["id"]  # most free capacity
    assert second["coach_id"] == alice["id"]  # Bob 5 free, Alice 5 free: by name
    from tests.integration.enrolment.enrolment_support import submit

    late = ok(await submit(enrolment, cohort["id"], orgs[2]["id"], "Late", late_entry=True), 201)
    confirmed = ok(await team_action(enrolment, late["id"], "confirm"))
    assert confirmed["coach_id"] == alice["id"]  # with Trust 02's other team
    assert confirmed["organisation_team_count"] == 2
