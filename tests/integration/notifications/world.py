"""Catalogue events for the notifications tests (each test makes its own people and teams)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.events.enrolment import (
    AccountsPayable,
    Address,
    CoachAllocated,
    CohortTerms,
    Contact,
    EoiSubmitted,
    OrganisationRef,
)
from tests.support import team_confirmed_event

COHORT = uuid.UUID("00000000-0000-0000-0000-000000002021")


def address(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:8]}@nhs.example"


class People:
    """A team's lead and sponsor, its coach and its organisation's accounts payable."""

    def __init__(self) -> None:
        self.lead = address("lead")
        self.sponsor = address("sponsor")
        self.coach = address("coach")
        self.payable = address("ap")
        self.team_id = uuid.uuid4()
        self.coach_id = uuid.uuid4()
        self.organisation_id = uuid.uuid4()
        self.cohort_id = uuid.uuid4()
        self.team_name = f"Ward {uuid.uuid4().hex[:4]}"
        self.lead_name = f"Lee Lead{uuid.uuid4().hex[:4]}"
        self.sponsor_name = f"Sam Sponsor{uuid.uuid4().hex[:4]}"

    def eoi(self) -> EoiSubmitted:
        return EoiSubmitted(
            cohort_id=self.cohort_id,
            team_id=self.team_id,
            organisation_id=self.organisation_id,
            team_name=self.team_name,
            setting="clinical",
            cohort_name="Enjoying Work 2027",
            organisation_name="Test Trust",
            project_lead=Contact(name=self.lead_name, email=self.lead, job_title="Ward manager"),
            senior_sponsor=Contact(
                name=self.sponsor_name, email=self.sponsor, job_title="Director"
            ),
        )

    def coach_allocated(self) -> CoachAllocated:
        return CoachAllocated(
            cohort_id=self.cohort_id,
            team_id=self.team_id,
            coach_id=self.coach_id,
            coach_name="Cora Coach",
            coach_email=self.coach,
        )

    def team_confirmed(self, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "cohort_id": self.cohort_id,
            "cohort_name": "Enjoying Work 2027",
            "team_id": self.team_id,
            "team_name": self.team_name,
            "organisation_id": self.organisation_id,
            "organisation": OrganisationRef(
                id=self.organisation_id,
                name="Test Trust",
                nation="england",
                invoicing_address=Address(lines=["1 Test Street"], postcode="AB1 2CD"),
                accounts_payable=AccountsPayable(email=self.payable, name="Accounts Payable"),
            ),
            "project_lead": Contact(name=self.lead_name, email=self.lead, job_title="Ward manager"),
            "senior_sponsor": Contact(
                name=self.sponsor_name, email=self.sponsor, job_title="Director"
            ),
            "coach_id": self.coach_id,
            # A cohort still to start: a withdrawal now is credited in full.
            "terms": CohortTerms(
                fee_per_team=Decimal("4300.00"),
                multi_team_discount=Decimal("0.10"),
                vat_rate=Decimal("0.20"),
                start_date=days_ago(-60),
                lead_in_months=2,
                coaching_months=10,
            ),
        }
        values.update(overrides)
        values.pop("organisation_id")
        return team_confirmed_event(organisation_id=self.organisation_id, **values)


def soon(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def days_ago(days: int) -> date:
    return datetime.now(UTC).date() - timedelta(days=days)


MONEY = {
    "net": Decimal("4300.00"),
    "vat_rate": Decimal("0.20"),
    "vat": Decimal("860.00"),
    "gross": Decimal("5160.00"),
}
