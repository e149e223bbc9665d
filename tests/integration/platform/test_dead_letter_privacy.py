"""Issue #17 item 12: dead letters hold whole events, personal data included. Operators see them
redacted in the listing; one letter in full only when they ask for it by id, and that access is
logged with who asked."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from shared.auth import Role
from shared.events.enrolment import TeamConfirmed
from shared.logs import JsonFormatter
from tests.support import (
    NatsServer,
    envelope_for,
    eventually,
    publish_envelope,
    run_service,
    team_confirmed_event,
)

EMAIL = "grace.hopper@example.nhs.uk"
NAME = "Grace Hopper"


def _personal_but_invalid_event() -> tuple[bytes, str]:
    """A team confirmation naming a project lead, but without its team name: it does not
    validate, so billing dead-letters it at once (its error quotes the input)."""
    event = team_confirmed_event()
    envelope = envelope_for(event).model_dump(mode="json")
    envelope["data"]["project_lead"] = {"name": NAME, "email": EMAIL, "job_title": "Lead"}
    del envelope["data"]["team_name"]
    return json.dumps(envelope).encode(), str(event.team_id)


async def test_dead_letters_are_listed_redacted_and_shown_in_full_on_request_with_a_log(
    nats_server: NatsServer,
) -> None:
    payload, team_id = _personal_but_invalid_event()
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter("billing"))
    audit = logging.getLogger("shared.audit")
    audit.addHandler(handler)
    try:
        async with run_service("billing", nats_url=nats_server.url) as svc:
            operator = svc.auth(Role.operator, subject="ops-jane")
            await publish_envelope(nats_server.url, TeamConfirmed.subject, payload)

            async def listed() -> list[dict[str, Any]]:
                answer = await svc.client.get("/api/billing/admin/dead-letters", headers=operator)
                assert answer.status_code == 200, answer.text
                letters: list[dict[str, Any]] = answer.json()
                return letters

            [letter] = await eventually(listed)
            shown = json.dumps(letter)
            assert EMAIL not in shown and NAME not in shown and "grace" not in shown.lower()
            assert letter["redacted"] is True
            # What an operator needs to find the objects stays: the ids, the type, the error.
            assert letter["payload"]["data"]["team_id"] == team_id
            assert letter["payload"]["type"] == TeamConfirmed.subject
            assert "does not validate" in letter["error"]
            assert "[redacted]" in json.dumps(letter["payload"]["data"]["project_lead"])

            assert not captured.getvalue()  # listing is not an access to personal data
            full = await svc.client.get(
                f"/api/billing/admin/dead-letters/{letter['id']}", headers=operator
            )
            assert full.status_code == 200, full.text
            assert full.json()["redacted"] is False
            assert EMAIL in full.json()["payload"]
            refused = await svc.client.get(
                f"/api/billing/admin/dead-letters/{letter['id']}", headers=svc.auth(Role.finance)
            )
            assert refused.status_code == 403
    finally:
        audit.removeHandler(handler)
    [line] = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert line["dead_letter_id"] == letter["id"]
    assert line["operator"] == "ops-jane"
    assert "shown in full" in line["message"]
