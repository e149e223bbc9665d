"""The development identity provider that `make run` and the browser tests use is a real OpenID
Connect provider: a person signs in on its page with Authorization Code and PKCE, a real service
accepts the RS256 access token it issues (verified against its JWKS over HTTP) with the role and
organisation picked, and when the provider rotates its key, tokens from the new key pass and
tokens from a retired key, or from a key it never had, are refused."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared import oidc
from shared.settings import ServiceSettings
from tests.oidc_flow import AUDIENCE, CLIENT_ID, DevProvider, dev_provider
from tests.support import NatsServer, run_service


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevProvider]:
    with dev_provider(tmp_path_factory.mktemp("oidc")) as running:
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_pkce_is_required_and_the_token_names_the_chosen_role(
    provider: DevProvider,
) -> None:
    async with httpx.AsyncClient() as client:
        configuration = (
            await client.get(f"{provider.issuer}/.well-known/openid-configuration")
        ).json()
        without_pkce = await client.get(
            configuration["authorization_endpoint"],
            params={
                "client_id": CLIENT_ID,
                "redirect_uri": f"{provider.console}/signed-in",
                "response_type": "code",
                "scope": "openid",
            },
        )
    # Refused back to the console: PKCE is required of this public client.
    assert "PKCE" in httpx.URL(without_pkce.headers["location"]).params.get("error_description", "")
    organisation = str(uuid.uuid4())
    answer = await asyncio.to_thread(provider.sign_in, "team_lead", org=organisation)
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert jwt.get_unverified_header(answer["access_token"])["alg"] == "RS256"
    assert claims["aud"] == AUDIENCE
    assert claims["iss"] == provider.issuer
    assert claims["roles"] == ["team_lead"]
    assert claims["org"] == organisation
    # The address the notifications feed is keyed by: the role's own when left empty.
    assert claims["email"] == "team.lead@example.nhs.uk"


async def test_the_token_carries_the_email_address_typed_on_the_sign_in_page(
    provider: DevProvider,
) -> None:
    answer = await asyncio.to_thread(
        provider.sign_in, "finance", email="Sam.Finance@Example.NHS.uk"
    )
    for token in (answer["access_token"], answer["id_token"]):
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["email"] == "sam.finance@example.nhs.uk"
    settings = ServiceSettings(service_name="test")
    principal = oidc.principal_from_claims(
        settings, jwt.decode(answer["access_token"], options={"verify_signature": False})
    )
    assert principal.email == "sam.finance@example.nhs.uk"


async def test_a_service_accepts_the_providers_tokens_across_a_key_rotation(
    provider: DevProvider, nats_server: NatsServer, tmp_path: Path
) -> None:
    oidc._caches.clear()
    oidc._verified.clear()
    settings: dict[str, Any] = {
        "oidc_issuer": provider.issuer,
        "oidc_audience": AUDIENCE,
        "oidc_jwks_cache_seconds": 0.5,
        "oidc_jwks_min_refresh_seconds": 0.0,
    }
    async with run_service("enrolment", nats_url=nats_server.url, **settings) as svc:

        async def status(token: str) -> int:
            response = await svc.client.get("/api/enrolment/cohorts", headers=bearer(token))
            return response.status_code

        before = (await asyncio.to_thread(provider.sign_in, "coordinator"))["access_token"]
        assert await status(before) == 200
        # A finance officer may list cohorts; a project lead may not open one.
        finance = (await asyncio.to_thread(provider.sign_in, "finance"))["access_token"]
        assert await status(finance) == 200
        lead = (await asyncio.to_thread(provider.sign_in, "team_lead", org=str(uuid.uuid4())))[
            "access_token"
        ]
        opened = await svc.client.post(
            "/api/enrolment/cohorts", headers=bearer(lead), json={"name": "x"}
        )
        assert opened.status_code == 403

        # The provider publishes a new key beside the old one and signs with it from now on.
        new_kid, old_kid = await asyncio.to_thread(provider.rotate)
        after = (await asyncio.to_thread(provider.sign_in, "coordinator"))["access_token"]
        assert jwt.get_unverified_header(after)["kid"] == new_kid
        # The new key is picked up at once (an unknown key id refreshes the keys) ...
        assert await status(after) == 200
        # ... and the old one still works while it is published.
        assert jwt.get_unverified_header(before)["kid"] == old_kid
        assert await status(before) == 200

        # The provider retires the old key: once the services' keys are refreshed, its tokens
        # (accepted a moment ago) are refused; the new key's still pass.
        assert await asyncio.to_thread(provider.retire) == [new_kid]
        await asyncio.sleep(0.6)
        assert await status(before) == 401
        assert await status(after) == 200

        # A token signed by a key the provider never had, even naming the provider's key id.
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = jwt.encode(
            jwt.decode(after, options={"verify_signature": False}),
            stranger,
            algorithm="RS256",
            headers={"kid": new_kid},
        )
        assert await status(forged) == 401
