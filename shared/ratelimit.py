"""Per-caller rate limits (OWASP API4): a token bucket per API key (machines) or per person.

A refused call answers 429 ``application/problem+json`` with ``Retry-After`` (whole seconds).
The buckets live in the process (``app.state``), so a limit holds **per replica**: with N replicas
a caller may get up to N times the rate. That is acceptable for a burst guard; a shared store
(e.g. NATS KV or PostgreSQL) would be needed for an exact global limit.

Use it as a FastAPI dependency on a route::

    INGESTION = RateLimit("ingestion", capacity=60, refill_per_second=1.0)

    @router.post("/values", dependencies=[Depends(INGESTION)], responses=INGESTION.responses)

Every write route (POST, PUT, PATCH, DELETE) of every service gets exactly one limit from the
table ``LIMITS`` at the bottom: the app factory gives ``WRITES`` to each write route that names
none. Settings change a limit per service (``<SERVICE>_RATE_LIMITS``); tests may set
``app.state.rate_limit_overrides = {"ingestion": (capacity, refill_per_second)}``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.auth import CurrentUser, Principal
from shared.errors import TooManyRequests, problem_responses

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Callers we remember at most per limit; the stalest are forgotten first (a full bucket).
MAX_TRACKED_CALLERS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class TokenBuckets:
    """Token buckets keyed by caller: ``capacity`` calls at once, refilled continuously."""

    capacity: int
    refill_per_second: float
    clock: Callable[[], float] = time.monotonic
    buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, key: str) -> float | None:
        """Take one token for ``key``; ``None`` when allowed, else seconds until one is back."""
        now = self.clock()
        bucket = self.buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.capacity), updated=now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(
                float(self.capacity), bucket.tokens + elapsed * self.refill_per_second
            )
            bucket.updated = now
        # Re-inserted last: dict order is then least recently used first.
        self.buckets[key] = bucket
        if len(self.buckets) > MAX_TRACKED_CALLERS:
            self.buckets.pop(next(iter(self.buckets)))
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        if self.refill_per_second <= 0:
            return 60.0
        return (1.0 - bucket.tokens) / self.refill_per_second


def caller_key(user: Principal) -> str:
    """Machines are limited per API key, people per subject (and role)."""
    if user.api_key_id is not None:
        return f"key:{user.api_key_id}"
    return f"user:{user.role}:{user.subject}"


class RateLimit:
    """A FastAPI dependency: raise 429 with Retry-After when the caller's bucket is empty."""

    def __init__(
        self, name: str, *, capacity: int, refill_per_second: float, writes_only: bool = False
    ) -> None:
        self.name = name
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self.writes_only = writes_only

    @property
    def responses(self) -> dict[int | str, dict[str, Any]]:
        """The OpenAPI ``responses=`` entry documenting the 429 answer and its header."""
        documented = problem_responses(429)
        documented[429]["description"] = (
            f"Too Many Requests: more than {self.capacity} calls at once, refilled at "
            f"{self.refill_per_second:g} per second, per caller (per replica)"
        )
        documented[429]["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before calling again",
                "schema": {"type": "integer"},
            }
        }
        return documented

    def buckets(self, request: Request) -> TokenBuckets:
        state = request.app.state
        registry: dict[str, TokenBuckets] | None = getattr(state, "rate_limit_buckets", None)
        if registry is None:
            registry = {}
            state.rate_limit_buckets = registry
        found = registry.get(self.name)
        if found is None:
            overrides: dict[str, tuple[int, float]] = getattr(state, "rate_limit_overrides", {})
            capacity, refill = overrides.get(self.name, (self.capacity, self.refill_per_second))
            found = registry[self.name] = TokenBuckets(capacity, refill)
        return found

    async def __call__(self, request: Request, user: CurrentUser) -> None:
        if self.writes_only and request.method not in WRITE_METHODS:
            return
        wait = self.buckets(request).take(caller_key(user))
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"Too many calls: retry in {seconds} s.",
                headers={"Retry-After": str(seconds)},
            )


def limit_writes(router: APIRouter, limit: RateLimit) -> APIRouter:
    """Attach ``limit`` (and its documented 429) to every write route of ``router`` that has no
    named limit yet.

    Call it after the routes are declared and before ``app.include_router``: including a router
    copies each route's dependencies and responses, so the limit travels with them. The app
    factory calls it with the default limit for every router, so a service need not.
    """
    for route in router.routes:
        if (
            isinstance(route, APIRoute)
            and (route.methods or set()) & WRITE_METHODS
            and not declared_limits(route)
        ):
            route.dependencies.append(Depends(limit))
            route.responses = {**route.responses, **limit.responses}
    return router


def declared_limits(route: Any) -> list[RateLimit]:
    """The named limits a route declares, in its dependencies or theirs (``route``: an
    ``APIRoute``, or a route as the app serves it, from ``shared.routes.api_routes``)."""
    found: list[RateLimit] = []
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, RateLimit):
            found.append(dependant.call)
        pending.extend(dependant.dependencies)
    # Dependencies added after the route was built (by ``limit_writes``) are not in its tree yet.
    found += [
        d.dependency
        for d in route.dependencies
        if isinstance(d.dependency, RateLimit) and d.dependency not in found
    ]
    return found


class PublicRateLimit(RateLimit):
    """A limit for the few write routes that need no sign-in (a signed link does the work):
    per client address, since there is no caller to key on."""

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        if self.writes_only and request.method not in WRITE_METHODS:
            return
        client = request.client.host if request.client is not None else "unknown"
        wait = self.buckets(request).take(f"address:{client}")
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"Too many calls: retry in {seconds} s.",
                headers={"Retry-After": str(seconds)},
            )


# The one table of limits, by name: every write route of every service has exactly one of them
# (tests/security/test_rate_limit_table.py walks every route against it). Settings change one
# per service, e.g. MEASUREMENT_RATE_LIMITS='{"ingestion": [120, 2]}'.
LIMITS: dict[str, RateLimit] = {}


def named_limit(
    name: str, *, capacity: int, refill_per_second: float, public: bool = False
) -> RateLimit:
    if name in LIMITS:
        raise ValueError(f"rate limit {name!r} is already in the table")
    kind = PublicRateLimit if public else RateLimit
    LIMITS[name] = kind(name, capacity=capacity, refill_per_second=refill_per_second)
    return LIMITS[name]


# Machines post batches (each up to 10,000 rows), so a minute's worth is plenty; people's writes
# are clicks in the SPA, so the burst is generous. "writes" is every write route's default.
INGESTION = named_limit("ingestion", capacity=60, refill_per_second=1.0)
WRITES = named_limit("writes", capacity=120, refill_per_second=2.0)
# Anyone signed in may apply (and an application may register an organisation): a tighter limit,
# per applicant.
APPLICATIONS = named_limit("applications", capacity=20, refill_per_second=1 / 180)
# Signed links used without signing in (unsubscribing from an e-mail): per client address.
PUBLIC_LINKS = named_limit("public-links", capacity=30, refill_per_second=0.5, public=True)
DEFAULT_LIMIT = WRITES


def check_overrides(overrides: dict[str, tuple[int, float]]) -> None:
    """Refuse settings that name a limit the table does not have (a typo would change nothing)."""
    unknown = sorted(set(overrides) - set(LIMITS))
    if unknown:
        raise ValueError(f"unknown rate limits {unknown}; the table has {sorted(LIMITS)}")
