"""Issue 17.7: a bulk register per session; closing it counts the teams not marked as absent."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.events.enrolment import TeamWithdrawn
from tests.integration.sessions.sessions_world import Cohort, publish, recorded, roster_row
from tests.support import eventually


def present(*teams: Any) -> list[dict[str, Any]]:
    return [
        {"team_id": str(t), "attended": True, "attendees": 2, "roles": ["project_lead"]}
        for t in teams
    ]


async def test_a_coordinator_marks_every_team_in_one_request(cohort: Cohort) -> None:
    first_set = cohort.of_kind("learning_set")[0]["id"]
    before = (await cohort.get(f"sessions/{first_set}/register")).json()
    assert (before["present"], before["absent"], before["unmarked"]) == (0, 0, 3)
    assert {line["mark"] for line in before["teams"]} == {"unmarked"}
    marked = await cohort.post(
        f"sessions/{first_set}/register",
        {"marks": [*present(cohort.a1, cohort.a2), {"team_id": str(cohort.b1), "attended": False}]},
    )
    assert marked.status_code == 200, marked.text
    register = marked.json()
    assert (register["present"], register["absent"], register["unmarked"]) == (2, 1, 0)
    assert register["closed_at"] is None
    by_team = {line["team_id"]: line for line in register["teams"]}
    assert by_team[str(cohort.a1)]["mark"] == "present"
    assert by_team[str(cohort.a1)]["attendees"] == 2
    assert by_team[str(cohort.b1)]["mark"] == "absent"
    events = await recorded(cohort.service, "sessions.attendance.recorded", session_id=first_set)
    assert len(events) == 3
    # The same records as one team at a time would make.
    single = (await cohort.get(f"sessions/{first_set}/attendance")).json()
    assert {(a["team_id"], a["attended"]) for a in single} == {
        (str(cohort.a1), True),
        (str(cohort.a2), True),
        (str(cohort.b1), False),
    }


async def test_closing_counts_the_teams_not_marked_absent_and_flags_disengagement(
    cohort: Cohort,
) -> None:
    # Five learning sets held; the coordinator records only the teams present, and closes.
    sets = [s["id"] for s in cohort.of_kind("learning_set")[:5]]
    for set_id in sets:
        closed = await cohort.post(
            f"sessions/{set_id}/register",
            {"marks": present(cohort.a1, cohort.a2), "close": True},
        )
        assert closed.status_code == 200, closed.text
        body = closed.json()
        assert body["closed_at"] is not None
        assert (body["present"], body["absent"], body["unmarked"]) == (2, 1, 0)
        line = next(t for t in body["teams"] if t["team_id"] == str(cohort.b1))
        assert (line["mark"], line["counted_absent_at_close"]) == ("absent", True)
    # One run of five misses: one disengagement, flagged at the second set.
    flagged = await recorded(cohort.service, "sessions.team.disengaged", team_id=str(cohort.b1))
    assert len(flagged) == 1
    assert flagged[0]["missed_session_ids"] == sets[:2]
    engagement = (await cohort.get(f"teams/{cohort.b1}/engagement")).json()
    assert (engagement["disengaged"], engagement["missed_learning_sets_in_a_row"]) == (True, 5)
    counted = await recorded(cohort.service, "sessions.attendance.recorded", team_id=str(cohort.b1))
    assert len(counted) == 5 and all(e["counted_absent_at_close"] for e in counted)
    assert await recorded(cohort.service, "sessions.team.disengaged", team_id=str(cohort.a1)) == []

    # Closing again changes nothing; a correction after closing is still taken.
    again = await cohort.post(f"sessions/{sets[4]}/register", {"close": True})
    assert again.json()["closed_at"] == body["closed_at"]
    corrected = await cohort.post(f"sessions/{sets[4]}/register", {"marks": present(cohort.b1)})
    line = next(t for t in corrected.json()["teams"] if t["team_id"] == str(cohort.b1))
    assert (line["mark"], line["counted_absent_at_close"]) == ("present", False)
    engagement = (await cohort.get(f"teams/{cohort.b1}/engagement")).json()
    assert engagement["missed_learning_sets_in_a_row"] == 0


async def test_who_may_mark_and_close_and_what_is_refused(cohort: Cohort) -> None:
    first_set = cohort.of_kind("learning_set")[0]["id"]
    path = f"sessions/{first_set}/register"
    coach = cohort.coach_auth(cohort.coach)
    # A coach marks their own teams and sees only them; closing is the coordinator's.
    own = await cohort.post(path, {"marks": present(cohort.a1)}, coach)
    assert own.status_code == 200, own.text
    assert [t["team_id"] for t in own.json()["teams"]] == [str(cohort.a1)]
    assert (await cohort.post(path, {"marks": present(cohort.b1)}, coach)).status_code == 404
    refused = await cohort.post(path, {"close": True}, coach)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    lead = cohort.lead(cohort.org_a)
    assert (await cohort.post(path, {"marks": present(cohort.a1)}, lead)).status_code == 403
    seen = (await cohort.get(path, lead)).json()
    assert {t["team_id"] for t in seen["teams"]} == {str(cohort.a1), str(cohort.a2)}
    # All or nothing: one bad mark (a team twice, an inconsistent one) writes nothing.
    twice = await cohort.post(path, {"marks": [*present(cohort.a2), *present(cohort.a2)]})
    assert twice.status_code == 422
    inconsistent = await cohort.post(
        path, {"marks": [*present(cohort.a2), {"team_id": str(cohort.b1), "attended": True}]}
    )
    assert inconsistent.status_code == 422
    after = (await cohort.get(path)).json()
    assert after["unmarked"] == 2
    # A session still to come takes no register yet.
    future = await cohort.post(
        f"cohorts/{cohort.id}/sessions",
        {
            "kind": "learning_set",
            "title": "Extra set",
            "starts_at": "2031-03-18T14:00:00",
            "ends_at": "2031-03-18T15:30:00",
        },
    )
    assert (
        await cohort.post(f"sessions/{future.json()['id']}/register", {"close": True})
    ).status_code == 409


async def test_a_team_withdrawn_before_a_session_is_not_expected_at_it(cohort: Cohort) -> None:
    await publish(
        cohort.service,
        TeamWithdrawn(
            cohort_id=cohort.id,
            team_id=cohort.a2,
            organisation_id=cohort.org_a,
            reason="staff shortages",
            withdrawn_on=date(2021, 4, 1),
        ),
    )

    async def withdrawn() -> bool:
        row = await roster_row(cohort.service, cohort.a2)
        return row is not None and row.status == "withdrawn"

    await eventually(withdrawn)
    march, may = (cohort.of_kind("learning_set")[i]["id"] for i in (0, 2))
    assert str(cohort.a2) in {
        t["team_id"] for t in (await cohort.get(f"sessions/{march}/register")).json()["teams"]
    }
    closed = (await cohort.post(f"sessions/{may}/register", {"close": True})).json()
    assert {t["team_id"] for t in closed["teams"]} == {str(cohort.a1), str(cohort.b1)}
    assert closed["absent"] == 2
    refused = await cohort.post(f"sessions/{may}/register", {"marks": present(cohort.a2)})
    assert refused.status_code == 409
