"""One pydantic-settings class per service, built on this base (each with its own env prefix)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A development secret is convenient for `make run` and `make token`; production refuses it.
DEVELOPMENT_JWT_SECRET = "development-only-secret-do-not-use-in-production"  # noqa: S105


# What the identity provider may sign access tokens with (asymmetric only).
SigningAlgorithm = Literal["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclasses set ``service_name`` and an env prefix."""

    model_config = SettingsConfigDict(env_prefix="EWC_", extra="ignore")

    service_name: str = "service"
    # Where ``python -m services.<name>`` listens (each service's settings give its own port).
    host: str = "127.0.0.1"
    port: int = 8000
    environment: Literal["development", "test", "production"] = "development"

    database_url: str = ""
    db_pool_size: int = 10
    db_max_overflow: int = 5
    db_pool_timeout_seconds: float = 2.0
    # The outbox relay's and the event handlers' own pool (PostgreSQL).
    db_background_pool_size: int = 3
    run_migrations_on_start: bool = True

    # One NATS URL, or the members of a cluster separated by commas (the client fails over
    # between them): "nats://user:pw@nats-1:4222,nats://user:pw@nats-2:4222,...".
    nats_url: str = "nats://127.0.0.1:4222"
    # How many NATS servers keep a copy of each stream (and of its consumers' state): 1 on a
    # single server (`make run`), 3 on the production cluster (deploy/compose.yaml), so that a
    # lost server loses nothing and the others carry on. The service that publishes to a stream
    # moves it to this number at start-up.
    stream_replicas: int = Field(default=1, ge=1, le=5)
    # Streams keep publisher de-duplication ids this long: longer than any outage we absorb.
    stream_duplicate_window_seconds: float = 600.0
    outbox_batch_size: int = 200
    outbox_poll_seconds: float = 2.0
    consumer_batch_size: int = 50
    consumer_max_deliveries: int = 5
    consumer_backoff_seconds: list[float] = Field(default_factory=lambda: [0.5, 2.0, 5.0, 15.0])
    # An event fetched but not acknowledged within the ack wait goes to another replica: this is
    # how long a dead replica's events wait. While a batch is being handled, however long it
    # takes, its replica tells JetStream every heartbeat that it is still at work, so a live
    # replica keeps its batch. A replica too stalled to send heartbeats for an ack wait loses it
    # to another, and the inbox makes the second handling a duplicate without effect.
    consumer_ack_wait_seconds: float = Field(default=2.0, gt=0)
    consumer_heartbeat_seconds: float = Field(default=0.5, gt=0)
    consumers_enabled: bool = True

    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "enjoying-work"
    jwt_audience: str = "enjoying-work-api"

    # People sign in through the organisation's OpenID Connect provider (shared/oidc.py): its
    # RS256/ES256 access tokens are verified against its published keys. Empty issuer: off.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    # Where the provider publishes its keys; empty: from the issuer's discovery document.
    oidc_jwks_url: str = ""
    oidc_algorithms: list[SigningAlgorithm] = Field(
        default_factory=lambda: list[SigningAlgorithm](["RS256", "ES256"]), min_length=1
    )
    oidc_jwks_cache_seconds: float = 300.0
    oidc_jwks_min_refresh_seconds: float = 10.0
    oidc_leeway_seconds: float = 30.0
    # The claim mapping: who the person is, their role(s) (a string or a list, looked up in the
    # role map: claim value -> platform role; empty map: values are role names), organisation
    # and coach ids. E.g. Entra ID: OIDC_SUBJECT_CLAIM=oid, OIDC_ROLE_CLAIM=roles,
    # OIDC_ROLE_MAP='{"EnjoyingWork.Coordinator": "coordinator", ...}'.
    oidc_subject_claim: str = "sub"
    oidc_role_claim: str = "roles"
    oidc_role_map: dict[str, str] = Field(default_factory=dict)
    oidc_organisation_claim: str = "org"
    oidc_coach_claim: str = "coach"
    oidc_email_claim: str = "email"

    # Fault injection for the fault-tolerance suite only (refused in production):
    # "crash_after_commit:N" ends the process after the N-th handled event's commit, before its
    # ack; "crash_after_publish:N" after the N-th outbox publish, before the row is marked;
    # "fail_team:<uuid>" makes every handler fail on events about that team (a poison event);
    # "hold_batch:N" holds the first fetched batch N seconds before handling it (a slow replica,
    # heartbeat going), "stall_batch:N" blocks the whole process N seconds with it (a stalled one).
    fault_injection: str | None = None

    # Per-caller rate limits by name (shared/ratelimit.py: "writes", "ingestion"), as
    # {"name": [capacity, refill per second]}, e.g. MEASUREMENT_RATE_LIMITS='{"ingestion": [120, 2]}'.
    rate_limits: dict[str, tuple[int, float]] = Field(default_factory=dict)

    cors_origins: list[str] = Field(default_factory=list)
    # OpenTelemetry: spans are exported over OTLP/HTTP only when an endpoint is given.
    otlp_endpoint: str | None = None
    max_body_bytes: int = 1_048_576

    @model_validator(mode="after")
    def _defaults_and_production_guard(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///var/{self.service_name}.db"
        if self.oidc_issuer:
            self._check_oidc()
        if self.consumer_heartbeat_seconds * 2 > self.consumer_ack_wait_seconds:
            raise ValueError(
                "CONSUMER_HEARTBEAT_SECONDS must be at most half of CONSUMER_ACK_WAIT_SECONDS "
                "(a replica at work must tell JetStream so well within the ack wait)"
            )
        if self.environment == "production":
            if self.jwt_secret == DEVELOPMENT_JWT_SECRET or len(self.jwt_secret) < 32:
                raise ValueError("production needs its own JWT secret of at least 32 characters")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs a PostgreSQL database URL, not SQLite")
            if self.fault_injection:
                raise ValueError("fault injection is for tests only")
            if "*" in self.cors_origins:
                raise ValueError("production CORS origins must be listed, not '*'")
        return self

    def _check_oidc(self) -> None:
        from shared.auth import Role  # the roles live with the callers (auth imports settings)

        if not self.oidc_audience:
            raise ValueError("OIDC_AUDIENCE is required with OIDC_ISSUER")
        unknown = set(self.oidc_role_map.values()) - {str(role) for role in Role}
        if unknown:
            raise ValueError(f"OIDC_ROLE_MAP names roles this platform lacks: {sorted(unknown)}")
        if self.environment == "production":
            for name in ("oidc_issuer", "oidc_jwks_url"):
                value = getattr(self, name)
                if value and not value.startswith("https://"):
                    raise ValueError(f"production needs an https:// {name.upper()}")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def migrations_location(self) -> Path:
        """The service's Alembic history: ``migrations/`` beside its settings module."""
        return Path(inspect.getfile(type(self))).parent / "migrations"


def fault_point(settings: ServiceSettings, name: str) -> int | None:
    """The N of a configured ``name:N`` fault, if any (never in production)."""
    if settings.environment == "production" or not settings.fault_injection:
        return None
    value = fault_value(settings, name)
    return int(value) if value is not None and value.isdigit() else None


def fault_value(settings: ServiceSettings, name: str) -> str | None:
    if settings.environment == "production" or not settings.fault_injection:
        return None
    kind, _, value = settings.fault_injection.partition(":")
    return value if kind == name else None


S = TypeVar("S", bound=ServiceSettings)


def settings_getter(cls: type[S]) -> Callable[[], S]:
    """A service's ``get_settings()``: its settings read from the environment once per process
    (only ``app.py`` and ``__main__.py`` call it; everything else is handed the settings)."""
    return functools.cache(cls)
