"""Issue 17.5: a monthly clinic drafted alongside the learning sets, with the same mode,
capacity and calendar handling; and drafting again what a cohort lacks (issue 17.10)."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar
from sqlalchemy import delete

from services.sessions.models import ProgrammeSession
from tests.integration.sessions.sessions_world import Cohort, make_cohort, recorded
from tests.support import RunningService


async def test_a_clinic_takes_a_venue_places_and_stays_in_calendars_like_a_set(
    cohort: Cohort,
) -> None:
    clinic = cohort.of_kind("clinic")[3]
    assert (clinic["mode"], clinic["drafted"], clinic["capacity"]) == ("virtual", True, None)
    moved = await cohort.patch(
        f"sessions/{clinic['id']}",
        {
            "mode": "hybrid",
            "venue": "Trust HQ, Leeds",
            "join_url": "https://meet.example.org/clinic",
            "capacity": 2,
            "starts_at": "2031-06-03T12:30:00",
            "ends_at": "2031-06-03T13:30:00",
        },
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1
    path = f"sessions/{clinic['id']}/places"
    first = await cohort.post(path, {"team_id": str(cohort.a1), "places": 2})
    second = await cohort.post(path, {"team_id": str(cohort.b1), "places": 1})
    assert (first.json()["status"], second.json()["status"]) == ("confirmed", "waitlisted")

    token = await cohort.post("feed-tokens", {"cohort_id": str(cohort.id)})
    feed = Calendar.from_ical((await cohort.service.client.get(token.json()["url"])).content)
    event = next(e for e in feed.walk("VEVENT") if str(e["UID"]).startswith(clinic["id"]))
    assert str(event["LOCATION"]) == "Trust HQ, Leeds"
    assert str(event["URL"]) == "https://meet.example.org/clinic"
    assert "Clinic (Hybrid)" in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) == 1
    cancelled = await cohort.post(f"sessions/{clinic['id']}/cancel", {"reason": "coach ill"})
    assert cancelled.json()["sequence"] == 2
    feed = Calendar.from_ical((await cohort.service.client.get(token.json()["url"])).content)
    event = next(e for e in feed.walk("VEVENT") if str(e["UID"]).startswith(clinic["id"]))
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 2)


async def test_missing_a_drop_in_clinic_is_not_a_missed_learning_set(cohort: Cohort) -> None:
    for clinic in cohort.of_kind("clinic")[:3]:
        await cohort.post(f"sessions/{clinic['id']}/register", {"close": True})
    engagement = (await cohort.get(f"teams/{cohort.a1}/engagement")).json()
    assert (engagement["clinics_held"], engagement["clinics_attended"]) == (10, 0)
    assert (engagement["missed_learning_sets_in_a_row"], engagement["disengaged"]) == (0, False)
    assert await recorded(cohort.service, "sessions.team.disengaged", team_id=str(cohort.a1)) == []


async def test_a_coordinator_drafts_what_a_cohort_lacks_from_now_on(
    sessions: RunningService,
) -> None:
    later = await make_cohort(sessions, date(2031, 1, 6))
    assert len(later.of_kind("clinic")) == 10
    # A cohort drafted before clinics were part of the default programme.
    async with sessions.app.state.database.transaction() as session:
        await session.execute(
            delete(ProgrammeSession).where(
                ProgrammeSession.cohort_id == later.id, ProgrammeSession.kind == "clinic"
            )
        )
    set_to_cancel = later.of_kind("learning_set")[0]["id"]
    await later.post(f"sessions/{set_to_cancel}/cancel", {"reason": "replaced"})

    drafted = await later.post(f"cohorts/{later.id}/draft", {})
    assert drafted.status_code == 201, drafted.text
    assert [s["title"] for s in drafted.json()] == [f"Clinic {n}" for n in range(1, 11)]
    assert drafted.json()[0]["starts_at"] == "2031-03-04T12:30:00+00:00"
    events = await recorded(sessions, "sessions.session.scheduled", cohort_id=str(later.id))
    assert len(events) == 36  # 26 first, and the 10 clinics again
    # Nothing is missing now; the cancelled set is not drafted again.
    again = await later.post(f"cohorts/{later.id}/draft", {})
    assert (again.status_code, again.json()) == (201, [])
    listed = (await later.get(f"cohorts/{later.id}/sessions", kind="learning_set")).json()
    assert [s["status"] for s in listed].count("cancelled") == 1
    lead = later.lead(later.org_a)
    assert (await later.post(f"cohorts/{later.id}/draft", {}, lead)).status_code == 403
