"""A project lead (or a coordinator) uploads one team's CSV from the web console: the same
ingestion as trust systems' batches, the same row-level answers, for their own team only."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from services.measurement.models import Batch
from shared.auth import Role
from tests.integration.measurement.conftest import World

API = "/api/measurement"


async def upload(world: World, team: uuid.UUID, kind: str, text: str, headers: dict[str, str]):
    return await world.service.client.post(
        f"{API}/uploads/teams/{team}/{kind}",
        content=text.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )


async def test_a_project_lead_uploads_their_teams_csv(world: World) -> None:
    tag = uuid.uuid4().hex[:6]
    # The team_id column may be left out: every row is for the team in the path.
    responses = "client_id,measure,responded_at,item_1\n" + "".join(
        f"{tag}-{k},frequently_enjoy_work,2026-03-0{2 + k}T10:00:00,{4 + k % 2}\n" for k in range(6)
    )
    answer = await upload(world, world.a1, "responses", responses, world.lead())
    assert answer.status_code == 200, answer.text
    assert answer.json()["new_rows"] == 6 and answer.json()["repeated_rows"] == 0
    values = (
        f"client_id,team_id,measure,period,value\n{tag}-v,,days_to_fill_rota_gap,2026-03-02,2.5\n"
    )
    coordinator = world.service.auth(Role.coordinator, subject="programme.coordinator")
    assert (await upload(world, world.a2, "values", values, coordinator)).status_code == 200
    series = await world.series(world.a1, "frequently_enjoy_work", period="week")
    (point,) = series["points"]
    assert (point["n"], point["numerator"], point["denominator"]) == (6, "6.0000", "6.0000")
    async with world.service.app.state.database.sessions() as session:
        uploaders = set(
            (await session.execute(select(Batch.uploaded_by).where(Batch.api_key_id.is_(None))))
            .scalars()
            .all()
        )
    assert {"dev-user", "programme.coordinator"} <= uploaders
    # A re-upload of the same rows adds nothing (client ids are the trust's own row ids).
    again = await upload(world, world.a1, "responses", responses, world.lead())
    assert again.json()["new_rows"] == 0 and again.json()["repeated_rows"] == 6


async def test_rows_and_columns_are_named_as_for_trust_systems(world: World) -> None:
    tag = uuid.uuid4().hex[:6]
    text = (
        "client_id,team_id,measure,responded_at,item_1\n"
        f"{tag}-0,,frequently_enjoy_work,2026-03-02T10:00:00,4\n"
        f"{tag}-1,{world.a2},frequently_enjoy_work,2026-03-02T10:00:00,4\n"
        f"{tag}-2,,frequently_enjoy_work,2026-03-02T10:00:00,9\n"
        f"{tag}-3,,frequently_enjoy_work,not a time,4\n"
    )
    # Rows that cannot be read are named first (as for every batch), each with its column.
    refused = await upload(world, world.a1, "responses", text, world.lead())
    assert refused.status_code == 422
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(3, "responded_at")]
    # Then a row for another team is refused on its own (nothing is written).
    readable = text.replace("not a time", "2026-03-03T10:00:00")
    refused = await upload(world, world.a1, "responses", readable, world.lead())
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(1, "team_id")]
    fixed = readable.replace(str(world.a2), "")
    refused = await upload(world, world.a1, "responses", fixed, world.lead())
    assert [(e["row"], e["field"], e["message"]) for e in refused.json()["errors"]] == [
        (2, "items[0]", "9 is outside 1-5")
    ]
    # The API-key route answers the same rows the same way.
    machine = await world.service.client.post(
        f"{API}/responses",
        content=fixed.replace(",,", f",{world.a1},").encode(),
        headers={**world.machine(world.key_a), "Content-Type": "text/csv"},
    )
    assert machine.json()["errors"] == refused.json()["errors"]
    unknown = await upload(world, world.a1, "responses", "client_id,email\nx,a@b.nhs.uk\n",
                           world.lead())  # fmt: skip
    assert [(e["row"], e["field"]) for e in unknown.json()["errors"]] == [(None, "header.email")]


async def test_only_the_teams_lead_or_a_coordinator_may_upload(world: World) -> None:
    text = "client_id,measure,period,value\nx,days_to_fill_rota_gap,2026-03-02,1\n"
    coach = world.service.auth(Role.coach, coach_id=world.coach)
    assert (await upload(world, world.a1, "values", text, coach)).status_code == 403
    other_lead = world.lead(world.org_b)
    assert (await upload(world, world.a1, "values", text, other_lead)).status_code == 404
    missing = await upload(world, uuid.uuid4(), "values", text, world.coordinator)
    assert missing.status_code == 404
    key = await upload(world, world.a1, "values", text, world.machine(world.key_a))
    assert key.status_code == 403  # trust systems post batches on their own route
    withdrawn = await upload(world, world.withdrawn, "values", text, world.lead())
    assert withdrawn.status_code == 422
    assert withdrawn.json()["errors"][0]["message"] == "the team has withdrawn"
