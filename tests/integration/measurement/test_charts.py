"""Charts over the API: a team's chart JSON and pictures, annotations, the collaborative
aggregate, signals recorded as events exactly once, and who may read what (acceptance 4 and 5).

Data goes in as a trust system posts it (API-key batches), charts come out of the HTTP API; the
expected numbers are worked out here by hand (c chart: c-bar +/- 3 sqrt(c-bar); p chart: pooled
sums) and, for the whole answer, by the engine on the same values.
"""

from __future__ import annotations

import json
import math
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.measurement.analytics import ChartOptions, compute_chart
from shared.auth import Role
from shared.inbox import inbox
from shared.outbox import outbox
from tests.integration.measurement.conftest import World, swemwbs
from tests.support import eventually

API = "/api/measurement"
FIRST_WEEK = date(2026, 1, 5)  # the cohort's start, a Monday
# 20 weekly counts of 'what matters' conversations: no special cause among them.
COUNTS = [10, 12, 9, 11, 13, 10, 8, 12, 11, 9, 10, 12, 11, 10, 9, 13, 11, 10, 12, 11]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def week(k: int) -> date:
    return FIRST_WEEK + timedelta(weeks=k)


def count_rows(team: uuid.UUID, counts: list[int], *, start: int = 0, tag: str = "") -> list[Any]:
    tag = tag or uuid.uuid4().hex[:6]
    return [
        {
            "client_id": f"{tag}-{start + k}",
            "team_id": str(team),
            "measure": "what_matters_conversations",
            "period": week(start + k).isoformat(),
            "value": value,
        }
        for k, value in enumerate(counts)
    ]


def absence_rows(team: uuid.UUID, months: list[tuple[int, int, int]]) -> list[Any]:
    """(month of 2026, days lost, days available) -> sickness absence rows."""
    tag = uuid.uuid4().hex[:6]
    return [
        {
            "client_id": f"{tag}-{month}",
            "team_id": str(team),
            "measure": "sickness_absence",
            "period": date(2026, month, 1).isoformat(),
            "numerator": lost,
            "denominator": available,
        }
        for month, lost, available in months
    ]


async def accepted(world: World, kind: str, rows: list[Any], key: str | None = None) -> Any:
    response = await world.post(kind, rows, key)
    assert response.status_code == 200, response.text
    return response.json()


async def get(world: World, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return await world.service.client.get(
        f"{API}{path}", params=params, headers=headers or world.coordinator
    )


async def signal_events(world: World, team: uuid.UUID) -> list[dict[str, Any]]:
    async with world.service.app.state.database.sessions() as session:
        rows = (
            await session.execute(
                select(outbox.c.payload, outbox.c.published_at)
                .where(
                    outbox.c.subject == "measurement.signal.detected",
                    outbox.c.payload.contains(str(team)),
                )
                .order_by(outbox.c.seq)
            )
        ).all()
    return [
        {**json.loads(r.payload)["data"], "published": r.published_at is not None} for r in rows
    ]


async def signals_looked_for(world: World, batch: dict[str, Any]) -> None:
    """Wait until the service has handled the batch's `measurement.batch.accepted` (the step
    that looks for new signals), so that "no event" below is a settled answer."""
    database = world.service.app.state.database

    async def handled() -> bool:
        async with database.sessions() as session:
            payload = (
                await session.execute(
                    select(outbox.c.payload).where(
                        outbox.c.subject == "measurement.batch.accepted",
                        outbox.c.payload.contains(batch["batch_id"]),
                    )
                )
            ).scalar_one()
            event_id = json.loads(payload)["id"]
            seen = await session.execute(
                select(inbox.c.event_id).where(inbox.c.event_id == event_id)
            )
            return seen.first() is not None

    await eventually(handled)


def svg_ids(svg: bytes) -> list[str]:
    return [el.get("id", "") for el in ET.fromstring(svg).iter() if el.get("id")]


# --- a team's chart -----------------------------------------------------------------------------


async def test_team_chart_json_agrees_with_hand_worked_limits_and_the_engine(world: World):
    await accepted(world, "values", count_rows(world.a1, COUNTS))
    response = await get(
        world, f"/teams/{world.a1}/charts/what_matters_conversations", **{"from": "2026-01-01"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    chart = body["chart"]
    assert (body["team_id"], body["period"], body["data_kind"]) == (str(world.a1), "week", "count")
    assert chart["chart_type"] == "c" and chart["rule_set"] == "making_data_count"
    assert chart["direction"] == "increase"  # from the measure's definition
    assert [p["period"] for p in chart["points"]] == [week(k).isoformat() for k in range(20)]
    assert [p["value"] for p in chart["points"]] == COUNTS

    c_bar = sum(COUNTS) / len(COUNTS)  # 10.7
    upper, lower = c_bar + 3 * math.sqrt(c_bar), c_bar - 3 * math.sqrt(c_bar)
    assert chart["limits_shown"] is True
    for point in chart["points"]:
        assert point["centre"] == pytest.approx(c_bar)
        assert point["upper"] == pytest.approx(upper)
        assert point["lower"] == pytest.approx(lower)
    assert chart["signals"] == [] and chart["variation"] == "common_cause"

    engine = compute_chart(
        [{"period": week(k).isoformat(), "value": v, "n": 1} for k, v in enumerate(COUNTS)],
        ChartOptions(chart_type="c", direction="increase"),
    )
    assert chart == json.loads(engine.model_dump_json())


async def test_chart_options_freeze_parts_exclusions_and_target(world: World):
    await accepted(world, "values", count_rows(world.a1, COUNTS))
    set_target = await world.service.client.put(
        f"{API}/cohorts/{world.cohort_id}/plan/what_matters_conversations/target",
        json={"target": "15"},
        headers=world.coordinator,
    )
    assert set_target.status_code == 200, set_target.text
    path = f"/teams/{world.a1}/charts/what_matters_conversations"
    frozen = (await get(world, path, freeze="15", exclude=week(3).isoformat())).json()["chart"]
    baseline = [v for k, v in enumerate(COUNTS[:15]) if k != 3]
    assert frozen["points"][-1]["centre"] == pytest.approx(sum(baseline) / len(baseline))
    # Excluded: left out of the centre and limits, still judged by the rules (qicharts2).
    excluded = frozen["points"][3]
    assert excluded["excluded"] is True and excluded["used"] is True
    assert excluded["baseline"] is False
    assert frozen["target"] == 15.0 and frozen["assurance"] == "hit_and_miss"

    # A date inside a week stands for that week: the second part starts at week 10.
    split = (await get(world, path, part=(week(10) + timedelta(days=2)).isoformat())).json()
    parts = split["chart"]["parts"]
    assert [(p["start"], p["end"]) for p in parts] == [(0, 9), (10, 19)]
    assert parts[1]["centre"] == pytest.approx(sum(COUNTS[10:]) / 10)

    xmr = (await get(world, path, chart_type="xmr", n="7")).json()["chart"]
    assert xmr["chart_type"] == "xmr" and xmr["shift_trend_n"] == 7
    run = (await get(world, path, chart_type="run", rules="ihi")).json()["chart"]
    assert run["rule_set"] == "ihi" and run["limits_shown"] is False

    wrong = await get(world, path, chart_type="p")
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert (await get(world, path, freeze="soon")).status_code == 422
    assert (await get(world, path, colour="red")).status_code == 422  # unknown parameter


async def test_annotations_appear_in_chart_json_and_pictures(world: World):
    await accepted(world, "values", count_rows(world.a1, COUNTS))
    path = f"/teams/{world.a1}/charts/what_matters_conversations"
    coach = world.service.auth(Role.coach, coach_id=world.coach)
    lead_a = world.service.auth(Role.team_lead, organisation_id=world.org_a)
    for headers, day, note in (
        (coach, week(4) + timedelta(days=3), "started PDSA 2: huddles"),
        (lead_a, week(12), "new rota"),
    ):
        made = await world.service.client.post(
            f"{API}{path}/annotations", json={"day": day.isoformat(), "note": note}, headers=headers
        )
        assert made.status_code == 201, made.text
    listed = (await get(world, f"{path}/annotations", headers=coach)).json()
    assert [(a["day"], a["note"]) for a in listed] == [
        ((week(4) + timedelta(days=3)).isoformat(), "started PDSA 2: huddles"),
        (week(12).isoformat(), "new rota"),
    ]

    chart = (await get(world, path)).json()["chart"]
    assert chart["annotations"] == [
        {"period": week(4).isoformat(), "note": "started PDSA 2: huddles", "index": 4},
        {"period": week(12).isoformat(), "note": "new rota", "index": 12},
    ]
    svg = await get(world, f"{path}.svg")
    assert "started PDSA 2: huddles" in svg.text and "new rota" in svg.text
    assert {"annotation-0", "annotation-1"} <= set(svg_ids(svg.content))

    # Others may not annotate: another coach and team lead see no such team; a trust system's
    # key is refused outright; a note needs text.
    other_coach = world.service.auth(Role.coach, coach_id=uuid.uuid4())
    lead_b = world.service.auth(Role.team_lead, organisation_id=world.org_b)
    for headers, status in (
        (other_coach, 404),
        (lead_b, 404),
        (world.machine(world.key_a), 403),
        (world.coordinator, 201),
    ):
        answer = await world.service.client.post(
            f"{API}{path}/annotations",
            json={"day": week(1).isoformat(), "note": "x"},
            headers=headers,
        )
        assert answer.status_code == status, (headers, answer.text)
    empty = await world.service.client.post(
        f"{API}{path}/annotations", json={"day": "2026-02-02", "note": ""}, headers=coach
    )
    assert empty.status_code == 422


async def test_svg_and_png_pictures(world: World):
    values = [*COUNTS, 40]  # the last point is beyond the upper limit: special cause improvement
    await accepted(world, "values", count_rows(world.a1, values))
    path = f"/teams/{world.a1}/charts/what_matters_conversations"

    svg = await get(world, f"{path}.svg", part=week(10).isoformat())
    assert svg.status_code == 200, svg.text
    assert svg.headers["content-type"] == "image/svg+xml"
    ids = svg_ids(svg.content)
    assert len([i for i in ids if re.fullmatch(r"point-\d+", i)]) == len(values) == 21
    # Two parts of 10 and 11 points: each draws its limits, with a short-baseline warning.
    assert sorted(i for i in ids if i.startswith("limit-")) == [
        "limit-lower-0",
        "limit-lower-1",
        "limit-upper-0",
        "limit-upper-1",
    ]
    assert {"part-break-1", "label-part-1", "warning-0", "warning-1"} <= set(ids)

    whole = await get(world, f"{path}.svg")
    ids = svg_ids(whole.content)
    assert len([i for i in ids if re.fullmatch(r"point-\d+", i)]) == 21
    assert sorted(i for i in ids if i.startswith("limit-")) == ["limit-lower-0", "limit-upper-0"]
    assert "Special cause improvement" in whole.text
    assert "conversations" in whole.text  # the measure's name heads the picture

    png = await get(world, f"{path}.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(PNG_MAGIC) and len(png.content) > 5_000

    assert (await get(world, f"{path}.gif")).status_code == 422


# --- the collaborative --------------------------------------------------------------------------

# (month, days lost, days available) per team; months 1-3 are the baseline, 4-6 the change.
ABSENCE = {
    "a1": [(1, 30, 600), (2, 36, 600), (3, 33, 600), (4, 20, 600), (5, 18, 600), (6, 21, 600)],
    "a2": [(1, 12, 200), (2, 10, 200), (3, 14, 200), (4, 6, 200), (5, 8, 200), (6, 7, 200)],
    "b1": [(1, 50, 1000), (2, 55, 1000), (3, 45, 1000), (4, 40, 1000), (5, 38, 1000)],
}


def pooled(teams: list[str], months: range) -> float:
    lost = sum(m[1] for t in teams for m in ABSENCE[t] if m[0] in months)
    days = sum(m[2] for t in teams for m in ABSENCE[t] if m[0] in months)
    return lost / days


async def test_aggregate_pools_numerators_and_denominators_across_teams(world: World):
    await accepted(world, "values", absence_rows(world.a1, ABSENCE["a1"]))
    await accepted(world, "values", absence_rows(world.a2, ABSENCE["a2"]))
    await accepted(world, "values", absence_rows(world.b1, ABSENCE["b1"]), world.key_b)
    path = f"/cohorts/{world.cohort_id}/charts/sickness_absence"

    body = (await get(world, path, part="2026-04-01")).json()
    chart, summary = body["chart"], body["summary"]
    assert chart["chart_type"] == "p" and chart["direction"] == "decrease"
    teams = ["a1", "a2", "b1"]
    # A proportion is answered in percent (as its picture's axis shows it).
    assert chart["percent"] is True
    assert [p["value"] for p in chart["points"]] == pytest.approx(
        [100 * pooled(teams, range(m, m + 1)) for m in range(1, 7)]
    )
    assert [p["denominator"] for p in chart["points"]] == [1800, 1800, 1800, 1800, 1800, 800]
    baseline, latest = pooled(teams, range(1, 4)), pooled(teams, range(4, 7))
    assert [p["centre"] for p in chart["parts"]] == pytest.approx([100 * baseline, 100 * latest])
    assert summary["baseline_centre"] == pytest.approx(100 * baseline)
    assert summary["centre_change_pct"] == pytest.approx((latest - baseline) / baseline * 100)
    assert summary["teams"] == 3
    assert summary["teams_with_improvement"] + summary["teams_with_concern"] <= 3
    rows = {row["team"]: row for row in summary["team_rows"]}
    assert set(rows) == {str(world.a1), str(world.a2), str(world.b1)}
    assert rows[str(world.b1)]["latest_period"] == "2026-05-01"
    assert rows[str(world.a2)]["latest_value"] == pytest.approx(100 * 7 / 200)
    assert body["team_names"][str(world.a1)] == "Ward 7"

    # A team lead's collaborative is their organisation's teams; a coach's, their own teams.
    lead_a = world.service.auth(Role.team_lead, organisation_id=world.org_a)
    own = (await get(world, path, headers=lead_a)).json()
    assert own["summary"]["teams"] == 2
    assert [p["value"] for p in own["chart"]["points"]] == pytest.approx(
        [100 * pooled(["a1", "a2"], range(m, m + 1)) for m in range(1, 7)]
    )
    coach = world.service.auth(Role.coach, coach_id=world.coach)
    coached = (await get(world, path, headers=coach)).json()
    assert [row["team"] for row in coached["summary"]["team_rows"]] == [str(world.a1)]

    svg = await get(world, f"{path}.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert len([i for i in svg_ids(svg.content) if re.fullmatch(r"point-\d+", i)]) == 6
    png = await get(world, f"{path}.png")
    assert png.headers["content-type"] == "image/png" and png.content.startswith(PNG_MAGIC)


async def test_aggregate_of_scores_is_the_n_weighted_mean(world: World):
    rows = [
        swemwbs(f"{uuid.uuid4().hex[:6]}-{k}", world.a1, "2026-02-10T10:00:00Z", [3] * 7)
        for k in range(2)
    ]  # two responses scoring 19.25 (metric)
    rows.append(swemwbs(f"{uuid.uuid4().hex[:6]}", world.a2, "2026-02-11T10:00:00Z", [5] * 7))
    await accepted(world, "responses", rows)
    # Both teams are organisation A's: its project lead sees their pooled value...
    path = f"/cohorts/{world.cohort_id}/charts/swemwbs"
    body = (await get(world, path, headers=world.lead())).json()
    (point,) = body["chart"]["points"]
    assert point["period"] == "2026-02-01"
    assert point["value"] == pytest.approx((2 * 19.25 + 35.0) / 3)
    assert point["n"] == 3
    assert body["chart"]["chart_type"] == "xmr" and body["summary"]["teams"] == 2
    # ... which rests on 3 responses: a coordinator (outside the teams) sees it withheld.
    outside = (await get(world, path)).json()
    (withheld,) = outside["chart"]["points"]
    assert withheld["suppressed"] is True and withheld["value"] is None and withheld["n"] == 3
    assert outside["chart"]["suppressed_periods"] == ["2026-02-01"]
    assert "fewer than 5 responses" in outside["suppression"]


# --- signals as events --------------------------------------------------------------------------


async def test_a_new_signal_records_exactly_one_event_and_reposting_records_none(world: World):
    # Values that cross the mean at every point: a spike beyond the upper limit cannot also
    # leave a run on one side of the (raised) mean, so exactly one rule fires.
    first = count_rows(world.a2, [6, 16] * 7, tag="s")
    await signals_looked_for(world, await accepted(world, "values", first))
    assert await signal_events(world, world.a2) == []  # common cause only

    spike = count_rows(world.a2, [40], start=14, tag="s")  # beyond the upper limit (23.7)
    answer = await accepted(world, "values", spike)
    assert answer["new_rows"] == 1

    async def published() -> list[dict[str, Any]] | None:
        events = await signal_events(world, world.a2)
        return events if events and all(e["published"] for e in events) else None

    (event,) = await eventually(published)  # relayed to NATS from the outbox
    assert event["team_id"] == str(world.a2)
    assert event["measure_key"] == "what_matters_conversations"
    assert (event["rule"], event["signal_class"]) == ("outside_limits", "improvement")
    assert event["periods"] == [week(14).isoformat()]
    assert event["cohort_id"] == str(world.cohort_id)

    # The team's chart shows that same signal.
    chart = (await get(world, f"/teams/{world.a2}/charts/what_matters_conversations")).json()
    assert [(s["rule"], s["periods"]) for s in chart["chart"]["signals"]] == [
        ("outside_limits", [week(14).isoformat()])
    ]

    # Reposting the same data, all of it or the spike alone, stores nothing new and records
    # nothing; a new ordinary week is looked at, and the spike (still firing) is not recorded
    # again.
    for rows in (first + spike, spike):
        assert (await accepted(world, "values", rows))["new_rows"] == 0
    ordinary = await accepted(world, "values", count_rows(world.a2, [11], start=15, tag="s"))
    await signals_looked_for(world, ordinary)
    assert len(await signal_events(world, world.a2)) == 1
    # Other teams of the batch's organisation got nothing.
    assert await signal_events(world, world.a1) == []


async def test_each_rule_that_newly_fires_records_its_own_event(world: World):
    # After 14 quiet weeks, a spike both goes beyond the upper limit (improvement) and raises
    # the mean above the nine weeks before it, a shift below the mean (concern: counts of these
    # conversations should rise). Two signals, one event each, once.
    rows = count_rows(world.a2, [*COUNTS[:14], 40])
    await signals_looked_for(world, await accepted(world, "values", rows))
    later = await accepted(world, "values", count_rows(world.a2, [12], start=15))
    await signals_looked_for(world, later)
    events = await signal_events(world, world.a2)
    assert sorted((e["rule"], e["signal_class"], e["periods"][0]) for e in events) == [
        ("outside_limits", "improvement", week(14).isoformat()),
        ("shift", "concern", week(5).isoformat()),
    ]
    assert [len(e["periods"]) for e in events if e["rule"] == "shift"] == [9]


# --- scope --------------------------------------------------------------------------------------


async def test_charts_answer_404_outside_the_callers_scope(world: World):
    await accepted(world, "values", count_rows(world.a1, COUNTS[:5]))
    team_path = f"/teams/{world.a1}/charts/what_matters_conversations"
    cohort_path = f"/cohorts/{world.cohort_id}/charts/what_matters_conversations"
    lead_a = world.service.auth(Role.team_lead, organisation_id=world.org_a)
    lead_b = world.service.auth(Role.team_lead, organisation_id=world.org_b)
    lead_c = world.service.auth(Role.team_lead, organisation_id=uuid.uuid4())
    coach = world.service.auth(Role.coach, coach_id=world.coach)
    other_coach = world.service.auth(Role.coach, coach_id=uuid.uuid4())

    for headers in (world.coordinator, lead_a, coach):
        for suffix in ("", ".svg"):
            assert (await get(world, team_path + suffix, headers=headers)).status_code == 200
        assert (await get(world, cohort_path, headers=headers)).status_code == 200
    for headers in (lead_b, other_coach):
        for suffix in ("", ".svg", ".png", "/annotations"):
            answer = await get(world, team_path + suffix, headers=headers)
            assert answer.status_code == 404, (suffix, answer.text)
    for headers in (lead_c, other_coach):
        assert (await get(world, cohort_path, headers=headers)).status_code == 404
    # Org B's lead sees the cohort, but only their own team (which has no data here).
    only_b = (await get(world, cohort_path, headers=lead_b)).json()
    assert only_b["summary"]["teams"] == 0 and only_b["chart"]["points"] == []

    assert (await get(world, f"/teams/{uuid.uuid4()}/charts/swemwbs")).status_code == 404
    assert (await get(world, f"/teams/{world.a1}/charts/no_such_measure")).status_code == 404
    assert (await get(world, f"/cohorts/{uuid.uuid4()}/charts/swemwbs")).status_code == 404
    assert (await world.service.client.get(f"{API}{team_path}")).status_code == 401
    # Roles that do not follow teams' data are refused outright; a trust system's key reads its
    # own organisation's teams, as it reads their series.
    finance = world.service.auth(Role.finance)
    for path in (team_path, cohort_path, f"{team_path}.png", f"{team_path}/annotations"):
        assert (await get(world, path, headers=finance)).status_code == 403
    key_a, key_b = world.machine(world.key_a), world.machine(world.key_b)
    assert (await get(world, team_path, headers=key_a)).status_code == 200
    assert (await get(world, team_path, headers=key_b)).status_code == 404
