"""Acceptance 1, the full cohort story: 36 EOIs from 20 organisations → the deadline passes →
go → 36 ``enrolment.team.confirmed`` events on a real NATS server, each with its organisation's
team count; every team has a coach or is listed as awaiting one; no coach is over capacity."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeout

from tests.integration.enrolment.enrolment_support import (
    API,
    after_deadline,
    coordinator,
    create_cohort,
    create_organisation,
    decide,
    ok,
    outbox_events,
    submit,
    team_action,
    team_lead,
)
from tests.support import NatsServer, RunningService, eventually

# Teams per organisation: 20 organisations, 36 teams.
TEAMS_PER_ORGANISATION = [4, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2]
NATIONS = ["england", "england", "scotland", "wales", "northern_ireland"]
COACH_CAPACITIES = {"Amira": 8, "Ben": 8, "Chidi": 8, "Dana": 7}  # 31 places for 36 teams


async def test_full_cohort_story_over_real_nats(
    enrolment: RunningService, nats_server: NatsServer
) -> None:
    assert sum(TEAMS_PER_ORGANISATION) == 36 and len(TEAMS_PER_ORGANISATION) == 20
    headers = coordinator(enrolment)
    coaches = {}
    for name, capacity in COACH_CAPACITIES.items():
        body = {"name": name, "email": f"{name.lower()}@example.org", "capacity": capacity}
        coaches[name] = ok(
            await enrolment.client.post(f"{API}/coaches", json=body, headers=headers), 201
        )
    cohort = await create_cohort(enrolment, minimum_teams=35)

    team_org: dict[str, str] = {}
    for n, count in enumerate(TEAMS_PER_ORGANISATION, start=1):
        org = await create_organisation(enrolment, n, nation=NATIONS[n % len(NATIONS)])
        lead = team_lead(enrolment, org["id"])
        for k in range(count):
            setting = "clinical" if k % 2 == 0 else "non_clinical"
            team = ok(
                await submit(
                    enrolment, cohort["id"], org["id"], f"T{n}-{k}", headers=lead, setting=setting
                ),
                201,
            )
            team_org[team["id"]] = org["id"]
    for team_id in team_org:
        ok(await team_action(enrolment, team_id, "accept"))

    viability = ok(await enrolment.client.get(f"{API}/cohorts/{cohort['id']}", headers=headers))[
        "viability"
    ]
    assert (viability["submitted"], viability["accepted"], viability["viable"]) == (36, 36, True)
    assert len(viability["by_organisation"]) == 20
    assert sum(t["submitted"] for t in viability["by_nation"].values()) == 36

    after_deadline(enrolment)
    decision = ok(await decide(enrolment, cohort["id"], "go"))
    assert len(decision["confirmed_team_ids"]) == 36

    # What the other services receive, read from the NATS server itself.
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        subscription = await js.pull_subscribe(
            "enrolment.team.confirmed", durable="story-test", stream="ENROLMENT"
        )
        received: dict[str, dict[str, Any]] = {}

        async def all_arrived() -> bool:
            try:
                messages = await subscription.fetch(batch=50, timeout=0.5)
            except NatsTimeout:
                messages = []
            for message in messages:
                envelope = json.loads(message.data)
                assert envelope["id"] not in received, "an event arrived twice"
                received[envelope["id"]] = envelope["data"]
                await message.ack()
            return len(received) >= 36

        await eventually(all_arrived, timeout=20)
    finally:
        await nc.close()

    events = list(received.values())
    assert len(events) == 36
    assert Counter(e["team_id"] for e in events) == Counter(team_org.keys())  # each team once
    organisation_sizes = Counter(team_org.values())
    for event in events:
        assert event["cohort_id"] == cohort["id"]
        assert event["organisation"]["id"] == team_org[event["team_id"]]
        assert event["organisation_team_count"] == organisation_sizes[event["organisation"]["id"]]
        assert event["terms"]["fee_per_team"] == "4300.00"
        assert event["terms"]["multi_team_discount"] == "0.10"
        assert event["terms"]["vat_rate"] == "0.20"
    assert {e["organisation_team_count"] for e in events} == {1, 2, 3, 4}

    # Coaches: every team has one or is listed as awaiting one; nobody over capacity.
    loads = Counter(e["coach_id"] for e in events if e["coach_id"] is not None)
    by_id = {c["id"]: c for c in coaches.values()}
    for coach_id, load in loads.items():
        assert load <= by_id[coach_id]["capacity"]
    assert sum(loads.values()) == 31
    awaiting = ok(
        await enrolment.client.get(
            f"{API}/teams",
            params={"cohort_id": cohort["id"], "awaiting_coach": "true", "limit": 200},
            headers=headers,
        )
    )
    assert {t["id"] for t in awaiting["items"]} == {
        e["team_id"] for e in events if e["coach_id"] is None
    }
    assert awaiting["total"] == 5
    listed = ok(await enrolment.client.get(f"{API}/coaches", headers=headers))
    assert all(c["load"] <= c["capacity"] for c in listed)
    assert sum(c["load"] for c in listed) == 31
    # Organisations that fit stayed with one coach: the 4-team trust has a single coach.
    big = next(org for org, size in organisation_sizes.items() if size == 4)
    assert len({e["coach_id"] for e in events if e["organisation"]["id"] == big}) == 1

    # Deciding again changes nothing, and the outbox holds exactly 36 confirmations.
    assert ok(await decide(enrolment, cohort["id"], "go"))["changed"] is False
    assert len(await outbox_events(enrolment, "enrolment.team.confirmed")) == 36
