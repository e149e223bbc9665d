"""Acceptance 3: capacity in people, the waiting list in order, promotion when places free up."""

from __future__ import annotations

import uuid
from datetime import date

from icalendar import Calendar

from shared.events.enrolment import TeamWithdrawn
from tests.integration.sessions.sessions_world import Cohort, publish, recorded, roster_row
from tests.support import eventually


async def _in_person_session(cohort: Cohort, capacity: int = 30) -> str:
    created = await cohort.post(
        f"cohorts/{cohort.id}/sessions",
        {
            "kind": "learning_session",
            "title": "Learning session in person",
            "starts_at": "2030-05-09T10:00:00",
            "ends_at": "2030-05-09T16:00:00",
            "mode": "in_person",
            "venue": "Royal College, 21 Prescot Street, London E1 8BB",
            "capacity": capacity,
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_31st_place_at_a_30_place_venue_waits_and_is_promoted_when_a_place_is_released(
    cohort: Cohort,
) -> None:
    session_id = await _in_person_session(cohort)
    path = f"sessions/{session_id}/places"
    lead_a, lead_b = cohort.lead(cohort.org_a), cohort.lead(cohort.org_b)
    a1 = await cohort.post(path, {"team_id": str(cohort.a1), "places": 20}, lead_a)
    a2 = await cohort.post(path, {"team_id": str(cohort.a2), "places": 10}, lead_a)
    assert (a1.json()["status"], a2.json()["status"]) == ("confirmed", "confirmed")
    # 30 of 30 places taken: the 31st waits.
    b1 = await cohort.post(path, {"team_id": str(cohort.b1), "places": 1}, lead_b)
    assert b1.status_code == 200, b1.text
    assert (b1.json()["status"], b1.json()["waiting_position"]) == ("waitlisted", 1)
    listed = (await cohort.get(path)).json()
    assert listed["places_confirmed"] == 30
    assert [p["team_id"] for p in listed["waiting_list"]] == [str(cohort.b1)]
    session = (await cohort.get(f"sessions/{session_id}")).json()
    assert (session["places_confirmed"], session["places_waitlisted"]) == (30, 1)

    feed_token = await cohort.post("feed-tokens", {"team_id": str(cohort.b1)}, lead_b)
    feed_url = feed_token.json()["url"]
    assert await _feed_description(cohort, feed_url, session_id) == (
        "Your team is on the waiting list for 1 place(s)."
    )

    released = await cohort.delete(f"{path}/{cohort.a2}", lead_a)
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    after = (await cohort.get(path)).json()
    assert after["waiting_list"] == []
    promoted = next(p for p in after["confirmed"] if p["team_id"] == str(cohort.b1))
    assert promoted["promoted_at"] is not None
    assert after["places_confirmed"] == 21
    assert (await cohort.get(f"sessions/{session_id}/waiting-list")).json() == []
    assert await _feed_description(cohort, feed_url, session_id) == "Your team has 1 place(s)."


async def _feed_description(cohort: Cohort, url: str, session_id: str) -> str:
    """The last line of the session's DESCRIPTION in a team's calendar feed."""
    response = await cohort.service.client.get(url)
    assert response.status_code == 200
    for event in Calendar.from_ical(response.content).walk("VEVENT"):
        if str(event["UID"]) == f"{session_id}@sessions.enjoying-work":
            return str(event["DESCRIPTION"]).splitlines()[-1]
    raise AssertionError("session not in the feed")


async def test_waiting_list_is_served_in_order_and_capacity_changes_promote(
    cohort: Cohort,
) -> None:
    session_id = await _in_person_session(cohort, capacity=10)
    path = f"sessions/{session_id}/places"
    await cohort.post(path, {"team_id": str(cohort.a1), "places": 8})
    waits_4 = await cohort.post(path, {"team_id": str(cohort.a2), "places": 4})
    waits_1 = await cohort.post(path, {"team_id": str(cohort.b1), "places": 1})
    # The 1-place registration does not overtake the earlier 4-place one.
    assert (waits_4.json()["waiting_position"], waits_1.json()["waiting_position"]) == (1, 2)
    assert waits_1.json()["status"] == "waitlisted"
    # A larger room: both are promoted, in order.
    grown = await cohort.patch(f"sessions/{session_id}", {"capacity": 13})
    assert grown.json()["places_confirmed"] == 13
    assert grown.json()["sequence"] == 0  # capacity is not a change calendars need
    listed = (await cohort.get(path)).json()
    assert listed["waiting_list"] == []
    # Increasing a confirmed registration beyond what is left is refused.
    too_many = await cohort.post(path, {"team_id": str(cohort.a1), "places": 9})
    assert too_many.status_code == 409


async def test_team_leads_register_their_own_teams_only(cohort: Cohort) -> None:
    session_id = await _in_person_session(cohort)
    path = f"sessions/{session_id}/places"
    foreign = await cohort.post(
        path, {"team_id": str(cohort.b1), "places": 2}, cohort.lead(cohort.org_a)
    )
    assert foreign.status_code == 404
    foreign_release = await cohort.delete(f"{path}/{cohort.b1}", cohort.lead(cohort.org_a))
    assert foreign_release.status_code == 404
    await cohort.post(path, {"team_id": str(cohort.b1), "places": 2}, cohort.lead(cohort.org_b))
    await cohort.post(path, {"team_id": str(cohort.a1), "places": 3}, cohort.lead(cohort.org_a))
    # A team lead sees only their own organisation's registrations, but the true totals.
    seen = (await cohort.get(path, cohort.lead(cohort.org_a))).json()
    assert [p["team_id"] for p in seen["confirmed"]] == [str(cohort.a1)]
    assert seen["places_confirmed"] == 5
    # Virtual sessions have no places.
    virtual = cohort.of_kind("learning_set")[0]["id"]
    refused = await cohort.post(
        f"sessions/{virtual}/places", {"team_id": str(cohort.a1), "places": 1}
    )
    assert refused.status_code == 409
    finance = cohort.service.auth("finance")
    assert (
        await cohort.post(path, {"team_id": str(cohort.a1), "places": 1}, finance)
    ).status_code == 403
    assert (await cohort.get(f"sessions/{uuid.uuid4()}/places")).status_code == 404


async def test_a_withdrawn_teams_future_places_are_released_and_the_waiting_list_promoted(
    cohort: Cohort,
) -> None:
    session_id = await _in_person_session(cohort, capacity=5)
    path = f"sessions/{session_id}/places"
    await cohort.post(path, {"team_id": str(cohort.b1), "places": 5})
    waiting = await cohort.post(path, {"team_id": str(cohort.a1), "places": 2})
    assert waiting.json()["status"] == "waitlisted"
    await publish(
        cohort.service,
        TeamWithdrawn(
            cohort_id=cohort.id,
            team_id=cohort.b1,
            organisation_id=cohort.org_b,
            reason="service redesign",
            withdrawn_on=date(2021, 6, 30),
        ),
    )

    async def withdrawn() -> bool:
        row = await roster_row(cohort.service, cohort.b1)
        return row is not None and row.status == "withdrawn"

    await eventually(withdrawn)
    listed = (await cohort.get(path)).json()
    assert [p["team_id"] for p in listed["confirmed"]] == [str(cohort.a1)]
    assert listed["waiting_list"] == []


async def test_teams_are_told_when_a_place_is_confirmed_or_waits(cohort: Cohort) -> None:
    """What the notifications service needs: a place confirmed (from the waiting list or not),
    a registration waiting (new, or a place lost to a smaller room), with the venue to go to."""
    session_id = await _in_person_session(cohort, capacity=4)
    path = f"sessions/{session_id}/places"
    await cohort.post(path, {"team_id": str(cohort.a1), "places": 3})
    await cohort.post(path, {"team_id": str(cohort.b1), "places": 2})

    confirmed = await recorded(cohort.service, "sessions.place.confirmed", session_id=session_id)
    assert [(e["team_id"], e["places"], e["from_waiting_list"]) for e in confirmed] == [
        (str(cohort.a1), 3, False)
    ]
    assert confirmed[0]["venue"].startswith("Royal College")
    assert confirmed[0]["organisation_id"] == str(cohort.org_a)
    waiting = await recorded(cohort.service, "sessions.place.waitlisted", session_id=session_id)
    assert [(e["team_id"], e["position"], e["was_confirmed"]) for e in waiting] == [
        (str(cohort.b1), 1, False)
    ]

    await cohort.delete(f"{path}/{cohort.a1}")
    promoted = await recorded(
        cohort.service, "sessions.place.confirmed", session_id=session_id, team_id=str(cohort.b1)
    )
    assert [(e["places"], e["from_waiting_list"]) for e in promoted] == [(2, True)]

    # A smaller room: the confirmed registration that no longer fits waits, and is told so.
    await cohort.patch(f"sessions/{session_id}", {"capacity": 1})
    bumped = await recorded(
        cohort.service, "sessions.place.waitlisted", session_id=session_id, team_id=str(cohort.b1)
    )
    assert [(e["position"], e["was_confirmed"]) for e in bumped[1:]] == [(1, True)]
