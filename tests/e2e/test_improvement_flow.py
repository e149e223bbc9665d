"""A team's year (issue #18's acceptance), from enrolment to the cohort's library, over real NATS:
enrolment confirms a team and allocates its coach; the improvement service learns them from the
events, and the team sets up its project (project team, aim), gathers ideas and votes on them
anonymously, starts its driver diagram from the change package, runs three PDSA cycles on one idea
(adapt, adapt, adopt) whose events measurement turns into notes on the team's chart of a plan
measure, is scored month by month by its coach, and shares what it learned in the cohort's
library."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from shared.auth import Role
from shared.clock import MovableClock
from shared.outbox import outbox
from tests.e2e.test_walking_skeleton import confirmed_team
from tests.support import NatsServer, RunningService, eventually, run_service

API = "/api/improvement"
MEASURE = "frequently_enjoy_work"  # one of the default plan's three weekly measures


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


async def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, f"{answer.status_code}: {answer.text}"
    return answer.json()


async def published(service: RunningService, subject: str) -> list[dict[str, Any]]:
    """Events of ``subject`` the service recorded and its relay published to JetStream."""
    async with service.app.state.database.sessions() as session:
        rows = (
            await session.execute(
                select(outbox.c.payload, outbox.c.published_at)
                .where(outbox.c.subject == subject)
                .order_by(outbox.c.seq)
            )
        ).all()
    return [json.loads(p)["data"] for p, sent in rows if sent is not None]


async def test_a_confirmed_teams_year_of_improvement(nats_server: NatsServer) -> None:
    clock = MovableClock(at(date(2099, 12, 1)))
    async with (
        run_service("enrolment", nats_url=nats_server.url, clock=clock) as enrolment,
        run_service("improvement", nats_url=nats_server.url, clock=clock) as improvement,
        run_service("measurement", nats_url=nats_server.url, clock=clock) as measurement,
    ):
        # Enrolment: the team is confirmed, then given its coach.
        team_id = await confirmed_team(enrolment)
        coordinator = enrolment.auth(Role.coordinator)
        team = await ok(
            await enrolment.client.get(f"/api/enrolment/teams/{team_id}", headers=coordinator)
        )
        coach = await ok(
            await enrolment.client.post(
                "/api/enrolment/coaches",
                json={"name": "Mary Seacole", "email": "mary@example.org", "capacity": 5},
                headers=coordinator,
            ),
            201,
        )
        await ok(
            await enrolment.client.put(
                f"/api/enrolment/teams/{team_id}/coach",
                json={"coach_id": coach["id"]},
                headers=coordinator,
            )
        )
        lead = improvement.auth(
            Role.team_lead, organisation_id=team["organisation_id"], subject="ada"
        )
        coached = improvement.auth(Role.coach, coach_id=coach["id"], subject="mary")

        async def call(method: str, path: str, body: Any = None, who: dict[str, str] = lead) -> Any:
            return await improvement.client.request(method, f"{API}/{path}", json=body, headers=who)

        # Improvement learned the team, its organisation, project lead and coach from the events.
        async def learned() -> dict[str, Any] | None:
            answer = await call("GET", f"teams/{team_id}", who=coached)
            return answer.json() if answer.status_code == 200 else None

        project = await eventually(learned)
        assert project["name"] == "Ward 7 Acute Team"
        assert project["project_lead"]["name"] == "Ada Lovelace"
        assert project["coach_name"] == "Mary Seacole"
        assert project["programme"]["coaching_starts_on"] == "2100-03-01"
        cohort_id = project["cohort_id"]

        # The lead-in: the project team and an agreed aim.
        clock.set(at(date(2100, 1, 11)))
        for member in (
            {"role": "Band 6 nurse", "is_data_champion": True},
            {"role": "Occupational therapist"},
            {"role": "Expert by experience", "is_service_user": True},
        ):
            await ok(await call("POST", f"teams/{team_id}/members", member), 201)
        aim = {
            "what": "Increase the staff who frequently enjoy being at work",
            "how_much": "from 40% to 60%",
            "by_when": "2100-12-31",
        }
        await ok(await call("PUT", f"teams/{team_id}/aim", aim))
        agreed = await ok(await call("POST", f"teams/{team_id}/aim/agreement", who=coached))
        assert agreed["agreed_on"] == "2100-01-11"

        # What matters and the pebbles in the shoe, ranked by anonymous multi-voting.
        for kind, text in (
            ("what_matters", "Being thanked for the work we do"),
            ("impediment", "The rota comes out two days ahead"),
            ("what_matters", "Time to talk after a difficult shift"),
        ):
            await ok(
                await call("POST", f"teams/{team_id}/ideas", {"kind": kind, "text": text}), 201
            )
        opened = await ok(
            await call(
                "POST",
                f"teams/{team_id}/voting-rounds",
                {"title": "What first?", "ballots": 3, "votes_per_ballot": 2},
            ),
            201,
        )
        thanks, rota, talk = (c["idea_id"] for c in opened["round"]["candidates"])
        for code, votes in zip(
            opened["ballot_codes"], ([thanks, rota], [thanks, talk], [thanks]), strict=True
        ):
            await ok(
                await call(
                    "POST",
                    f"voting-rounds/{opened['round']['id']}/ballots",
                    {"code": code, "votes": votes},
                ),
                201,
            )
        results = await ok(await call("GET", f"voting-rounds/{opened['round']['id']}"))
        assert [(r["text"], r["votes"], r["rank"]) for r in results["results"]] == [
            ("Being thanked for the work we do", 3, 1),
            ("The rota comes out two days ahead", 1, 2),
            ("Time to talk after a difficult shift", 1, 2),
        ]

        # The driver diagram, from the change package, with the team's change idea.
        diagram = await ok(await call("POST", f"teams/{team_id}/diagram"), 201)
        assert len(diagram["primary_drivers"]) == 9
        recognition = next(
            d for d in diagram["primary_drivers"] if d["component"] == "recognition_rewards"
        )
        diagram = await ok(
            await call(
                "POST",
                f"diagrams/{diagram['id']}/change-ideas",
                {"driver_id": recognition["id"], "name": "Thank-you cards at handover"},
            ),
            201,
        )
        idea = next(
            d for d in diagram["primary_drivers"] if d["component"] == "recognition_rewards"
        )["change_ideas"][0]

        # Three PDSA cycles on the idea: adapt, adapt, adopt; a score each month, rising.
        months = iter(
            [
                ("2100-01", 1.0),
                ("2100-02", 1.5),
                ("2100-03", 2.0),
                ("2100-04", 2.5),
                ("2100-05", 3.0),
            ]
        )
        cycles = []
        for started, completed, decision in (
            (date(2100, 2, 1), date(2100, 2, 20), "adapt"),
            (date(2100, 3, 1), date(2100, 3, 25), "adapt"),
            (date(2100, 4, 5), date(2100, 5, 3), "adopt"),
        ):
            clock.set(at(started))
            month, score = next(months)
            await ok(
                await call(
                    "PUT", f"teams/{team_id}/progress-scores/{month}", {"score": score}, who=coached
                )
            )
            plan = {
                "objective": "Cards lift how thanked staff feel",
                "prediction": "Half the shift writes one",
                # The plan measure that will show the effect: its chart carries the cycle.
                "measure_keys": [MEASURE],
            }
            cycle = await ok(await call("POST", f"change-ideas/{idea['id']}/cycles", plan), 201)
            await ok(await call("POST", f"cycles/{cycle['id']}/start", {}))
            await ok(
                await call("PUT", f"cycles/{cycle['id']}/do", {"what_happened": "Cards written"})
            )
            study = {"results": "More cards than predicted", "against_prediction": "Above"}
            await ok(await call("PUT", f"cycles/{cycle['id']}/study", study))
            clock.set(at(completed))
            cycles.append(
                await ok(await call("POST", f"cycles/{cycle['id']}/act", {"decision": decision}))
            )
        for month, score in months:
            await ok(
                await call(
                    "PUT", f"teams/{team_id}/progress-scores/{month}", {"score": score}, who=coached
                )
            )
        summary = "Cards at every handover, nights included: staff feel noticed."
        await ok(await call("PUT", f"cycles/{cycles[-1]['id']}/sharing", {"summary": summary}))

        ramp = await ok(await call("GET", f"change-ideas/{idea['id']}", who=coached))
        assert ramp["outcome"] == "adopted"
        assert [(c["ramp_step"], c["act"]["decision"]) for c in ramp["ramp"]] == [
            (1, "adapt"),
            (2, "adapt"),
            (3, "adopt"),
        ]

        # Both kinds of PDSA event, three of each, were recorded and published for measurement.
        async def six_events() -> bool:
            started = await published(improvement, "improvement.pdsa.started")
            done = await published(improvement, "improvement.pdsa.completed")
            return len(started) == 3 and len(done) == 3

        await eventually(six_events)
        done = await published(improvement, "improvement.pdsa.completed")
        assert [(e["ramp_step"], e["decision"], e["completed_on"]) for e in done] == [
            (1, "adapt", "2100-02-20"),
            (2, "adapt", "2100-03-25"),
            (3, "adopt", "2100-05-03"),
        ]
        assert {e["team_id"] for e in done} == {team_id}
        assert {e["change_idea_name"] for e in done} == {"Thank-you cards at handover"}

        # The chart of the plan measure tells the story: the team's weekly pulse answers, uploaded
        # by its project lead, with a note where each cycle started and where it was acted on.
        weeks = [date(2100, 1, 4) + timedelta(weeks=k) for k in range(17)]
        rows = "".join(
            f"w{k}-{n},{MEASURE},{week.isoformat()}T10:00:00,{5 if (k + n) % 3 else 2}\n"
            for k, week in enumerate(weeks)
            for n in range(6)
        )
        uploaded = await measurement.client.post(
            f"/api/measurement/uploads/teams/{team_id}/responses",
            content=("client_id,measure,responded_at,item_1\n" + rows).encode(),
            headers={
                **measurement.auth(Role.team_lead, organisation_id=team["organisation_id"]),
                "Content-Type": "text/csv",
            },
        )
        assert uploaded.status_code == 200, uploaded.text

        async def annotated() -> list[Any] | None:
            answer = await measurement.client.get(
                f"/api/measurement/teams/{team_id}/charts/{MEASURE}",
                params={"period": "week"},
                headers=measurement.auth(Role.coach, coach_id=coach["id"]),
            )
            notes = answer.json()["chart"]["annotations"] if answer.status_code == 200 else []
            return notes if len(notes) == 6 else None

        notes = [a["note"] for a in await eventually(annotated)]
        for step in (1, 2, 3):
            assert f"Testing 'Thank-you cards at handover' (PDSA cycle {step})" in notes
        assert "'Thank-you cards at handover' (PDSA cycle 3) adopted" in notes

        # The progress score rose month by month.
        scores = await ok(await call("GET", f"teams/{team_id}/progress-scores"))
        assert [m["score"] for m in scores["months"][:5]] == [1.0, 1.5, 2.0, 2.5, 3.0]
        spread = await ok(await call("GET", f"cohorts/{cohort_id}/progress-scores", who=coached))
        assert [m["median"] for m in spread[:5]] == [1.0, 1.5, 2.0, 2.5, 3.0]

        # The idea is in the cohort's library, with its outcome and the shared summary.
        library = await ok(await call("GET", f"cohorts/{cohort_id}/library"))
        assert len(library) == 1
        entry = library[0]
        assert (entry["name"], entry["teams_tested"], entry["teams_adopted"], entry["cycles"]) == (
            "Thank-you cards at handover",
            1,
            1,
            3,
        )
        assert [s["summary"] for s in entry["shared_summaries"]] == [summary]
