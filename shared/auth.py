"""Who is calling: bearer JWTs for people, organisation-scoped API keys for trust systems.

People signed in through the organisation's OpenID Connect provider carry its RS256/ES256 access
tokens, verified against its published keys (``shared.oidc``). Tokens signed with the shared
secret (``make token``; HS256 by default) stay for development, tests and the runbook's
break-glass operator token; production refuses the development secret.

Shared-secret JWTs: the algorithm is fixed by configuration (never taken from the token); issuer, audience,
expiry and a known role are required. API keys: ``ewc_<prefix>_<secret>``; only a SHA-256 hash of
the whole key is stored, looked up by the non-secret prefix, compared in constant time. The
recognisable ``ewc_`` prefix lets secret scanners find leaked keys.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, Unauthorized
from shared.settings import ServiceSettings


class Role(StrEnum):
    coordinator = "coordinator"
    coach = "coach"
    team_lead = "team_lead"
    finance = "finance"
    operator = "operator"
    # Someone the identity provider knows but the programme does not yet: may apply (submit an
    # expression of interest) and follow their own applications.
    applicant = "applicant"
    # Another service of the platform calling with its own credentials (e.g. notifications
    # fetching an invoice's PDF from billing); the token's subject names the calling service.
    service = "service"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a person (role from the token) or a machine (API key)."""

    subject: str
    role: Role | None
    organisation_id: uuid.UUID | None = None
    coach_id: uuid.UUID | None = None
    api_key_id: str | None = None
    # The person's e-mail address (the token's ``email`` claim), when it carries one: how the
    # notifications feed knows whose messages are theirs.
    email: str | None = None

    @property
    def is_machine(self) -> bool:
        return self.api_key_id is not None


def issue_token(
    settings: ServiceSettings,
    *,
    role: Role | str,
    subject: str = "dev-user",
    organisation_id: uuid.UUID | str | None = None,
    coach_id: uuid.UUID | str | None = None,
    ttl: timedelta = timedelta(hours=8),
    **claims: Any,
) -> str:
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "sub": subject,
        "role": str(role),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl,
        **claims,
    }
    if organisation_id is not None:
        payload["org"] = str(organisation_id)
    if coach_id is not None:
        payload["coach"] = str(coach_id)
    return jwt.encode(payload, settings.jwt_secret, algorithm=settings.jwt_algorithm)


# Roles whose scope is named by a claim: a token of that role without the claim is refused.
CLAIM_REQUIRED: dict[Role, str] = {Role.coach: "coach", Role.team_lead: "org"}


class VerifiedTokens:
    """Callers whose tokens were verified, remembered until each token's expiry (at most
    ``bound`` at once; all forgotten when full): a client sends the same token on every request,
    and verifying it again (signature, claims) was a noticeable share of a simple read."""

    def __init__(self, bound: int = 4096) -> None:
        self.bound = bound
        self._items: dict[tuple[Any, ...], tuple[Principal, float]] = {}

    def get(self, key: tuple[Any, ...]) -> Principal | None:
        found = self._items.get(key)
        if found is None:
            return None
        principal, expires = found
        if time.time() < expires:
            return principal
        del self._items[key]
        return None

    def put(self, key: tuple[Any, ...], principal: Principal, expires: float) -> None:
        if len(self._items) >= self.bound:
            self._items.clear()
        self._items[key] = (principal, expires)

    def clear(self) -> None:
        self._items.clear()


_verified = VerifiedTokens()


def decode_token(settings: ServiceSettings, token: str) -> Principal:
    key = (
        token,
        settings.jwt_secret,
        settings.jwt_algorithm,
        settings.jwt_audience,
        settings.jwt_issuer,
    )
    cached = _verified.get(key)
    if cached is not None:
        return cached
    principal, expires = _verify(settings, token)
    _verified.put(key, principal, expires)
    return principal


def _verify(settings: ServiceSettings, token: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid bearer token: {type(exc).__name__}") from exc
    try:
        role = Role(str(claims.get("role")))
        organisation = uuid.UUID(claims["org"]) if claims.get("org") else None
        coach = uuid.UUID(claims["coach"]) if claims.get("coach") else None
    except (ValueError, TypeError) as exc:
        raise Unauthorized("the token has no valid role or organisation") from exc
    claim = CLAIM_REQUIRED.get(role)
    if claim is not None and not claims.get(claim):
        # Without it, a scope check would compare None with None (a team with no coach).
        raise Unauthorized(f"a {role} token needs a `{claim}` claim")
    email = claims.get("email")
    principal = Principal(
        subject=str(claims["sub"]),
        role=role,
        organisation_id=organisation,
        coach_id=coach,
        email=email if isinstance(email, str) and "@" in email else None,
    )
    return principal, float(claims["exp"])


_bearer = HTTPBearer(
    auto_error=False, description="A bearer JWT (people) or an API key (trust systems)."
)


async def get_current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("credentials are required")
    settings: ServiceSettings = request.app.state.settings
    token = credentials.credentials
    if token.startswith(API_KEY_PREFIX):
        resolver = getattr(request.app.state, "api_key_resolver", None)
        if resolver is None:
            raise Unauthorized("API keys are not accepted here")
        principal: Principal = await resolver(request, token)
        return principal
    if settings.oidc_issuer:
        from shared import oidc  # imports this module

        if oidc.is_provider_token(settings, token):
            return await oidc.verify_provider_token(settings, token)
    return decode_token(settings, token)


CurrentUser = Annotated[Principal, Depends(get_current_user)]


class RoleCheck:
    """The dependency ``require_roles`` makes: it lets only people with one of ``roles`` (and
    organisation API keys, when ``api_keys``) through, 403 naming the allowed roles otherwise.
    The app factory reads ``roles`` from each route's dependencies to document them in OpenAPI
    (``x-roles``), so the documented roles are the enforced ones."""

    def __init__(self, roles: frozenset[Role], *, api_keys: bool = False) -> None:
        self.roles = roles
        self.api_keys = api_keys

    def names(self) -> list[str]:
        return sorted(str(role) for role in self.roles)

    async def __call__(self, user: CurrentUser) -> Principal:
        allowed = user.role in self.roles if not user.is_machine else self.api_keys
        if not allowed:
            who = ", ".join(self.names()) + (" and API keys" if self.api_keys else "")
            raise Forbidden(f"your role may not do this; this route is for: {who or 'no role'}")
        return user


def require_roles(*roles: Role, api_keys: bool = False) -> Any:
    """A dependency that lets only people with one of ``roles`` through (403 otherwise)."""
    return Depends(RoleCheck(frozenset(roles), api_keys=api_keys))


# Named dependencies for the common role sets.
Coordinator = Annotated[Principal, require_roles(Role.coordinator)]
Operator = Annotated[Principal, require_roles(Role.operator, Role.coordinator)]


# --- API keys --------------------------------------------------------------------------------

API_KEY_PREFIX = "ewc_"


@dataclass(frozen=True)
class NewApiKey:
    prefix: str  # non-secret, stored and shown in listings
    secret: str  # the whole key, shown once at creation
    hash: str  # what is stored


def hash_api_key(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(key.encode()).hexdigest()


def generate_api_key() -> NewApiKey:
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(prefix=prefix, secret=secret, hash=hash_api_key(secret))


def api_key_prefix(key: str) -> str | None:
    if not key.startswith(API_KEY_PREFIX):
        return None
    parts = key[len(API_KEY_PREFIX) :].split("_", 1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0]


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(key), stored_hash)
