"""The pieces every service app shares: lifespan (migrations, database, bus, outbox relay,
consumers), error handlers, request context and logs, metrics, health and operator routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import metrics
from shared.bus import CORRELATION_HEADER, Bus, Consumer, streams_used, subscriptions_for
from shared.clock import SystemClock, TimeSource
from shared.context import correlation_id, new_correlation_id
from shared.db import Database
from shared.errors import install_error_handlers, problem_response, problem_responses
from shared.guards import BodySizeLimit, NulGuard
from shared.handlers import EventHandlers, ServiceContext
from shared.inbox import HandlerRunner
from shared.logs import configure_logging
from shared.migrations import upgrade
from shared.operations import operator_router
from shared.outbox import OutboxRelay
from shared.ratelimit import DEFAULT_LIMIT, check_overrides, limit_writes
from shared.routes import openapi_with_roles, serve_offline_docs
from shared.settings import ServiceSettings
from shared.tracing import configure_tracing, server_span

__all__ = ["BodySizeLimit", "PeriodicJob", "app_settings", "create_service_app"]

log = logging.getLogger("shared.app")
access_log = logging.getLogger("shared.access")

StartupHook = Callable[[FastAPI], Awaitable[None]]


async def app_settings(request: Request) -> ServiceSettings:
    """The app's settings, for a service's ``Settings`` dependency alias::

    Settings = Annotated[BillingSettings, Depends(app_settings)]
    """
    settings: ServiceSettings = request.app.state.settings
    return settings


class PeriodicJob:
    """Work a service does on a schedule (e.g. record invoices that fell overdue): ``run`` is
    called every ``every_seconds`` in a transaction of its own, with the service's context.
    A failure (the database away, say) is logged and tried again next time."""

    def __init__(
        self,
        name: str,
        run: Callable[..., Awaitable[None]],
        *,
        every_seconds: float,
    ) -> None:
        self.name = name
        self.run = run
        self.every_seconds = every_seconds

    async def run_forever(self, database: Database, context: ServiceContext[Any]) -> None:
        while True:
            try:
                async with database.transaction(background=True) as session:
                    await self.run(session, context=context)
            except Exception as exc:
                log.warning("%s failed: %s: %s", self.name, type(exc).__name__, exc)
            await asyncio.sleep(self.every_seconds)


_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
_CORRELATION_HEADER = CORRELATION_HEADER.lower().encode()


class RequestContext:
    """Correlation id, server span, metrics and one access-log line per request.

    A pure ASGI middleware: Starlette's ``@app.middleware("http")`` runs the rest of the app in a
    task of its own per request, which cost more than the whole of a simple read.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service
        # The metrics' children by labels: ``labels()`` takes a lock and builds a key each time.
        self._counted: dict[tuple[str, str, str], Any] = {}
        self._timed: dict[tuple[str, str], Any] = {}

    def _observe(self, method: str, route_path: str, status: int, elapsed: float) -> None:
        key = (method, route_path, str(status))
        counter = self._counted.get(key)
        if counter is None:
            counter = self._counted[key] = metrics.HTTP_REQUESTS.labels(self.service, *key)
        counter.inc()
        timer = self._timed.get(key[:2])
        if timer is None:
            timer = self._timed[key[:2]] = metrics.HTTP_LATENCY.labels(
                self.service, method, route_path
            )
        timer.observe(elapsed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cid = (
            headers.get(CORRELATION_HEADER) or headers.get("x-request-id") or new_correlation_id()
        )[:64]
        token = correlation_id.set(cid)
        method, path = scope["method"], scope["path"]
        started = time.perf_counter()
        status = 500

        async def send_with_context(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    (_CORRELATION_HEADER, cid.encode("latin-1", "replace")),
                ]
            await send(message)

        try:
            with server_span(f"{method} {path}", headers) as span:
                await self.app(scope, receive, send_with_context)
                span.set_attribute("http.response.status_code", status)
        finally:
            elapsed = time.perf_counter() - started
            route_path = getattr(scope.get("route"), "path", "unmatched")
            self._observe(method, route_path, status, elapsed)
            if route_path not in _QUIET_ROUTES:
                access_log.info(
                    "%s %s %s",
                    method,
                    path,
                    status,
                    extra={
                        "method": method,
                        "path": path,
                        "query": scope.get("query_string", b"").decode("latin-1") or None,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            correlation_id.reset(token)


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    handlers: EventHandlers[Any] | None = None,
    clock: TimeSource | None = None,
    jobs: Sequence[PeriodicJob] = (),
    on_startup: Sequence[StartupHook] = (),
    body_limits: Mapping[str, int] | None = None,
    version: str = "0.1.0",
) -> FastAPI:
    service = settings.service_name
    prefix = f"/api/{service}"
    if handlers is None:
        handlers = EventHandlers()
    if not isinstance(handlers, EventHandlers):
        raise TypeError("handlers are registered through shared.handlers.EventHandlers")
    the_clock: TimeSource = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service)
        configure_tracing(service, settings.otlp_endpoint)
        if settings.run_migrations_on_start:
            await asyncio.to_thread(upgrade, settings)
        database = Database(settings)
        bus = Bus(
            settings.nats_url,
            name=service,
            streams=streams_used(service, handlers.subjects()),
            replicas=settings.stream_replicas,
            duplicate_window_seconds=settings.stream_duplicate_window_seconds,
        )
        relay = OutboxRelay(
            database,
            bus,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
        )
        runner = HandlerRunner(
            database,
            handlers,
            clock=the_clock,
            service=service,
            max_deliveries=settings.consumer_max_deliveries,
            backoff_seconds=settings.consumer_backoff_seconds,
        )
        consumers = [
            Consumer(
                bus,
                subscription,
                _callback(runner, subscription.durable),
                service=service,
                batch_size=settings.consumer_batch_size,
                max_deliver=settings.consumer_max_deliveries,
                ack_wait_seconds=settings.consumer_ack_wait_seconds,
                heartbeat_seconds=settings.consumer_heartbeat_seconds,
            )
            for subscription in subscriptions_for(service, handlers.subjects())
        ]
        app.state.database = database
        app.state.bus = bus
        app.state.relay = relay
        app.state.runner = runner
        app.state.consumers = consumers
        for hook in on_startup:
            await hook(app)
        # What startup built lives as long as the process: keep it out of every later collection.
        gc.collect()
        gc.freeze()
        bus.start()
        tasks = [asyncio.create_task(relay.run(), name=f"{service}-outbox-relay")]
        context = ServiceContext(settings=settings, clock=the_clock)
        job_tasks = [
            asyncio.create_task(job.run_forever(database, context), name=f"{service}-{job.name}")
            for job in jobs
        ]
        if settings.consumers_enabled:
            tasks += [
                asyncio.create_task(c.run(), name=f"{service}-{c.subscription.durable}")
                for c in consumers
            ]
        app.state.tasks = tasks
        try:
            yield
        finally:
            for task in job_tasks:
                task.cancel()
            for task in job_tasks:
                with contextlib.suppress(BaseException):
                    await task
            for consumer in consumers:
                consumer.stop()
            relay.stop()
            # Let in-flight handlers and a last outbox flush finish, within a bound.
            _done, pending = await asyncio.wait(tasks, timeout=5)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(BaseException):
                    await task
            if bus.connected:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(relay.drain(), timeout=2)
            await bus.close()
            await database.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        # Served by serve_offline_docs below: Swagger UI's files from the service itself.
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{prefix}/openapi.json",
        responses=problem_responses(401, 403, 422, 500, 503),
        # Our RequestContext middleware makes the one server span, the metrics and the log line;
        # FastAPI's own telemetry would make a second set on every request.
        telemetry={
            "tracing": False,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "auto_configure": False,
        },
    )
    app.state.settings = settings
    app.state.clock = the_clock
    check_overrides(settings.rate_limits)
    app.state.rate_limit_overrides = dict(settings.rate_limits)
    install_error_handlers(app)

    # Innermost first, all inside the request context (their refusals are logged and counted
    # like any answer): the NUL guard reads the body through the size limit.
    app.add_middleware(NulGuard)
    app.add_middleware(BodySizeLimit, default=settings.max_body_bytes, overrides=body_limits or {})
    app.add_middleware(RequestContext, service=service)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials="*" not in settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", CORRELATION_HEADER],
        )

    app.include_router(_health_router())
    # Every write route gets exactly one named rate limit: the default unless it names its own.
    app.include_router(limit_writes(operator_router(prefix), DEFAULT_LIMIT))
    for router in routers:
        app.include_router(limit_writes(router, DEFAULT_LIMIT), prefix=prefix)
    openapi_with_roles(app)
    serve_offline_docs(app, prefix)
    return app


def _callback(runner: HandlerRunner, durable: str) -> Callable[[Any], Awaitable[None]]:
    async def on_batch(msgs: Any) -> None:
        await runner.on_batch(durable, msgs)

    return on_batch


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="The database and NATS are reachable",
        responses=problem_responses(503),
    )
    async def readyz(request: Request) -> Response:
        # ``?checks=database``: only what answering requests needs, for the gateway's health
        # checks. Without NATS a replica still answers (events wait in its outbox), and NATS
        # away is away for every replica: the gateway must not take them all out for it.
        # (Read from the query, not declared: the route is outside the public API.)
        every = {"database", "nats"}
        wanted = set(request.query_params.get("checks", "").split(",")) & every or every
        checks: dict[str, str] = {}
        if "database" in wanted:
            try:
                await request.app.state.database.ping()
                checks["database"] = "ok"
            except Exception as exc:
                checks["database"] = f"unavailable: {type(exc).__name__}"
        if "nats" in wanted:
            checks["nats"] = "ok" if request.app.state.bus.connected else "unavailable"
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        return problem_response(
            request,
            status=503,
            title="Service Unavailable",
            detail="Not ready: " + ", ".join(f"{k} {v}" for k, v in checks.items() if v != "ok"),
            headers={"Retry-After": "2"},
            checks=checks,
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus_metrics(request: Request) -> Response:
        relay: OutboxRelay = request.app.state.relay
        with contextlib.suppress(Exception):
            await relay.refresh_backlog()
        for consumer in request.app.state.consumers:
            await consumer.refresh_lag()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
