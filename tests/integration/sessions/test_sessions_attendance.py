"""Acceptance 4 (second part), 5 and 6 (second part): rosters, attendance, engagement, roles."""

from __future__ import annotations

import uuid
from datetime import date

from shared.events.enrolment import TeamConfirmed, TeamWithdrawn
from tests.integration.sessions.sessions_world import (
    Cohort,
    publish,
    recorded,
    roster_row,
    team_confirmed,
)
from tests.support import eventually


async def test_two_consecutive_missed_learning_sets_record_one_disengagement(
    cohort: Cohort,
) -> None:
    sets = [s["id"] for s in cohort.of_kind("learning_set")]
    coach = cohort.coach_auth(cohort.coach)
    assert (await cohort.attendance(sets[0], cohort.a1, True, coach)).status_code == 201
    assert (await cohort.attendance(sets[1], cohort.a1, False, coach)).status_code == 201
    assert await recorded(cohort.service, "sessions.team.disengaged", team_id=str(cohort.a1)) == []
    assert (await cohort.attendance(sets[2], cohort.a1, False, coach)).status_code == 201
    flagged = await recorded(cohort.service, "sessions.team.disengaged", team_id=str(cohort.a1))
    assert len(flagged) == 1
    assert flagged[0]["missed_session_ids"] == [sets[1], sets[2]]
    assert flagged[0]["coach_id"] == str(cohort.coach)
    assert flagged[0]["last_missed_on"] == "2021-05-18"
    # A third miss in the same run, and a correction re-recorded: still one.
    await cohort.attendance(sets[3], cohort.a1, False, coach)
    corrected = await cohort.attendance(sets[3], cohort.a1, False, coach)
    assert corrected.status_code == 200
    assert (
        len(await recorded(cohort.service, "sessions.team.disengaged", team_id=str(cohort.a1))) == 1
    )
    engagement = (await cohort.get(f"teams/{cohort.a1}/engagement", coach)).json()
    assert engagement["disengaged"] is True
    assert engagement["missed_learning_sets_in_a_row"] == 3
    assert len(engagement["disengagements"]) == 1
    # Attending ends the run; two more misses are a new run, recorded again.
    await cohort.attendance(sets[4], cohort.a1, True, coach)
    assert (await cohort.get(f"teams/{cohort.a1}/engagement", coach)).json()["disengaged"] is False
    await cohort.attendance(sets[5], cohort.a1, False, coach)
    await cohort.attendance(sets[6], cohort.a1, False, coach)
    assert (
        len(await recorded(cohort.service, "sessions.team.disengaged", team_id=str(cohort.a1))) == 2
    )
    # Every record recorded sessions.attendance.recorded.
    attendance_events = await recorded(
        cohort.service, "sessions.attendance.recorded", team_id=str(cohort.a1)
    )
    assert len(attendance_events) == 8


async def test_engagement_is_attended_over_held_so_far(cohort: Cohort) -> None:
    # All of 2021: held by now.
    launch = cohort.of_kind("learning_session")[0]["id"]
    sets = [s["id"] for s in cohort.of_kind("learning_set")]
    first_clinic = cohort.of_kind("clinic")[0]["id"]
    await cohort.attendance(launch, cohort.b1, True, attendees=4)
    await cohort.attendance(sets[0], cohort.b1, True, attendees=2)
    await cohort.attendance(sets[1], cohort.b1, False)
    await cohort.attendance(first_clinic, cohort.b1, True, attendees=1)
    cancelled = sets[2]
    await cohort.post(f"sessions/{cancelled}/cancel", {"reason": "snow"})
    engagement = (await cohort.get(f"teams/{cohort.b1}/engagement")).json()
    # Held: 6 learning sessions and 9 learning sets (one cancelled); clinics are drop-ins.
    assert (engagement["sessions_held"], engagement["sessions_attended"]) == (15, 2)
    assert engagement["attendance_rate"] == round(2 / 15, 3)
    assert (engagement["clinics_held"], engagement["clinics_attended"]) == (10, 1)
    # Cancelled and future sessions take no attendance.
    assert (await cohort.attendance(cancelled, cohort.b1, True)).status_code == 409
    future = await cohort.post(
        f"cohorts/{cohort.id}/sessions",
        {
            "kind": "clinic",
            "title": "Future clinic",
            "starts_at": "2031-01-07T14:00:00",
            "ends_at": "2031-01-07T15:00:00",
        },
    )
    assert (await cohort.attendance(future.json()["id"], cohort.b1, True)).status_code == 409
    per_cohort = (await cohort.get(f"cohorts/{cohort.id}/engagement")).json()
    assert {e["team_id"] for e in per_cohort} == {str(cohort.a1), str(cohort.a2), str(cohort.b1)}
    # A coach sees only their own teams' engagement.
    coach_view = (
        await cohort.get(f"cohorts/{cohort.id}/engagement", cohort.coach_auth(cohort.coach))
    ).json()
    assert [e["team_id"] for e in coach_view] == [str(cohort.a1)]
    record = (await cohort.get(f"sessions/{launch}/attendance")).json()
    assert [(r["team_id"], r["attendees"], r["roles"]) for r in record] == [
        (str(cohort.b1), 4, ["clinical_staff", "project_lead"])
    ]
    inconsistent = await cohort.post(
        f"sessions/{launch}/attendance",
        {"team_id": str(cohort.b1), "attended": False, "attendees": 3},
    )
    assert inconsistent.status_code == 422


async def test_withdrawn_team_leaves_the_roster_but_keeps_its_attendance(cohort: Cohort) -> None:
    first_set = cohort.of_kind("learning_set")[0]["id"]
    await cohort.attendance(first_set, cohort.a2, True, attendees=5)
    roster = (await cohort.get(f"cohorts/{cohort.id}/roster")).json()
    assert {t["team_id"] for t in roster} == {str(cohort.a1), str(cohort.a2), str(cohort.b1)}
    coached = next(t for t in roster if t["team_id"] == str(cohort.a1))
    assert (coached["coach_id"], coached["coach_name"]) == (str(cohort.coach), "Coach One")

    withdrawal = TeamWithdrawn(
        cohort_id=cohort.id,
        team_id=cohort.a2,
        organisation_id=cohort.org_a,
        reason="staff shortages",
        withdrawn_on=date(2021, 4, 1),
    )
    event_id = await publish(cohort.service, withdrawal)

    async def withdrawn() -> bool:
        row = await roster_row(cohort.service, cohort.a2)
        return row is not None and row.status == "withdrawn"

    await eventually(withdrawn)
    roster = (await cohort.get(f"cohorts/{cohort.id}/roster")).json()
    assert {t["team_id"] for t in roster} == {str(cohort.a1), str(cohort.b1)}
    everyone = (await cohort.get(f"cohorts/{cohort.id}/roster", include_withdrawn="true")).json()
    gone = next(t for t in everyone if t["team_id"] == str(cohort.a2))
    assert (gone["status"], gone["withdrawn_on"]) == ("withdrawn", "2021-04-01")
    history = (await cohort.get(f"teams/{cohort.a2}/attendance")).json()
    assert [(h["session_id"], h["attended"], h["attendees"]) for h in history] == [
        (first_set, True, 5)
    ]
    # Sessions after the withdrawal take no attendance for the team; held counts stop there.
    later_set = cohort.of_kind("learning_set")[3]["id"]
    assert (await cohort.attendance(later_set, cohort.a2, True)).status_code == 409
    engagement = (await cohort.get(f"teams/{cohort.a2}/engagement")).json()
    assert (engagement["status"], engagement["sessions_attended"]) == ("withdrawn", 1)
    assert engagement["sessions_held"] == 2  # learning session 1 (11 Feb), learning set 1 (16 Mar)

    # The withdrawal redelivered (same event id): nothing changes.
    await publish(cohort.service, withdrawal, event_id=event_id, msg_id="withdrawal-copy")
    # The team's old confirmation recorded again (a new event id): stale, the team stays out.
    await publish(
        cohort.service,
        team_confirmed(cohort_id=cohort.id, organisation_id=cohort.org_a, team_id=cohort.a2),
    )
    # A later confirmation of another team on the same stream proves the copy was handled.
    newcomer = uuid.uuid4()
    event: TeamConfirmed = team_confirmed(
        cohort_id=cohort.id, organisation_id=cohort.org_b, team_id=newcomer, name="Late team"
    )
    await publish(cohort.service, event)
    await eventually(lambda: roster_row(cohort.service, newcomer))
    row = await roster_row(cohort.service, cohort.a2)
    assert row is not None
    assert (row.status, row.withdrawn_on) == ("withdrawn", date(2021, 4, 1))
    assert len((await cohort.get(f"teams/{cohort.a2}/attendance")).json()) == 1


async def test_team_lead_cannot_record_attendance_for_another_organisations_team(
    cohort: Cohort,
) -> None:
    first_set = cohort.of_kind("learning_set")[0]["id"]
    lead_a = cohort.lead(cohort.org_a)
    refused = await cohort.attendance(first_set, cohort.b1, True, lead_a)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await cohort.get(f"sessions/{first_set}/attendance")).json() == []
    # Coaches record for their own teams only (another coach's team is not found for them).
    assert (
        await cohort.attendance(first_set, cohort.b1, True, cohort.coach_auth(cohort.coach))
    ).status_code == 404
    assert (
        await cohort.attendance(first_set, cohort.b1, True, cohort.coach_auth(cohort.other_coach))
    ).status_code == 201
    # Coach allocation is kept: a coach sees their own teams' attendance, not other teams'.
    own = cohort.coach_auth(cohort.coach)
    assert (await cohort.attendance(first_set, cohort.a1, True, own)).status_code == 201
    seen = (await cohort.get(f"teams/{cohort.a1}/attendance", own)).json()
    assert [(a["session_id"], a["attended"]) for a in seen] == [(first_set, True)]
    assert (await cohort.get(f"teams/{cohort.b1}/attendance", own)).status_code == 404
    by_session = (await cohort.get(f"sessions/{first_set}/attendance", own)).json()
    assert [a["team_id"] for a in by_session] == [str(cohort.a1)]
    # Team leads see their own organisation's teams, not others'.
    assert (await cohort.get(f"teams/{cohort.a1}/engagement", lead_a)).status_code == 200
    assert (await cohort.get(f"teams/{cohort.b1}/engagement", lead_a)).status_code == 404
    assert (await cohort.get(f"teams/{cohort.b1}/attendance", lead_a)).status_code == 404
    seen_by_lead = (await cohort.get(f"sessions/{first_set}/attendance", lead_a)).json()
    assert [a["team_id"] for a in seen_by_lead] == [str(cohort.a1)]
    roster = (await cohort.get(f"cohorts/{cohort.id}/roster", lead_a)).json()
    assert {t["team_id"] for t in roster} == {str(cohort.a1), str(cohort.a2)}
    # Only coordinators change the schedule.
    for headers in (lead_a, cohort.coach_auth(cohort.coach)):
        patch = await cohort.patch(f"sessions/{first_set}", {"title": "mine now"}, headers)
        assert patch.status_code == 403
        cancel = await cohort.post(f"sessions/{first_set}/cancel", {}, headers)
        assert cancel.status_code == 403
    # A team lead of an organisation with no team in the cohort does not see it at all.
    stranger = cohort.lead(uuid.uuid4())
    assert (await cohort.get(f"cohorts/{cohort.id}/sessions", stranger)).status_code == 404
    assert (
        await cohort.service.client.get(f"/api/sessions/cohorts/{cohort.id}/sessions")
    ).status_code == 401
