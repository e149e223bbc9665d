"""People signed in through the organisation's OpenID Connect provider (Microsoft Entra ID in
production, the development provider under ``make run`` and the tests).

The console sends the provider's access token (a JWT, RS256 or ES256). It is verified against the
provider's published keys (JWKS): the keys are fetched once and kept ``oidc_jwks_cache_seconds``;
a token naming a key id the cache lacks makes one early refresh (at most every
``oidc_jwks_min_refresh_seconds``), so a provider's new key is picked up at once and a key the
provider no longer lists stops working at the next refresh. The accepted algorithms come from
configuration, never from the token; issuer, audience, expiry and subject are required.

Claims become a ``Principal`` through a configurable mapping: ``oidc_role_claim`` (a string or a
list, e.g. Entra's app ``roles`` or ``groups``) is looked up in ``oidc_role_map`` (claim value →
platform role; empty: the values are the platform's role names); a person with several mapped
roles acts with the first of ``ROLE_PRECEDENCE``. ``oidc_organisation_claim`` and
``oidc_coach_claim`` carry the organisation and coach ids.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from shared.auth import CLAIM_REQUIRED, Principal, Role, VerifiedTokens
from shared.errors import Unauthorized
from shared.settings import ServiceSettings

logger = logging.getLogger(__name__)

# Who a person with several platform roles acts as (the first one they hold).
ROLE_PRECEDENCE: tuple[Role, ...] = tuple(Role)


def is_provider_token(settings: ServiceSettings, token: str) -> bool:
    """Whether ``token`` is meant for the provider's keys: OIDC is configured and the token's
    header names one of the configured (asymmetric) algorithms."""
    if not settings.oidc_issuer:
        return False
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False
    return header.get("alg") in settings.oidc_algorithms


@dataclass
class _KeySet:
    """One provider's signing keys, as last fetched."""

    keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    fetched_at: float = float("-inf")  # monotonic; -inf: never
    attempted_at: float = float("-inf")
    # Bumped whenever the fetched set of key ids changes: verifications remembered under an older
    # generation are forgotten, so a key the provider dropped stops working at once.
    generation: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class JwksCache:
    """The provider's keys for one (issuer, JWKS address), fetched with httpx (never blocking
    the event loop), kept for ``oidc_jwks_cache_seconds``, refreshed early on an unknown key id."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.jwks_url = settings.oidc_jwks_url
        self.cache_seconds = settings.oidc_jwks_cache_seconds
        self.min_refresh_seconds = settings.oidc_jwks_min_refresh_seconds
        self.algorithms = frozenset(settings.oidc_algorithms)
        self._set = _KeySet()

    @property
    def generation(self) -> int:
        return self._set.generation

    async def ensure_fresh(self) -> None:
        if time.monotonic() - self._set.fetched_at >= self.cache_seconds:
            await self._refresh(reason="expired")

    async def key(self, kid: str | None) -> jwt.PyJWK:
        await self.ensure_fresh()
        found = self._find(kid)
        if found is None and time.monotonic() - self._set.attempted_at >= self.min_refresh_seconds:
            await self._refresh(reason="unknown key id")
            found = self._find(kid)
        if found is None:
            raise Unauthorized("the token is signed by a key the identity provider does not list")
        return found

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is not None:
            return self._set.keys.get(kid)
        # A token without a key id is accepted only while the provider lists exactly one key.
        return next(iter(self._set.keys.values())) if len(self._set.keys) == 1 else None

    async def _refresh(self, *, reason: str) -> None:
        key_set = self._set
        started = time.monotonic()
        async with key_set.lock:
            if key_set.attempted_at >= started:
                return  # another request refreshed while this one waited
            key_set.attempted_at = time.monotonic()
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
                # Keep the keys we had: a provider outage must not sign everybody out.
                logger.warning(
                    "identity provider keys not refreshed (%s): %s", reason, type(exc).__name__
                )
                return
            if set(keys) != set(key_set.keys):
                key_set.generation += 1
            key_set.keys = keys
            key_set.fetched_at = time.monotonic()

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        async with httpx.AsyncClient(timeout=5.0, follow_redirects=False) as client:
            url = self.jwks_url
            if not url:
                discovery = await client.get(f"{self.issuer}/.well-known/openid-configuration")
                discovery.raise_for_status()
                url = str(discovery.json()["jwks_uri"])
            response = await client.get(url)
            response.raise_for_status()
            document = response.json()
        keys: dict[str, jwt.PyJWK] = {}
        for data in document.get("keys", []):
            if data.get("use", "sig") != "sig" or "kid" not in data:
                continue
            try:
                # The algorithm is the configured one for the key's type, never the JWKS's word.
                key = jwt.PyJWK(data, algorithm=_algorithm_for(data, self.algorithms))
            except (jwt.PyJWTError, KeyError, ValueError):
                continue  # a key type or algorithm this service does not accept
            keys[str(data["kid"])] = key
        return keys


def _algorithm_for(data: Mapping[str, Any], accepted: frozenset[str]) -> str:
    kty, crv, alg = data.get("kty"), data.get("crv"), data.get("alg")
    if alg is not None:
        if alg not in accepted:
            raise ValueError(f"algorithm {alg} is not accepted")
        return str(alg)
    candidates = {
        "RSA": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
        "EC": {"P-256": ["ES256"], "P-384": ["ES384"], "P-521": ["ES512"]}.get(str(crv), []),
    }.get(str(kty), [])
    for candidate in candidates:
        if candidate in accepted:
            return candidate
    raise ValueError("no accepted algorithm for this key")


# One key cache per provider (a process has one, tests a few); bounded by the number of issuers.
_caches: dict[tuple[str, str], JwksCache] = {}
_verified = VerifiedTokens()


def key_cache(settings: ServiceSettings) -> JwksCache:
    identity = (settings.oidc_issuer.rstrip("/"), settings.oidc_jwks_url)
    cache = _caches.get(identity)
    if cache is None:
        if len(_caches) >= 16:
            _caches.clear()
        cache = _caches[identity] = JwksCache(settings)
    return cache


async def verify_provider_token(settings: ServiceSettings, token: str) -> Principal:
    """The person a provider-signed access token names (401 for anything not right)."""
    cache = key_cache(settings)
    await cache.ensure_fresh()
    remembered = _verified.get((token, cache.issuer, settings.oidc_audience, cache.generation))
    if remembered is not None:
        return remembered
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid bearer token: {type(exc).__name__}") from exc
    key = await cache.key(header.get("kid"))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=list(settings.oidc_algorithms),
            audience=settings.oidc_audience,
            issuer=settings.oidc_issuer,
            leeway=settings.oidc_leeway_seconds,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid bearer token: {type(exc).__name__}") from exc
    principal = principal_from_claims(settings, claims)
    # Remembered under the key set's generation: a change of the provider's keys forgets it.
    remembered_as = (token, cache.issuer, settings.oidc_audience, cache.generation)
    _verified.put(remembered_as, principal, float(claims["exp"]))
    return principal


def principal_from_claims(settings: ServiceSettings, claims: Mapping[str, Any]) -> Principal:
    """The configured mapping from a provider's claims to the platform's caller."""
    subject = claims.get(settings.oidc_subject_claim)
    if not isinstance(subject, str) or not subject:
        raise Unauthorized(f"the token has no {settings.oidc_subject_claim} claim")
    raw = claims.get(settings.oidc_role_claim)
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    held = {role for value in values if (role := map_role(settings, value)) is not None}
    role = next((r for r in ROLE_PRECEDENCE if r in held), None)
    if role is None:
        raise Unauthorized("the token carries no role of this platform")
    try:
        organisation = _uuid_claim(claims, settings.oidc_organisation_claim)
        coach = _uuid_claim(claims, settings.oidc_coach_claim)
    except ValueError as exc:
        raise Unauthorized("the token's organisation or coach is not an id") from exc
    scope = {"coach": coach, "org": organisation}.get(CLAIM_REQUIRED.get(role, ""), True)
    if scope is None:
        # Without it, a scope check would compare None with None (a team with no coach).
        raise Unauthorized(f"a {role} token needs its {CLAIM_REQUIRED[role]} claim")
    email = claims.get(settings.oidc_email_claim)
    return Principal(
        subject=subject,
        role=role,
        organisation_id=organisation,
        coach_id=coach,
        email=email if isinstance(email, str) and "@" in email else None,
    )


def map_role(settings: ServiceSettings, value: object) -> Role | None:
    if not isinstance(value, str):
        return None
    mapped = settings.oidc_role_map.get(value, value if not settings.oidc_role_map else None)
    try:
        return Role(mapped) if mapped is not None else None
    except ValueError:
        return None


def _uuid_claim(claims: Mapping[str, Any], name: str) -> uuid.UUID | None:
    value = claims.get(name) if name else None
    if value in (None, ""):
        return None
    return uuid.UUID(str(value))
