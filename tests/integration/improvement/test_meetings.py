"""Project meetings: the log, actions carried over until done, and the meetings-lapsed event,
recorded once per lapse on the platform's clock (acceptance line 2)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from services.improvement.lapses import check_meeting_lapses
from shared.clock import MovableClock
from shared.events.enrolment import TeamWithdrawn
from shared.handlers import ServiceContext
from shared.outbox import outbox
from tests.integration.improvement.improvement_world import (
    World,
    at,
    make_world,
    publish,
    recorded,
)
from tests.support import NatsServer, RunningService, eventually, run_service

LAPSED = "improvement.team.meetings_lapsed"


async def test_actions_are_carried_over_from_meeting_to_meeting_until_done(world: World) -> None:
    lead = world.lead()
    member = await world.ok(
        await world.post(f"teams/{world.a1}/members", {"role": "Ward manager"}, lead), 201
    )
    first = await world.ok(
        await world.post(
            f"teams/{world.a1}/meetings",
            {
                "held_on": "2021-01-05",
                "coach_present": True,
                "attendee_member_ids": [member["id"]],
                "other_attendees": ["Psychologist"],
                "notes": "What matters to you? Staff survey planned.",
                "actions": [
                    {
                        "description": "Run the staff survey",
                        "owner": "Data champion",
                        "due_on": "2021-01-15",
                    },
                    {"description": "Book the rota meeting", "owner": "Ward manager"},
                ],
            },
            lead,
        ),
        201,
    )
    assert first["coach_present"] and first["carried_over"] == []
    survey, rota = first["actions"][0], first["actions"][1]
    assert survey["description"] == "Run the staff survey" and survey["open"]

    second = await world.ok(
        await world.post(
            f"teams/{world.a1}/meetings",
            {
                "held_on": "2021-01-08",
                "coach_present": False,
                "completed_action_ids": [survey["id"]],
            },
            lead,
        ),
        201,
    )
    carried = {a["description"]: a["done_on"] for a in second["carried_over"]}
    assert carried == {"Run the staff survey": "2021-01-08", "Book the rota meeting": None}

    third = await world.ok(
        await world.post(
            f"teams/{world.a1}/meetings", {"held_on": "2021-01-11", "coach_present": True}, lead
        ),
        201,
    )
    assert [a["description"] for a in third["carried_over"]] == ["Book the rota meeting"]
    done = await world.ok(
        await world.patch(f"actions/{rota['id']}", {"done_on": "2021-01-11"}, lead)
    )
    assert done["open"] is False
    assert await world.ok(await world.get(f"teams/{world.a1}/actions", lead)) == []
    every = await world.ok(await world.get(f"teams/{world.a1}/actions?open_only=false", lead))
    assert len(every) == 2
    log = await world.ok(await world.get(f"teams/{world.a1}/meetings", world.coach_auth()))
    assert [m["held_on"] for m in log] == ["2021-01-11", "2021-01-08", "2021-01-05"]
    assert log[-1]["attendees"] == 2
    one = await world.ok(await world.get(f"meetings/{first['id']}", world.coach_auth()))
    assert one["notes"].startswith("What matters")

    # Refused: a meeting in the future, an attendee who is no member, an action done twice.
    for body in (
        {"held_on": "2021-01-12", "coach_present": True},
        {
            "held_on": "2021-01-11",
            "coach_present": True,
            "attendee_member_ids": [str(uuid.uuid4())],
        },
        {"held_on": "2021-01-11", "coach_present": True, "completed_action_ids": [survey["id"]]},
    ):
        answer = await world.post(f"teams/{world.a1}/meetings", body, lead)
        assert answer.status_code == 422, body
    # Meeting notes are the team's: another organisation, another coach never read them.
    for headers in (world.lead(world.org_b), world.coach_auth(world.other_coach)):
        assert (await world.get(f"meetings/{first['id']}", headers)).status_code == 404
        assert (await world.get(f"teams/{world.a1}/meetings", headers)).status_code == 404
        assert (
            await world.patch(f"actions/{rota['id']}", {"done_on": None}, headers)
        ).status_code == 404


async def lapse_check(world: World) -> list[dict[str, Any]]:
    """Run the periodic job's function once, as the job does, in a transaction of its own."""
    context = ServiceContext(settings=world.service.settings, clock=world.clock)
    async with world.service.app.state.database.transaction() as session:
        await check_meeting_lapses(session, context=context)
    return await recorded(world.service, LAPSED, team_id=str(world.a1))


async def test_meetings_lapsed_is_recorded_once_per_lapse(world: World) -> None:
    lead = world.lead()
    await publish(
        world.service,
        TeamWithdrawn(
            cohort_id=world.id,
            team_id=world.a2,
            organisation_id=world.org_a,
            reason="service redesign",
            withdrawn_on=date(2021, 2, 1),
        ),
    )
    await eventually(lambda: _withdrawn(world))
    # The lead-in does not count: no lapse before the coaching months, however long.
    world.clock.set(at(date(2021, 2, 28)))
    assert await lapse_check(world) == []
    # Coaching began on 1 March; 20 days without a meeting is not yet a lapse, 21 days is.
    world.clock.set(at(date(2021, 3, 21)))
    assert await lapse_check(world) == []
    world.clock.set(at(date(2021, 3, 22)))
    lapses = await lapse_check(world)
    assert len(lapses) == 1
    assert lapses[0]["days_without_meeting"] == 21
    assert lapses[0]["last_meeting_on"] is None
    assert lapses[0]["coach_id"] == str(world.coach)
    assert lapses[0]["team_name"] == "Ward 7"
    assert lapses[0]["lapsed_at"].startswith("2021-03-22T10:00:00")
    # Not again while the same lapse goes on.
    for day in (22, 23, 30):
        world.clock.set(at(date(2021, 3, day)))
        assert len(await lapse_check(world)) == 1
    # A meeting is logged; a new lapse begins 21 days after it, and is recorded once.
    world.clock.set(at(date(2021, 3, 31)))
    await world.ok(
        await world.post(
            f"teams/{world.a1}/meetings", {"held_on": "2021-03-31", "coach_present": True}, lead
        ),
        201,
    )
    world.clock.set(at(date(2021, 4, 20)))
    assert len(await lapse_check(world)) == 1
    world.clock.set(at(date(2021, 4, 21)))
    lapses = await lapse_check(world)
    assert len(lapses) == 2
    assert (lapses[1]["last_meeting_on"], lapses[1]["days_without_meeting"]) == ("2021-03-31", 21)
    world.clock.set(at(date(2021, 5, 2)))
    assert len(await lapse_check(world)) == 2
    # After the programme, no more.
    world.clock.set(at(date(2022, 2, 1)))
    assert len(await lapse_check(world)) == 2
    # b1 never met: one lapse, from the first coaching day. The withdrawn a2: none.
    assert len(await recorded(world.service, LAPSED, team_id=str(world.b1))) == 1
    assert await recorded(world.service, LAPSED, team_id=str(world.a2)) == []


async def _withdrawn(world: World) -> bool:
    team = await world.ok(await world.get(f"teams/{world.a2}"))
    return bool(team["status"] == "withdrawn")


async def test_the_periodic_job_checks_on_its_own(nats_server: NatsServer) -> None:
    clock = MovableClock(at(date(2021, 3, 20)))
    async with run_service(
        "improvement",
        nats_url=nats_server.url,
        clock=clock,
        meetings_check_seconds=0.1,
        meetings_lapse_days=14,
    ) as service:
        world = await make_world(service, clock)

        async def lapsed() -> list[dict[str, Any]]:
            return await recorded(service, LAPSED, team_id=str(world.a1))

        found = await eventually(lapsed)  # 19 days since coaching began, 14 configured
        assert found[0]["days_without_meeting"] == 19
        await asyncio.sleep(0.5)  # several more checks
        assert len(await lapsed()) == 1
        assert await eventually(lambda: _published(service))


async def _published(service: RunningService) -> bool:
    """The relay published the lapse to JetStream (the outbox row is marked)."""
    async with service.app.state.database.sessions() as session:
        marks = (
            await session.scalars(select(outbox.c.published_at).where(outbox.c.subject == LAPSED))
        ).all()
    return bool(marks) and all(m is not None for m in marks)
