"""For each service, a small world of two tenants: the objects the matrix test calls routes with.

``own`` ids belong to organisation A (team lead of A; coach K coaches A's team a1), ``other`` ids
to another organisation (and another coach), ``missing`` ids exist nowhere. ``body(method, path,
side)`` gives a valid request body naming the same side's objects, so that a refusal is about the
object and never about validation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from shared.auth import Role
from shared.clock import MovableClock
from shared.events.enrolment import TeamWithdrawn
from tests.integration.enrolment import enrolment_support as es
from tests.integration.measurement.conftest import make_world
from tests.integration.sessions.sessions_world import make_cohort
from tests.support import RunningService, eventually, publish_event, team_confirmed_event

Side = str  # "own" | "other" | "missing"
BodyFactory = Callable[[Side], Any]


@dataclass
class World:
    service: RunningService
    organisation: uuid.UUID
    coach: uuid.UUID
    own: dict[str, str]
    other: dict[str, str]
    missing: dict[str, str] = field(default_factory=dict)
    bodies: dict[tuple[str, str], BodyFactory] = field(default_factory=dict)
    queries: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    api_key: str | None = None
    feed_tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        if role == "team_lead":
            return self.service.auth(
                Role.team_lead, organisation_id=self.organisation, subject="lead-a"
            )
        if role == "coach":
            return self.service.auth(Role.coach, coach_id=self.coach, subject="coach-k")
        if role == "key":
            assert self.api_key is not None
            return {"Authorization": f"Bearer {self.api_key}"}
        return self.service.auth(role, subject=f"{role}-1")

    def ids(self, side: Side) -> dict[str, str]:
        if side == "missing":
            return {**self.own, **self.missing}
        return self.own if side == "own" else self.other

    def url(self, path: str, side: Side) -> str:
        ids = self.ids(side)
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        for name in ("dead_letter_id",):
            path = path.replace("{" + name + "}", str(uuid.uuid4()))
        return path

    def body(self, method: str, path: str, side: Side) -> Any:
        factory = self.bodies.get((method, path))
        return factory(side) if factory else None

    async def call(
        self, role: str | None, method: str, path: str, side: Side, *, valid_body: bool
    ) -> Any:
        headers = self.headers(role) if role else {}
        body = self.body(method, path, side) if valid_body else {}
        kwargs: dict[str, Any] = {"headers": headers, "params": self.queries.get((method, path))}
        if method in ("POST", "PUT", "PATCH") and body is not None:
            kwargs["json"] = body
        return await self.service.client.request(method, self.url(path, side), **kwargs)


def _missing() -> str:
    return str(uuid.uuid4())


# --- enrolment ---------------------------------------------------------------------------------


async def enrolment_world(service: RunningService) -> World:
    service.app.state.clock = MovableClock(es.EARLY)
    cohort = await es.create_cohort(service, minimum_teams=1)
    later = await es.create_cohort(service, name="Enjoying Work 2022", start_date="2022-01-04")
    org_a = await es.create_organisation(service, 1)
    org_b = await es.create_organisation(service, 2)
    team_a = es.ok(await es.submit(service, cohort["id"], org_a["id"], "A1"), 201)
    team_b = es.ok(await es.submit(service, cohort["id"], org_b["id"], "B1"), 201)
    # Confirmed, so that coach K can coach A's team (coaches see their own teams only).
    for team in (team_a, team_b):
        es.ok(await es.team_action(service, team["id"], "accept"))
    es.ok(
        await service.client.post(
            f"{es.API}/cohorts/{cohort['id']}/close", headers=es.coordinator(service)
        )
    )
    es.ok(await es.decide(service, cohort["id"], "go"))
    coach = es.ok(
        await service.client.post(
            f"{es.API}/coaches",
            json={"name": "Coach K", "email": "k@example.org", "capacity": 5},
            headers=es.coordinator(service),
        ),
        201,
    )
    es.ok(
        await service.client.put(
            f"{es.API}/teams/{team_a['id']}/coach",
            json={"coach_id": coach["id"]},
            headers=es.coordinator(service),
        )
    )
    orgs = {"own": org_a["id"], "other": org_b["id"], "missing": _missing()}
    world = World(
        service=service,
        organisation=uuid.UUID(org_a["id"]),
        coach=uuid.UUID(coach["id"]),
        own={"cohort_id": cohort["id"], "organisation_id": org_a["id"], "team_id": team_a["id"]},
        other={"cohort_id": cohort["id"], "organisation_id": org_b["id"], "team_id": team_b["id"]},
        missing={"cohort_id": _missing(), "organisation_id": _missing(), "team_id": _missing()},
    )
    api = es.API
    world.bodies = {
        ("POST", f"{api}/cohorts/{{cohort_id}}/eois"): lambda side: es.eoi_payload(
            orgs[side], f"Team {uuid.uuid4().hex[:6]}"
        ),
        ("PATCH", f"{api}/teams/{{team_id}}"): lambda side: {"team_name": "Renamed"},
        ("POST", f"{api}/teams/{{team_id}}/withdraw"): lambda side: {"reason": "staffing"},
        ("POST", f"{api}/teams/{{team_id}}/decline"): lambda side: {"reason": "late"},
        ("PUT", f"{api}/teams/{{team_id}}/coach"): lambda side: {"coach_id": coach["id"]},
        ("POST", f"{api}/cohorts/{{cohort_id}}/decision"): lambda side: {"decision": "no_go"},
        ("POST", f"{api}/cohorts/{{cohort_id}}/carry-forward"): lambda side: {
            "target_cohort_id": later["id"]
        },
        ("POST", f"{api}/cohorts"): lambda side: es.cohort_payload(name=f"C {uuid.uuid4()}"),
        ("POST", f"{api}/organisations"): lambda side: es.organisation_payload(90, ods=None),
        ("POST", f"{api}/coaches"): lambda side: {
            "name": "Coach",
            "email": "c@example.org",
            "capacity": 1,
        },
    }
    return world


# --- billing -----------------------------------------------------------------------------------


async def _billing_tenant(service: RunningService, cohort_id: uuid.UUID) -> dict[str, str]:
    """One organisation with an invoiced team (then withdrawn: a credit note) and a team
    waiting for its PO (a pro-forma)."""
    org = uuid.uuid4()
    invoiced = team_confirmed_event(cohort_id=cohort_id, organisation_id=org)
    waiting = team_confirmed_event(cohort_id=cohort_id, organisation_id=org, purchase_order=None)
    nats = service.settings.nats_url
    await publish_event(nats, invoiced)
    await publish_event(nats, waiting)
    finance = service.auth(Role.finance, subject="finance-1")

    async def documents() -> dict[str, str] | None:
        found: dict[str, str] = {}
        for kind, key in (("invoices", "invoice_id"), ("proformas", "proforma_id")):
            listed = await service.client.get(
                f"/api/billing/{kind}", params={"organisation_id": str(org)}, headers=finance
            )
            if listed.status_code != 200 or not listed.json():
                return None
            found[key] = listed.json()[0]["id"]
        return found

    ids: dict[str, str] = await eventually(documents)
    await publish_event(
        nats,
        TeamWithdrawn(
            cohort_id=cohort_id,
            team_id=invoiced.team_id,
            organisation_id=org,
            reason="staffing",
            withdrawn_on=date(2020, 12, 20),  # before the start: credited in full
        ),
    )

    async def credit_note() -> str | None:
        listed = await service.client.get(
            "/api/billing/credit-notes", params={"organisation_id": str(org)}, headers=finance
        )
        return str(listed.json()[0]["id"]) if listed.status_code == 200 and listed.json() else None

    ids["credit_note_id"] = await eventually(credit_note)
    return {**ids, "organisation_id": str(org), "cohort_id": str(cohort_id)}


async def billing_world(service: RunningService) -> World:
    cohort_id = uuid.uuid4()
    own = await _billing_tenant(service, cohort_id)
    other = await _billing_tenant(service, cohort_id)
    api = "/api/billing"
    world = World(
        service=service,
        organisation=uuid.UUID(own["organisation_id"]),
        coach=uuid.uuid4(),
        own=own,
        other=other,
        missing={k: _missing() for k in own},
    )
    world.bodies = {
        ("POST", f"{api}/invoices/{{invoice_id}}/purchase-order"): lambda side: {
            "purchase_order": "PO-2"
        },
        ("POST", f"{api}/proformas/{{proforma_id}}/purchase-order"): lambda side: {
            "purchase_order": "PO-2"
        },
        ("POST", f"{api}/invoices/{{invoice_id}}/payments"): lambda side: {
            "received_on": "2021-02-01",
            "amount": "10.00",
            "reference": "BACS 1",
            "method": "bacs",
        },
    }
    return world


# --- sessions ----------------------------------------------------------------------------------


async def sessions_world(service: RunningService) -> World:
    mine = await make_cohort(service)
    theirs = await make_cohort(service)  # other organisations, another coach
    api = "/api/sessions"
    lead_a = service.auth(Role.team_lead, organisation_id=mine.org_a, subject="lead-a")
    lead_other = service.auth(Role.team_lead, organisation_id=theirs.org_a, subject="lead-x")

    async def feed_token(cohort_id: uuid.UUID, headers: dict[str, str]) -> dict[str, Any]:
        created = await service.client.post(
            f"{api}/feed-tokens", json={"cohort_id": str(cohort_id)}, headers=headers
        )
        assert created.status_code == 201, created.text
        result: dict[str, Any] = created.json()
        return result

    own_token = await feed_token(mine.id, lead_a)
    spare_token = await feed_token(mine.id, lead_a)  # the one the matrix test revokes
    other_token = await feed_token(theirs.id, lead_other)
    team_token = await service.client.post(
        f"{api}/feed-tokens", json={"team_id": str(mine.a1)}, headers=lead_a
    )
    assert team_token.status_code == 201, team_token.text
    learning_set = mine.of_kind("learning_set")[0]["id"]
    other_set = theirs.of_kind("learning_set")[0]["id"]
    world = World(
        service=service,
        organisation=mine.org_a,
        coach=mine.coach,
        own={
            "cohort_id": str(mine.id),
            "session_id": learning_set,
            "team_id": str(mine.a1),
            "token_id": spare_token["id"],
        },
        other={
            "cohort_id": str(theirs.id),
            "session_id": other_set,
            "team_id": str(theirs.a1),
            "token_id": other_token["id"],
        },
        missing={k: _missing() for k in ("cohort_id", "session_id", "team_id", "token_id")},
        feed_tokens={"cohort": own_token["token"], "team": team_token.json()["token"]},
    )
    teams = {"own": str(mine.a1), "other": str(theirs.a1), "missing": _missing()}
    cohorts = {"own": str(mine.id), "other": str(theirs.id), "missing": _missing()}
    world.bodies = {
        ("POST", f"{api}/cohorts/{{cohort_id}}/sessions"): lambda side: {
            "kind": "clinic",
            "title": "Extra clinic",
            "starts_at": "2021-06-01T10:00:00",
            "ends_at": "2021-06-01T11:00:00",
        },
        ("PATCH", f"{api}/sessions/{{session_id}}"): lambda side: {"notes": "bring the charts"},
        ("POST", f"{api}/sessions/{{session_id}}/cancel"): lambda side: {"reason": "strike"},
        ("POST", f"{api}/sessions/{{session_id}}/places"): lambda side: {
            "team_id": teams[side],
            "places": 2,
        },
        ("POST", f"{api}/sessions/{{session_id}}/attendance"): lambda side: {
            "team_id": teams[side],
            "attended": False,
        },
        ("POST", f"{api}/feed-tokens"): lambda side: {"cohort_id": cohorts[side]},
    }
    return world


# --- measurement -------------------------------------------------------------------------------


async def measurement_world(service: RunningService) -> World:
    base = await make_world(service)
    spare = await service.client.post(
        "/api/measurement/api-keys",
        json={"organisation_id": str(base.org_a), "label": "to revoke"},
        headers=service.auth(Role.coordinator),
    )
    assert spare.status_code == 201, spare.text
    api = "/api/measurement"
    teams = {"own": str(base.a1), "other": str(base.b1), "missing": _missing()}
    world = World(
        service=service,
        organisation=base.org_a,
        coach=base.coach,
        own={
            "cohort_id": str(base.cohort_id),
            "team_id": str(base.a1),
            "key": "swemwbs",
            "measure_key": "swemwbs",
            "key_id": spare.json()["id"],
            "picture": "svg",
            "view": "teams",
        },
        other={
            "cohort_id": str(base.cohort_id),
            "team_id": str(base.b1),
            "key": "swemwbs",
            "measure_key": "swemwbs",
            "key_id": spare.json()["id"],
            "picture": "svg",
            "view": "teams",
        },
        missing={
            "cohort_id": _missing(),
            "team_id": _missing(),
            "key": "no-such-measure",
            "measure_key": "no-such-measure",
            "key_id": _missing(),
            "view": "teams",
        },
        api_key=base.key_a,
    )
    now = datetime.now(UTC).date().isoformat()
    world.queries = {
        ("GET", f"{api}/teams/{{team_id}}/series/{{measure_key}}"): {
            "from": "2026-01-05",
            "to": now,
        }
    }
    world.bodies = {
        ("POST", f"{api}/responses"): lambda side: {
            "rows": [
                {
                    "client_id": uuid.uuid4().hex,
                    "team_id": teams[side],
                    "measure": "swemwbs",
                    "responded_at": "2026-03-02T10:00:00",
                    "items": [3, 3, 3, 3, 3, 3, 3],
                }
            ]
        },
        ("POST", f"{api}/uploads/teams/{{team_id}}/responses"): lambda side: {
            "rows": [
                {
                    "client_id": uuid.uuid4().hex,
                    "team_id": teams[side],
                    "measure": "frequently_enjoy_work",
                    "responded_at": "2026-03-02T10:00:00",
                    "items": [4],
                }
            ]
        },
        ("POST", f"{api}/uploads/teams/{{team_id}}/values"): lambda side: {
            "rows": [
                {
                    "client_id": uuid.uuid4().hex,
                    "team_id": teams[side],
                    "measure": "days_to_fill_rota_gap",
                    "period": "2026-03-02",
                    "value": "3.5",
                }
            ]
        },
        ("PUT", f"{api}/cohorts/{{cohort_id}}/plan/{{key}}/target"): lambda side: {"target": "25"},
        ("POST", f"{api}/teams/{{team_id}}/charts/{{measure_key}}/annotations"): lambda side: {
            "day": "2026-03-02",
            "note": "new rota started",
        },
        ("POST", f"{api}/api-keys"): lambda side: {
            "organisation_id": str(base.org_a),
            "label": "another",
        },
    }
    return world


WORLDS = {
    "enrolment": enrolment_world,
    "billing": billing_world,
    "sessions": sessions_world,
    "measurement": measurement_world,
}
