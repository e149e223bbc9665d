"""Token and API-key rules (shared.auth): algorithm, issuer, audience and expiry are enforced."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import timedelta
from typing import Any

import jwt
import pytest

from shared import auth
from shared.auth import (
    Role,
    api_key_matches,
    api_key_prefix,
    decode_token,
    generate_api_key,
    issue_token,
)
from shared.errors import Unauthorized
from shared.settings import ServiceSettings

SETTINGS = ServiceSettings(service_name="test", environment="test", jwt_secret="x" * 40)


def test_a_valid_token_gives_role_and_organisation() -> None:
    org = uuid.uuid4()
    principal = decode_token(
        SETTINGS, issue_token(SETTINGS, role=Role.team_lead, organisation_id=org)
    )
    assert principal.role is Role.team_lead
    assert principal.organisation_id == org
    assert not principal.is_machine


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none_is_refused() -> None:
    claims = jwt.decode(
        issue_token(SETTINGS, role=Role.coordinator), options={"verify_signature": False}
    )
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    with pytest.raises(Unauthorized):
        decode_token(SETTINGS, unsigned)


def test_a_token_signed_with_another_key_is_refused() -> None:
    other = ServiceSettings(service_name="test", environment="test", jwt_secret="y" * 40)
    with pytest.raises(Unauthorized):
        decode_token(SETTINGS, issue_token(other, role=Role.coordinator))


def test_another_algorithm_than_configured_is_refused() -> None:
    other = ServiceSettings(
        service_name="test", environment="test", jwt_secret="x" * 40, jwt_algorithm="HS512"
    )
    with pytest.raises(Unauthorized):
        decode_token(SETTINGS, issue_token(other, role=Role.coordinator))


def test_an_expired_token_is_refused() -> None:
    token = issue_token(SETTINGS, role=Role.coordinator, ttl=timedelta(seconds=-5))
    with pytest.raises(Unauthorized):
        decode_token(SETTINGS, token)


def test_a_verified_token_is_remembered_only_until_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifications: list[str] = []
    verify = auth._verify

    def counting(settings: ServiceSettings, token: str) -> Any:
        verifications.append(token)
        return verify(settings, token)

    monkeypatch.setattr(auth, "_verify", counting)
    token = issue_token(SETTINGS, role=Role.coach, coach_id=uuid.uuid4(), ttl=timedelta(minutes=5))
    assert decode_token(SETTINGS, token).role is Role.coach
    assert decode_token(SETTINGS, token).role is Role.coach
    assert len(verifications) == 1  # the second time from memory
    # Remembered for these settings only: another secret still refuses the same token.
    other = ServiceSettings(service_name="test", environment="test", jwt_secret="z" * 40)
    with pytest.raises(Unauthorized):
        decode_token(other, token)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 301)  # past the token's expiry
    decode_token(SETTINGS, token)
    assert len(verifications) == 3  # verified again (and PyJWT's own clock decides)


def test_wrong_issuer_or_audience_is_refused() -> None:
    for field in ("jwt_issuer", "jwt_audience"):
        other = ServiceSettings(
            service_name="test", environment="test", jwt_secret="x" * 40, **{field: "someone-else"}
        )
        with pytest.raises(Unauthorized):
            decode_token(SETTINGS, issue_token(other, role=Role.coordinator))


@pytest.mark.parametrize("role", [None, "", "superuser"])
def test_a_token_without_a_known_role_is_refused(role: str | None) -> None:
    token = jwt.encode(
        {
            "sub": "x",
            "iss": SETTINGS.jwt_issuer,
            "aud": SETTINGS.jwt_audience,
            "exp": 4102444800,
            **({"role": role} if role is not None else {}),
        },
        SETTINGS.jwt_secret,
        algorithm="HS256",
    )
    with pytest.raises(Unauthorized):
        decode_token(SETTINGS, token)


def test_api_keys_are_stored_hashed_and_found_by_prefix() -> None:
    key = generate_api_key()
    assert key.secret.startswith("ewc_")
    assert key.hash != key.secret and key.secret not in key.hash
    assert api_key_prefix(key.secret) == key.prefix
    assert api_key_matches(key.secret, key.hash)
    assert not api_key_matches(key.secret + "x", key.hash)
    assert api_key_prefix("not-a-key") is None
    assert api_key_prefix("ewc_only") is None


def test_production_refuses_development_secret_and_sqlite() -> None:
    with pytest.raises(ValueError, match="JWT secret"):
        ServiceSettings(
            service_name="x", environment="production", database_url="postgresql+asyncpg://h/db"
        )
    with pytest.raises(ValueError, match="PostgreSQL"):
        ServiceSettings(service_name="x", environment="production", jwt_secret="s" * 40)
    ok = ServiceSettings(
        service_name="x",
        environment="production",
        jwt_secret="s" * 40,
        database_url="postgresql+asyncpg://h/db",
    )
    assert ok.environment == "production"
