"""Ingestion: JSON and CSV batches, scoring, series, retries, all-or-nothing validation, limits."""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from services.measurement.models import MeasureValue, SurveyResponse
from shared.outbox import outbox
from tests.integration.measurement.conftest import World, swemwbs
from tests.support import eventually

# Four SWEMWBS responses chosen around London week/month edges (BST starts 29 March 2026).
SWEMWBS_ROWS = [
    ("r1", "2026-03-02T09:00:00Z", [3] * 7),  # raw 21 -> 19.25, week of 2 March
    ("r2", "2026-03-08T23:30:00Z", [5] * 7),  # Sunday 23:30 GMT: still week of 2 March; 35 -> 35.00
    ("r3", "2026-06-07T23:30:00Z", [1] * 7),  # 00:30 BST Monday 8 June: next week; 7 -> 7.00
    ("r4", "2026-06-30T23:30:00Z", [4] * 7),  # 00:30 BST 1 July: July's month; 28 -> 25.03
]
WEEKLY = [
    {"period_start": "2026-03-02", "n": 2, "mean_raw": "28.00", "mean_metric": "27.13"},
    {"period_start": "2026-06-08", "n": 1, "mean_raw": "7.00", "mean_metric": "7.00"},
    {"period_start": "2026-06-29", "n": 1, "mean_raw": "28.00", "mean_metric": "25.03"},
]
MONTHLY = [
    {"period_start": "2026-03-01", "n": 2, "mean_raw": "28.00", "mean_metric": "27.13"},
    {"period_start": "2026-06-01", "n": 1, "mean_raw": "7.00", "mean_metric": "7.00"},
    {"period_start": "2026-07-01", "n": 1, "mean_raw": "28.00", "mean_metric": "25.03"},
]


def scored(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: p[k] for k in ("period_start", "n", "mean_raw", "mean_metric")} for p in points]


def tag() -> str:
    return uuid.uuid4().hex[:8]


async def stored_rows(world: World, table: Any = SurveyResponse) -> int:
    async with world.service.app.state.database.sessions() as session:
        return int(
            (
                await session.execute(
                    select(func.count())
                    .select_from(table)
                    .where(table.organisation_id == world.org_a)
                )
            ).scalar_one()
        )


async def test_json_and_csv_batches_are_scored_into_weekly_and_monthly_series(world: World):
    rows = [swemwbs(f"{cid}-json", world.a1, at, items) for cid, at, items in SWEMWBS_ROWS]
    accepted = await world.post("responses", rows)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() | {"batch_id": None} == {
        "batch_id": None,
        "rows": 4,
        "new_rows": 4,
        "repeated_rows": 0,
    }

    header = "client_id,team_id,measure,responded_at," + ",".join(f"item_{i}" for i in range(1, 8))
    lines = [header] + [
        f"{cid}-csv,{world.a2},swemwbs,{at}," + ",".join(map(str, items))
        for cid, at, items in SWEMWBS_ROWS
    ]
    csv_answer = await world.service.client.post(
        "/api/measurement/responses",
        content="\n".join(lines).encode(),
        headers={**world.machine(world.key_a), "Content-Type": "text/csv; charset=utf-8"},
    )
    assert csv_answer.status_code == 200, csv_answer.text
    assert csv_answer.json()["new_rows"] == 4

    for team in (world.a1, world.a2):
        weekly = await world.series(team, "swemwbs", period="week")
        assert weekly["period"] == "week" and scored(weekly["points"]) == WEEKLY
        assert (weekly["from"], weekly["to"], weekly["measure_version"]) == (
            "2026-01-05",
            "2026-11-27",
            1,
        )
        monthly = await world.series(team, "swemwbs")  # the measure's own period: month
        assert monthly["period"] == "month" and scored(monthly["points"]) == MONTHLY
    # The date range is in London dates: from 8 June leaves March out.
    june = await world.series(world.a1, "swemwbs", period="week", **{"from": "2026-06-08"})
    assert [p["period_start"] for p in june["points"]] == ["2026-06-08", "2026-06-29"]

    async with world.service.app.state.database.sessions() as session:
        stored = (
            await session.execute(
                select(SurveyResponse.raw_score, SurveyResponse.metric_x100, SurveyResponse.items)
                .where(SurveyResponse.team_id == world.a1)
                .order_by(SurveyResponse.client_id)
            )
        ).all()
    assert [tuple(row) for row in stored] == [
        (21, 1925, bytes([3] * 7)),
        (35, 3500, bytes([5] * 7)),
        (7, 700, bytes([1] * 7)),
        (28, 2503, bytes([4] * 7)),
    ]


async def test_net_promoter_and_aggregated_values(world: World):
    csv_body = "client_id,team_id,measure,responded_at,item_1\n" + "".join(
        f"n{i},{world.a1},recommend_team,2026-03-1{i}T12:00:00,{score}\n"
        for i, score in enumerate([10, 9, 9, 7, 3])
    )
    answer = await world.service.client.post(
        "/api/measurement/responses",
        content=csv_body,
        headers={**world.machine(world.key_a), "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    (point,) = (await world.series(world.a1, "recommend_team"))["points"]
    # 3 promoters and 1 detractor of 5: 60% - 20% = 40
    assert (point["n"], point["net_promoter"], point["mean_raw"]) == (5, "40.00", "7.60")

    values = [
        {"client_id": "s1", "team_id": str(world.a1), "measure": "sickness_absence",
         "period": "2026-03-15", "numerator": "12.5", "denominator": "400"},
        {"client_id": "s2", "team_id": str(world.a1), "measure": "sickness_absence",
         "period": "2026-03-01", "numerator": "7.5", "denominator": "100"},
        {"client_id": "w1", "team_id": str(world.a1), "measure": "what_matters_conversations",
         "period": "2026-03-04", "value": 7},
        {"client_id": "t1", "team_id": str(world.a1), "measure": "staff_turnover",
         "period": "2026-04-30", "numerator": 2, "denominator": "25.5"},
    ]  # fmt: skip
    answer = await world.post("values", values)
    assert answer.status_code == 200, answer.text
    (absence,) = (await world.series(world.a1, "sickness_absence"))["points"]
    assert absence["period_start"] == "2026-03-01" and absence["n"] == 2
    assert Decimal(absence["numerator"]) == 20 and Decimal(absence["denominator"]) == 500
    assert absence["ratio"] == "0.0400"
    (conversations,) = (await world.series(world.a1, "what_matters_conversations"))["points"]
    assert conversations["period_start"] == "2026-03-02" and Decimal(conversations["value"]) == 7
    (turnover,) = (await world.series(world.a1, "staff_turnover"))["points"]
    assert turnover["period_start"] == "2026-04-01" and turnover["ratio"] == "0.0784"


async def ingested(world: World, outcome: str) -> float:
    text = (await world.service.client.get("/metrics")).text
    line = f'ewc_ingested_rows_total{{outcome="{outcome}",service="measurement"}} '
    found = [float(row.split()[-1]) for row in text.splitlines() if row.startswith(line)]
    return found[0] if found else 0.0


async def test_retrying_a_whole_batch_adds_nothing(world: World):
    rows = [swemwbs(f"{cid}-{tag()}", world.a1, at, items) for cid, at, items in SWEMWBS_ROWS]
    new_before, repeated_before = await ingested(world, "new"), await ingested(world, "repeated")
    first = await world.post("responses", rows)
    assert first.json()["new_rows"] == 4
    again = await world.post("responses", rows)
    assert again.status_code == 200
    assert (again.json()["new_rows"], again.json()["repeated_rows"]) == (0, 4)
    assert await ingested(world, "new") == new_before + 4
    assert await ingested(world, "repeated") == repeated_before + 4
    extra = swemwbs(f"extra-{tag()}", world.a1, "2026-03-03T10:00:00Z", [2] * 7)
    mixed = await world.post(
        "responses", [*rows[:2], extra, extra]
    )  # a repeat inside the batch too
    assert (mixed.json()["new_rows"], mixed.json()["repeated_rows"]) == (1, 3)
    assert await stored_rows(world) == 5
    weekly = await world.series(world.a1, "swemwbs", period="week")
    assert weekly["points"][0]["n"] == 3


async def test_idempotency_key_replays_refuses_other_body_and_concurrent_use(world: World):
    from services.measurement import idempotency

    rows = [swemwbs(f"i{n}-{tag()}", world.a1, "2026-03-04T10:00:00Z", [3] * 7) for n in range(3)]
    first = await world.post("responses", rows, **{"Idempotency-Key": "batch-1"})
    assert first.status_code == 200
    replay = await world.post("responses", rows, **{"Idempotency-Key": "batch-1"})
    assert replay.status_code == 200 and replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = await world.post("responses", rows[:1], **{"Idempotency-Key": "batch-1"})
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    # Keys are per organisation: B may use the same key for its own batch.
    b_rows = [swemwbs(f"b-{tag()}", world.b1, "2026-03-04T10:00:00Z", [3] * 7)]
    assert (
        await world.post("responses", b_rows, world.key_b, **{"Idempotency-Key": "batch-1"})
    ).status_code == 200

    # A request with the key still in flight: a concurrent duplicate is 409.
    body = json.dumps({"rows": rows}).encode()
    claimed = await idempotency.begin(
        world.service.app.state.database,
        organisation_id=world.org_a,
        key="batch-2",
        fingerprint=idempotency.fingerprint("responses", "application/json", body),
        now=world.service.app.state.clock.now(),
    )
    assert claimed is None
    concurrent = await world.service.client.post(
        "/api/measurement/responses",
        content=body,
        headers={**world.machine(world.key_a), "Content-Type": "application/json",
                 "Idempotency-Key": "batch-2"},
    )  # fmt: skip
    assert concurrent.status_code == 409

    # A refused batch frees its key: the corrected batch may reuse it.
    bad = [swemwbs(f"x-{tag()}", world.a1, "2026-03-04T10:00:00Z", [9] * 7)]
    assert (await world.post("responses", bad, **{"Idempotency-Key": "batch-3"})).status_code == 422
    good = [swemwbs(f"x-{tag()}", world.a1, "2026-03-04T10:00:00Z", [2] * 7)]
    assert (
        await world.post("responses", good, **{"Idempotency-Key": "batch-3"})
    ).status_code == 200
    assert await stored_rows(world) == 4


async def test_one_bad_row_in_5000_names_the_row_and_writes_nothing(world: World):
    batch = tag()
    rows = [
        swemwbs(
            f"{batch}-{n}", world.a1 if n % 2 else world.a2, "2026-05-06T08:15:00Z", [n % 5 + 1] * 7
        )
        for n in range(5000)
    ]
    rows[3217]["items"] = [3, 3, 6, 3, 3, 3, 3]
    refused = await world.post("responses", rows)
    assert refused.status_code == 422
    problem = refused.json()
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(3217, "items[2]")]
    assert await stored_rows(world) == 0

    rows[3217]["items"] = [3] * 7
    accepted = await world.post("responses", rows)
    assert accepted.status_code == 200 and accepted.json()["new_rows"] == 5000
    assert await stored_rows(world) == 5000


async def test_every_failing_row_and_field_is_reported(world: World):
    rows = [
        swemwbs("ok", world.a1, "2026-03-04T10:00:00Z", [3] * 7),
        swemwbs("few", world.a1, "2026-03-04T10:00:00Z", [3] * 6),
        {**swemwbs("unknown", world.a1, "2026-03-04T10:00:00Z", [3]), "measure": "steps"},
        swemwbs("future", world.a1, "2099-01-01T00:00:00Z", [3] * 7),
        # A baseline may come up to 24 months before the cohort starts (5 January 2026).
        swemwbs("before", world.a1, "2024-01-04T12:00:00Z", [3] * 7),
        swemwbs("zero", world.a1, "2026-03-04T10:00:00Z", [0, 3, 3, 3, 3, 3, 3]),
        {**swemwbs("named", world.a1, "2026-03-04T10:00:00Z", [3] * 7), "email": "a@b.nhs.uk"},
    ]
    refused = await world.post("responses", rows)
    assert refused.status_code == 422
    # Shape errors (e.g. an email field: responses are anonymous) are reported first, on their own.
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(6, "email")]
    refused = await world.post("responses", rows[:-1])
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [
        (1, "items"),
        (2, "measure"),
        (3, "responded_at"),
        (4, "responded_at"),
        (5, "items[0]"),
    ]
    values = [
        {"client_id": "d0", "team_id": str(world.a1), "measure": "sickness_absence",
         "period": "2026-03-01", "numerator": 1, "denominator": 0},
        {"client_id": "d1", "team_id": str(world.a1), "measure": "sickness_absence",
         "period": "2026-03-01", "numerator": 41, "denominator": 40},
    ]  # fmt: skip
    refused = await world.post("values", values)
    assert refused.status_code == 422
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [
        (0, "denominator"),
        (1, "numerator"),
    ]
    assert await stored_rows(world) == 0 and await stored_rows(world, MeasureValue) == 0


async def test_another_organisations_team_refuses_the_whole_batch(world: World):
    rows = [
        swemwbs("mine", world.a1, "2026-03-04T10:00:00Z", [3] * 7),
        swemwbs("theirs", world.b1, "2026-03-04T10:00:00Z", [3] * 7),
    ]
    refused = await world.post("responses", rows)
    assert refused.status_code == 403
    assert refused.json()["rows"] == [1]
    assert await stored_rows(world) == 0
    # B's key cannot post for A's team either.
    assert (await world.post("responses", rows[:1], world.key_b)).status_code == 403
    assert await stored_rows(world) == 0


async def test_revoked_and_unknown_keys_are_401_and_people_cannot_post(world: World):
    rows = [swemwbs("k1", world.a1, "2026-03-04T10:00:00Z", [3] * 7)]
    revoked = await world.service.client.post(
        f"/api/measurement/api-keys/{world.key_a_id}/revoke", headers=world.coordinator
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await world.post("responses", rows)).status_code == 401
    forged = world.key_a[:-4] + "AAAA"
    assert (await world.post("responses", rows, forged)).status_code == 401
    person = await world.service.client.post(
        "/api/measurement/responses", json={"rows": rows}, headers=world.coordinator
    )
    assert person.status_code == 403
    listed = await world.service.client.get(
        "/api/measurement/api-keys", params={"organisation_id": str(world.org_a)},
        headers=world.coordinator,
    )  # fmt: skip
    assert [k["prefix"] for k in listed.json()] == [world.key_a.split("_")[1]]
    assert "secret" not in listed.json()[0] and "key_hash" not in listed.json()[0]
    assert await stored_rows(world) == 0


async def test_oversize_batches_are_413_and_withdrawn_teams_are_refused(world: World):
    rows = [swemwbs(f"o{n}", world.a1, "2026-03-04T10:00:00Z", [3] * 7) for n in range(10_001)]
    assert (await world.post("responses", rows)).status_code == 413
    huge = await world.service.client.post(
        "/api/measurement/responses",
        content=b"client_id\n" + b"x" * (10 * 1024 * 1024),
        headers={**world.machine(world.key_a), "Content-Type": "text/csv"},
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"] == "application/problem+json"
    withdrawn = await world.post(
        "responses", [swemwbs("w1", world.withdrawn, "2026-02-04T10:00:00Z", [3] * 7)]
    )
    assert withdrawn.status_code == 422
    assert [(e["row"], e["field"]) for e in withdrawn.json()["errors"]] == [(0, "team_id")]
    unknown = await world.post(
        "responses", [swemwbs("u1", uuid.uuid4(), "2026-03-04T10:00:00Z", [3] * 7)]
    )
    assert unknown.status_code == 422
    wrong_type = await world.service.client.post(
        "/api/measurement/responses",
        content=b"rows",
        headers={**world.machine(world.key_a), "Content-Type": "text/plain"},
    )
    assert wrong_type.status_code == 415
    assert await stored_rows(world) == 0


async def test_batch_accepted_event_counts_per_team_and_measure(world: World):
    batch = tag()
    rows = [swemwbs(f"{batch}-{n}", world.a1, "2026-03-04T10:00:00Z", [3] * 7) for n in range(3)]
    rows += [swemwbs(f"{batch}-a2", world.a2, "2026-03-04T10:00:00Z", [3] * 7)]
    rows += [
        {"client_id": f"{batch}-n", "team_id": str(world.a1), "measure": "recommend_team",
         "responded_at": "2026-03-04T10:00:00Z", "items": [8]},
    ]  # fmt: skip
    await world.post("responses", rows[:1])
    answer = await world.post("responses", rows)
    batch_id = answer.json()["batch_id"]

    async def published() -> Any:
        async with world.service.app.state.database.sessions() as session:
            row = (
                await session.execute(
                    select(outbox.c.payload, outbox.c.published_at).where(
                        outbox.c.subject == "measurement.batch.accepted",
                        outbox.c.payload.contains(batch_id),
                    )
                )
            ).one_or_none()
        return row if row is not None and row.published_at is not None else None

    row = await eventually(published)
    data = json.loads(row.payload)["data"]
    assert (data["new_rows"], data["repeated_rows"], data["kind"]) == (4, 1, "responses")
    assert data["organisation_id"] == str(world.org_a)
    counts = {
        (c["team_id"], c["measure_key"]): (c["new_rows"], c["repeated_rows"])
        for c in data["counts"]
    }
    assert counts == {
        (str(world.a1), "swemwbs"): (2, 1),
        (str(world.a2), "swemwbs"): (1, 0),
        (str(world.a1), "recommend_team"): (1, 0),
    }
    assert "items" not in row.payload and "client_id" not in row.payload


async def test_openapi_documents_the_batch_limits(world: World):
    spec = (await world.service.client.get("/api/measurement/openapi.json")).json()
    for path in ("/api/measurement/responses", "/api/measurement/values"):
        operation = spec["paths"][path]["post"]
        assert {"401", "403", "409", "413", "422"} <= set(operation["responses"])
        assert {"application/json", "text/csv"} == set(operation["requestBody"]["content"])


async def test_concurrent_batches_sharing_rows_store_each_row_once(world: World):
    batch = tag()
    first = [swemwbs(f"{batch}-{n}", world.a1, "2026-03-04T10:00:00Z", [3] * 7) for n in range(100)]
    second = [
        swemwbs(f"{batch}-{n}", world.a2, "2026-03-05T10:00:00Z", [4] * 7) for n in range(50, 150)
    ]
    answers = await asyncio.gather(world.post("responses", first), world.post("responses", second))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert sum(answer.json()["new_rows"] for answer in answers) == 150
    assert sum(answer.json()["repeated_rows"] for answer in answers) == 50
    assert await stored_rows(world) == 150
