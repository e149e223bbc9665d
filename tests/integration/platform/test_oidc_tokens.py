"""Bearer tokens from the organisation's OpenID Connect provider: verified against the keys it
publishes over HTTP (a JWKS this test serves and rotates), with issuer, audience, expiry and the
configured algorithms checked, and its claims mapped to the platform's roles, organisation and
coach. The development provider itself is exercised in ``test_dev_oidc_provider.py``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from shared import oidc
from shared.auth import CurrentUser, Role, issue_token
from shared.errors import Unauthorized, install_error_handlers
from shared.settings import ServiceSettings

AUDIENCE = "api://enjoying-work"


@dataclass
class Key:
    kid: str
    private: Any
    alg: str

    def public_jwk(self) -> dict[str, Any]:
        algorithm = RSAAlgorithm if self.alg.startswith(("RS", "PS")) else ECAlgorithm
        data: dict[str, Any] = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**data, "kid": self.kid, "use": "sig"}


def rsa_key(kid: str | None = None) -> Key:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Key(kid or uuid.uuid4().hex, private, "RS256")


def ec_key(kid: str | None = None) -> Key:
    return Key(kid or uuid.uuid4().hex, ec.generate_private_key(ec.SECP256R1()), "ES256")


@dataclass
class Provider:
    """An issuer whose discovery document and JWKS are served over real HTTP."""

    url: str
    keys: list[Key] = field(default_factory=list)
    jwks_requests: int = 0

    def sign(self, key: Key, *, ttl: float = 300, **overrides: Any) -> str:
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": "person-1",
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
            "roles": ["coordinator"],
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key.private, algorithm=key.alg, headers={"kid": key.kid})


@pytest.fixture
def provider() -> Iterator[Provider]:
    state: dict[str, Provider] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            issuer = state["provider"]
            if self.path == "/.well-known/openid-configuration":
                body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/keys"}
            elif self.path == "/keys":
                issuer.jwks_requests += 1
                body = {"keys": [key.public_jwk() for key in issuer.keys]}
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["provider"] = Provider(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state["provider"]
    finally:
        server.shutdown()
        server.server_close()


def settings_for(provider: Provider, **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "service_name": "test",
        "environment": "test",
        "oidc_issuer": provider.url,
        "oidc_audience": AUDIENCE,
        "oidc_jwks_min_refresh_seconds": 0.0,
        **overrides,
    }
    return ServiceSettings(**values)


def app_for(settings: ServiceSettings) -> TestClient:
    app = FastAPI()
    app.state.settings = settings
    install_error_handlers(app)

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, str | None]:
        return {
            "subject": user.subject,
            "role": user.role,
            "organisation": str(user.organisation_id) if user.organisation_id else None,
            "coach": str(user.coach_id) if user.coach_id else None,
        }

    return TestClient(app)


def call(client: TestClient, token: str) -> Any:
    return client.get("/me", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    oidc._caches.clear()
    oidc._verified.clear()
    yield
    oidc._caches.clear()
    oidc._verified.clear()


def test_a_provider_token_signs_the_person_in_with_mapped_claims(provider: Provider) -> None:
    key = rsa_key()
    provider.keys = [key]
    organisation = uuid.uuid4()
    client = app_for(settings_for(provider))
    answer = call(client, provider.sign(key, roles=["team_lead"], org=str(organisation)))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "subject": "person-1",
        "role": "team_lead",
        "organisation": str(organisation),
        "coach": None,
    }


def test_es256_is_accepted_as_configured_and_refused_when_not(provider: Provider) -> None:
    key = ec_key()
    provider.keys = [key]
    coach = uuid.uuid4()
    token = provider.sign(key, roles="coach", coach=str(coach))
    assert call(app_for(settings_for(provider)), token).json()["coach"] == str(coach)
    only_rsa = app_for(settings_for(provider, oidc_algorithms=["RS256"]))
    # Not a provider algorithm here: the token is judged as a shared-secret token, and refused.
    assert call(only_rsa, token).status_code == 401


def test_a_token_signed_by_a_key_the_provider_does_not_list_is_refused(provider: Provider) -> None:
    listed = rsa_key()
    provider.keys = [listed]
    impostor = rsa_key(kid=listed.kid)  # same key id, another key
    client = app_for(settings_for(provider))
    assert call(client, provider.sign(listed)).status_code == 200
    refused = call(client, provider.sign(impostor))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert call(client, provider.sign(rsa_key())).status_code == 401  # unknown key id


def test_key_rotation_picks_up_the_new_key_and_drops_the_retired_one(provider: Provider) -> None:
    old, new = rsa_key(), rsa_key()
    provider.keys = [old]
    client = app_for(settings_for(provider, oidc_jwks_cache_seconds=3600))
    old_token = provider.sign(old)
    assert call(client, old_token).status_code == 200
    fetches = provider.jwks_requests

    provider.keys = [new]  # the provider rotates and retires the old key at once
    new_token = provider.sign(new)
    # The unknown key id makes one early refresh: the new key works at once.
    assert call(client, new_token).status_code == 200
    assert provider.jwks_requests == fetches + 1
    # The refreshed set no longer lists the old key: its token, verified before, now fails.
    assert call(client, old_token).status_code == 401
    assert call(client, new_token).status_code == 200


def test_the_keys_are_refetched_once_the_cache_expires(provider: Provider) -> None:
    old, new = rsa_key(), rsa_key()
    provider.keys = [old, new]
    client = app_for(settings_for(provider, oidc_jwks_cache_seconds=0.3))
    old_token = provider.sign(old)
    assert call(client, old_token).status_code == 200
    provider.keys = [new]
    assert call(client, old_token).status_code == 200  # still cached
    time.sleep(0.4)
    assert call(client, old_token).status_code == 401


def test_unknown_key_ids_refresh_at_most_once_per_interval(provider: Provider) -> None:
    key = rsa_key()
    provider.keys = [key]
    client = app_for(settings_for(provider, oidc_jwks_min_refresh_seconds=60))
    assert call(client, provider.sign(key)).status_code == 200
    fetches = provider.jwks_requests
    for _ in range(5):
        assert call(client, provider.sign(rsa_key())).status_code == 401
    assert provider.jwks_requests <= fetches + 1


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://login.example.org/other"},
        {"aud": "another-api"},
        {"ttl": -120},
        {"sub": None},
        {"roles": ["gardener"]},
        {"roles": None},
        {"org": "not-a-uuid", "roles": ["team_lead"]},
    ],
    ids=["issuer", "audience", "expired", "no-subject", "unknown-role", "no-role", "bad-org"],
)
def test_tokens_with_a_wrong_claim_are_refused(provider: Provider, claims: dict[str, Any]) -> None:
    key = rsa_key()
    provider.keys = [key]
    ttl = claims.pop("ttl", 300)
    response = call(app_for(settings_for(provider)), provider.sign(key, ttl=ttl, **claims))
    assert response.status_code == 401


def test_an_unsigned_or_secret_signed_token_never_passes_as_a_provider_token(
    provider: Provider,
) -> None:
    key = rsa_key()
    provider.keys = [key]
    settings = settings_for(provider)
    client = app_for(settings)
    claims = jwt.decode(provider.sign(key), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": key.kid})
    assert call(client, unsigned).status_code == 401
    # HS256 with the public key as the "secret" (the classic confusion attack), signed by hand
    # (PyJWT itself refuses to sign so).
    public_pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    body = ".".join(
        base64.urlsafe_b64encode(json.dumps(part, default=str).encode()).rstrip(b"=").decode()
        for part in (header, claims)
    )
    signature = hmac.new(public_pem, body.encode(), hashlib.sha256).digest()
    confused = body + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    assert call(client, confused).status_code == 401


def test_development_tokens_still_work_beside_the_provider(provider: Provider) -> None:
    provider.keys = [rsa_key()]
    settings = settings_for(provider)
    answer = call(app_for(settings), issue_token(settings, role=Role.finance))
    assert answer.status_code == 200
    assert answer.json()["role"] == "finance"


def test_the_role_map_translates_the_providers_roles(provider: Provider) -> None:
    key = rsa_key()
    provider.keys = [key]
    settings = settings_for(
        provider,
        oidc_subject_claim="oid",
        oidc_role_claim="groups",
        oidc_role_map={"b1e5-finance-group": "finance", "c0de-coaches": "coach"},
    )
    client = app_for(settings)
    token = provider.sign(key, oid="object-7", groups=["unrelated", "b1e5-finance-group"])
    assert call(client, token).json() == {
        "subject": "object-7",
        "role": "finance",
        "organisation": None,
        "coach": None,
    }
    # The platform's own role names are not accepted when a map is configured.
    assert call(client, provider.sign(key, oid="o", groups=["coordinator"])).status_code == 401


def test_several_roles_act_as_the_first_in_precedence() -> None:
    settings = ServiceSettings(
        service_name="test", environment="test", oidc_issuer="https://idp", oidc_audience="a"
    )
    coach = str(uuid.uuid4())
    principal = oidc.principal_from_claims(
        settings, {"sub": "s", "roles": ["finance", "coach"], "coach": coach}
    )
    assert principal.role == Role.coach
    # A scoped role needs its claim, whichever way the token came (a coach with no coach id
    # could otherwise act on any team that has no coach).
    with pytest.raises(Unauthorized, match="coach"):
        oidc.principal_from_claims(settings, {"sub": "s", "roles": ["finance", "coach"]})
    with pytest.raises(Unauthorized):
        oidc.principal_from_claims(settings, {"sub": "s", "roles": []})


def test_a_provider_outage_keeps_the_keys_already_fetched(provider: Provider) -> None:
    key = rsa_key()
    provider.keys = [key]
    settings = settings_for(provider, oidc_jwks_cache_seconds=0.1)
    client = app_for(settings)
    token = provider.sign(key)
    assert call(client, token).status_code == 200
    cache = oidc.key_cache(settings)
    cache.jwks_url = "http://127.0.0.1:9/keys"  # nothing listens there
    time.sleep(0.2)
    assert call(client, token).status_code == 200


def test_settings_need_an_audience_known_roles_and_https_in_production() -> None:
    with pytest.raises(ValueError, match="OIDC_AUDIENCE"):
        ServiceSettings(service_name="t", oidc_issuer="https://idp")
    with pytest.raises(ValueError, match="lacks"):
        ServiceSettings(
            service_name="t", oidc_issuer="https://idp", oidc_audience="a", oidc_role_map={"x": "y"}
        )
    with pytest.raises(ValueError, match="https"):
        ServiceSettings(
            service_name="t",
            environment="production",
            database_url="postgresql+asyncpg://u@h/d",
            jwt_secret="s" * 40,
            oidc_issuer="http://idp",
            oidc_audience="a",
        )
