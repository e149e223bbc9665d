"""The collaborative's report, worked by hand: a constructed cohort of five teams and the three
default measures reproduces the shape of the first Enjoying Work collaborative's published figures
(an aggregate improvement from baseline per measure; how many teams improved, and how many
deteriorated, on at least one measure). Checked in the JSON, the PDF (read back with pypdf), the
pictures and the CSV export.

The cohort starts on Monday 5 January 2026 with a 2-month lead-in: coaching starts on 5 March, so
the baseline is the 8 weeks from 5 January to 23 February and the latest part the 8 weeks from
2 March to 20 April (the report runs to Sunday 26 April). Every team answers 10 times a week, so
nothing is withheld (the threshold is 5). Weekly answers in the top box, per team:

frequently_enjoy_work   baseline  latest   verdict (p chart, baseline frozen)
  T1                    3/10      7/10     improvement: 8 weeks above 0.3 (a shift)
  T2                    5/10      5/10     neither: every week on its centre line
  T3                    6/10      4/10     concern: 8 weeks below 0.6 (a shift)
  T4                    2/10      1, 3, 1, 3 ... /10  neither: alternating around 0.2
  T5                    -         7/10     too little data: no baseline
  pooled: baseline (3+5+6+2) x 8 / 320 = 128/320 = 0.40; latest (7+5+4+7) x 8 + 16 = 200 over
  400 = 0.50: +25% from baseline.

no_burnout_symptoms
  T1, T2                5/10      8/10     improvement (shift above 0.5)
  T3                    5/10      7/10     improvement
  T4                    5/10      5/10     neither
  T5                    -         -        too little data: no data
  pooled: 160/320 = 0.50 -> (8+8+7+5) x 8 / 320 = 224/320 = 0.70: +40%.

extremely_likely_to_recommend
  T1                    2/10      2/10     neither
  T2                    3/10      3/10     neither
  T3                    2/10      6/10     improvement (0.6 above the upper limit 0.2 + 3 sqrt(0.016)
                                           = 0.5795)
  T4                    3/10      9/10     improvement (above 0.3 + 3 sqrt(0.021) = 0.7347)
  T5                    5/10      1/10     concern (8 weeks below 0.5)
  pooled: (2+3+2+3+5) x 8 / 400 = 0.30 -> (2+3+6+9+1) x 8 / 400 = 0.42: +40%.

Teams that improved on at least one measure: T1, T2, T3, T4 = 4 of 5; that deteriorated on at
least one: T3, T5 = 2 of 5.
"""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from shared.auth import Role
from tests.integration.measurement.conftest import World, publish, team_confirmed, team_row
from tests.support import eventually

API = "/api/measurement"
START = date(2026, 1, 5)
WEEKS = 16  # 8 baseline, 8 latest
ALT = "alternating"
# measure -> team -> (baseline successes, latest successes) per week of 10 answers
PLAN: dict[str, dict[str, tuple[int | None, int | str | None]]] = {
    "frequently_enjoy_work": {
        "T1": (3, 7), "T2": (5, 5), "T3": (6, 4), "T4": (2, ALT), "T5": (None, 7),
    },
    "no_burnout_symptoms": {
        "T1": (5, 8), "T2": (5, 8), "T3": (5, 7), "T4": (5, 5), "T5": (None, None),
    },
    "extremely_likely_to_recommend": {
        "T1": (2, 2), "T2": (3, 3), "T3": (2, 6), "T4": (3, 9), "T5": (5, 1),
    },
}  # fmt: skip
# (an answer in the top box, one outside it) per measure
ANSWERS = {
    "frequently_enjoy_work": (5, 2),
    "no_burnout_symptoms": (1, 4),
    "extremely_likely_to_recommend": (1, 2),
}


def rows_for(teams: dict[str, uuid.UUID]) -> list[dict[str, Any]]:
    rows = []
    for measure, by_team in PLAN.items():
        yes, no = ANSWERS[measure]
        for team, (baseline, latest) in by_team.items():
            for week in range(WEEKS):
                successes = baseline if week < 8 else latest
                if successes == ALT:
                    successes = 1 if week % 2 == 0 else 3
                if successes is None:
                    continue
                monday = START + timedelta(weeks=week)
                for k in range(10):
                    rows.append(
                        {
                            "client_id": f"{measure[:6]}-{team}-{week}-{k}-{uuid.uuid4().hex[:6]}",
                            "team_id": str(teams[team]),
                            "measure": measure,
                            "responded_at": f"{monday.isoformat()}T{9 + k // 4:02d}:{k:02d}:00Z",
                            "items": [yes if k < int(successes) else no],
                        }
                    )
    return rows


@pytest.fixture
async def cohort(world: World) -> tuple[World, uuid.UUID, dict[str, uuid.UUID]]:
    """A cohort of its own: five teams of organisation A, their answers posted."""
    cohort_id = uuid.uuid4()
    teams = {name: uuid.uuid4() for name in ("T1", "T2", "T3", "T4", "T5")}
    for name, team_id in teams.items():
        event = team_confirmed(cohort_id=cohort_id, organisation_id=world.org_a, team_id=team_id)
        await publish(world.service, event.model_copy(update={"team_name": f"Team {name}"}))
    for team_id in teams.values():
        await eventually(lambda team_id=team_id: team_row(world.service, team_id))
    answer = await world.post("responses", rows_for(teams))
    assert answer.status_code == 200, answer.text
    return world, cohort_id, teams


async def get(world: World, path: str, **params: Any) -> Any:
    answer = await world.service.client.get(
        f"{API}{path}", params={"to": "2026-04-26", **params}, headers=world.coordinator
    )
    assert answer.status_code == 200, answer.text
    return answer


async def test_the_worked_example_reproduces_the_published_shape(
    cohort: tuple[World, uuid.UUID, dict[str, uuid.UUID]],
) -> None:
    world, cohort_id, teams = cohort
    name_of = {str(team_id): name for name, team_id in teams.items()}
    report = (await get(world, f"/cohorts/{cohort_id}/report")).json()
    assert report["teams"] == 5 and report["breaks"] == ["2026-03-05"]  # coaching starts
    assert report["teams_improved_on_at_least_one_measure"] == 4
    assert report["teams_deteriorated_on_at_least_one_measure"] == 2
    assert sorted(name_of[t] for t in report["improved_teams"]) == ["T1", "T2", "T3", "T4"]
    assert sorted(name_of[t] for t in report["deteriorated_teams"]) == ["T3", "T5"]
    measures = {m["measure_key"]: m for m in report["measures"]}
    assert list(measures) == list(PLAN)  # the default plan, in the programme's order
    expected = {
        # measure: (baseline %, latest %, change %, improvement, concern, neither, too little)
        "frequently_enjoy_work": (40.0, 50.0, 25.0, 1, 1, 2, 1),
        "no_burnout_symptoms": (50.0, 70.0, 40.0, 3, 0, 1, 1),
        "extremely_likely_to_recommend": (30.0, 42.0, 40.0, 2, 1, 2, 0),
    }
    for key, (base, latest, change, up, down, neither, short) in expected.items():
        summary = measures[key]["summary"]
        assert summary["baseline_centre"] == pytest.approx(base)
        assert summary["latest_centre"] == pytest.approx(latest)
        assert summary["centre_change_pct"] == pytest.approx(change)
        counts = (
            summary["teams_with_improvement"],
            summary["teams_with_concern"],
            summary["teams_with_neither"],
            summary["teams_with_too_little_data"],
        )
        assert counts == (up, down, neither, short), key
        assert measures[key]["breaks"] == ["2026-03-02"]  # the week holding 5 March
    verdicts = {
        (key, name_of[team["team_id"]]): team["verdict"]
        for key, measure in measures.items()
        for team in measure["teams"]
    }
    assert verdicts[("frequently_enjoy_work", "T1")] == "Special-cause improvement"
    assert verdicts[("frequently_enjoy_work", "T3")] == "Special-cause concern"
    assert verdicts[("frequently_enjoy_work", "T4")] == "Neither"
    assert verdicts[("frequently_enjoy_work", "T5")].startswith("Too little data: no data before")
    assert verdicts[("no_burnout_symptoms", "T5")] == "Too little data: no data"
    assert verdicts[("extremely_likely_to_recommend", "T5")] == "Special-cause concern"

    # Compliance: each team and week since the cohort started, whether data arrived.
    enjoy = {name_of[str(c["team_id"])]: c for c in measures["frequently_enjoy_work"]["compliance"]}
    assert enjoy["T1"]["owed"] == 16 and enjoy["T1"]["submitted"] == 16
    assert enjoy["T5"]["submitted"] == 8 and enjoy["T5"]["missing"][0] == "2026-01-05"
    assert enjoy["T5"]["arrived"] == [False] * 8 + [True] * 8

    # The PDF says the same (read back with a PDF text extractor).
    pdf = await get(world, f"/cohorts/{cohort_id}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    assert "Teams with special-cause improvement on at least one measure: 4 of 5" in text
    assert "on at least one measure: 2 of 5" in text
    assert "40.0% in the baseline part, 50.0% in the latest part: +25% from baseline" in text
    assert "+40% from baseline" in text
    assert "Data submission" in text and "Team T5" in text
    assert "Too little data: Team T5 (no data before 2026-03-02 (no baseline))" in text


async def test_the_reports_pictures_and_the_export(
    cohort: tuple[World, uuid.UUID, dict[str, uuid.UUID]],
) -> None:
    world, cohort_id, teams = cohort
    svg = await get(world, f"/cohorts/{cohort_id}/report/frequently_enjoy_work/collaborative.svg")
    ids = {el.get("id") for el in ET.fromstring(svg.content).iter()}
    assert {"part-break-1", "label-part-1", "label-centre-1", "y-label"} <= ids
    multiples = await get(world, f"/cohorts/{cohort_id}/report/frequently_enjoy_work/teams.svg")
    root = ET.fromstring(multiples.content)
    panels = [el for el in root.iter() if (el.get("id") or "").startswith("team-")]
    assert len(panels) == 5
    verdicts = [
        " ".join(" ".join(el.itertext()).split())
        for el in root.iter()
        if (el.get("id") or "").startswith("verdict-")
    ]
    assert "Special-cause improvement" in verdicts and "Special-cause concern" in verdicts
    png = await get(world, f"/cohorts/{cohort_id}/report/no_burnout_symptoms/teams.png")
    assert png.content.startswith(b"\x89PNG")
    missing = await world.service.client.get(
        f"{API}/cohorts/{cohort_id}/report/swemwbs/collaborative.svg", headers=world.coordinator
    )
    assert missing.status_code == 404  # not on this cohort's plan

    export = await get(world, f"/cohorts/{cohort_id}/export.csv")
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    # 5 teams x 16 weeks x 3 measures, less T5's missing weeks (8 + 16).
    assert len(rows) == 5 * 16 * 3 - 24
    t1 = [r for r in rows if r["team_id"] == str(teams["T1"])]
    first = next(r for r in t1 if r["measure_key"] == "frequently_enjoy_work")
    assert (first["period_start"], first["n"], first["value"], first["unit"]) == (
        "2026-01-05", "10", "30", "%"
    )  # fmt: skip
    assert first["numerator"] == "3" and first["suppressed"] == "false"

    # The report is the programme team's: coaches and project leads are refused.
    for headers in (
        world.service.auth(Role.coach, coach_id=world.coach),
        world.lead(),
        world.machine(world.key_a),
    ):
        refused = await world.service.client.get(
            f"{API}/cohorts/{cohort_id}/report", headers=headers
        )
        assert refused.status_code == 403
    assert date(2026, 4, 26).weekday() == 6  # the report ends on a Sunday
