"""The read paths' supports: per-day sums kept at ingestion (response_day) always equal a GROUP BY
over the stored responses, whatever retries, repeats and concurrent batches did; cached team
charts are keyed by a version read from the database, so new data, notes and targets show at once;
the migration sums responses stored before it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from services.measurement import charts as chart_use_cases
from services.measurement.models import ResponseDay, SeriesVersion, SurveyResponse
from services.measurement.store import charts as chart_store
from shared.migrations import upgrade
from tests.integration.measurement.conftest import World, swemwbs
from tests.support import create_database, service_settings

LONDON = ZoneInfo("Europe/London")
API = "/api/measurement"


def tag() -> str:
    return uuid.uuid4().hex[:8]


def nps(client_id: str, team: uuid.UUID, at: str, score: int) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "team_id": str(team),
        "measure": "recommend_team",
        "responded_at": at,
        "items": [score],
    }


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


async def expected_and_stored(
    world: World, teams: list[uuid.UUID]
) -> tuple[dict[tuple[Any, ...], list[Any]], dict[tuple[Any, ...], list[Any]]]:
    """(a GROUP BY over the responses by London date, computed here; the stored day sums)."""
    async with world.service.app.state.database.sessions() as session:
        responses = (
            await session.execute(
                select(
                    SurveyResponse.team_id,
                    SurveyResponse.measure_key,
                    SurveyResponse.responded_at,
                    SurveyResponse.week_start,
                    SurveyResponse.month_start,
                    SurveyResponse.raw_score,
                    SurveyResponse.metric_x100,
                ).where(SurveyResponse.team_id.in_(teams))
            )
        ).all()
        days = await session.execute(select(ResponseDay).where(ResponseDay.team_id.in_(teams)))
        stored = {
            (row.team_id, row.measure_key, row.day): [
                row.week_start,
                row.month_start,
                row.n,
                row.raw_total,
                row.metric_total,
                row.promoters,
                row.detractors,
            ]
            for row in days.scalars()
        }
    expected: dict[tuple[Any, ...], list[Any]] = {}
    for team, key, at, week, month, raw, metric in responses:
        day = _aware(at).astimezone(LONDON).date()
        sums = expected.setdefault((team, key, day), [week, month, 0, 0, None, 0, 0])
        sums[2] += 1
        sums[3] += raw
        if metric is not None:
            sums[4] = (sums[4] or 0) + metric
        sums[5] += raw >= 9
        sums[6] += raw <= 6
    return expected, stored


async def test_day_sums_equal_a_group_by_after_retries_repeats_and_concurrent_batches(
    world: World,
):
    # Around the clock changes (BST starts 29 March 2026 at 01:00 UTC) and London midnights.
    first = [
        swemwbs(f"a-{n}-{tag()}", world.a1, at, [1 + n % 5] * 7)
        for n, at in enumerate(
            [
                "2026-03-28T23:30:00Z",  # Saturday 23:30 GMT
                "2026-03-29T00:30:00Z",  # Sunday 00:30 GMT
                "2026-03-29T23:30:00Z",  # Monday 00:30 BST: the next week and day
                "2026-04-30T23:30:00Z",  # 1 May 00:30 BST
                "2026-05-01T10:00:00",  # naive: London time
            ]
        )
    ] + [nps(f"n-{n}-{tag()}", world.a2, "2026-03-10T12:00:00Z", score) for n, score in
         enumerate([10, 9, 7, 6, 0])]  # fmt: skip
    assert (await world.post("responses", first)).json()["new_rows"] == 10
    # A retry of the whole batch adds nothing.
    assert (await world.post("responses", first)).json()["new_rows"] == 0
    # Some rows repeated, one client id twice in the batch (the first wins), some new.
    again = f"dup-{tag()}"
    mixed = [
        *first[:3],
        swemwbs(again, world.a1, "2026-03-29T00:30:00Z", [5] * 7),
        swemwbs(again, world.a1, "2026-06-01T00:30:00Z", [1] * 7),
        swemwbs(f"new-{tag()}", world.a2, "2026-06-01T12:00:00Z", [2] * 7),
    ]
    assert (await world.post("responses", mixed)).json()["new_rows"] == 2
    # Concurrent batches sharing rows: each row counts once.
    shared = [swemwbs(f"s-{n}-{tag()}", world.a1, "2026-07-01T08:00:00Z", [3] * 7) for n in
              range(40)]  # fmt: skip
    answers = await asyncio.gather(
        world.post("responses", shared[:30]),
        world.post("responses", shared[10:]),
        world.post("responses", list(reversed(shared))),
    )
    assert all(answer.status_code in (200, 409) for answer in answers)
    # A batch refused on a deadlock (409) kept nothing; its client retries it.
    retried = await world.post("responses", shared)
    assert sum(a.json().get("new_rows", 0) for a in [*answers, retried]) == 40

    expected, stored = await expected_and_stored(world, [world.a1, world.a2])
    assert stored == expected
    assert stored[(world.a1, "swemwbs", date(2026, 3, 29))][2] == 2  # both of Sunday's
    assert stored[(world.a1, "swemwbs", date(2026, 3, 30))][2] == 1  # 00:30 BST Monday
    promoters = stored[(world.a2, "recommend_team", date(2026, 3, 10))]
    assert promoters[2:] == [5, 32, None, 2, 2]

    # The series read from them agrees with the rows: n per week of the whole history.
    weekly = await world.series(world.a1, "swemwbs", period="week")
    by_week: dict[str, int] = {}
    for (team, key, _day), sums in expected.items():
        if key == "swemwbs" and team == world.a1:
            by_week[sums[0].isoformat()] = by_week.get(sums[0].isoformat(), 0) + sums[2]
    assert {p["period_start"]: p["n"] for p in weekly["points"]} == by_week


async def chart(world: World, team: uuid.UUID, measure: str = "swemwbs") -> Any:
    # Weeks without responses are gaps on the chart (n null).
    answer = await world.service.client.get(
        f"{API}/teams/{team}/charts/{measure}",
        params={"from": "2026-01-05", "to": "2026-11-27", "period": "week"},
        headers=world.coordinator,
    )
    assert answer.status_code == 200, answer.text
    return answer


async def version(world: World, team: uuid.UUID, key: str) -> int | None:
    async with world.service.app.state.database.sessions() as session:
        found: int | None = (
            await session.execute(
                select(SeriesVersion.version).where(
                    SeriesVersion.team_id == team, SeriesVersion.measure_key == key
                )
            )
        ).scalar_one_or_none()
        return found


async def test_a_cached_chart_is_replaced_by_new_rows_notes_and_targets(world: World):
    rows = [swemwbs(f"c-{n}-{tag()}", world.a1, f"2026-02-{2 + n:02d}T09:00:00Z", [3] * 7)
            for n in range(5)]  # fmt: skip
    assert (await world.post("responses", rows)).status_code == 200
    assert await version(world, world.a1, "swemwbs") == 1
    before = await chart(world, world.a1)
    assert (await chart(world, world.a1)).content == before.content  # from the cache
    assert sum(p["n"] or 0 for p in before.json()["chart"]["points"]) == 5

    # New rows raise the version in their own transaction: the next read shows them.
    more = [swemwbs(f"d-{tag()}", world.a1, "2026-03-02T09:00:00Z", [5] * 7)]
    assert (await world.post("responses", more)).status_code == 200
    assert await version(world, world.a1, "swemwbs") == 2
    after = (await chart(world, world.a1)).json()
    assert sum(p["n"] or 0 for p in after["chart"]["points"]) == 6
    # A batch of repeats only changes nothing, and keeps the version.
    assert (await world.post("responses", more)).json()["new_rows"] == 0
    assert await version(world, world.a1, "swemwbs") == 2

    # A note and a target show at once.
    made = await world.service.client.post(
        f"{API}/teams/{world.a1}/charts/swemwbs/annotations",
        json={"day": "2026-02-03", "note": "huddles"},
        headers=world.coordinator,
    )
    assert made.status_code == 201
    assert await version(world, world.a1, "swemwbs") == 3
    noted = (await chart(world, world.a1)).json()["chart"]
    assert [a["note"] for a in noted["annotations"]] == ["huddles"]
    target = await world.service.client.put(
        f"{API}/cohorts/{world.cohort_id}/plan/swemwbs/target",
        json={"target": "30"},
        headers=world.coordinator,
    )
    assert target.status_code == 200
    assert (await chart(world, world.a1)).json()["chart"]["target"] == 30

    # Another replica's write is seen too: the key is the version in the database, not
    # anything this process remembers (here the change bypasses the process entirely).
    async with world.service.app.state.database.transaction() as session:
        await session.execute(
            insert(ResponseDay).values(
                team_id=world.a1,
                measure_key="swemwbs",
                day=date(2026, 9, 1),
                week_start=date(2026, 8, 31),
                month_start=date(2026, 9, 1),
                n=1,
                raw_total=35,
                metric_total=3500,
                promoters=1,
                detractors=0,
            )
        )
        await session.execute(
            update(SeriesVersion)
            .where(SeriesVersion.team_id == world.a1, SeriesVersion.measure_key == "swemwbs")
            .values(version=SeriesVersion.version + 1)
        )
    latest = (await chart(world, world.a1)).json()["chart"]["points"]
    assert latest[-1]["period"] == "2026-08-31" and sum(p["n"] or 0 for p in latest) == 7

    # Other teams' charts are their own entries; a refused reader never reaches the cache.
    other = await world.service.client.get(
        f"{API}/teams/{world.a1}/charts/swemwbs",
        params={"from": "2026-01-05", "to": "2026-11-27", "period": "week"},
        headers=world.machine(world.key_b),
    )
    assert other.status_code == 404
    assert len(chart_store.TEAM_CHARTS) <= chart_store.CHART_CACHE_SIZE


async def test_the_migration_sums_responses_stored_before_it():
    url, drop = await create_database("measurement")
    try:
        await asyncio.to_thread(upgrade, service_settings("measurement", database_url=url), "0003")
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        team, organisation, batch = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        rows = [
            # (client id, instant, raw, metric): two London dates around BST's start.
            ("m1", datetime(2026, 3, 28, 23, 30, tzinfo=UTC), 21, 1925),
            ("m2", datetime(2026, 3, 29, 22, 0, tzinfo=UTC), 35, 3500),
            ("m3", datetime(2026, 3, 29, 23, 30, tzinfo=UTC), 7, 700),  # Monday in London
        ]
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    insert(SurveyResponse),
                    [
                        {
                            "organisation_id": organisation,
                            "client_id": client_id,
                            "team_id": team,
                            "measure_key": "swemwbs",
                            "measure_version": 1,
                            # SQLite keeps instants as UTC text, as ingestion stores them.
                            "responded_at": at if "postgresql" in url else at.replace(tzinfo=None),
                            "week_start": date(2026, 3, 23)
                            if client_id != "m3"
                            else date(2026, 3, 30),
                            "month_start": date(2026, 3, 1),
                            "raw_score": raw,
                            "metric_x100": metric,
                            "items": b"\x03" * 7,
                            "batch_id": batch,
                        }
                        for client_id, at, raw, metric in rows
                    ],
                )
            await asyncio.to_thread(upgrade, service_settings("measurement", database_url=url))
            async with engine.connect() as conn:
                days = (
                    await conn.execute(
                        select(
                            ResponseDay.day, ResponseDay.week_start, ResponseDay.n,
                            ResponseDay.raw_total, ResponseDay.metric_total,
                        ).order_by(ResponseDay.day)
                    )
                ).all()  # fmt: skip
        finally:
            await engine.dispose()
        assert [tuple(row) for row in days] == [
            (date(2026, 3, 28), date(2026, 3, 23), 1, 21, 1925),
            (date(2026, 3, 29), date(2026, 3, 23), 1, 35, 3500),
            (date(2026, 3, 30), date(2026, 3, 30), 1, 7, 700),
        ]
    finally:
        await drop()


async def test_concurrent_reads_of_one_chart_compute_it_once(world: World, monkeypatch: Any):
    rows = [swemwbs(f"f-{n}-{tag()}", world.a2, "2026-04-06T09:00:00Z", [4] * 7) for n in range(3)]
    assert (await world.post("responses", rows)).status_code == 200
    computed = 0
    compute = chart_use_cases._compute_team_chart

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal computed
        computed += 1
        await asyncio.sleep(0.05)  # still computing while the others arrive
        return await compute(*args, **kwargs)

    monkeypatch.setattr(chart_use_cases, "_compute_team_chart", counted)
    answers = await asyncio.gather(*(chart(world, world.a2) for _ in range(6)))
    assert computed == 1
    assert len({answer.content for answer in answers}) == 1
    assert sum(p["n"] or 0 for p in answers[0].json()["chart"]["points"]) == 3


async def test_value_batches_raise_the_version_only_when_they_add_rows(world: World):
    key = "what_matters_conversations"
    rows = [
        {
            "client_id": f"v-{n}-{tag()}",
            "team_id": str(world.a1),
            "measure": key,
            "period": f"2026-03-{2 + 7 * n:02d}",
            "value": 3 + n,
        }
        for n in range(3)
    ]
    assert (await world.post("values", rows)).json()["new_rows"] == 3
    assert await version(world, world.a1, key) == 1
    first = (await chart(world, world.a1, key)).json()["chart"]["points"]
    assert [p["value"] for p in first] == [3, 4, 5]
    # A retry, and a batch repeating one row beside a new one (the careful way on PostgreSQL).
    assert (await world.post("values", rows)).json()["new_rows"] == 0
    assert await version(world, world.a1, key) == 1
    more = {**rows[0], "client_id": f"v-new-{tag()}", "period": "2026-03-23", "value": 9}
    assert (await world.post("values", [rows[0], more])).json()["new_rows"] == 1
    assert await version(world, world.a1, key) == 2
    after = (await chart(world, world.a1, key)).json()["chart"]["points"]
    assert [p["value"] for p in after] == [3, 4, 5, 9]
