"""The platform's promises over a real NATS server and a real database: nothing lost while NATS
is down, no second effect for a duplicated or redelivered event, poison events dead-lettered."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from services.billing import api as billing_api
from services.billing.handlers import HANDLERS as BILLING_HANDLERS
from shared.app import create_service_app
from shared.auth import Role
from shared.events.enrolment import TeamConfirmed
from shared.handlers import EventHandlers
from tests.e2e.test_walking_skeleton import confirmed_team, invoices_for
from tests.support import (
    NatsServer,
    RunningService,
    create_database,
    envelope_for,
    eventually,
    publish_envelope,
    publish_event,
    run_service,
    service_settings,
    team_confirmed_event,
)


async def outbox_backlog(service: RunningService) -> int:
    response = await service.client.get(
        f"/api/{service.name}/admin/outbox", headers=service.auth(Role.operator)
    )
    assert response.status_code == 200, response.text
    return int(response.json()["backlog"])


async def test_confirmation_while_nats_is_down_is_invoiced_once_after_it_returns(
    nats_server: NatsServer,
) -> None:
    async with (
        run_service("enrolment", nats_url=nats_server.url) as enrolment,
        run_service("billing", nats_url=nats_server.url) as billing,
    ):
        nats_server.stop()
        await eventually(lambda: _disconnected(enrolment))
        team_id = await confirmed_team(enrolment)  # answers 2xx although NATS is down
        assert await outbox_backlog(enrolment) >= 1
        await asyncio.sleep(1.0)
        assert await invoices_for(billing, team_id) == []

        nats_server.start()
        invoices = await eventually(lambda: invoices_for(billing, team_id), timeout=20)
        assert len(invoices) == 1
        await eventually(lambda: _backlog_is_zero(enrolment))
        # Give any republished copy time to arrive: still exactly one invoice.
        await asyncio.sleep(1.0)
        assert len(await invoices_for(billing, team_id)) == 1


async def _disconnected(service: RunningService) -> bool:
    return not service.app.state.bus.connected


async def _backlog_is_zero(service: RunningService) -> bool:
    return await outbox_backlog(service) == 0


async def test_duplicated_and_redelivered_event_bills_once(nats_server: NatsServer) -> None:
    event = team_confirmed_event()
    team_id = str(event.team_id)
    database_url, drop = await create_database("billing")
    try:
        async with run_service(
            "billing", nats_url=nats_server.url, database_url=database_url
        ) as billing:
            # The same event (same id) delivered twice: published under two message ids, so that
            # JetStream's own de-duplication does not hide the second copy from the consumer.
            envelope = await publish_event(nats_server.url, event, msg_id="copy-1")
            await publish_event(nats_server.url, event, event_id=envelope.id, msg_id="copy-2")
            await eventually(lambda: invoices_for(billing, team_id))
            await eventually(lambda: _consumer_caught_up(billing))
            assert len(await invoices_for(billing, team_id)) == 1
            assert await _inbox_rows(billing, envelope.id) == 1

        # Redelivered after the consumer restarts (a new process, the same database and durable).
        await publish_event(nats_server.url, event, event_id=envelope.id, msg_id="copy-3")
        async with run_service(
            "billing", nats_url=nats_server.url, database_url=database_url
        ) as billing:
            await eventually(lambda: _consumer_caught_up(billing))
            assert len(await invoices_for(billing, team_id)) == 1
            assert await _inbox_rows(billing, envelope.id) == 1
    finally:
        await drop()


async def _inbox_rows(service: RunningService, event_id: str) -> int:
    from sqlalchemy import func, select

    from shared.inbox import inbox

    async with service.app.state.database.sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(inbox).where(inbox.c.event_id == event_id)
            )
            or 0
        )


async def _consumer_caught_up(service: RunningService) -> bool:
    consumer = service.app.state.consumers[0]
    info = await service.app.state.bus.js.consumer_info(
        consumer.subscription.stream, consumer.subscription.durable
    )
    return info.num_pending == 0 and info.num_ack_pending == 0


class PoisonSwitch:
    """A handler that always raises for one team until it is 'fixed'."""

    def __init__(self, poison_team: str) -> None:
        self.poison_team = poison_team
        self.fixed = False
        self.calls = 0

    async def __call__(self, session: Any, *, event: TeamConfirmed, context: Any) -> None:
        if str(event.team_id) == self.poison_team:
            self.calls += 1
            if not self.fixed:
                raise RuntimeError("cannot price this team")
        await BILLING_HANDLERS.dispatch(
            session,
            event,
            envelope=context.envelope,
            settings=context.settings,
            clock=context.clock,
        )


def _billing_with_handler(monkeypatch: Any, handler: Any) -> None:
    """run_service("billing") then starts billing with ``handler`` for team confirmations."""
    import services.billing.app as billing_app

    def create_app(settings: Any, clock: Any = None) -> Any:
        handlers = EventHandlers[Any]()
        handlers.add(TeamConfirmed, handler)
        return create_service_app(
            settings=settings,
            title="billing with a poison handler",
            description="test",
            routers=billing_api.ROUTERS,
            handlers=handlers,
            clock=clock,
        )

    monkeypatch.setattr(billing_app, "create_app", create_app)


async def test_poison_event_is_dead_lettered_and_the_next_event_is_handled(
    nats_server: NatsServer, monkeypatch: Any
) -> None:
    poison = team_confirmed_event(team_name="Poison")
    valid = team_confirmed_event(team_name="Valid")
    switch = PoisonSwitch(str(poison.team_id))

    _billing_with_handler(monkeypatch, switch)
    async with run_service("billing", nats_url=nats_server.url) as billing:
        settings = service_settings("billing")
        await publish_event(nats_server.url, poison)
        await publish_event(nats_server.url, valid)
        # The valid event behind the poison one is still handled.
        assert await eventually(lambda: invoices_for(billing, str(valid.team_id)))
        letters = await eventually(lambda: _dead_letters(billing))
        assert len(letters) == 1
        assert letters[0]["attempts"] == settings.consumer_max_deliveries
        assert switch.calls == settings.consumer_max_deliveries
        assert "cannot price this team" in letters[0]["error"]
        assert await invoices_for(billing, str(poison.team_id)) == []

        # An event that does not validate against the catalogue is dead-lettered at once.
        await publish_envelope(
            nats_server.url, TeamConfirmed.subject, json.dumps({"specversion": "1.0"}).encode()
        )
        letters = await eventually(lambda: _dead_letters(billing, at_least=2))
        assert any(
            letter["attempts"] == 1 and "does not validate" in letter["error"] for letter in letters
        )

        # After the fix, an operator replays the dead letter: the team is billed once.
        switch.fixed = True
        replay = await billing.client.post(
            f"/api/billing/admin/dead-letters/{letters[0]['id']}/replay",
            headers=billing.auth(Role.operator),
        )
        assert replay.status_code == 200, replay.text
        assert replay.json()["outcome"] == "handled"
        assert len(await invoices_for(billing, str(poison.team_id))) == 1
        again = await billing.client.post(
            f"/api/billing/admin/dead-letters/{letters[0]['id']}/replay",
            headers=billing.auth(Role.operator),
        )
        assert again.json()["outcome"] == "duplicate"
        assert len(await invoices_for(billing, str(poison.team_id))) == 1
        forbidden = await billing.client.get(
            "/api/billing/admin/dead-letters", headers=billing.auth(Role.finance)
        )
        assert forbidden.status_code == 403


async def _dead_letters(service: RunningService, at_least: int = 1) -> list[dict[str, Any]]:
    response = await service.client.get(
        f"/api/{service.name}/admin/dead-letters", headers=service.auth(Role.operator)
    )
    assert response.status_code == 200, response.text
    letters: list[dict[str, Any]] = response.json()
    return letters if len(letters) >= at_least else []


async def test_a_fetched_batch_is_handled_in_one_transaction_and_a_failure_affects_only_itself(
    nats_server: NatsServer, monkeypatch: Any
) -> None:
    valid = [team_confirmed_event(team_name=f"Batch {i}") for i in range(5)]
    poison = team_confirmed_event(team_name="Poison")
    switch = PoisonSwitch(str(poison.team_id))

    _billing_with_handler(monkeypatch, switch)
    database_url, drop = await create_database("billing")
    try:
        # Published while the consumer is off, so that it then fetches them as one batch; the
        # first event comes twice (same event id, two message ids).
        async with run_service(
            "billing", nats_url=nats_server.url, database_url=database_url, consumers_enabled=False
        ):
            first = await publish_event(nats_server.url, valid[0], msg_id="batch-copy-1")
            await publish_event(nats_server.url, valid[0], event_id=first.id, msg_id="batch-copy-2")
            for event in valid[1:]:
                await publish_event(nats_server.url, event)
        async with run_service(
            "billing", nats_url=nats_server.url, database_url=database_url
        ) as billing:
            for event in valid:
                await eventually(lambda e=event: invoices_for(billing, str(e.team_id)))
            await eventually(lambda: _consumer_caught_up(billing))
            for event in valid:
                assert len(await invoices_for(billing, str(event.team_id))) == 1
            # One transaction claimed them all: one inbox row each, with one claim time.
            claims = await _inbox_claims(billing)
            assert len(claims) == len(valid)
            assert len(set(claims.values())) == 1

        # A batch with a failing event in it: rolled back and handled one at a time, so the
        # others are billed and only the failing one ends up dead-lettered.
        later = [team_confirmed_event(team_name=f"Later {i}") for i in range(3)]
        for event in [later[0], poison, *later[1:]]:
            await publish_event(nats_server.url, event)
        async with run_service(
            "billing", nats_url=nats_server.url, database_url=database_url
        ) as billing:
            for event in later:
                await eventually(lambda e=event: invoices_for(billing, str(e.team_id)))
            letters = await eventually(lambda: _dead_letters(billing))
            assert len(letters) == 1
            # Listed redacted, but ids stay: the operator can tell which team it was.
            assert letters[0]["payload"]["data"]["team_id"] == str(poison.team_id)
            assert await invoices_for(billing, str(poison.team_id)) == []
            for event in later:
                assert len(await invoices_for(billing, str(event.team_id))) == 1
    finally:
        await drop()


async def _inbox_claims(service: RunningService) -> dict[str, Any]:
    from sqlalchemy import select

    from shared.inbox import inbox

    async with service.app.state.database.sessions() as session:
        rows = (await session.execute(select(inbox.c.event_id, inbox.c.handled_at))).all()
    return {row.event_id: row.handled_at for row in rows}


async def test_an_invalid_event_is_dead_lettered_under_the_id_it_carries(
    nats_server: NatsServer,
) -> None:
    """Issue #21 item 6: an operator finds a dead letter by the event id its producer logged,
    also when the event does not validate; only an id that cannot be read is left out."""
    event = team_confirmed_event()
    broken_data = envelope_for(event).model_dump(mode="json")
    del broken_data["data"]["team_name"]  # the envelope parses; the event does not validate
    wrong_type = {**envelope_for(event).model_dump(mode="json"), "type": "enrolment.team.gone"}
    wrong_type["id"] = "3f2a6c1e-0000-4000-8000-00000000beef"
    no_envelope = {"id": "7d1b2c3a-0000-4000-8000-00000000cafe", "hello": "world"}
    too_long = {"id": "x" * 80, "type": TeamConfirmed.subject}
    payloads = [
        json.dumps(broken_data),
        json.dumps(wrong_type),
        json.dumps(no_envelope),
        json.dumps(too_long),
        "not json at all",
    ]
    async with run_service("billing", nats_url=nats_server.url) as billing:
        for payload in payloads:
            await publish_envelope(nats_server.url, TeamConfirmed.subject, payload.encode())
        letters = await eventually(lambda: _dead_letters(billing, at_least=len(payloads)))
        assert {letter["event_id"] for letter in letters} == {
            broken_data["id"],
            wrong_type["id"],
            no_envelope["id"],
            None,  # too long for an id, and no JSON at all
        }
        assert sum(1 for letter in letters if letter["event_id"] is None) == 2
        assert all(letter["attempts"] == 1 for letter in letters)
