"""Acceptance 1 and 4 (first part): drafting a confirmed cohort's programme, exactly once."""

from __future__ import annotations

import json
import uuid
from datetime import date

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.sessions.models import ProgrammeSession
from shared.events.enrolment import CoachAllocated, CohortCancelled
from tests.integration.sessions.sessions_world import (
    Cohort,
    coach_of,
    cohort_confirmed,
    make_cohort,
    publish,
    recorded,
    roster_row,
    session_rows,
    team_confirmed,
)
from tests.support import RunningService, eventually


async def test_cohort_starting_4_january_2021_gets_6_learning_sessions_10_sets_and_10_clinics(
    cohort: Cohort,
) -> None:
    learning_sessions = cohort.of_kind("learning_session")
    learning_sets = cohort.of_kind("learning_set")
    clinics = cohort.of_kind("clinic")
    assert len(cohort.sessions) == 26
    assert len(learning_sessions) == 6
    assert len(learning_sets) == 10
    assert len(clinics) == 10
    # Shown in UK time: 10:00-16:00, second Thursday of Feb, Apr, Jun, Aug, Oct, Dec 2021.
    assert [(s["starts_at"], s["ends_at"]) for s in learning_sessions] == [
        ("2021-02-11T10:00:00+00:00", "2021-02-11T16:00:00+00:00"),
        ("2021-04-08T10:00:00+01:00", "2021-04-08T16:00:00+01:00"),
        ("2021-06-10T10:00:00+01:00", "2021-06-10T16:00:00+01:00"),
        ("2021-08-12T10:00:00+01:00", "2021-08-12T16:00:00+01:00"),
        ("2021-10-14T10:00:00+01:00", "2021-10-14T16:00:00+01:00"),
        ("2021-12-09T10:00:00+00:00", "2021-12-09T16:00:00+00:00"),
    ]
    # 14:00-15:30, third Tuesday of each coaching month, March to December 2021.
    assert [s["starts_at"] for s in learning_sets] == [
        "2021-03-16T14:00:00+00:00",  # GMT, before the clocks go forward on 28 March
        "2021-04-20T14:00:00+01:00",  # BST, after it
        "2021-05-18T14:00:00+01:00",
        "2021-06-15T14:00:00+01:00",
        "2021-07-20T14:00:00+01:00",
        "2021-08-17T14:00:00+01:00",
        "2021-09-21T14:00:00+01:00",
        "2021-10-19T14:00:00+01:00",
        "2021-11-16T14:00:00+00:00",  # GMT again after 31 October
        "2021-12-21T14:00:00+00:00",
    ]
    assert {s["ends_at"][11:] for s in learning_sets} == {"15:30:00+00:00", "15:30:00+01:00"}
    # Clinics: a drop-in, 12:30-13:30 on the first Tuesday of each coaching month.
    assert [(s["title"], s["starts_at"], s["ends_at"]) for s in clinics[:2]] == [
        ("Clinic 1", "2021-03-02T12:30:00+00:00", "2021-03-02T13:30:00+00:00"),
        ("Clinic 2", "2021-04-06T12:30:00+01:00", "2021-04-06T13:30:00+01:00"),
    ]
    assert clinics[-1]["starts_at"] == "2021-12-07T12:30:00+00:00"
    assert all(
        s["mode"] == "virtual" and s["status"] == "scheduled" and s["sequence"] == 0
        for s in cohort.sessions
    )
    assert all(s["drafted"] for s in cohort.sessions)
    # Stored as UTC: the same 14:00 UK time is 14:00Z in March and 13:00Z in April.
    rows = {str(r.id): r for r in await session_rows(cohort.service, cohort.id)}
    march, april = (rows[s["id"]] for s in learning_sets[:2])
    assert (march.starts_at.isoformat(), april.starts_at.isoformat()) == (
        "2021-03-16T14:00:00+00:00",
        "2021-04-20T13:00:00+00:00",
    )
    # Every drafted session recorded sessions.session.scheduled.
    scheduled = await recorded(
        cohort.service, "sessions.session.scheduled", cohort_id=str(cohort.id)
    )
    assert sorted(e["session_id"] for e in scheduled) == sorted(rows)


async def test_scheduled_events_reach_nats(cohort: Cohort) -> None:
    nc = await nats.connect(cohort.service.settings.nats_url)
    try:
        js = nc.jetstream()
        psub = await js.pull_subscribe(
            "sessions.session.scheduled",
            durable=None,
            stream="SESSIONS",
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        ours: set[str] = set()

        async def all_arrived() -> bool:
            try:
                msgs = await psub.fetch(200, timeout=0.5)
            except nats.errors.TimeoutError:
                msgs = []
            for msg in msgs:
                await msg.ack()
                data = json.loads(msg.data)["data"]
                if data["cohort_id"] == str(cohort.id):
                    ours.add(data["session_id"])
            return len(ours) == 26

        await eventually(all_arrived)
    finally:
        await nc.close()


async def test_redelivered_and_repeated_cohort_confirmation_creates_nothing_new(
    sessions: RunningService,
) -> None:
    cohort_id = uuid.uuid4()
    event = cohort_confirmed(cohort_id, date(2022, 1, 3))
    first = await publish(sessions, event, msg_id="first-copy")
    await eventually(lambda: _count(sessions, cohort_id, 26))
    # The same event again (same id, so the inbox knows it) under another message id so that
    # JetStream's own de-duplication does not hide it, and the same fact recorded again as a new
    # event (new id: only the business key, one draft per cohort, stops it).
    await publish(sessions, event, event_id=first, msg_id="second-copy")
    await publish(sessions, event)
    # A later event on the same stream: once it is handled, the copies before it were too.
    sentinel_team = uuid.uuid4()
    coach = uuid.uuid4()
    await publish(
        sessions,
        CoachAllocated(cohort_id=cohort_id, team_id=sentinel_team, coach_id=coach, coach_name="C"),
    )
    await eventually(lambda: _is_coach(sessions, sentinel_team, coach))
    assert len(await session_rows(sessions, cohort_id)) == 26
    assert (
        len(await recorded(sessions, "sessions.session.scheduled", cohort_id=str(cohort_id))) == 26
    )


async def _count(service: RunningService, cohort_id: uuid.UUID, n: int) -> bool:
    return len(await session_rows(service, cohort_id)) == n


async def _is_coach(service: RunningService, team_id: uuid.UUID, coach: uuid.UUID) -> bool:
    return await coach_of(service, team_id) == coach


async def test_list_filters_and_get(cohort: Cohort) -> None:
    sets = await cohort.get(f"cohorts/{cohort.id}/sessions", kind="learning_set")
    assert [s["kind"] for s in sets.json()] == ["learning_set"] * 10
    summer = await cohort.get(
        f"cohorts/{cohort.id}/sessions",
        starts_from="2021-06-01T00:00:00",
        starts_before="2021-09-01T00:00:00",
    )
    assert [s["title"] for s in summer.json()] == [
        "Clinic 4",
        "Learning session 3",
        "Learning set 4",
        "Clinic 5",
        "Learning set 5",
        "Clinic 6",
        "Learning session 4",
        "Learning set 6",
    ]
    clinics = await cohort.get(f"cohorts/{cohort.id}/sessions", kind="clinic")
    assert [s["title"] for s in clinics.json()][:2] == ["Clinic 1", "Clinic 2"]
    one = cohort.sessions[0]
    got = await cohort.get(f"sessions/{one['id']}")
    assert got.status_code == 200
    assert got.json() == one
    missing = await cohort.get(f"sessions/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_coordinator_creates_a_clinic_in_uk_time(cohort: Cohort) -> None:
    created = await cohort.post(
        f"cohorts/{cohort.id}/sessions",
        {
            "kind": "clinic",
            "title": "Measurement clinic",
            "starts_at": "2021-07-06T12:30:00",  # no offset: UK time (BST)
            "ends_at": "2021-07-06T13:30:00",
            "join_url": "https://meet.example.org/clinic",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["starts_at"] == "2021-07-06T12:30:00+01:00"
    assert (body["sequence"], body["drafted"], body["mode"]) == (0, False, "virtual")
    rows = {str(r.id): r for r in await session_rows(cohort.service, cohort.id)}
    stored: ProgrammeSession = rows[body["id"]]
    assert stored.starts_at.isoformat() == "2021-07-06T11:30:00+00:00"
    events = await recorded(cohort.service, "sessions.session.scheduled", session_id=body["id"])
    assert len(events) == 1 and events[0]["drafted"] is False
    invalid = await cohort.post(
        f"cohorts/{cohort.id}/sessions",
        {
            "kind": "clinic",
            "title": "Backwards",
            "starts_at": "2021-07-06T12:30:00",
            "ends_at": "2021-07-06T11:30:00",
        },
    )
    assert invalid.status_code == 422
    no_venue = await cohort.post(
        f"cohorts/{cohort.id}/sessions",
        {
            "kind": "learning_session",
            "title": "In person",
            "starts_at": "2021-07-06T10:00:00",
            "ends_at": "2021-07-06T16:00:00",
            "mode": "in_person",
        },
    )
    assert no_venue.status_code == 422
    unknown = await cohort.post(
        f"cohorts/{uuid.uuid4()}/sessions",
        {
            "kind": "clinic",
            "title": "Nowhere",
            "starts_at": "2021-07-06T12:30:00",
            "ends_at": "2021-07-06T13:30:00",
        },
    )
    assert unknown.status_code == 404


async def test_second_cohort_is_separate(sessions: RunningService) -> None:
    later = await make_cohort(sessions, date(2022, 1, 3))
    assert len(later.sessions) == 26
    assert later.of_kind("learning_set")[0]["starts_at"] == "2022-03-15T14:00:00+00:00"


async def test_events_in_any_order_and_a_cancelled_cohort(sessions: RunningService) -> None:
    cohort_id, org, team, coach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # The coach allocation and the team arrive before the cohort's confirmation.
    await publish(
        sessions, CoachAllocated(cohort_id=cohort_id, team_id=team, coach_id=coach, coach_name="C")
    )
    await publish(
        sessions,
        team_confirmed(
            cohort_id=cohort_id, organisation_id=org, team_id=team, start=date(2023, 1, 2)
        ),
    )
    await eventually(lambda: roster_row(sessions, team))
    assert await session_rows(sessions, cohort_id) == []  # not confirmed yet: nothing drafted
    await publish(sessions, cohort_confirmed(cohort_id, date(2023, 1, 2)))
    await eventually(lambda: _count(sessions, cohort_id, 26))
    assert await coach_of(sessions, team) == coach
    # A no-go after all: every session is cancelled (and stays visible), every team released.
    await publish(sessions, CohortCancelled(cohort_id=cohort_id, reason="too few", team_ids=[team]))

    async def all_cancelled() -> bool:
        rows = await session_rows(sessions, cohort_id)
        return all(r.status == "cancelled" and r.sequence == 1 for r in rows)

    await eventually(all_cancelled)
    row = await roster_row(sessions, team)
    assert row is not None and row.status == "withdrawn"
    cancelled = await recorded(sessions, "sessions.session.cancelled", cohort_id=str(cohort_id))
    assert len(cancelled) == 26
