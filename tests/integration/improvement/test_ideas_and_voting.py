"""What matters and the pebbles in the shoe: anonymous ideas and impediments, themes, "you said,
we did", and anonymous multi-voting with one-time ballot codes (acceptance line 4: no staff name
or identifier is accepted or stored on ideas, impediments or votes)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import inspect, select

import shared.inbox
import shared.outbox  # noqa: F401  (the platform tables, searched too)
from services.improvement.models import Base
from shared.auth import Role
from shared.db import platform_metadata
from tests.integration.improvement.improvement_world import World

# Who gathers ideas and who votes: never to be found in the database afterwards.
ADA = ("Ada Lovelace", "ada.lovelace@example.nhs.uk")
GRACE = ("Grace Hopper", "grace.hopper@example.nhs.uk")


async def add_ideas(world: World, team: uuid.UUID, headers: dict[str, str]) -> list[dict[str, Any]]:
    texts = [
        ("what_matters", "Time to talk as a team after difficult shifts"),
        ("impediment", "The rota is published two days before it starts"),
        ("impediment", "No working printer on the ward"),
        ("what_matters", "Being thanked"),
    ]
    return [
        await world.ok(
            await world.post(f"teams/{team}/ideas", {"kind": kind, "text": text}, headers), 201
        )
        for kind, text in texts
    ]


async def test_ideas_are_grouped_into_themes_and_shown_back(world: World) -> None:
    lead = world.lead()
    ideas = await add_ideas(world, world.a1, lead)
    assert ideas[0] == {
        "id": ideas[0]["id"],
        "team_id": str(world.a1),
        "kind": "what_matters",
        "text": "Time to talk as a team after difficult shifts",
        "theme_id": None,
        "status": "heard",
        "response": None,
        "gathered_on": "2021-01-11",
    }
    theme = await world.ok(
        await world.post(f"teams/{world.a1}/themes", {"name": "Rota and time"}, lead), 201
    )
    again = await world.post(f"teams/{world.a1}/themes", {"name": "rota and TIME"}, lead)
    assert again.status_code == 409
    grouped = await world.ok(
        await world.patch(f"ideas/{ideas[1]['id']}", {"theme_id": theme["id"]}, lead)
    )
    assert grouped["theme_id"] == theme["id"]
    done = await world.ok(
        await world.patch(
            f"ideas/{ideas[2]['id']}",
            {"status": "done", "response": "We did: estates fixed the printer on 14 January"},
            lead,
        )
    )
    assert (done["status"], done["response"].startswith("We did")) == ("done", True)
    pebbles = await world.ok(await world.get(f"teams/{world.a1}/ideas?kind=impediment", lead))
    assert [p["text"] for p in pebbles] == [
        "No working printer on the ward",
        "The rota is published two days before it starts",
    ]
    # Another team's theme cannot be used; another organisation cannot see or change the ideas.
    other_theme = await world.ok(
        await world.post(
            f"teams/{world.b1}/themes", {"name": "Rota and time"}, world.lead(world.org_b)
        ),
        201,
    )
    wrong = await world.patch(f"ideas/{ideas[0]['id']}", {"theme_id": other_theme["id"]}, lead)
    assert wrong.status_code == 422
    stranger = world.lead(world.org_b)
    assert (await world.get(f"teams/{world.a1}/ideas", stranger)).status_code == 404
    assert (
        await world.patch(f"ideas/{ideas[0]['id']}", {"status": "done"}, stranger)
    ).status_code == 404


async def test_each_voter_has_n_votes_and_the_ideas_are_ranked(world: World) -> None:
    lead = world.lead()
    ideas = await add_ideas(world, world.a1, lead)
    theme = await world.ok(
        await world.post(f"teams/{world.a1}/themes", {"name": "Time"}, lead), 201
    )
    for idea in (ideas[0], ideas[1]):
        await world.ok(await world.patch(f"ideas/{idea['id']}", {"theme_id": theme["id"]}, lead))
    await world.ok(await world.patch(f"ideas/{ideas[2]['id']}", {"status": "done"}, lead))
    opened = await world.ok(
        await world.post(
            f"teams/{world.a1}/voting-rounds",
            {"title": "What shall we test first?", "ballots": 4, "votes_per_ballot": 2},
            lead,
        ),
        201,
    )
    codes = opened["ballot_codes"]
    assert len(set(codes)) == 4 and all(len(c) == 9 and c[4] == "-" for c in codes)
    voting = opened["round"]
    # The printer is done: not on the ballot. Ideas are listed by their words (never in the
    # order they were written down). Results are shown once the round is closed.
    assert [c["text"] for c in voting["candidates"]] == [
        "Being thanked",
        "The rota is published two days before it starts",
        "Time to talk as a team after difficult shifts",
    ]
    assert voting["results"] is None
    thanks, rota, talk = (c["idea_id"] for c in voting["candidates"])
    url = f"voting-rounds/{voting['id']}/ballots"

    def ballot(code: str, *votes: str) -> dict[str, Any]:
        return {"code": code, "votes": list(votes)}

    # Refused ballots leave the code unused.
    for body, status in (
        (ballot(codes[0], talk, rota, thanks), 422),  # three votes, two allowed
        (ballot(codes[0], talk, talk), 422),  # two on one idea, one allowed
        (ballot(codes[0], ideas[2]["id"]), 422),  # not in this round
        (ballot("ZZZZ-ZZZZ", talk), 409),  # no such code
    ):
        answer = await world.post(url, body, lead)
        assert answer.status_code == status, answer.text
    cast = await world.ok(await world.post(url, ballot(codes[0].lower(), talk, rota), lead), 201)
    assert (cast["ballots_cast"], cast["closed_on"]) == (1, None)
    reused = await world.post(url, ballot(codes[0], thanks), world.coach_auth())
    assert reused.status_code == 409
    await world.ok(
        await world.post(url, ballot(codes[1].replace("-", ""), talk), world.coach_auth()), 201
    )
    await world.ok(await world.post(url, ballot(codes[2], rota, thanks), lead), 201)
    assert (await world.ok(await world.get(f"voting-rounds/{voting['id']}", lead)))[
        "results"
    ] is None
    last = await world.ok(await world.post(url, ballot(codes[3], talk, thanks), lead), 201)
    assert last["closed_on"] == "2021-01-11"  # every ballot is in: the round closes

    results = await world.ok(await world.get(f"voting-rounds/{voting['id']}", lead))
    assert [(r["text"], r["votes"], r["rank"]) for r in results["results"]] == [
        ("Time to talk as a team after difficult shifts", 3, 1),
        ("Being thanked", 2, 2),
        ("The rota is published two days before it starts", 2, 2),
    ]
    assert results["theme_results"] == [{"theme_id": theme["id"], "votes": 5, "rank": 1}]
    late = await world.post(url, ballot(codes[3], talk), lead)
    assert late.status_code == 409
    rounds = await world.ok(await world.get(f"teams/{world.a1}/voting-rounds", lead))
    assert [(r["ballots_issued"], r["ballots_cast"]) for r in rounds] == [(4, 4)]


async def test_a_round_can_be_closed_before_every_ballot_is_in(world: World) -> None:
    lead = world.lead()
    await add_ideas(world, world.a1, lead)
    opened = await world.ok(
        await world.post(
            f"teams/{world.a1}/voting-rounds", {"title": "Quick vote", "ballots": 10}, lead
        ),
        201,
    )
    round_id = opened["round"]["id"]
    first = opened["round"]["candidates"][0]["idea_id"]
    await world.ok(
        await world.post(
            f"voting-rounds/{round_id}/ballots",
            {"code": opened["ballot_codes"][0], "votes": [first]},
            lead,
        ),
        201,
    )
    closed = await world.ok(await world.post(f"voting-rounds/{round_id}/close", None, lead))
    assert closed["ballots_cast"] == 1 and closed["results"][0]["idea_id"] == first
    assert (await world.post(f"voting-rounds/{round_id}/close", None, lead)).status_code == 409
    too_few = await world.post(
        f"teams/{world.b1}/voting-rounds",
        {"title": "Nothing yet", "ballots": 3},
        world.lead(world.org_b),
    )
    assert too_few.status_code == 409


async def test_no_name_or_identifier_is_accepted_or_stored_with_ideas_or_votes(
    world: World,
) -> None:
    # The person at the keyboard is named in their token; it must not reach the database.
    ada = world.service.auth(Role.team_lead, organisation_id=world.org_a, subject=ADA[1])
    grace = world.service.auth(Role.coach, coach_id=world.coach, subject=GRACE[1])
    refused = [
        ("teams/{team}/ideas", {"kind": "impediment", "text": "Parking", "name": ADA[0]}),
        ("teams/{team}/ideas", {"kind": "impediment", "text": "Parking", "email": ADA[1]}),
        ("teams/{team}/ideas", {"kind": "what_matters", "text": "Lunch", "author": GRACE[0]}),
        ("teams/{team}/ideas", {"kind": "what_matters", "text": "Lunch", "staff_id": "E1234"}),
    ]
    for path, body in refused:
        answer = await world.post(path.format(team=world.a1), body, ada)
        assert answer.status_code == 422, body
        assert answer.headers["content-type"] == "application/problem+json"
    ideas = await add_ideas(world, world.a1, ada)
    opened = await world.ok(
        await world.post(f"teams/{world.a1}/voting-rounds", {"title": "Vote", "ballots": 2}, grace),
        201,
    )
    round_id, codes = opened["round"]["id"], opened["ballot_codes"]
    url = f"voting-rounds/{round_id}/ballots"
    for extra in ({"voter": GRACE[0]}, {"email": GRACE[1]}, {"voter_id": str(uuid.uuid4())}):
        answer = await world.post(
            url, {"code": codes[0], "votes": [ideas[0]["id"]], **extra}, grace
        )
        assert answer.status_code == 422, extra
    await world.ok(await world.post(url, {"code": codes[0], "votes": [ideas[0]["id"]]}, grace), 201)
    await world.ok(await world.post(url, {"code": codes[1], "votes": [ideas[1]["id"]]}, ada), 201)
    change = {"status": "planned", "response": "We will try a rota published 6 weeks ahead"}
    await world.ok(await world.patch(f"ideas/{ideas[1]['id']}", change, ada))

    stored = await everything_stored(world)
    for secret in (*ADA, *GRACE, "E1234", *codes, *(c.replace("-", "") for c in codes)):
        assert secret.lower() not in stored, f"{secret} is stored"
    # What a ballot and a tally are: a used code's hash, and a count per idea. No voter, no time.
    columns = await table_columns(world)
    assert columns["ballot"] == ["round_id", "code_hash", "used"]
    assert columns["vote_tally"] == ["round_id", "idea_id", "position", "votes"]
    assert columns["idea"] == [
        "id",
        "team_id",
        "kind",
        "text",
        "theme_id",
        "status",
        "response",
        "gathered_on",
    ]


async def everything_stored(world: World) -> str:
    """Every row of every table of the service's database, as one lower-case text."""
    parts: list[str] = []
    async with world.service.app.state.database.sessions() as session:
        for table in [*Base.metadata.sorted_tables, *platform_metadata.sorted_tables]:
            rows = (await session.execute(select(table))).all()
            parts.extend(repr(tuple(row)) for row in rows)
    return "\n".join(parts).lower()


async def table_columns(world: World) -> dict[str, list[str]]:
    async with world.service.app.state.database.engine.connect() as conn:

        def read(sync_conn: Any) -> dict[str, list[str]]:
            inspector = inspect(sync_conn)
            return {
                name: [c["name"] for c in inspector.get_columns(name)]
                for name in ("ballot", "vote_tally", "idea")
            }

        return await conn.run_sync(read)
