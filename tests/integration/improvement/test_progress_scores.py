"""IHI progress scores: set by the coach with the team each month, with their history, and the
cohort's distribution month by month."""

from __future__ import annotations

from datetime import date

from tests.integration.improvement.improvement_world import World, at


async def test_the_coach_scores_each_month_and_the_history_is_kept(world: World) -> None:
    levels = await world.ok(await world.get("progress-score-levels", world.lead()))
    assert [level["score"] for level in levels] == [
        0.5,
        1.0,
        1.5,
        2.0,
        2.5,
        3.0,
        3.5,
        4.0,
        4.5,
        5.0,
    ]
    assert levels[4]["label"] == "Changes tested, no improvement"

    coach = world.coach_auth()
    world.clock.set(at(date(2021, 3, 5)))
    first = await world.ok(
        await world.put(f"teams/{world.a1}/progress-scores/2021-01", {"score": 1.0}, coach)
    )
    assert (first["score"], first["label"], first["programme_month"]) == (1.0, "Team formed", 1)
    await world.ok(
        await world.put(f"teams/{world.a1}/progress-scores/2021-02", {"score": 1.5}, coach)
    )
    corrected = await world.ok(
        await world.put(
            f"teams/{world.a1}/progress-scores/2021-02",
            {"score": 2.0, "note": "Ideas gathered and voted on"},
            world.coordinator,
        )
    )
    assert corrected["score"] == 2.0
    assert [(h["revision"], h["score"], h["set_by_role"]) for h in corrected["history"]] == [
        (1, 1.5, "coach"),
        (2, 2.0, "coordinator"),
    ]
    await world.ok(
        await world.put(f"teams/{world.a1}/progress-scores/2021-03", {"score": 2.5}, coach)
    )

    team = await world.ok(await world.get(f"teams/{world.a1}/progress-scores", world.lead()))
    assert len(team["months"]) == 12
    assert [(m["month"], m["score"]) for m in team["months"][:4]] == [
        ("2021-01", 1.0),
        ("2021-02", 2.0),
        ("2021-03", 2.5),
        ("2021-04", None),
    ]
    assert team["months"][1]["note"] == "Ideas gathered and voted on"

    # Refused: the team lead (scores are set by the coach with the team), another coach's team,
    # a month to come, a month outside the programme, a score off the scale.
    assert (
        await world.put(f"teams/{world.a1}/progress-scores/2021-03", {"score": 3.0}, world.lead())
    ).status_code == 403
    other = await world.put(f"teams/{world.b1}/progress-scores/2021-03", {"score": 3.0}, coach)
    assert other.status_code == 404
    for month, score, status in (
        ("2021-04", 3.0, 422),
        ("2020-12", 1.0, 422),
        ("2022-01", 1.0, 422),
        ("2021-03", 2.75, 422),
        ("2021-03", 5.5, 422),
        ("2021-13", 1.0, 422),
    ):
        answer = await world.put(
            f"teams/{world.a1}/progress-scores/{month}", {"score": score}, coach
        )
        assert answer.status_code == status, (month, score, answer.text)


async def test_the_cohorts_distribution_month_by_month(world: World) -> None:
    world.clock.set(at(date(2021, 4, 2)))
    scores = {
        world.a1: {"2021-02": 1.5, "2021-03": 2.5},
        world.a2: {"2021-02": 1.0, "2021-03": 2.0},
        world.b1: {"2021-02": 1.5, "2021-03": 3.0},
    }
    for team, months in scores.items():
        for month, score in months.items():
            await world.ok(
                await world.put(f"teams/{team}/progress-scores/{month}", {"score": score})
            )
    months = await world.ok(await world.get(f"cohorts/{world.id}/progress-scores", world.lead()))
    assert [m["month"] for m in months][:4] == ["2021-01", "2021-02", "2021-03", "2021-04"]
    january, february, march = months[0], months[1], months[2]
    assert (january["teams_scored"], january["median"]) == (0, None)
    assert (february["teams_scored"], february["median"]) == (3, 1.5)
    assert {level["score"]: level["teams"] for level in february["levels"] if level["teams"]} == {
        1.0: 1,
        1.5: 2,
    }
    assert (march["teams_scored"], march["median"]) == (3, 2.5)
    assert [level["teams"] for level in march["levels"]] == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0]
    # The distribution names no team; a cohort without the caller's team is not found.
    assert "Ward 7" not in str(months)
    assert (
        await world.get(f"cohorts/{world.id}/progress-scores", world.lead(world.coach))
    ).status_code == 404
