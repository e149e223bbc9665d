"""Issue #16 item 13: no log line carries a secret, whatever its shape (a JWT, an API key
``ewc_…``, a calendar feed token ``ewcal_…``, a bearer credential, a password in a URL) and
wherever it stands (the message, the path, the query, an exception's text)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest

from shared.auth import Role, issue_token
from shared.logs import JsonFormatter
from shared.settings import ServiceSettings
from tests.support import NatsServer, run_service

SETTINGS = ServiceSettings(service_name="test", environment="test", jwt_secret="l" * 40)
JWT = issue_token(SETTINGS, role=Role.coordinator, subject="ada")
SECRETS = {
    "jwt": JWT,
    "api key": "ewc_0123456789ab_Zx9-secretPART_of_the_key",
    "feed token": "ewcal_Qm9-feedSECRETtoken_value",
    "bearer": "Bearer opaque.secret-token",
    "password in a url": "nats://billing:hunter2secret@nats:4222",
}
# What must not survive, for each shape (the credential part, not the recognisable prefix).
LEAKS = {
    "jwt": [JWT, JWT.split(".")[1]],
    "api key": ["secretPART_of_the_key"],
    "feed token": ["feedSECRETtoken_value"],
    "bearer": ["opaque.secret-token"],
    "password in a url": ["hunter2secret"],
}


def _format(record: logging.LogRecord) -> str:
    return JsonFormatter("test").format(record)


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("shared.test", logging.WARNING, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def _error_record(text: str) -> logging.LogRecord:
    try:
        raise RuntimeError(f"could not use {text}")
    except RuntimeError:
        import sys

        record = _record("failed")
        record.exc_info = sys.exc_info()
        return record


def _places(secret: str) -> Iterator[tuple[str, logging.LogRecord]]:
    yield "message", _record(f"caller sent {secret} today")
    yield "path", _record("GET", path=f"/api/sessions/teams/{secret}/calendar.ics")
    encoded = secret.replace("_", "%5F").replace("=", "%3D")
    yield "mis-encoded path", _record("GET", path=f"/x/calendar.ics%3Ftoken%3D{encoded}")
    yield "query", _record("GET", query=f"token={secret}&from=2026-01-01")
    yield "error text", _error_record(secret)


@pytest.mark.parametrize("shape", sorted(SECRETS))
def test_every_secret_shape_is_redacted_wherever_it_stands(shape: str) -> None:
    for place, record in _places(SECRETS[shape]):
        line = _format(record)
        json.loads(line)  # still one JSON object
        for leak in LEAKS[shape]:
            assert leak not in line, f"{shape} in the {place}: {line}"


async def test_a_jwt_in_a_path_is_not_logged(nats_server: NatsServer) -> None:
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter("test"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        async with run_service("enrolment", nats_url=nats_server.url) as svc:
            token = svc.token(Role.coordinator)
            await svc.client.get(
                f"/api/enrolment/teams/{token}", headers=svc.auth(Role.coordinator)
            )
        async with run_service("sessions", nats_url=nats_server.url) as svc:
            feed = "ewcal_" + uuid.uuid4().hex
            # A calendar client that encoded the "?" and "=" of the feed URL into the path.
            await svc.client.get(
                f"/api/sessions/teams/{uuid.uuid4()}/calendar.ics%3Ftoken%3D{feed}"
            )
            await svc.client.get(
                f"/api/sessions/teams/{uuid.uuid4()}/calendar.ics", params={"token": feed}
            )
    finally:
        root.removeHandler(handler)
    logged = captured.getvalue()
    assert "/api/enrolment/teams/" in logged and "calendar.ics" in logged  # they were logged
    for secret in (token, token.split(".")[1], feed, feed.removeprefix("ewcal_")):
        assert secret not in logged
