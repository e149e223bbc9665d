"""Issue 17.8: attendance reports per team, per organisation and per cohort, JSON and CSV."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from tests.integration.sessions.sessions_world import Cohort, make_cohort, publish, team_confirmed
from tests.support import RunningService, eventually


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def _held(cohort: Cohort) -> None:
    """Four learning sets and the first clinic held; a1 comes to every set, a2 to two (then
    misses two in a row), b1 is never marked but the registers are closed; a1 drops in once."""
    sets = [s["id"] for s in cohort.of_kind("learning_set")[:4]]
    for index, set_id in enumerate(sets):
        marks: list[dict[str, Any]] = [
            {"team_id": str(cohort.a1), "attended": True, "attendees": 3, "roles": []}
        ]
        marks.append(
            {"team_id": str(cohort.a2), "attended": True, "attendees": 1, "roles": []}
            if index < 2
            else {"team_id": str(cohort.a2), "attended": False}
        )
        answer = await cohort.post(f"sessions/{set_id}/register", {"marks": marks, "close": True})
        assert answer.status_code == 200, answer.text
    clinic = cohort.of_kind("clinic")[0]["id"]
    await cohort.attendance(clinic, cohort.a1, True, attendees=1)


async def test_cohort_report_per_team_organisation_and_in_all(cohort: Cohort) -> None:
    await _held(cohort)
    report = (await cohort.get(f"cohorts/{cohort.id}/attendance-report")).json()
    teams = {t["team_id"]: t for t in report["teams"]}
    # Held so far: all 6 learning sessions and all 10 sets of 2021 (not cancelled, started).
    a1, a2, b1 = teams[str(cohort.a1)], teams[str(cohort.a2)], teams[str(cohort.b1)]
    assert (a1["sessions_held"], a1["sessions_attended"], a1["attendance_rate"]) == (
        16,
        4,
        0.25,
    )
    assert (a1["clinics_held"], a1["clinics_attended"]) == (10, 1)
    assert (a2["missed_learning_sets_in_a_row"], a2["disengaged"]) == (2, True)
    assert (b1["sessions_attended"], b1["missed_learning_sets_in_a_row"]) == (0, 4)
    organisations = {o["organisation_id"]: o for o in report["organisations"]}
    org_a = organisations[str(cohort.org_a)]
    assert (org_a["teams"], org_a["sessions_held"], org_a["sessions_attended"]) == (2, 32, 6)
    assert org_a["attendance_rate"] == round(6 / 32, 3)
    assert (org_a["teams_disengaged"], organisations[str(cohort.org_b)]["teams_disengaged"]) == (
        1,
        1,
    )
    assert report["totals"] == {
        "teams": 3,
        "teams_disengaged": 2,
        "sessions_held": 48,
        "sessions_attended": 6,
        "attendance_rate": 0.125,
        "clinics_held": 30,
        "clinics_attended": 1,
    }

    answer = await cohort.get(f"cohorts/{cohort.id}/attendance-report", format="csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = _rows(answer.text)
    assert [r["level"] for r in rows] == ["team"] * 3 + ["organisation"] * 2 + ["all"]
    line = next(r for r in rows if r["team_id"] == str(cohort.a2))
    assert (line["sessions_held"], line["sessions_attended"], line["attendance_rate"]) == (
        "16",
        "2",
        "0.125",
    )
    assert line["missed_learning_sets_in_a_row"] == "2"
    assert (rows[-1]["teams"], rows[-1]["sessions_attended"]) == ("3", "6")


async def test_team_and_organisation_reports_and_who_sees_what(cohort: Cohort) -> None:
    await _held(cohort)
    team = (await cohort.get(f"teams/{cohort.a2}/attendance-report")).json()
    assert team["team"]["sessions_attended"] == 2
    marks = [(s["kind"], s["mark"]) for s in team["sessions"] if s["kind"] == "learning_set"]
    assert marks[:5] == [
        ("learning_set", "present"),
        ("learning_set", "present"),
        ("learning_set", "absent"),
        ("learning_set", "absent"),
        ("learning_set", "unmarked"),
    ]
    csv_team = _rows((await cohort.get(f"teams/{cohort.b1}/attendance-report", format="csv")).text)
    closed = [r for r in csv_team if r["counted_absent_at_close"] == "True"]
    assert len(closed) == 4 and {r["mark"] for r in closed} == {"absent"}

    lead_a = cohort.lead(cohort.org_a)
    own = (await cohort.get(f"organisations/{cohort.org_a}/attendance-report", lead_a)).json()
    assert {t["team_id"] for t in own["teams"]} == {str(cohort.a1), str(cohort.a2)}
    assert own["totals"]["sessions_attended"] == 6
    assert (
        await cohort.get(f"organisations/{cohort.org_b}/attendance-report", lead_a)
    ).status_code == 404
    assert (await cohort.get(f"teams/{cohort.b1}/attendance-report", lead_a)).status_code == 404
    # A team lead's cohort report is their organisation's teams only; a coach's, their own.
    by_lead = (await cohort.get(f"cohorts/{cohort.id}/attendance-report", lead_a)).json()
    assert {t["team_id"] for t in by_lead["teams"]} == {str(cohort.a1), str(cohort.a2)}
    coach = cohort.coach_auth(cohort.coach)
    by_coach = (await cohort.get(f"cohorts/{cohort.id}/attendance-report", coach)).json()
    assert [t["team_id"] for t in by_coach["teams"]] == [str(cohort.a1)]
    assert by_coach["totals"]["teams"] == 1
    unknown = await cohort.get(f"organisations/{uuid.uuid4()}/attendance-report")
    assert unknown.status_code == 404
    assert (
        await cohort.get(f"cohorts/{cohort.id}/attendance-report", format="pdf")
    ).status_code == 422


async def test_an_organisation_across_cohorts_and_names_that_look_like_formulas(
    sessions: RunningService,
) -> None:
    first = await make_cohort(sessions)
    second_cohort = await make_cohort(sessions)
    sneaky = uuid.uuid4()
    await publish(
        sessions,
        team_confirmed(
            cohort_id=second_cohort.id,
            organisation_id=first.org_a,
            team_id=sneaky,
            name='=HYPERLINK("http://evil.example","Ward 9")',
        ),
    )

    async def on_roster() -> bool:
        found = await first.get(f"organisations/{first.org_a}/attendance-report")
        return found.status_code == 200 and len(found.json()["teams"]) == 3

    await eventually(on_roster)
    both = (await first.get(f"organisations/{first.org_a}/attendance-report")).json()
    assert {t["cohort_id"] for t in both["teams"]} == {str(first.id), str(second_cohort.id)}
    one = await first.get(
        f"organisations/{first.org_a}/attendance-report", cohort_id=str(second_cohort.id)
    )
    assert [t["team_id"] for t in one.json()["teams"]] == [str(sneaky)]
    text = (await first.get(f"organisations/{first.org_a}/attendance-report", format="csv")).text
    line = next(r for r in _rows(text) if r["team_id"] == str(sneaky))
    assert line["team"] == '\'=HYPERLINK("http://evil.example","Ward 9")'
