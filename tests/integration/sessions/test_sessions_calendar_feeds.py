"""Acceptance 2 and 6 (first part): subscribable calendar feeds with secret, revocable tokens;
issue 17.9: a withdrawn team's own feed cancels its later sessions instead of dropping them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from icalendar import Calendar

from shared.events.enrolment import TeamWithdrawn
from tests.integration.sessions.sessions_world import (
    Cohort,
    publish,
    recorded,
    roster_row,
    team_confirmed,
)
from tests.support import eventually


def _events(body: bytes) -> dict[str, Any]:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


async def _token(cohort: Cohort, headers: dict[str, str] | None = None, **target: str) -> Any:
    created = await cohort.post("feed-tokens", target, headers)
    assert created.status_code == 201, created.text
    return created.json()


async def test_cohort_feed_moves_and_cancellations(cohort: Cohort) -> None:
    token = await _token(cohort, cohort_id=str(cohort.id), label="my phone")
    assert token["url"] == f"/api/sessions/cohorts/{cohort.id}/calendar.ics?token={token['token']}"
    # No bearer token: calendar clients only have the URL.
    first = await cohort.service.client.get(token["url"])
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(first.content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    before = _events(first.content)
    assert len(before) == 26
    april_set = cohort.of_kind("learning_set")[1]
    uid = f"{april_set['id']}@sessions.enjoying-work"
    event = before[uid]
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == datetime(2021, 4, 20, 13, tzinfo=UTC)  # 14:00 BST
    assert b"DTSTART;TZID=Europe/London:20210420T140000" in first.content
    assert int(event["SEQUENCE"]) == 0

    # Move it a week later and make it hybrid: same UID, higher SEQUENCE, venue and link shown.
    moved = await cohort.patch(
        f"sessions/{april_set['id']}",
        {
            "starts_at": "2021-04-27T14:00:00",
            "ends_at": "2021-04-27T15:30:00",
            "mode": "hybrid",
            "venue": "Royal College, 21 Prescot Street, London E1 8BB",
            "join_url": "https://meet.example.org/ls2",
            "capacity": 30,
        },
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1
    # A title-only change is not a reschedule: SEQUENCE stays.
    retitled = await cohort.patch(f"sessions/{april_set['id']}", {"title": "Learning set 2 (QI)"})
    assert retitled.json()["sequence"] == 1
    # Cancel another one: it stays in the feed as cancelled.
    june_set = cohort.of_kind("learning_set")[3]
    cancelled = await cohort.post(f"sessions/{june_set['id']}/cancel", {"reason": "strike"})
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["sequence"]) == ("cancelled", 1)
    again = await cohort.post(f"sessions/{june_set['id']}/cancel", {})
    assert again.json()["sequence"] == 1  # cancelling twice changes nothing

    after = _events((await cohort.service.client.get(token["url"])).content)
    assert len(after) == 26
    moved_event = after[uid]
    assert int(moved_event["SEQUENCE"]) > int(event["SEQUENCE"])
    assert moved_event.decoded("DTSTART") == datetime(2021, 4, 27, 13, tzinfo=UTC)
    assert str(moved_event["LOCATION"]).startswith("Royal College")
    assert str(moved_event["URL"]) == "https://meet.example.org/ls2"
    assert str(moved_event["SUMMARY"]) == "Learning set 2 (QI)"
    gone = after[f"{june_set['id']}@sessions.enjoying-work"]
    assert str(gone["STATUS"]) == "CANCELLED"
    assert int(gone["SEQUENCE"]) == 1

    rescheduled = await recorded(
        cohort.service, "sessions.session.rescheduled", session_id=april_set["id"]
    )
    assert len(rescheduled) == 1
    assert set(rescheduled[0]["changed"]) == {"starts_at", "ends_at", "mode", "venue", "join_url"}
    assert rescheduled[0]["sequence"] == 1
    cancel_events = await recorded(
        cohort.service, "sessions.session.cancelled", session_id=june_set["id"]
    )
    assert [(e["sequence"], e["reason"]) for e in cancel_events] == [(1, "strike")]
    # A cancelled session cannot be changed any more.
    refused = await cohort.patch(f"sessions/{june_set['id']}", {"title": "back"})
    assert refused.status_code == 409


async def test_bad_missing_revoked_or_foreign_tokens_get_404(cohort: Cohort) -> None:
    client = cohort.service.client
    cohort_url = f"/api/sessions/cohorts/{cohort.id}/calendar.ics"
    assert (await client.get(cohort_url)).status_code == 404
    assert (await client.get(cohort_url, params={"token": "ewcal_guess"})).status_code == 404
    assert (await client.get(cohort_url, params={"token": "x" * 5000})).status_code == 404

    token = await _token(cohort, cohort_id=str(cohort.id))
    assert (await client.get(token["url"])).status_code == 200
    # The right token on another cohort's or a team's URL is no good either.
    other_cohort = f"/api/sessions/cohorts/{uuid.uuid4()}/calendar.ics"
    assert (await client.get(other_cohort, params={"token": token["token"]})).status_code == 404
    team_url = f"/api/sessions/teams/{cohort.a1}/calendar.ics"
    assert (await client.get(team_url, params={"token": token["token"]})).status_code == 404

    revoked = await cohort.delete(f"feed-tokens/{token['id']}")
    assert revoked.status_code == 204
    response = await client.get(token["url"])
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_team_feed_for_a_team_lead_of_that_team_only(cohort: Cohort) -> None:
    lead_a = cohort.lead(cohort.org_a)
    token = await _token(cohort, lead_a, team_id=str(cohort.a1))
    feed = await cohort.service.client.get(token["url"])
    assert feed.status_code == 200
    assert len(_events(feed.content)) == 26
    # Another organisation's team: not found, for feeds as for everything else.
    foreign = await cohort.post("feed-tokens", {"team_id": str(cohort.b1)}, lead_a)
    assert foreign.status_code == 404
    # Team leads list and revoke their own tokens only.
    listed = await cohort.get("feed-tokens", lead_a)
    assert [t["id"] for t in listed.json()] == [token["id"]]
    lead_b = cohort.lead(cohort.org_b)
    assert (await cohort.delete(f"feed-tokens/{token['id']}", lead_b)).status_code == 404
    assert (await cohort.delete(f"feed-tokens/{token['id']}", lead_a)).status_code == 204
    assert (await cohort.service.client.get(token["url"])).status_code == 404
    # A cohort feed for a cohort where the lead has no team: not found.
    bad = await cohort.post("feed-tokens", {"cohort_id": str(uuid.uuid4())}, lead_a)
    assert bad.status_code == 404
    both = await cohort.post(
        "feed-tokens", {"cohort_id": str(cohort.id), "team_id": str(cohort.a1)}, lead_a
    )
    assert both.status_code == 422


async def test_a_withdrawn_teams_feed_cancels_its_later_sessions_instead_of_dropping_them(
    cohort: Cohort,
) -> None:
    lead_b = cohort.lead(cohort.org_b)
    token = await _token(cohort, lead_b, team_id=str(cohort.b1))
    before = _events((await cohort.service.client.get(token["url"])).content)
    assert {str(e["STATUS"]) for e in before.values()} == {"CONFIRMED"}

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
    response = await cohort.service.client.get(token["url"])
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    after = _events(response.content)
    assert after.keys() == before.keys()  # every UID still there: nothing dropped
    for uid, event in after.items():
        starts = event.decoded("DTSTART").date()
        assert int(event["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
        if starts > date(2021, 6, 30):
            assert str(event["STATUS"]) == "CANCELLED", uid
            assert "withdrew from the programme on 30 June 2021" in str(event["DESCRIPTION"])
        else:
            assert str(event["STATUS"]) == "CONFIRMED", uid
    # July to December: 3 learning sessions, 6 learning sets, 6 clinics.
    assert sum(str(e["STATUS"]) == "CANCELLED" for e in after.values()) == 15
    # The cohort's own feed is unchanged: the sessions still run for the other teams.
    cohort_token = await _token(cohort, cohort_id=str(cohort.id))
    cohort_feed = _events((await cohort.service.client.get(cohort_token["url"])).content)
    assert {str(e["STATUS"]) for e in cohort_feed.values()} == {"CONFIRMED"}

    # Confirmed again later: the sessions come back, with a higher SEQUENCE again.
    back = team_confirmed(
        cohort_id=cohort.id, organisation_id=cohort.org_b, team_id=cohort.b1, name="Crisis team"
    )
    await publish(
        cohort.service, back.model_copy(update={"confirmed_at": datetime(2021, 7, 5, tzinfo=UTC)})
    )

    async def returned() -> bool:
        row = await roster_row(cohort.service, cohort.b1)
        return row is not None and row.status == "active"

    await eventually(returned)
    again = _events((await cohort.service.client.get(token["url"])).content)
    assert {str(e["STATUS"]) for e in again.values()} == {"CONFIRMED"}
    assert all(int(again[uid]["SEQUENCE"]) > int(after[uid]["SEQUENCE"]) for uid in again)
