"""NATS JetStream: one connection per service process (to a single server or to any member of a
cluster), streams created idempotently with the replicas asked for, publishing with
de-duplication ids, and durable pull consumers that hand each batch to a callback as soon as its
first event arrives, while telling JetStream that the batch is still being worked on.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as NatsSubscription
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

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
        replicas: int = 1,
        duplicate_window_seconds: float = 600.0,
        publish_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.servers, self._user, self._password = server_urls(url)
        self.name = name
        self.replicas = replicas
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
    def server(self) -> str:
        """The address of the server this process is connected to (no credentials)."""
        url = self.nc.connected_url if self.nc is not None else None
        return url.netloc.rsplit("@", 1)[-1] if url is not None else "none"

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
                    servers=self.servers,
                    # The credentials go with every server, also the cluster members the client
                    # learns of from the server (their addresses come without credentials).
                    user=self._user,
                    password=self._password,
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
                metrics.NATS_CONNECTED.labels(service=self.name).set(1)
                log.info("connected to NATS at %s", self.server)
                for callback in self.on_connected:
                    callback()
                return
            except StreamsRefused as exc:
                log.error("NATS refuses this service's streams; retrying: %s", exc)
            except Exception as exc:
                log.warning("NATS not reachable yet (%s: %s); retrying", type(exc).__name__, exc)
            if self.nc is not None:
                with contextlib.suppress(Exception):
                    await self.nc.close()
                self.nc = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _on_error(self, exc: Exception) -> None:
        log.debug("NATS error: %s", exc)

    async def _on_disconnected(self) -> None:
        metrics.NATS_CONNECTED.labels(service=self.name).set(0)
        log.warning("disconnected from NATS")

    async def _on_reconnected(self) -> None:
        metrics.NATS_CONNECTED.labels(service=self.name).set(1)
        metrics.NATS_RECONNECTS.labels(service=self.name).inc()
        log.info("reconnected to NATS at %s", self.server)
        # A server restarted with fresh storage has no streams: create them again.
        with contextlib.suppress(Exception):
            await self.ensure_streams()
        for callback in self.on_connected:
            callback()

    async def ensure_streams(self) -> None:
        """Create the streams this service uses, if missing, and align its own stream's settings
        (de-duplication window, replicas); safe to call repeatedly (a consumer may start before
        the stream's producer, and several replicas start at once)."""
        js = self.js
        for name in self.streams:
            try:
                info = await js.stream_info(name)
            except NotFoundError:
                await self._add_stream(name)
                continue
            if name == own_stream(self.name):
                await self._align(info.config)
            elif (info.config.num_replicas or 1) != self.replicas:
                log.info(
                    "stream %s has %s replicas (this service asks for %s; its producer sets them)",
                    name,
                    info.config.num_replicas,
                    self.replicas,
                )

    async def _add_stream(self, name: str) -> None:
        config = StreamConfig(
            name=name,
            subjects=[STREAMS[name]],
            storage=StorageType.FILE,
            duplicate_window=self.duplicate_window_seconds,
            num_replicas=self.replicas,
        )
        try:
            await self.js.add_stream(config)
        except Exception as exc:
            # Another replica may have created it in between; anything else (three replicas
            # asked of a single server, say) leaves the stream missing, and must be seen.
            try:
                await self.js.stream_info(name)
            except NotFoundError:
                raise StreamsRefused(f"stream {name} could not be created: {exc}") from exc

    async def _align(self, current: StreamConfig) -> None:
        """Move this service's own stream to the de-duplication window and the replicas asked
        for (JetStream copies the stream to new replicas, or drops replicas, while it serves)."""
        window = max(current.duplicate_window or 0, self.duplicate_window_seconds)
        if window == current.duplicate_window and (current.num_replicas or 1) == self.replicas:
            return
        wanted = dataclasses.replace(current, duplicate_window=window, num_replicas=self.replicas)
        try:
            await self.js.update_stream(wanted)
        except Exception as exc:
            raise StreamsRefused(
                f"stream {current.name} could not move from {current.num_replicas} to "
                f"{self.replicas} replicas: {exc}"
            ) from exc
        log.info("stream %s now has %s replicas", current.name, self.replicas)

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


class StreamsRefused(Exception):
    """Connected, but JetStream would not create or align a stream this service needs."""


def server_urls(url: str) -> tuple[list[str], str | None, str | None]:
    """The servers of a NATS URL setting (one URL, or a cluster's members separated by commas)
    without their credentials, and the user and password they carry (one for all)."""
    servers: list[str] = []
    credentials: set[tuple[str | None, str | None]] = set()
    for part in url.split(","):
        parts = urlsplit(part.strip())
        user = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        credentials.add((user, password))
        host = parts.hostname or ""
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        servers.append(urlunsplit((parts.scheme, netloc, parts.path, "", "")))
    if len(credentials) > 1:
        raise ValueError("every NATS URL of a service must carry the same user and password")
    user, password = credentials.pop()
    return servers, user, password


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


class ConsumerGone(Exception):
    """JetStream answered a pull request with "consumer deleted": bind the consumer again."""


class Pull:
    """One durable pull consumer's deliveries, with at most one pull request open at a time.

    ``next_batch`` returns as soon as the first event arrives, with whatever else has arrived by
    then; it never waits for JetStream to end the request. (A batch fetch in nats-py waits for
    the server's end-of-request status after the first event, and the server sometimes sends it
    only when the *next* event arrives: at 10 events/s a batch now and then waited the
    100 ms to the next event.) The request stays open until it has delivered its batch, or
    ends; events it delivers meanwhile wait here (``held``), and the next call takes them
    without a round trip.
    """

    def __init__(
        self, nc: NatsClient, *, stream: str, durable: str, batch: int, expires: float
    ) -> None:
        self.nc = nc
        self.subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self.inbox = nc.new_inbox()
        self.batch = batch
        self.expires = expires
        self._sub: NatsSubscription | None = None
        self._arrived: collections.deque[Msg] = collections.deque()
        self._wake = asyncio.Event()
        self._open = False
        self._remaining = 0
        self._deadline = 0.0

    async def start(self) -> None:
        self._sub = await self.nc.subscribe(self.inbox, cb=self._on_message)

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None

    async def _on_message(self, msg: Msg) -> None:
        self._arrived.append(msg)
        self._wake.set()

    @property
    def held(self) -> list[Msg]:
        """Events delivered to this process and not yet handed to the callback."""
        return [msg for msg in self._arrived if not _status(msg)]

    async def _request(self) -> None:
        request = {"batch": self.batch, "expires": int(self.expires * 1_000_000_000)}
        await self.nc.publish(self.subject, json.dumps(request).encode(), reply=self.inbox)
        self._open, self._remaining = True, self.batch
        self._deadline = time.monotonic() + self.expires

    async def next_batch(self) -> list[Msg]:
        """The events delivered so far, once there is at least one; ``[]`` when a request ended
        (or its end went missing) without any."""
        if not self._open and not self._arrived:
            await self._request()
        batch: list[Msg] = []
        while True:
            while self._arrived and len(batch) < self.batch:
                self._take(self._arrived.popleft(), batch)
            if batch:
                return batch
            if not self._open:
                return batch
            self._wake.clear()
            # The request's end (408) is due at its expiry; a little longer, and it is lost
            # (a server restarted, a leader moved): the next call asks again. (A late 408 of a
            # request given up ends the next one early: one more request, nothing lost.)
            wait = self._deadline - time.monotonic() + 0.1
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(wait, 0.01))
            except TimeoutError:
                if not self._arrived:
                    self._open = False
                    return batch

    def _take(self, msg: Msg, batch: list[Msg]) -> None:
        status = _status(msg)
        if not status:
            batch.append(msg)
            self._remaining -= 1
            if self._remaining <= 0:
                self._open = False
            return
        if status == "100":  # idle heartbeat
            return
        # 404 no messages, 408 expired, 409 (leadership change, max waiting, ...): this request
        # is over; the next call makes another.
        self._open = False
        description = (msg.headers or {}).get("Description", "")
        if status == "409" and "deleted" in description.lower():
            raise ConsumerGone(description)
        if status not in ("404", "408", "409"):
            raise ConnectionError(f"pull request answered {status} {description}".strip())


def _status(msg: Msg) -> str | None:
    return (msg.headers or {}).get("Status") if msg.headers else None


class Consumer:
    """Pulls events from a durable pull consumer and passes each batch to ``callback``.

    The callback acks, naks or terminates each message itself. Until it returns, a heartbeat
    tells JetStream every ``heartbeat_seconds`` that the batch's open messages (and those that
    arrived meanwhile) are still being worked on, so a short ack wait redelivers a dead replica's
    batch soon without taking a slow one's away. The loop survives NATS outages and restarts (it
    recreates the consumer), and stops cleanly on ``stop()``.
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
        heartbeat_seconds: float,
        pull_expires_seconds: float = 1.0,
    ) -> None:
        self.bus = bus
        self.subscription = subscription
        self.callback = callback
        self.service = service
        self.batch_size = batch_size
        self.max_deliver = max_deliver
        self.ack_wait_seconds = ack_wait_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.pull_expires_seconds = pull_expires_seconds
        self._stopping = False
        self._pull: Pull | None = None

    def stop(self) -> None:
        self._stopping = True

    async def _bind(self) -> Pull:
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
            # Creates the consumer, or updates it in place (ack wait, deliveries, subjects).
            await self.bus.js.add_consumer(sub.stream, config, timeout=2.0)
        except BadRequestError as exc:
            # A change JetStream cannot make in place: start the consumer afresh (it delivers
            # the stream from the start again; the inbox drops what was handled before). Only
            # on this answer: a timeout (a leader being elected) must never remove a consumer.
            log.warning("consumer %s cannot be updated (%s); re-creating it", sub.durable, exc)
            await self.bus.js.delete_consumer(sub.stream, sub.durable)
            await self.bus.js.add_consumer(sub.stream, config)
        if self.bus.nc is None:
            raise ConnectionError("not connected to NATS")
        pull = Pull(
            self.bus.nc,
            stream=sub.stream,
            durable=sub.durable,
            batch=self.batch_size,
            expires=self.pull_expires_seconds,
        )
        await pull.start()
        return pull

    async def run(self) -> None:
        pull: Pull | None = None
        while not self._stopping:
            try:
                if not self.bus.connected:
                    await asyncio.sleep(0.2)
                    continue
                if pull is None:
                    pull = self._pull = await self._bind()
                msgs = await pull.next_batch()
                if msgs:
                    await self.handle(msgs)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "consumer %s: %s: %s", self.subscription.durable, type(exc).__name__, exc
                )
                # Keep pulling through the same subscription while the consumer exists (in a
                # cluster it may just be electing a leader); bind again only once it is gone.
                if pull is not None and (isinstance(exc, ConsumerGone) or await self._gone()):
                    await pull.close()
                    pull = self._pull = None
                await asyncio.sleep(0.2)
        if pull is not None:
            await pull.close()

    async def _gone(self) -> bool:
        """JetStream says the consumer does not exist (a server that lost its storage)."""
        try:
            await self.bus.js.consumer_info(
                self.subscription.stream, self.subscription.durable, timeout=1.0
            )
        except NotFoundError:
            return True
        except Exception:
            return False  # no answer: not known to be gone
        return False

    async def handle(self, msgs: list[Msg]) -> None:
        """Run the callback on a fetched batch, with its heartbeat going until it returns."""
        again = sum(1 for msg in msgs if msg.metadata.num_delivered > 1)
        if again:
            metrics.EVENTS_REDELIVERED.labels(self.service, self.subscription.durable).inc(again)
        heartbeat = asyncio.create_task(self._in_progress(msgs))
        try:
            await self.callback(msgs)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _in_progress(self, msgs: list[Msg]) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            # The batch, and the events its pull request delivered while it is being handled.
            held = self._pull.held if self._pull is not None else []
            for msg in [*msgs, *held]:
                # Acked, retried later (nak) or given up (term): no longer this batch's to hold;
                # a progress ack would even undo a nak's delay.
                if not msg._ackd:
                    with contextlib.suppress(Exception):
                        await msg.in_progress()

    async def refresh_lag(self) -> None:
        with contextlib.suppress(Exception):
            info = await self.bus.js.consumer_info(
                self.subscription.stream, self.subscription.durable
            )
            labels = {"service": self.service, "consumer": self.subscription.durable}
            metrics.CONSUMER_LAG.labels(**labels).set(info.num_pending or 0)
            metrics.CONSUMER_ACK_PENDING.labels(**labels).set(info.num_ack_pending or 0)
