"""The route of erasure on request: a coordinator erases a person by their e-mail address."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.enrolment import erasure, schemas
from services.enrolment.api.common import Now
from shared.auth import Coordinator
from shared.db import Session
from shared.errors import problem_responses

erasure_routes = APIRouter(prefix="/erasures", tags=["erasures"])


@erasure_routes.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400),
    summary="Erase a person on request (records enrolment.person.erased)",
    description="Enrolment pseudonymises every record of the person at once (the answer counts "
    "them by kind); the other services do theirs when enrolment.person.erased reaches them, "
    "hence 202. The event names the person only by the digest of their address.",
)
async def erase_person(
    data: erasure.ErasureRequest, session: Session, user: Coordinator, now: Now
) -> schemas.ErasureOut:
    done = await erasure.erase_person(session, email=data.email, user=user, now=now)
    return schemas.erasure_out(done)
