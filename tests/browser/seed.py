"""What a journey needs to exist before a person starts, made through the services' own APIs
(development tokens, as `make token` gives) on the stack under test. Every journey makes its own
organisations and cohorts with unique names, so journeys never see each other's data."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from shared.auth import Role, issue_token
from shared.settings import ServiceSettings
from tests.browser.conftest import Stack

_DEV = ServiceSettings(service_name="browser-tests")


def _headers(role: Role, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(_DEV, role=role, **claims)}"}


def this_week() -> date:
    """The Monday of this week (a weekly measure's period)."""
    return date.today() - timedelta(days=date.today().weekday())


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:4].upper()}"


class Seed:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = httpx.Client(timeout=15)
        self._late: set[str] = set()  # cohorts whose deadline has passed

    def call(
        self,
        method: str,
        service: str,
        path: str,
        role: Role = Role.coordinator,
        claims: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Any:
        response = self.http.request(
            method,
            f"{self.stack.api(service)}{path}",
            headers=_headers(role, **(claims or {})),
            **kw,
        )
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def organisation(self, name: str) -> dict[str, Any]:
        return self.call(
            "POST",
            "enrolment",
            "/organisations",
            json={
                "name": name,
                "nation": "england",
                "invoicing_address": {"lines": ["1 Hospital Road", "Leeds"], "postcode": "LS1 4AB"},
            },
        )

    def cohort(
        self, name: str, *, minimum: int = 2, start: str = "2026-01-05", **terms: Any
    ) -> dict[str, Any]:
        """A cohort starting on ``start``. Its deadline falls before the start (the API refuses
        anything else): a month from today when the start allows it, else the week before the
        start, already passed, and the seed's expressions of interest are then late entries."""
        starts = date.fromisoformat(start)
        deadline = min(date.today() + timedelta(days=30), starts - timedelta(days=7))
        cohort = self.call(
            "POST",
            "enrolment",
            "/cohorts",
            json={
                "name": name,
                "eoi_deadline": f"{deadline.isoformat()}T17:00:00",
                "start_date": start,
                "minimum_teams": minimum,
                **terms,
            },
        )
        if deadline <= date.today():
            self._late.add(cohort["id"])
        return cohort

    def coach(self, name: str) -> dict[str, Any]:
        email = f"{uuid.uuid4().hex[:8]}@example.nhs.uk"
        return self.call(
            "POST", "enrolment", "/coaches", json={"name": name, "email": email, "capacity": 6}
        )

    def eoi(
        self, cohort_id: str, organisation_id: str, team_name: str, **extra: Any
    ) -> dict[str, Any]:
        body = {
            "organisation_id": organisation_id,
            "team_name": team_name,
            "setting": "clinical",
            "service_type": "Acute inpatient ward",
            "project_lead": {
                "name": "Ada Lovelace",
                "email": "ada@example.nhs.uk",
                "job_title": "Ward manager",
            },
            "senior_sponsor": {
                "name": "Grace Hopper",
                "email": "grace@example.nhs.uk",
                "job_title": "Service director",
            },
            "project_team": [
                {"role": "Band 6 nurse"},
                {"role": "Service user", "is_service_user": True},
            ],
            "team_size": 24,
            "contact_phone": "01632 960 001",
            "hopes_to_improve": "How often staff feel thanked for their work",
            "agreed_to_take_part": True,
            "can_meet_commitment": True,
            "will_attend_learning_sets": True,
            "will_implement_change_ideas": True,
            "will_collect_data": True,
            "late_entry": cohort_id in self._late,
            **extra,
        }
        return self.call("POST", "enrolment", f"/cohorts/{cohort_id}/eois", json=body)

    def feed(self, email: str, organisation_id: str) -> dict[str, Any]:
        """The notification feed of a project lead signed in with ``email``."""
        claims = {"organisation_id": organisation_id, "email": email}
        answer = self.try_call("GET", "notifications", "/me", Role.team_lead, claims)
        return answer or {"unread": 0, "items": []}

    def confirmed_team(self, *, coach: bool = True) -> dict[str, Any]:
        """An organisation's team confirmed into a going cohort (with a coach when one exists)."""
        organisation = self.organisation(unique("Northfield NHS Trust"))
        cohort = self.cohort(unique("Cohort"), minimum=1)
        coach_row = self.coach(unique("Casey Coach")) if coach else None
        team = self.eoi(cohort["id"], organisation["id"], unique("Willow Ward"))
        self.call("POST", "enrolment", f"/teams/{team['id']}/accept")
        self.call("POST", "enrolment", f"/cohorts/{cohort['id']}/close")
        self.call("POST", "enrolment", f"/cohorts/{cohort['id']}/decision", json={"decision": "go"})
        if coach_row:
            self.call(
                "PUT", "enrolment", f"/teams/{team['id']}/coach", json={"coach_id": coach_row["id"]}
            )
        return {"organisation": organisation, "cohort": cohort, "team": team, "coach": coach_row}

    def try_call(
        self,
        method: str,
        service: str,
        path: str,
        role: Role = Role.coordinator,
        claims: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Any:
        """The answer's JSON when it succeeds, else None (for ``eventually``)."""
        response = self.http.request(
            method,
            f"{self.stack.api(service)}{path}",
            headers=_headers(role, **(claims or {})),
            **kw,
        )
        return response.json() if response.is_success else None

    def plan_measure(self, cohort_id: str, measure: str) -> None:
        """Add a catalogue measure to the cohort's measurement plan (once measurement has
        learned of the cohort from enrolment's events)."""
        self.eventually(
            lambda: self.try_call("PUT", "measurement", f"/cohorts/{cohort_id}/plan/{measure}")
        )

    def weekly_values(
        self, world: dict[str, Any], measure: str, counts: list[int], *, weeks_before: int = 0
    ) -> None:
        """Weekly values of a measure (added to the cohort's plan first), posted by the trust's
        system with its organisation's API key, once measurement knows the team."""
        organisation_id = world["organisation"]["id"]
        team_id = world["team"]["id"]
        self.plan_measure(world["cohort"]["id"], measure)
        key = self.call(
            "POST",
            "measurement",
            "/api-keys",
            json={"organisation_id": organisation_id, "label": "browser tests"},
        )["secret"]
        # The last value is this week's (or ``weeks_before`` it), so that what happens today
        # shows on the chart.
        last = this_week() - timedelta(weeks=weeks_before)
        first = last - timedelta(weeks=len(counts) - 1)
        rows = [
            {
                "client_id": f"seed-{k}",
                "team_id": team_id,
                "measure": measure,
                "period": (first + timedelta(weeks=k)).isoformat(),
                "value": value,
            }
            for k, value in enumerate(counts)
        ]

        def post() -> bool:
            response = self.http.post(
                f"{self.stack.api('measurement')}/values",
                json={"rows": rows},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert response.is_success or "unknown team" in response.text, response.text
            return response.is_success

        self.eventually(post)

    def eventually(self, check: Callable[[], Any], timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            assert time.monotonic() < deadline, "the services did not catch up in time"
            time.sleep(0.2)

    def pdsa_cycle(self, world: dict[str, Any], measure: str, idea: str) -> dict[str, Any]:
        """The team's project lead starts a PDSA cycle today on a change idea of its driver
        diagram (through the improvement API, as the lead's console would), with ``measure`` as
        the measure that will show the effect: measurement notes it on that chart."""
        team_id = world["team"]["id"]
        lead = {"organisation_id": world["organisation"]["id"], "subject": "seed-lead"}

        def improvement(method: str, path: str, body: Any = None) -> Any:
            return self.call(method, "improvement", path, Role.team_lead, lead, json=body)

        # Improvement learns of the team from enrolment's events.
        self.eventually(
            lambda: self.try_call("GET", "improvement", f"/teams/{team_id}", Role.team_lead, lead)
        )
        diagram = improvement("POST", f"/teams/{team_id}/diagram")
        driver = diagram["primary_drivers"][0]
        diagram = improvement(
            "POST",
            f"/diagrams/{diagram['id']}/change-ideas",
            {"driver_id": driver["id"], "name": idea},
        )
        change_idea = next(d for d in diagram["primary_drivers"] if d["id"] == driver["id"])[
            "change_ideas"
        ][0]
        plan = {
            "objective": "Cards lift how thanked staff feel",
            "prediction": "Half the shift writes one",
            "measure_keys": [measure],
        }
        cycle = improvement("POST", f"/change-ideas/{change_idea['id']}/cycles", plan)
        started = improvement("POST", f"/cycles/{cycle['id']}/start", {})
        # Measurement notes it on the chart from improvement's event.
        self.eventually(
            lambda: any(
                idea in note["note"]
                for note in self.try_call(
                    "GET", "measurement", f"/teams/{team_id}/charts/{measure}/annotations"
                )
                or []
            )
        )
        return started

    def credited_organisation(self) -> dict[str, Any]:
        """Two teams of one organisation confirmed and invoiced (purchase orders recorded); the
        first paid in full, then withdrawn before the cohort's credit cutoff: its invoice is
        credited in full, and the credit, unused by a paid invoice, waits for finance to
        allocate it to the second team's invoice or refund it."""
        finance = Role.finance
        organisation = self.organisation(unique("Eastgate NHS Trust"))
        cohort = self.cohort(
            unique("Cohort"), minimum=1, withdrawal_credit_cutoff=f"{date.today().year + 1}-06-30"
        )
        teams = [
            self.eoi(cohort["id"], organisation["id"], unique(name)) for name in ("Birch", "Cedar")
        ]
        for team in teams:
            self.call("POST", "enrolment", f"/teams/{team['id']}/accept")
        self.call("POST", "enrolment", f"/cohorts/{cohort['id']}/close")
        self.call("POST", "enrolment", f"/cohorts/{cohort['id']}/decision", json={"decision": "go"})
        invoices = []
        for k, team in enumerate(teams):
            proforma = self.eventually(
                lambda team=team: [
                    p
                    for p in self.try_call(
                        "GET",
                        "billing",
                        "/proformas",
                        finance,
                        params={"organisation_id": organisation["id"]},
                    )
                    or []
                    if p["team_id"] == team["id"]
                ]
            )[0]
            self.call(
                "POST",
                "billing",
                f"/proformas/{proforma['id']}/purchase-order",
                finance,
                json={"purchase_order": f"PO-EAST-{k + 1}"},
            )
            invoices.append(
                self.eventually(
                    lambda team=team: self.try_call(
                        "GET", "billing", "/invoices", finance, params={"team_id": team["id"]}
                    )
                )[0]
            )
        paid = invoices[0]
        self.call(
            "POST",
            "billing",
            f"/invoices/{paid['id']}/payments",
            finance,
            json={
                "received_on": date.today().isoformat(),
                "amount": paid["gross"],
                "reference": "BACS EASTGATE",
                "method": "bacs",
            },
        )
        self.call(
            "POST",
            "enrolment",
            f"/teams/{teams[0]['id']}/withdraw",
            json={"reason": "The ward is closing for refurbishment"},
        )
        note = self.eventually(
            lambda: [
                n
                for n in self.try_call(
                    "GET", "billing", "/credit-notes", finance, params={"limit": 200}
                )
                or []
                if n["invoice_id"] == paid["id"]
            ]
        )[0]
        return {"organisation": organisation, "teams": teams, "invoices": invoices, "note": note}

    def invoiced(self, world: dict[str, Any], purchase_order: str = "PO-LEAD-1") -> dict[str, Any]:
        """The team's pro-forma given a purchase order by finance: its VAT invoice."""
        finance = Role.finance
        organisation_id = world["organisation"]["id"]
        team_id = world["team"]["id"]

        def of_team(path: str) -> list[Any]:
            found = self.try_call(
                "GET", "billing", path, finance, params={"organisation_id": organisation_id}
            )
            return [d for d in found or [] if d["team_id"] == team_id]

        proforma = self.eventually(lambda: of_team("/proformas"))[0]
        self.call(
            "POST",
            "billing",
            f"/proformas/{proforma['id']}/purchase-order",
            finance,
            json={"purchase_order": purchase_order},
        )
        return dict(self.eventually(lambda: of_team("/invoices"))[0])
