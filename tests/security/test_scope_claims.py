"""Issue #16 item 10: a token whose role is scoped by a claim (a coach by `coach`, a team lead by
`org`) is refused at authentication (401) when the claim is missing. Before, a coach token
without a `coach` claim could record attendance for any team that had no coach (None == None).
"""

from __future__ import annotations

import uuid

import pytest

from shared.auth import CLAIM_REQUIRED, Role, decode_token, issue_token
from shared.errors import Unauthorized
from shared.settings import ServiceSettings
from tests.integration.sessions.sessions_world import make_cohort
from tests.security.matrix import SERVICES
from tests.support import NatsServer, run_service

SETTINGS = ServiceSettings(service_name="test", environment="test", jwt_secret="c" * 40)


@pytest.mark.parametrize(("role", "claim"), sorted(CLAIM_REQUIRED.items()))
def test_a_scoped_role_without_its_claim_is_unauthenticated(role: Role, claim: str) -> None:
    with pytest.raises(Unauthorized, match=f"`{claim}` claim"):
        decode_token(SETTINGS, issue_token(SETTINGS, role=role))
    scoped = {"coach": {"coach_id": uuid.uuid4()}, "org": {"organisation_id": uuid.uuid4()}}
    assert decode_token(SETTINGS, issue_token(SETTINGS, role=role, **scoped[claim])).role is role
    # Roles that see everything need no claim.
    for unscoped in (Role.coordinator, Role.finance, Role.operator):
        assert decode_token(SETTINGS, issue_token(SETTINGS, role=unscoped)).role is unscoped


def test_coaches_and_team_leads_are_the_scoped_roles() -> None:
    assert {Role.coach: "coach", Role.team_lead: "org"} == CLAIM_REQUIRED


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_refuses_a_scoped_token_without_its_claim(
    service: str, nats_server: NatsServer
) -> None:
    async with run_service(service, nats_url=nats_server.url) as svc:
        for role in CLAIM_REQUIRED:
            answer = await svc.client.get(
                f"/api/{service}/admin/outbox", headers=svc.auth(role, subject="no-claim")
            )
            assert answer.status_code == 401, (role, answer.text)
            assert "claim" in answer.json()["detail"]


async def test_a_coach_without_a_coach_claim_cannot_record_attendance(
    nats_server: NatsServer,
) -> None:
    """The case of the issue: attendance for a team that has no coach."""
    async with run_service("sessions", nats_url=nats_server.url) as svc:
        cohort = await make_cohort(svc)
        session_id = cohort.of_kind("learning_set")[0]["id"]
        answer = await svc.client.post(
            f"/api/sessions/sessions/{session_id}/attendance",
            json={"team_id": str(cohort.a2), "attended": False},  # a team with no coach
            headers=svc.auth(Role.coach, subject="coach-without-claim"),
        )
        assert answer.status_code == 401, answer.text
        recorded = await svc.client.get(
            f"/api/sessions/teams/{cohort.a2}/attendance", headers=cohort.coordinator
        )
        assert str(cohort.a2) not in recorded.text or "attended" not in recorded.text
