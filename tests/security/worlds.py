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
from shared.events.enrolment import CoachAllocated, TeamWithdrawn
from tests.integration.enrolment import enrolment_support as es
from tests.integration.improvement.improvement_world import team_confirmed as confirmed
from tests.integration.improvement.improvement_world import terms as cohort_terms
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
        # Every person's token carries an e-mail address (the notifications feed's key): the same
        # one, as if one person held every role, so that "own messages" are every caller's.
        if role == "team_lead":
            return self.service.auth(
                Role.team_lead,
                organisation_id=self.organisation,
                subject="lead-a",
                email=OWN_EMAIL,
            )
        if role == "coach":
            return self.service.auth(
                Role.coach, coach_id=self.coach, subject="coach-k", email=OWN_EMAIL
            )
        if role == "key":
            assert self.api_key is not None
            return {"Authorization": f"Bearer {self.api_key}"}
        return self.service.auth(role, subject=f"{role}-1", email=OWN_EMAIL)

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


OWN_EMAIL = "person-a@nhs.example"


def _missing() -> str:
    return str(uuid.uuid4())


# --- enrolment ---------------------------------------------------------------------------------


async def enrolment_world(service: RunningService) -> World:
    service.app.state.clock = MovableClock(es.EARLY)
    cohort = await es.create_cohort(service, minimum_teams=1)
    later = await es.create_cohort(service, name="Enjoying Work 2022", start_date="2022-01-04")
    org_a = await es.create_organisation(service, 1)
    org_b = await es.create_organisation(service, 2)
    # A's team is applicant-1's application (naming A by its ODS code): the applicant's own.
    team_a = es.ok(
        await es.apply(
            service,
            cohort["id"],
            es.named(org_a["ods_code"]),
            "A1",
            headers=service.auth(Role.applicant, subject="applicant-1"),
        ),
        201,
    )
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
        ("PATCH", f"{api}/cohorts/{{cohort_id}}"): lambda side: {
            "reason": "a later cutoff",
            "withdrawal_credit_cutoff": "2021-03-01",
        },
        ("PATCH", f"{api}/organisations/{{organisation_id}}"): lambda side: {
            "accounts_payable": {"email": "ap@example.org"}
        },
        ("POST", f"{api}/organisations/{{organisation_id}}/merge"): lambda side: {
            "into_organisation_id": orgs["own"]
        },
        ("POST", f"{api}/erasures"): lambda side: {"email": "nobody@example.org"},
    }
    return world


# --- billing -----------------------------------------------------------------------------------


async def _billing_tenant(service: RunningService, cohort_id: uuid.UUID) -> dict[str, str]:
    """One organisation with an invoiced team (then withdrawn: a credit note) and a team
    waiting for its PO (a pro-forma)."""
    org = uuid.uuid4()
    # Confirmed before the withdrawal below (one dated before its confirmation is not credited).
    confirmed_at = datetime(2020, 12, 1, 10, tzinfo=UTC)
    invoiced = team_confirmed_event(
        cohort_id=cohort_id, organisation_id=org, confirmed_at=confirmed_at
    )
    waiting = team_confirmed_event(
        cohort_id=cohort_id, organisation_id=org, purchase_order=None, confirmed_at=confirmed_at
    )
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
        ("POST", f"{api}/credit-notes/{{credit_note_id}}/allocations"): lambda side: {
            "invoice_id": world.ids(side)["invoice_id"],
            "amount": "1.00",
        },
        ("POST", f"{api}/credit-notes/{{credit_note_id}}/refunds"): lambda side: {
            "amount": "1.00",
            "paid_on": "2021-02-01",
            "reference": "REFUND 1",
            "method": "bacs",
        },
    }
    world.queries = {
        ("GET", f"{api}/exports/ledger.csv"): {"from_date": "2021-01-01", "to_date": "2021-12-31"}
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

    async def material(session_id: str) -> str:
        added = await service.client.post(
            f"{api}/sessions/{session_id}/materials",
            json={"title": "Slides", "url": "https://example.org/slides.pdf"},
            headers=service.auth(Role.coordinator),
        )
        assert added.status_code == 201, added.text
        return str(added.json()["id"])

    world = World(
        service=service,
        organisation=mine.org_a,
        coach=mine.coach,
        own={
            "cohort_id": str(mine.id),
            "session_id": learning_set,
            "team_id": str(mine.a1),
            "token_id": spare_token["id"],
            "organisation_id": str(mine.org_a),
            "material_id": await material(learning_set),
        },
        other={
            "cohort_id": str(theirs.id),
            "session_id": other_set,
            "team_id": str(theirs.a1),
            "token_id": other_token["id"],
            "organisation_id": str(theirs.org_a),
            "material_id": await material(other_set),
        },
        missing={
            k: _missing()
            for k in (
                "cohort_id",
                "session_id",
                "team_id",
                "token_id",
                "organisation_id",
                "material_id",
            )
        },
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
        ("PATCH", f"{api}/cohorts/{{cohort_id}}"): lambda side: {
            "default_join_url": "https://meet.example.org/cohort"
        },
        ("POST", f"{api}/sessions/{{session_id}}/register"): lambda side: {
            "marks": [{"team_id": teams[side], "attended": False}]
        },
        ("POST", f"{api}/sessions/{{session_id}}/materials"): lambda side: {
            "kind": "slides",
            "title": "Slides",
            "url": "https://example.org/slides.pdf",
        },
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


# --- improvement -------------------------------------------------------------------------------


async def _improvement_tenant(
    service: RunningService, org: uuid.UUID, coach: uuid.UUID, start: date
) -> dict[str, str]:
    """A cohort with one team of ``org`` coached by ``coach``, and every kind of object of its
    project: member, meeting with an action, idea, voting round, diagram, a started cycle (so the
    idea is in the cohort's library), a progress score."""

    cohort, team = uuid.uuid4(), uuid.uuid4()
    event = confirmed(cohort_id=cohort, organisation_id=org, team_id=team, name="Ward 7")
    event = event.model_copy(update={"terms": cohort_terms(start)})
    await publish_event(service.settings.nats_url, event)
    await publish_event(
        service.settings.nats_url,
        CoachAllocated(cohort_id=cohort, team_id=team, coach_id=coach, coach_name="Coach"),
    )
    api, coordinator = "/api/improvement", service.auth(Role.coordinator)

    async def coached() -> bool:
        found = await service.client.get(f"{api}/teams/{team}", headers=coordinator)
        return found.status_code == 200 and found.json()["coach_id"] == str(coach)

    await eventually(coached)

    async def made(method: str, path: str, body: Any = None) -> Any:
        answer = await service.client.request(
            method, f"{api}/{path}", json=body, headers=coordinator
        )
        assert answer.status_code in (200, 201), f"{path}: {answer.text}"
        return answer.json()

    today = datetime.now(UTC).date().isoformat()
    member = await made("POST", f"teams/{team}/members", {"role": "Band 6 nurse"})
    await made(
        "PUT",
        f"teams/{team}/aim",
        {"what": "More joy", "how_much": "a lot", "by_when": "2099-01-01"},
    )
    meeting = await made(
        "POST",
        f"teams/{team}/meetings",
        {
            "held_on": today,
            "coach_present": True,
            "actions": [{"description": "Survey", "owner": "Lead"}],
        },
    )
    ideas = [
        await made("POST", f"teams/{team}/ideas", {"kind": "impediment", "text": text})
        for text in ("The rota", "The printer")
    ]
    voting = await made("POST", f"teams/{team}/voting-rounds", {"title": "Vote", "ballots": 5})
    diagram = await made("POST", f"teams/{team}/diagram")
    driver = diagram["primary_drivers"][0]["id"]
    diagram = await made(
        "POST", f"diagrams/{diagram['id']}/change-ideas", {"driver_id": driver, "name": "Huddle"}
    )
    idea = diagram["primary_drivers"][0]["change_ideas"][0]
    cycle = await made(
        "POST", f"change-ideas/{idea['id']}/cycles", {"objective": "o", "prediction": "p"}
    )
    await made("POST", f"cycles/{cycle['id']}/start", {})
    month = (
        start.replace(month=start.month + 1)
        if start.month < 12
        else start.replace(year=start.year + 1, month=1)
    )
    await made("PUT", f"teams/{team}/progress-scores/{month:%Y-%m}", {"score": 1.5})
    return {
        "cohort_id": str(cohort),
        "team_id": str(team),
        "member_id": member["id"],
        "meeting_id": meeting["id"],
        "action_id": meeting["actions"][0]["id"],
        "idea_id": ideas[0]["id"],
        "round_id": voting["round"]["id"],
        "diagram_id": diagram["id"],
        "driver_id": driver,
        "change_idea_id": idea["id"],
        "cycle_id": cycle["id"],
        "library_idea_id": idea["origin_id"],
        "version": "1",
        "month": f"{month:%Y-%m}",
    }


async def improvement_world(service: RunningService) -> World:
    today = datetime.now(UTC).date()
    start = date(today.year - (today.month <= 2), (today.month - 3) % 12 + 1, 1)
    coach, other_coach = uuid.uuid4(), uuid.uuid4()
    org_a, org_b = uuid.uuid4(), uuid.uuid4()
    own = await _improvement_tenant(service, org_a, coach, start)
    other = await _improvement_tenant(service, org_b, other_coach, start)
    world = World(
        service=service,
        organisation=org_a,
        coach=coach,
        own=own,
        other=other,
        missing={k: (v if k in ("version", "month") else _missing()) for k, v in own.items()},
    )
    api = "/api/improvement"
    sides = {"own": own, "other": other}

    def of(side: Side, key: str) -> str:
        return sides.get(side, world.missing)[key]

    plan = {"objective": "Try it", "prediction": "It helps"}
    world.bodies = {
        ("POST", f"{api}/teams/{{team_id}}/members"): lambda side: {"role": "Peer worker"},
        ("PATCH", f"{api}/teams/{{team_id}}/members/{{member_id}}"): lambda side: {"role": "OT"},
        ("PUT", f"{api}/teams/{{team_id}}/aim"): lambda side: {
            "what": "More joy",
            "how_much": "a lot",
            "by_when": "2099-01-01",
        },
        ("POST", f"{api}/teams/{{team_id}}/meetings"): lambda side: {
            "held_on": today.isoformat(),
            "coach_present": False,
        },
        ("PATCH", f"{api}/actions/{{action_id}}"): lambda side: {"owner": "Data champion"},
        ("POST", f"{api}/teams/{{team_id}}/themes"): lambda side: {"name": f"T {uuid.uuid4()}"},
        ("POST", f"{api}/teams/{{team_id}}/ideas"): lambda side: {
            "kind": "what_matters",
            "text": "Being thanked",
        },
        ("PATCH", f"{api}/ideas/{{idea_id}}"): lambda side: {"status": "planned"},
        ("POST", f"{api}/teams/{{team_id}}/voting-rounds"): lambda side: {
            "title": "Vote",
            "ballots": 2,
        },
        ("POST", f"{api}/voting-rounds/{{round_id}}/ballots"): lambda side: {
            "code": "AAAA-AAAA",
            "votes": [of(side, "idea_id")],
        },
        ("PUT", f"{api}/diagrams/{{diagram_id}}/aim"): lambda side: {"aim": "Joy at work"},
        ("POST", f"{api}/diagrams/{{diagram_id}}/drivers"): lambda side: {"name": "Safe staffing"},
        ("PATCH", f"{api}/diagrams/{{diagram_id}}/drivers/{{driver_id}}"): lambda side: {
            "name": "Renamed"
        },
        ("POST", f"{api}/diagrams/{{diagram_id}}/change-ideas"): lambda side: {
            "driver_id": of(side, "driver_id"),
            "name": "Walking meetings",
        },
        ("POST", f"{api}/diagrams/{{diagram_id}}/change-ideas/copies"): lambda side: {
            "library_idea_id": of(side, "library_idea_id")
        },
        ("PATCH", f"{api}/change-ideas/{{change_idea_id}}"): lambda side: {"name": "Renamed"},
        ("POST", f"{api}/change-ideas/{{change_idea_id}}/cycles"): lambda side: plan,
        ("PUT", f"{api}/cycles/{{cycle_id}}/plan"): lambda side: plan,
        ("POST", f"{api}/cycles/{{cycle_id}}/start"): lambda side: {},
        ("PUT", f"{api}/cycles/{{cycle_id}}/do"): lambda side: {"what_happened": "It ran"},
        ("PUT", f"{api}/cycles/{{cycle_id}}/study"): lambda side: {
            "results": "r",
            "against_prediction": "as predicted",
        },
        ("POST", f"{api}/cycles/{{cycle_id}}/act"): lambda side: {"decision": "adapt"},
        ("PUT", f"{api}/cycles/{{cycle_id}}/sharing"): lambda side: {"summary": "It helped"},
        ("PUT", f"{api}/teams/{{team_id}}/progress-scores/{{month}}"): lambda side: {"score": 2.0},
    }
    return world


WORLDS["improvement"] = improvement_world


# --- notifications -----------------------------------------------------------------------------


async def notifications_world(service: RunningService) -> World:
    """A message to the callers' address (theirs) and one to someone else's; an unsubscribe link
    for a non-essential kind."""
    from sqlalchemy import select

    from services.notifications.messages import Recipient, notify
    from services.notifications.models import Message
    from services.notifications.rendering import unsubscribe_token
    from services.notifications.rules import Kind

    ids: dict[str, str] = {}
    for side, address in (("own", OWN_EMAIL), ("other", "someone-else@nhs.example")):
        async with service.app.state.database.transaction() as session:
            await notify(
                session,
                settings=service.settings,  # type: ignore[arg-type]
                event_key=str(uuid.uuid4()),
                kind=Kind.eoi_received,
                recipients=[Recipient(address, "A person")],
                values={"team_name": "Ward 1", "organisation_name": None, "cohort_name": None},
                now=datetime.now(UTC),
            )
            found = await session.scalar(select(Message.id).where(Message.recipient == address))
            ids[side] = str(found)
    world = World(
        service=service,
        organisation=uuid.uuid4(),
        coach=uuid.uuid4(),
        own={"message_id": ids["own"]},
        other={"message_id": ids["other"]},
        missing={"message_id": _missing()},
    )
    token = unsubscribe_token(
        service.settings.jwt_secret, recipient=OWN_EMAIL, kind=Kind.session_reminder
    )
    api = "/api/notifications"
    for method in ("GET", "POST"):
        world.queries[(method, f"{api}/unsubscribe")] = {"token": token}
    world.bodies = {
        ("PUT", f"{api}/me/preferences"): lambda side: {"kinds": {"chart_signal": True}},
        ("POST", f"{api}/erasures"): lambda side: {"email": "nobody-here@nhs.example"},
    }
    return world


WORLDS["notifications"] = notifications_world
