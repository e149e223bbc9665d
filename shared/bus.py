"""NATS JetStream: one connection per service process, streams created idempotently, publishing
with de-duplication ids, and durable pull consumers that hand each fetched batch to a callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared import metrics
from shared.events import STREAMS

log = logging.getLogger("shared.bus")

CORRELATION_HEADER = "X-Correlation-Id"


class Bus:
    """A NATS connection that keeps trying: services start (and stay up) while NATS is away."""

    def __init__(
        self,
        url: str,
        *,
        name: str,
        streams: Sequence[str] | None = None,
        duplicate_window_seconds: float = 600.0,
        publish_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.name = name
        # The streams this service publishes to or consumes from (all of them by default): with
        # its own NATS user it may touch no other (deploy/nats.conf).
        self.streams = list(STREAMS) if streams is None else list(streams)
        self.duplicate_window_seconds = duplicate_window_seconds
        self.publish_timeout = publish_timeout
        self.nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Called on every (re)connection, e.g. to wake the outbox relay at once.
        self.on_connected: list[Callable[[], None]] = []

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected and self._ready.is_set()

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise ConnectionError("not connected to NATS")
        return self._js

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect_forever(), name=f"{self.name}-nats-connect")

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def _connect_forever(self) -> None:
        delay = 0.2
        while True:
            try:
                self.nc = await nats.connect(
                    servers=[self.url],
                    name=self.name,
                    connect_timeout=2,
                    # Never give up reconnecting (the default stops after about 2 minutes).
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    allow_reconnect=True,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                    # Replies (publish acks, fetched events) come to inboxes of this service's
                    # own: its NATS user may subscribe to nothing else.
                    inbox_prefix=inbox_prefix(self.name),
                )
                self._js = self.nc.jetstream(timeout=self.publish_timeout)
                await self.ensure_streams()
                self._ready.set()
                log.info("connected to NATS at %s", self.url)
                for callback in self.on_connected:
                    callback()
                return
            except Exception as exc:
                log.warning("NATS not reachable yet (%s); retrying", type(exc).__name__)
                if self.nc is not None:
                    with contextlib.suppress(Exception):
                        await self.nc.close()
                    self.nc = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _on_error(self, exc: Exception) -> None:
        log.debug("NATS error: %s", exc)

    async def _on_disconnected(self) -> None:
        log.warning("disconnected from NATS")

    async def _on_reconnected(self) -> None:
        log.info("reconnected to NATS")
        # A server restarted with fresh storage has no streams: create them again.
        with contextlib.suppress(Exception):
            await self.ensure_streams()
        for callback in self.on_connected:
            callback()

    async def ensure_streams(self) -> None:
        """Create the streams this service uses, if missing, and align its own stream's
        settings; safe to call repeatedly (a consumer may start before the stream's producer)."""
        js = self.js
        for name in self.streams:
            config = StreamConfig(
                name=name,
                subjects=[STREAMS[name]],
                storage=StorageType.FILE,
                duplicate_window=self.duplicate_window_seconds,
            )
            try:
                info = await js.stream_info(name)
            except NotFoundError:
                try:
                    await js.add_stream(config)
                except Exception as exc:  # another replica created it in between
                    log.debug("add_stream %s: %s", name, exc)
                continue
            mine = name == own_stream(self.name)
            if mine and (info.config.duplicate_window or 0) < self.duplicate_window_seconds:
                await js.update_stream(config)

    async def publish(
        self, subject: str, payload: bytes, *, msg_id: str, correlation_id: str | None = None
    ) -> None:
        headers = {"Nats-Msg-Id": msg_id}
        if correlation_id:
            headers[CORRELATION_HEADER] = correlation_id
        ack = await self.js.publish(subject, payload, timeout=self.publish_timeout, headers=headers)
        if ack.duplicate:
            log.info("JetStream dropped a republished event %s as a duplicate", msg_id)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        if self.nc is not None and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await self.nc.drain()
            with contextlib.suppress(Exception):
                await self.nc.close()


def inbox_prefix(service: str) -> str:
    return f"_INBOX_{service}"


def own_stream(service: str) -> str | None:
    """The stream a service publishes its events to (its subjects begin with its name)."""
    return next((s for s, p in STREAMS.items() if p.split(".", 1)[0] == service), None)


def streams_used(service: str, consumed: Sequence[str]) -> list[str]:
    """The streams a service publishes to and consumes from."""
    used = {s.stream for s in subscriptions_for(service, consumed)}
    own = own_stream(service)
    return sorted(used | ({own} if own else set()))


def nats_permissions(service: str, consumed: Sequence[str]) -> dict[str, list[str]]:
    """What a service's own NATS user may do, and nothing more: publish its own events, use the
    JetStream API for its streams and its durable consumers only, ack what it fetched, and
    receive replies on its own inboxes. deploy/nats.conf is generated from this
    (``python -m scripts.nats_config``)."""
    api = "$JS.API"
    own = own_stream(service)
    publish = [STREAMS[own]] if own else []
    for stream in streams_used(service, consumed):
        publish += [f"{api}.STREAM.INFO.{stream}", f"{api}.STREAM.CREATE.{stream}"]
    if own:
        publish.append(f"{api}.STREAM.UPDATE.{own}")
    for sub in subscriptions_for(service, consumed):
        consumer = f"{sub.stream}.{sub.durable}"
        publish += [
            f"{api}.CONSUMER.CREATE.{consumer}",
            f"{api}.CONSUMER.CREATE.{consumer}.>",
            f"{api}.CONSUMER.DURABLE.CREATE.{consumer}",
            f"{api}.CONSUMER.INFO.{consumer}",
            f"{api}.CONSUMER.DELETE.{consumer}",
            f"{api}.CONSUMER.MSG.NEXT.{consumer}",
            f"$JS.ACK.{consumer}.>",
        ]
    return {"publish": publish, "subscribe": [f"{inbox_prefix(service)}.>"]}


@dataclass(frozen=True)
class Subscription:
    """A durable pull consumer of one service on one producer's stream."""

    durable: str
    stream: str
    subjects: tuple[str, ...]


MessageCallback = Callable[[list[Msg]], Awaitable[None]]


def subscriptions_for(service: str, subjects: Sequence[str]) -> list[Subscription]:
    """Group a service's handled subjects by the stream that carries them."""
    by_stream: dict[str, list[str]] = {}
    for subject in subjects:
        prefix = subject.split(".", 1)[0]
        stream = next(s for s, p in STREAMS.items() if p.split(".", 1)[0] == prefix)
        by_stream.setdefault(stream, []).append(subject)
    return [
        Subscription(
            durable=f"{service}-{stream.lower()}", stream=stream, subjects=tuple(sorted(subs))
        )
        for stream, subs in sorted(by_stream.items())
    ]


class Consumer:
    """Fetches batches from a durable pull consumer and passes each batch to ``callback``.

    The callback acks, naks or terminates each message itself. The loop survives NATS outages
    and restarts (it recreates the consumer), and stops cleanly on ``stop()``.
    """

    def __init__(
        self,
        bus: Bus,
        subscription: Subscription,
        callback: MessageCallback,
        *,
        service: str,
        batch_size: int,
        max_deliver: int,
        ack_wait_seconds: float,
    ) -> None:
        self.bus = bus
        self.subscription = subscription
        self.callback = callback
        self.service = service
        self.batch_size = batch_size
        self.max_deliver = max_deliver
        self.ack_wait_seconds = ack_wait_seconds
        self._stopping = False

    def stop(self) -> None:
        self._stopping = True

    async def _bind(self) -> JetStreamContext.PullSubscription:
        sub = self.subscription
        config = ConsumerConfig(
            durable_name=sub.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait_seconds,
            # One more than the handler runner's own limit: the runner dead-letters the event on
            # its last attempt, so the server never silently drops it.
            max_deliver=self.max_deliver + 1,
            filter_subjects=list(sub.subjects),
            max_ack_pending=1000,
        )
        try:
            await self.bus.js.add_consumer(sub.stream, config)
        except Exception as exc:
            log.info("consumer %s exists with another config (%s); updating", sub.durable, exc)
            with contextlib.suppress(Exception):
                await self.bus.js.delete_consumer(sub.stream, sub.durable)
                await self.bus.js.add_consumer(sub.stream, config)
        return await self.bus.js.pull_subscribe_bind(durable=sub.durable, stream=sub.stream)

    async def run(self) -> None:
        psub: JetStreamContext.PullSubscription | None = None
        while not self._stopping:
            try:
                if not self.bus.connected:
                    await asyncio.sleep(0.2)
                    continue
                if psub is None:
                    psub = await self._bind()
                try:
                    msgs = await psub.fetch(self.batch_size, timeout=1.0)
                except NatsTimeoutError:
                    continue
                await self.callback(msgs)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "consumer %s: %s: %s", self.subscription.durable, type(exc).__name__, exc
                )
                if psub is not None:
                    with contextlib.suppress(Exception):
                        await psub.unsubscribe()
                psub = None
                await asyncio.sleep(0.5)
        if psub is not None:
            with contextlib.suppress(Exception):
                await psub.unsubscribe()

    async def refresh_lag(self) -> None:
        with contextlib.suppress(Exception):
            info = await self.bus.js.consumer_info(
                self.subscription.stream, self.subscription.durable
            )
            metrics.CONSUMER_LAG.labels(
                service=self.service, consumer=self.subscription.durable
            ).set(info.num_pending or 0)
