"""The operator routes every service has (``/api/<service>/admin``): dead letters and the outbox.

Dead letters hold whole events, and events carry personal data (contacts' names and emails): the
listing shows them redacted. An operator who needs one letter in full asks for it by id; that
access is logged (``shared.audit``) with who asked.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from fastapi import APIRouter, Request

from shared.auth import Operator
from shared.errors import NotFound, Unprocessable, problem_responses
from shared.inbox import InvalidEvent, get_dead_letter, list_dead_letters
from shared.logs import redact
from shared.outbox import backlog
from shared.problems import INVALID_EVENT

audit = logging.getLogger("shared.audit")

REDACTED = "[redacted]"
# Texts kept in a redacted payload: ids, times, amounts and dotted names (event types), which let
# an operator find the objects concerned; every other text (names, emails, notes) is replaced.
_SAFE_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\d{4}-\d\d-\d\d([T ][\d:.]+(Z|[+-]\d\d:?\d\d)?)?"
    r"|-?\d+(\.\d+)?"
    r"|[a-z][a-z_]*(\.[a-z][a-z_]*){2,}"
    r"|/[a-z][a-z_/-]*"
)
_ENVELOPE_KEYS = frozenset({"specversion", "id", "source", "type", "time", "datacontenttype"})
_INPUT_VALUE = re.compile(r"input_value=.*?, input_type=")


def _redact_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    if isinstance(value, str) and not _SAFE_TEXT.fullmatch(value):
        return REDACTED
    return value


def redacted_payload(payload: str) -> Any:
    """The envelope with its data reduced to what is not personal: the keys, ids, times, numbers
    and booleans stay; other texts become ``[redacted]``."""
    try:
        envelope = json.loads(payload)
    except ValueError:
        return f"{REDACTED} ({len(payload)} characters, not JSON)"
    if not isinstance(envelope, dict):
        return REDACTED
    return {
        key: value
        if key in _ENVELOPE_KEYS and isinstance(value, str) and _SAFE_TEXT.fullmatch(value)
        else _redact_value(value)
        for key, value in envelope.items()
    }


def redacted_dead_letter(letter: dict[str, Any]) -> dict[str, Any]:
    """A dead letter as listed to operators: the payload redacted, and in the error (a traceback,
    or the catalogue's validation message) the input values, emails and secrets masked."""
    error = _INPUT_VALUE.sub(f"input_value={REDACTED}, input_type=", str(letter["error"]))
    return {**letter, "payload": redacted_payload(letter["payload"]), "error": redact(error)}


def _plain(letter: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in letter.items()}


def operator_router(prefix: str) -> APIRouter:
    router = APIRouter(prefix=f"{prefix}/admin", tags=["operations"])

    @router.get(
        "/dead-letters",
        summary="Events whose handler kept failing, with their personal data redacted",
    )
    async def dead_letter_list(request: Request, _user: Operator) -> list[dict[str, Any]]:
        async with request.app.state.database.sessions() as session:
            letters = await list_dead_letters(session)
        return [_plain({**redacted_dead_letter(letter), "redacted": True}) for letter in letters]

    @router.get(
        "/dead-letters/{dead_letter_id}",
        summary="One dead letter in full (the access is logged)",
        responses=problem_responses(404),
    )
    async def dead_letter_in_full(
        request: Request, dead_letter_id: str, user: Operator
    ) -> dict[str, Any]:
        async with request.app.state.database.sessions() as session:
            letter = await get_dead_letter(session, dead_letter_id)
        if letter is None:
            raise NotFound("no such dead letter")
        audit.warning(
            "dead letter %s shown in full to %s (%s)",
            dead_letter_id,
            user.subject,
            user.role,
            extra={"dead_letter_id": dead_letter_id, "operator": user.subject},
        )
        return _plain({**letter, "redacted": False})

    @router.post(
        "/dead-letters/{dead_letter_id}/replay",
        summary="Run a dead-lettered event through its handler again",
        responses=problem_responses(404, 422),
    )
    async def dead_letter_replay(
        request: Request, dead_letter_id: str, _user: Operator
    ) -> dict[str, str]:
        try:
            outcome = await request.app.state.runner.replay(dead_letter_id)
        except KeyError as exc:
            raise NotFound("no such dead letter") from exc
        except InvalidEvent as exc:
            raise Unprocessable(
                "the event does not validate against the catalogue, so it cannot be replayed "
                f"({str(exc).splitlines()[0][:200]}); it stays listed",
                type=INVALID_EVENT,
            ) from exc
        return {"outcome": outcome}

    @router.get("/outbox", summary="Unpublished events waiting in the outbox")
    async def outbox_backlog(request: Request, _user: Operator) -> dict[str, int]:
        async with request.app.state.database.sessions() as session:
            return {"backlog": await backlog(session)}

    return router
