"""Issue 17.6: a cohort's default join link and venue, carried into calendars and events, and
materials per session for the cohort's teams."""

from __future__ import annotations

import uuid
from typing import Any

from icalendar import Calendar

from tests.integration.sessions.sessions_world import Cohort, recorded

COHORT_LINK = "https://meet.example.org/enjoying-work-2021"
OWN_LINK = "https://meet.example.org/set-2"
VENUE = "Royal College of Psychiatrists, 21 Prescot Street, London E1 8BB"


async def _feed(cohort: Cohort) -> dict[str, Any]:
    token = await cohort.post("feed-tokens", {"team_id": str(cohort.a1)}, cohort.lead(cohort.org_a))
    body = (await cohort.service.client.get(token.json()["url"])).content
    return {str(e["UID"]).split("@")[0]: e for e in Calendar.from_ical(body).walk("VEVENT")}


async def test_the_cohorts_join_link_reaches_sessions_calendars_and_events(cohort: Cohort) -> None:
    sets = cohort.of_kind("learning_set")
    own = await cohort.patch(f"sessions/{sets[1]['id']}", {"join_url": OWN_LINK})
    assert own.json()["sequence"] == 1
    changed = await cohort.patch(f"cohorts/{cohort.id}", {"default_join_url": COHORT_LINK})
    assert changed.status_code == 200, changed.text
    assert changed.json()["default_join_url"] == COHORT_LINK

    listed = {s["id"]: s for s in (await cohort.get(f"cohorts/{cohort.id}/sessions")).json()}
    first, second = listed[sets[0]["id"]], listed[sets[1]["id"]]
    assert (first["join_url"], first["effective_join_url"]) == (None, COHORT_LINK)
    assert first["sequence"] == 1  # what it shows changed: calendars must replace their copy
    assert (second["effective_join_url"], second["sequence"]) == (OWN_LINK, 1)  # its own wins
    assert all(s["effective_join_url"] in (COHORT_LINK, OWN_LINK) for s in listed.values())

    feed = await _feed(cohort)
    event = feed[sets[0]["id"]]
    assert (str(event["URL"]), str(event["LOCATION"])) == (COHORT_LINK, COHORT_LINK)
    assert f"Join online: {COHORT_LINK}" in str(event["DESCRIPTION"])
    assert int(event["SEQUENCE"]) == 1
    assert str(feed[sets[1]["id"]]["URL"]) == OWN_LINK

    # The sessions whose link changed were all in the past (2021): calendars know, but nobody
    # is told by events. A session still to come is told, with the link it now shows.
    assert (
        await recorded(cohort.service, "sessions.session.rescheduled", session_id=sets[0]["id"])
        == []
    )
    upcoming = await cohort.post(
        f"cohorts/{cohort.id}/sessions",
        {
            "kind": "clinic",
            "title": "Clinic on measurement",
            "starts_at": "2031-02-04T12:30:00",
            "ends_at": "2031-02-04T13:30:00",
        },
    )
    assert upcoming.json()["effective_join_url"] == COHORT_LINK
    scheduled = await recorded(
        cohort.service, "sessions.session.scheduled", session_id=upcoming.json()["id"]
    )
    assert scheduled[0]["join_url"] == COHORT_LINK
    await cohort.patch(f"cohorts/{cohort.id}", {"default_join_url": "https://meet.example.org/new"})
    moved = await recorded(
        cohort.service, "sessions.session.rescheduled", session_id=upcoming.json()["id"]
    )
    assert [(e["changed"], e["join_url"], e["sequence"]) for e in moved] == [
        (["join_url"], "https://meet.example.org/new", 1)
    ]


async def test_an_in_person_session_uses_the_cohorts_venue_unless_it_has_its_own(
    cohort: Cohort,
) -> None:
    set_id = cohort.of_kind("learning_set")[2]["id"]
    # No venue anywhere: an in-person session is refused.
    assert (await cohort.patch(f"sessions/{set_id}", {"mode": "in_person"})).status_code == 422
    await cohort.patch(f"cohorts/{cohort.id}", {"default_venue": VENUE})
    moved = await cohort.patch(f"sessions/{set_id}", {"mode": "in_person", "capacity": 40})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["venue"], moved.json()["effective_venue"]) == (None, VENUE)
    assert moved.json()["effective_join_url"] is None
    event = (await _feed(cohort))[set_id]
    assert str(event["LOCATION"]) == VENUE
    assert f"Venue: {VENUE}" in str(event["DESCRIPTION"])
    assert "URL" not in event
    # The session relies on the cohort's venue: clearing it is refused, naming the session.
    cleared = await cohort.patch(f"cohorts/{cohort.id}", {"default_venue": None})
    assert cleared.status_code == 409
    assert "Learning set 3" in cleared.json()["detail"]
    await cohort.patch(f"sessions/{set_id}", {"venue": "Leeds, Trust HQ"})
    assert (await cohort.patch(f"cohorts/{cohort.id}", {"default_venue": None})).status_code == 200
    shown = (await cohort.get(f"sessions/{set_id}")).json()
    assert shown["effective_venue"] == "Leeds, Trust HQ"
    # Only coordinators set the cohort's details; others read them.
    lead = cohort.lead(cohort.org_a)
    refused = await cohort.patch(f"cohorts/{cohort.id}", {"default_venue": VENUE}, lead)
    assert refused.status_code == 403
    assert (await cohort.get(f"cohorts/{cohort.id}", lead)).json()["default_venue"] is None
    bad = await cohort.patch(f"cohorts/{cohort.id}", {"default_join_url": "javascript:alert(1)"})
    assert bad.status_code == 422


async def test_materials_are_shown_to_the_cohorts_teams(cohort: Cohort) -> None:
    session_id = cohort.of_kind("learning_session")[0]["id"]
    path = f"sessions/{session_id}/materials"
    coach = cohort.coach_auth(cohort.coach)
    slides = await cohort.post(
        path, {"kind": "slides", "title": "Launch slides", "url": "https://files.example.org/1"}
    )
    assert slides.status_code == 201, slides.text
    recording = await cohort.post(
        path,
        {"kind": "recording", "title": "Recording", "url": "https://video.example.org/1"},
        coach,
    )
    assert recording.status_code == 201, recording.text
    for headers in (cohort.lead(cohort.org_a), cohort.lead(cohort.org_b), coach):
        listed = (await cohort.get(path, headers)).json()
        assert [(m["kind"], m["title"]) for m in listed] == [
            ("slides", "Launch slides"),
            ("recording", "Recording"),
        ]
    # Another cohort's team lead does not see the session, nor its materials.
    assert (await cohort.get(path, cohort.lead(uuid.uuid4()))).status_code == 404
    # Team leads read, they do not add; links must be http(s).
    lead_add = await cohort.post(
        path, {"title": "Mine", "url": "https://x.example.org"}, cohort.lead(cohort.org_a)
    )
    assert lead_add.status_code == 403
    bad = await cohort.post(path, {"title": "Bad", "url": "javascript:alert(1)"})
    assert bad.status_code == 422
    removed = await cohort.delete(f"{path}/{slides.json()['id']}", coach)
    assert removed.status_code == 204
    assert [m["title"] for m in (await cohort.get(path)).json()] == ["Recording"]
    assert (await cohort.delete(f"{path}/{slides.json()['id']}")).status_code == 404


async def test_a_session_has_at_most_50_materials(cohort: Cohort) -> None:
    path = f"sessions/{cohort.of_kind('clinic')[0]['id']}/materials"
    coach = cohort.coach_auth(cohort.coach)
    for n in range(50):
        added = await cohort.post(
            path, {"title": f"Handout {n}", "url": f"https://x.org/{n}"}, coach
        )
        assert added.status_code == 201, added.text
    refused = await cohort.post(path, {"title": "One more", "url": "https://x.org/51"}, coach)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert len((await cohort.get(path)).json()) == 50
