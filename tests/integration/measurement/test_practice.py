"""Charts as QI practitioners read them (issue #22, items 1-9 and the pictures), over the HTTP API
on a real database: data goes in as a trust system or a project lead posts it, charts come out as
JSON and SVG."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from shared.auth import Role
from tests.integration.measurement.conftest import World, publish, team_confirmed, team_row
from tests.support import NatsServer, eventually, run_service

API = "/api/measurement"
FIRST_WEEK = date(2026, 1, 5)
# 16 weekly counts of 'what matters' conversations.
COUNTS = [10, 12, 9, 11, 13, 10, 8, 12, 11, 9, 10, 12, 11, 10, 9, 13]


def week(k: int) -> date:
    return FIRST_WEEK + timedelta(weeks=k)


def counts(team: uuid.UUID, values: dict[int, float], measure: str = "what_matters_conversations"):
    tag = uuid.uuid4().hex[:6]
    return [
        {"client_id": f"{tag}-{k}", "team_id": str(team), "measure": measure,
         "period": week(k).isoformat(), "value": value}
        for k, value in values.items()
    ]  # fmt: skip


def pulse(team: uuid.UUID, k: int, answers: list[int]) -> list[dict[str, Any]]:
    """A week's anonymous answers to 'how often did you enjoy being at work?' (4-5: often)."""
    return [
        {"client_id": f"{uuid.uuid4().hex[:10]}", "team_id": str(team),
         "measure": "frequently_enjoy_work",
         "responded_at": f"{week(k).isoformat()}T{9 + j % 8:02d}:{j:02d}:00Z", "items": [answer]}
        for j, answer in enumerate(answers)
    ]  # fmt: skip


async def chart(world: World, path: str, headers: dict[str, str] | None = None, **params: Any):
    return await world.service.client.get(
        f"{API}/teams/{path}", params=params, headers=headers or world.coordinator
    )


def svg_ids(svg: bytes) -> set[str]:
    return {el.get("id", "") for el in ET.fromstring(svg).iter() if el.get("id")}


def svg_text(svg: bytes, element_id: str) -> str:
    found = next(el for el in ET.fromstring(svg).iter() if el.get("id") == element_id)
    return " ".join(" ".join(found.itertext()).split())


async def posted(world: World, kind: str, rows: list[Any]) -> None:
    answer = await world.post(kind, rows)
    assert answer.status_code == 200, answer.text


async def test_1_short_baselines_draw_their_limits_and_warn(world: World) -> None:
    await posted(world, "values", counts(world.a1, dict(enumerate([*COUNTS[:8], 30]))))
    path = f"{world.a1}/charts/what_matters_conversations"
    frozen = (await chart(world, path, freeze="8")).json()
    body = frozen["chart"]
    assert body["limits_shown"] and body["parts"][0]["short_baseline"]
    c_bar = sum(COUNTS[:8]) / 8
    assert body["points"][0]["upper"] == pytest.approx(c_bar + 3 * c_bar**0.5)
    assert body["warnings"] == [
        "the limits rest on a baseline of 8 points, fewer than the 12 recommended: treat them "
        "as provisional."
    ]
    # 30 is beyond the upper limit: a signal, and not "common cause variation".
    assert [s["rule"] for s in body["signals"]] == ["outside_limits"]
    assert "variation: improvement high" in body["summary"]["text"]
    svg = await chart(world, f"{path}.svg", freeze="8")
    assert "fewer than the 12 recommended" in svg_text(svg.content, "warning-0")
    # The recommended length is settable per request; one baseline point has no limits.
    relaxed = (await chart(world, path, freeze="8", recommended_baseline="8")).json()["chart"]
    assert relaxed["warnings"] == [] and relaxed["limits_shown"]
    single = (await chart(world, path, freeze="1")).json()["chart"]
    assert not single["limits_shown"] and single["points"][0]["upper"] is None


async def test_2_period_values_with_bounds_and_below_zero(world: World) -> None:
    client, coordinator = world.service.client, world.coordinator
    spec = {
        "key": f"change_score_{uuid.uuid4().hex[:6]}",
        "name": "Team change score",
        "operational_definition": "The week's mean change score from the trust's survey tool.",
        "type": "outcome",
        "data_kind": "value",
        "unit": "points",
        "period": "week",
        "direction": "increase",
        "value_min": "-10",
        "value_max": "10",
    }
    defined = await client.put(f"{API}/measures/{spec['key']}", json=spec, headers=coordinator)
    assert defined.status_code == 200, defined.text
    planned = await client.put(
        f"{API}/cohorts/{world.cohort_id}/plan/{spec['key']}", headers=coordinator
    )
    assert planned.status_code == 200
    values = {k: v for k, v in enumerate([-2.5, -1.0, 0.5, -3.25, 1.5])}
    await posted(world, "values", counts(world.a1, values, spec["key"]))
    # Two rows for one week (two wards' values): the period value is their mean.
    await posted(world, "values", counts(world.a1, {5: 2.0}, spec["key"]))
    await posted(world, "values", counts(world.a1, {5: 4.0}, spec["key"]))
    series = await world.series(world.a1, spec["key"])
    assert [Decimal(p["value"]) for p in series["points"]] == [
        Decimal(str(v)) for v in (-2.5, -1.0, 0.5, -3.25, 1.5, 3.0)
    ]
    body = (await chart(world, f"{world.a1}/charts/{spec['key']}")).json()
    assert body["chart"]["chart_type"] == "xmr" and body["unit"] == "points"
    assert body["chart"]["points"][0]["value"] == -2.5
    refused = await world.post(
        "values",
        counts(world.a1, {6: -11.0}, spec["key"])
        + counts(world.a1, {7: -1.0})  # a count is never negative
        + [{**counts(world.a1, {8: 1.0}, spec["key"])[0], "numerator": 1}],
    )
    assert refused.status_code == 422
    assert [(e["row"], e["field"], e["message"]) for e in refused.json()["errors"]] == [
        (0, "value", "below the measure's minimum -10.0000"),
        (1, "value", "a count is not negative"),
        (2, "numerator", "a value has only a value"),
    ]


async def test_3_baselines_before_the_cohort_starts_and_never_the_future(world: World) -> None:
    # The cohort starts on 5 January 2026: a baseline from 5 January 2024 is accepted.
    early = counts(world.a1, {-104: 3.0, -40: 4.0})
    assert (await world.post("values", early)).status_code == 200
    responses = pulse(world.a1, -10, [4, 5, 2])
    assert (await world.post("responses", responses)).status_code == 200
    too_early = await world.post("values", counts(world.a1, {-106: 3.0}))
    assert too_early.status_code == 422
    assert too_early.json()["errors"][0]["message"].startswith("before 2024-01-05")
    future = await world.post(
        "responses", [{**pulse(world.a1, 0, [4])[0], "responded_at": "2099-01-05T10:00:00Z"}]
    )
    assert future.json()["errors"][0]["message"] == "in the future"


async def test_3_the_window_before_the_start_is_configurable(tmp_path: Path) -> None:
    nats = NatsServer(tmp_path)  # its own: the module's service would take its events
    nats.start()
    try:
        await _configured(nats)
    finally:
        nats.stop(kill=True)


async def _configured(nats: NatsServer) -> None:
    async with run_service(
        "measurement", nats_url=nats.url, baseline_months_before_start=3
    ) as service:
        org, team_id, cohort_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await publish(service, team_confirmed(cohort_id=cohort_id, organisation_id=org,
                                              team_id=team_id))  # fmt: skip
        await eventually(lambda: team_row(service, team_id))
        key = await service.client.post(
            f"{API}/api-keys",
            json={"organisation_id": str(org), "label": "k"},
            headers=service.auth(Role.coordinator),
        )
        machine = {"Authorization": f"Bearer {key.json()['secret']}"}
        rows = [pulse(team_id, -13, [4])[0], pulse(team_id, -14, [4])[0]]
        answer = await service.client.post(f"{API}/responses", json={"rows": rows}, headers=machine)
        # 3 months before 5 January 2026 is 5 October 2025: week -13 (6 Oct) in, -14 out.
        assert answer.status_code == 422
        assert [e["row"] for e in answer.json()["errors"]] == [1]


async def test_4_a_missing_week_is_a_gap(world: World) -> None:
    values = {k: v for k, v in enumerate(COUNTS) if k not in (5, 6)}
    await posted(world, "values", counts(world.a1, values))
    path = f"{world.a1}/charts/what_matters_conversations"
    body = (await chart(world, path, chart_type="xmr")).json()["chart"]
    points = body["points"]
    assert len(points) == 16 and [p["period"] for p in points][5] == week(5).isoformat()
    assert points[5]["missing"] and points[5]["value"] is None and points[6]["missing"]
    assert points[5]["moving_range"] is None and points[7]["moving_range"] is None
    # The mean moving range leaves out the span across the gap (13 ranges, not 14).
    kept = [v for k, v in enumerate(COUNTS) if k not in (5, 6)]
    ranges = [abs(b - a) for a, b in pairwise(kept)]
    del ranges[4]  # |8 - 13| would span the gap (weeks 4 -> 7)
    assert body["parts"][0]["mean_moving_range"] == pytest.approx(sum(ranges) / len(ranges))
    svg = await chart(world, f"{path}.svg", chart_type="xmr")
    assert {"gap-5", "gap-6"} <= svg_ids(svg.content)


async def test_5_an_excluded_point_keeps_its_signal_and_is_drawn_excluded(world: World) -> None:
    values = dict(enumerate([*COUNTS[:14], 40]))
    await posted(world, "values", counts(world.a1, values))
    path = f"{world.a1}/charts/what_matters_conversations"
    body = (await chart(world, path, exclude="14")).json()["chart"]
    last = body["points"][14]
    assert last["excluded"] and not last["baseline"]
    assert last["flags"] == ["outside_limits"] and last["point_class"] == "improvement"
    assert body["points"][0]["centre"] == pytest.approx(sum(COUNTS[:14]) / 14)
    svg = await chart(world, f"{path}.svg", exclude="14")
    assert "excluded-14" in svg_ids(svg.content) and "point-14" not in svg_ids(svg.content)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"freeze": "500"}, "freeze"),
        ({"part": "999"}, "part"),
        ({"part": "0"}, "part"),
        ({"exclude": "999"}, "exclude"),
        ({"exclude": "2030-01-07"}, "exclude"),
        ({"screen": "true"}, "screen"),
        ({"rules": "ihi"}, "rules"),
        ({"chart_type": "run", "n": "7"}, "n"),
        ({"freeze": "12", "part": "10"}, "freeze"),
    ],
)
async def test_6_meaningless_parameters_are_refused_by_name(
    world: World, params: dict[str, str], parameter: str
) -> None:
    await posted(world, "values", counts(world.a1, dict(enumerate(COUNTS))))
    for path in (
        f"{world.a1}/charts/what_matters_conversations",
        f"{world.a1}/charts/what_matters_conversations.svg",
    ):
        answer = await chart(world, path, **params)
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["detail"].startswith(f"{parameter}: ")
        assert problem["errors"][0]["field"] == parameter
    cohort = await world.service.client.get(
        f"{API}/cohorts/{world.cohort_id}/charts/what_matters_conversations",
        params=params,
        headers=world.coordinator,
    )
    assert cohort.status_code == 422 and cohort.json()["errors"][0]["field"] == parameter


async def test_7_the_openapi_documents_every_chart_parameter(world: World) -> None:
    spec = world.service.app.openapi()
    operation = spec["paths"]["/api/measurement/teams/{team_id}/charts/{measure_key}"]["get"]
    documented = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert set(documented) == {
        "from", "to", "period", "chart_type", "rules", "n", "freeze", "part", "exclude",
        "screen", "recommended_baseline",
    }  # fmt: skip
    for name, parameter in documented.items():
        examples = parameter.get("examples") or parameter["schema"].get("examples")
        assert parameter.get("description") and examples, name
    assert "counted from the first" in documented["freeze"]["description"]
    assert "must end before the first new part" in documented["freeze"]["description"]
    assert "0-based index" in documented["part"]["description"]
    assert "0-based" in documented["exclude"]["description"]
    assert "date" in documented["part"]["description"]
    assert documented["n"]["schema"]["anyOf"][0]["maximum"] == 50


async def test_8_runs_signals_mark_the_centre_line_and_control_charts_have_runs(
    world: World,
) -> None:
    # Five weeks above the median then seven below: too few crossings for 12 points.
    values = dict(enumerate([5, 6, 6, 7, 8, 9, 3, 2, 4, 3, 2, 5]))
    await posted(world, "values", counts(world.a1, values))
    path = f"{world.a1}/charts/what_matters_conversations"
    run = (await chart(world, path, chart_type="run")).json()["chart"]
    assert run["parts"][0]["runs_signal"] and run["parts"][0]["crossings"] == 1
    assert not any("anhoj_few_crossings" in p["flags"] for p in run["points"])
    assert {p["point_class"] for p in run["points"]} == {"common_cause"}
    svg = await chart(world, f"{path}.svg", chart_type="run")
    assert "runs-signal-0" in svg_ids(svg.content)
    control = (await chart(world, path)).json()["chart"]
    part = control["parts"][0]
    assert control["chart_type"] == "c"
    assert part["useful_points"] is not None and part["longest_run"] is not None
    assert part["crossings_min"] is not None


async def test_9_small_numbers_are_withheld_outside_the_team(world: World) -> None:
    rows: list[dict[str, Any]] = []
    for k in range(10):
        # Two answers in week 3 (could point at a person); eight in every other week.
        rows += pulse(world.a1, k, [2, 5] if k == 3 else [5, 4, 5, 2, 2, 4, 1, 5])
    await posted(world, "responses", rows)
    path = f"{world.a1}/charts/frequently_enjoy_work"
    inside = (await chart(world, path, world.lead())).json()
    assert inside["chart"]["points"][3]["value"] == 50.0 and inside["suppression"] is None
    coach = world.service.auth(Role.coach, coach_id=world.coach)
    for headers in (coach, world.coordinator):
        outside = (await chart(world, path, headers)).json()
        point = outside["chart"]["points"][3]
        assert point["suppressed"] and point["value"] is None and point["numerator"] is None
        assert point["n"] == 2  # the reason, kept
        assert outside["chart"]["suppressed_periods"] == [week(3).isoformat()]
        assert "fewer than 5 responses" in outside["suppression"]
    series = await world.service.client.get(
        f"{API}/teams/{world.a1}/series/frequently_enjoy_work",
        params={"from": "2026-01-05", "to": "2026-03-15", "period": "week"},
        headers=coach,
    )
    withheld = series.json()["points"][3]
    assert withheld["suppressed"] and withheld["numerator"] is None and withheld["n"] == 2
    # The pooled collaborative keeps both answers (a1 alone here: 8 + 2 + ... responses).
    cohort = await world.service.client.get(
        f"{API}/cohorts/{world.cohort_id}/charts/frequently_enjoy_work",
        headers=world.coordinator,
    )
    assert cohort.json()["chart"]["points"][3]["suppressed"]  # pooled n is 2 as well
    lead = await world.service.client.get(
        f"{API}/cohorts/{world.cohort_id}/charts/frequently_enjoy_work", headers=world.lead()
    )
    assert lead.json()["chart"]["points"][3]["value"] == 50.0
    # The report and the export withhold it too, saying so.
    report = await world.service.client.get(
        f"{API}/cohorts/{world.cohort_id}/report", headers=world.coordinator
    )
    assert report.json()["suppress_below"] == 5
    [section] = [
        m for m in report.json()["measures"] if m["measure_key"] == "frequently_enjoy_work"
    ]
    assert week(3).isoformat() in section["chart"]["suppressed_periods"]  # a1 alone: pooled n 2
    withheld_point = next(
        p for p in section["chart"]["points"] if p["period"] == week(3).isoformat()
    )
    assert withheld_point["suppressed"] and withheld_point["value"] is None
    multiples = await world.service.client.get(
        f"{API}/cohorts/{world.cohort_id}/report/frequently_enjoy_work/teams.svg",
        headers=world.coordinator,
    )
    assert any(i.startswith("suppressed-") for i in svg_ids(multiples.content))
    # The threshold is a setting: at 2, two answers are shown; at 9, eight are withheld too.
    settings = world.service.app.state.settings
    for threshold, withheld_weeks in ((2, []), (9, [week(k).isoformat() for k in range(10)])):
        settings.small_number_threshold = threshold
        outside = (await chart(world, path, coach)).json()
        assert outside["chart"]["suppressed_periods"] == withheld_weeks, threshold
        assert (await chart(world, path, world.lead())).json()["suppression"] is None
    settings.small_number_threshold = 5
    export = await world.service.client.get(
        f"{API}/cohorts/{world.cohort_id}/export.csv", headers=world.coordinator
    )
    line = next(
        row for row in export.text.splitlines()
        if str(world.a1) in row and week(3).isoformat() in row
    )  # fmt: skip
    assert line.endswith(",2,,,,true")


async def test_pictures_read_as_the_json(world: World) -> None:
    rows: list[dict[str, Any]] = []
    for k in range(14):
        rows += pulse(world.a1, k, [5, 5, 4, 2, 1, 2, 3, 5, 4, 2] if k < 12 else [5] * 10)
    await posted(world, "responses", rows)
    target = await world.service.client.put(
        f"{API}/cohorts/{world.cohort_id}/plan/frequently_enjoy_work/target",
        json={"target": "60"},
        headers=world.coordinator,
    )
    assert target.status_code == 200
    note = await world.service.client.post(
        f"{API}/teams/{world.a1}/charts/frequently_enjoy_work/annotations",
        json={"day": week(4).isoformat(), "note": "Thank-you cards"},
        headers=world.lead(),
    )
    assert note.status_code == 201
    path = f"{world.a1}/charts/frequently_enjoy_work"
    params = {"freeze": "8", "part": week(10).isoformat()}
    body = (await chart(world, path, world.lead(), **params)).json()["chart"]
    assert body["percent"] and body["points"][0]["value"] == 50.0  # 5 of 10, in percent
    svg = (await chart(world, f"{path}.svg", world.lead(), **params)).content
    ids = svg_ids(svg)
    assert svg_text(svg, "y-label") == "% of staff responding"
    assert svg_text(svg, "chart-type").startswith("p chart")
    centre = body["parts"][-1]["centre"]
    assert svg_text(svg, "label-centre-1") == f"Mean {centre:.1f}%"
    assert svg_text(svg, "label-target") == "Target 60.0%"
    assert svg_text(svg, "label-baseline") == "Baseline (8 points)"
    assert svg_text(svg, "label-part-1") == f"New limits from {week(10).isoformat()}"
    assert "Thank-you cards" in svg_text(svg, "annotation-text-0")
    assert {"icon-variation", "icon-assurance", "baseline", "target"} <= ids


async def test_issue_16_csv_cells_and_targets_beyond_what_is_stored(world: World) -> None:
    header = "client_id,team_id,measure,period,value"
    body = f"{header}\nok,{world.a1},what_matters_conversations,2026-03-02,3\n"
    body += f"{'x' * 131_073},{world.a1},what_matters_conversations,2026-03-09,3\n"
    answer = await world.service.client.post(
        f"{API}/values",
        content=body.encode(),
        headers={**world.machine(world.key_a), "Content-Type": "text/csv"},
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [(e["row"], e["field"], e["message"]) for e in answer.json()["errors"]] == [
        (1, "row", "a cell is longer than 131,072 characters")
    ]
    target = await world.service.client.put(
        f"{API}/cohorts/{world.cohort_id}/plan/what_matters_conversations/target",
        json={"target": 595713768450340.0},
        headers=world.coordinator,
    )
    assert target.status_code == 422
    percent = await world.service.client.put(
        f"{API}/cohorts/{world.cohort_id}/plan/frequently_enjoy_work/target",
        json={"target": "120"},
        headers=world.coordinator,
    )
    assert percent.status_code == 422 and percent.json()["errors"][0]["field"] == "target"
    schema = world.service.app.openapi()["components"]["schemas"]["TargetIn"]
    assert schema["properties"]["target"]["anyOf"][0]["maximum"] == 9999999999.9999
