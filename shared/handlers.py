"""The typed registry of a service's event handlers: one mapping from event class to handler.

Each service's ``handlers.py`` builds one registry and lists there every event it consumes::

    handlers = EventHandlers[BillingSettings]()
    handlers.add(TeamConfirmed, confirmations.team_confirmed)
    handlers.add(TeamWithdrawn, credit.team_withdrawn)

A handler is a use case called as ``await handler(session, event=..., context=...)``: the session
is the inbox runner's transaction (the handler never commits), ``event`` the validated catalogue
event, and ``context`` carries the service's settings, its clock and the event's envelope, so no
handler looks settings or time up for itself. ``add`` checks, for mypy and at run time, that the
handler takes the event class it is registered for.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import TimeSource
from shared.events import CATALOGUE, DomainEvent, Envelope
from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)
E_contra = TypeVar("E_contra", bound=DomainEvent, contravariant=True)
E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True)
class ServiceContext(Generic[S]):
    """What work outside a request needs (handlers, periodic jobs): the service's settings and
    its clock."""

    settings: S
    clock: TimeSource


@dataclass(frozen=True)
class HandlerContext(ServiceContext[S]):
    """A handler's context: the service's settings and clock, and the envelope the event came in
    (id, correlation id, time)."""

    envelope: Envelope


class Handler(Protocol[E_contra, S]):
    async def __call__(
        self,
        session: AsyncSession,
        *,
        event: E_contra,
        context: HandlerContext[S],
    ) -> None: ...


class EventHandlers(Generic[S]):
    """Event class → handler, for one service. One handler per event class."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler[DomainEvent, S]] = {}

    def add(self, event_type: type[E], handler: Handler[E, S]) -> None:
        subject = getattr(event_type, "subject", None)
        if subject is None or CATALOGUE.get(subject) is not event_type:
            raise TypeError(f"{event_type!r} is not an event of the catalogue")
        if subject in self._handlers:
            raise ValueError(f"{subject} already has a handler")
        _check_event_annotation(event_type, handler)
        self._handlers[subject] = handler  # type: ignore[assignment]

    def subjects(self) -> list[str]:
        return list(self._handlers)

    def __iter__(self) -> Iterator[str]:
        return iter(self._handlers)

    def __len__(self) -> int:
        return len(self._handlers)

    def __contains__(self, subject: object) -> bool:
        return subject in self._handlers

    async def dispatch(
        self,
        session: AsyncSession,
        event: DomainEvent,
        *,
        envelope: Envelope,
        settings: S,
        clock: TimeSource,
    ) -> bool:
        """Run the handler of ``event``'s class; ``False`` when the service has none."""
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return False
        context = HandlerContext(settings=settings, clock=clock, envelope=envelope)
        await handler(session, event=event, context=context)
        return True


def _check_event_annotation(event_type: type[DomainEvent], handler: object) -> None:
    """A handler annotated for another event class is a wiring mistake: refuse it at start-up
    (mypy refuses it too; this catches what mypy was not run on)."""
    try:
        hints = typing.get_type_hints(handler)
    except Exception:  # annotations that cannot be resolved here: mypy has the last word
        return
    annotated = hints.get("event")
    if annotated is None or annotated is event_type:
        return
    if event_type in typing.get_args(annotated):
        return
    if isinstance(annotated, type) and issubclass(event_type, annotated):
        return
    raise TypeError(f"{handler!r} handles {annotated!r}, not {event_type.__name__}")
