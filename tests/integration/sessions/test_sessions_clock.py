"""The service's "now" is its app's clock, for routes and event handlers alike: a MovableClock
set in 2021 decides when attendance may be recorded, what engagement counts as held, and the
times the handlers write."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.clock import MovableClock
from tests.integration.sessions.sessions_world import make_cohort, roster_row, session_rows
from tests.support import NatsServer, run_service

START = datetime(2021, 1, 5, 12, tzinfo=UTC)


async def test_routes_and_handlers_take_the_time_from_the_apps_clock(
    module_nats: NatsServer,
) -> None:
    clock = MovableClock(START)
    async with run_service("sessions", nats_url=module_nats.url, clock=clock) as service:
        cohort = await make_cohort(service)
        # The handlers drafted the programme at the clock's time.
        assert {row.created_at for row in await session_rows(service, cohort.id)} == {START}
        team = await roster_row(service, cohort.a1)
        assert team is not None and team.status == "active"

        first_set = cohort.of_kind("learning_set")[0]  # Tuesday 16 March 2021, 14:00 UK time
        coach = cohort.coach_auth(cohort.coach)
        early = await cohort.attendance(first_set["id"], cohort.a1, True, coach)
        assert early.status_code == 409, early.text
        assert "once the session has started" in early.json()["detail"]

        clock.set(datetime(2021, 3, 16, 15, tzinfo=UTC))
        recorded = await cohort.attendance(first_set["id"], cohort.a1, True, coach)
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["recorded_at"] == "2021-03-16T15:00:00+00:00"
        engagement = (await cohort.get(f"teams/{cohort.a1}/engagement", coach)).json()
        # Held by then: learning session 1 (11 February) and the first set; not session 2 (April).
        assert (engagement["sessions_held"], engagement["sessions_attended"]) == (2, 1)
