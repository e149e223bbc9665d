"""ASGI layers that refuse a request before the app sees it: bodies over the limit (413, with or
without a Content-Length) and NUL characters anywhere in the path, the query or the body (422).

The size limit counts the body as it arrives: over the limit, it raises ``RefusedWhileReading``
from ``receive``, which FastAPI lets through to the app's error handler (any other exception
raised while FastAPI reads a body becomes a plain 400) or which the layer answers itself.

Why NUL: PostgreSQL text cannot hold U+0000, so a NUL in a team name, a chart note, a CSV cell or
a path parameter used to reach the database and fail there with a 500 (and a dropped connection).
Refusing it here covers every route of every service, now and later.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import (
    PayloadTooLarge,
    ProblemError,
    RefusedWhileReading,
    Unprocessable,
    error_response,
)
from shared.problems import NUL_CHARACTER

NUL = b"\x00"
JSON_NUL = b"\\u0000"  # the JSON escape of U+0000
FORM_NUL = b"%00"  # and its URL encoding
_TAIL = 32  # bytes kept from the last chunk, to find an escape split between two chunks
_MAX_FALSE_STARTS = 64


async def _answer(problem: ProblemError, scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(problem, instance=scope["path"])(scope, receive, send)


async def _run_guarded(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``app``; a refusal no error handler answered (a plain ASGI app) is answered here."""
    started = False

    async def tracking_send(message: Message) -> None:
        nonlocal started
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, receive, tracking_send)
    except RefusedWhileReading as refused:
        if started:
            raise
        await _answer(refused.problem, scope, receive, send)


def _without_body(scope: Scope) -> bool:
    """An HTTP/1.1 request with neither a Content-Length nor a Transfer-Encoding has no body
    (a GET, most of the traffic): nothing to count or scan, and ``receive`` is left as it is."""
    for name, _value in scope.get("headers") or ():
        if name in (b"content-length", b"transfer-encoding"):
            return False
    return True


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than {limit} bytes.")


class BodySizeLimit:
    """Refuse bodies over the limit with 413 before reading them all (per-route limits may be
    raised by listing path prefixes in ``overrides``). A body sent in chunks without a
    Content-Length is counted as it arrives and refused with the same 413."""

    def __init__(self, app: ASGIApp, *, default: int, overrides: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.overrides = dict(overrides)

    def _limit(self, path: str) -> int:
        for prefix, limit in self.overrides.items():
            if path.startswith(prefix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _without_body(scope):
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = dict(scope.get("headers") or {}).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _answer(_too_large(limit), scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RefusedWhileReading(_too_large(limit))
            return message

        await _run_guarded(self.app, scope, limited_receive, send)


class _BodyScanner:
    """Finds a NUL in a body given chunk by chunk: the raw byte always, the JSON escape in JSON
    bodies (not when its backslash is itself escaped), ``%00`` in form bodies."""

    def __init__(self, content_type: bytes) -> None:
        self.encoded: bytes | None = None
        if b"json" in content_type:
            self.encoded = JSON_NUL
        elif b"x-www-form-urlencoded" in content_type:
            self.encoded = FORM_NUL
        self.offset = 0
        self.tail = b""

    def feed(self, chunk: bytes) -> int | None:
        """The body offset of a NUL in ``chunk``, if there is one."""
        found: int | None = chunk.find(NUL)
        if found == -1:
            found = self._encoded(chunk) if self.encoded is not None else None
        if found is not None:
            return self.offset + found  # (negative when the escape began in the last chunk)
        self.offset += len(chunk)
        self.tail = chunk[-_TAIL:] if len(chunk) >= _TAIL else (self.tail + chunk)[-_TAIL:]
        return None

    def _encoded(self, chunk: bytes) -> int | None:
        assert self.encoded is not None
        needle, tail = self.encoded, self.tail
        # One split between the previous chunk and this one (checked on a few bytes only).
        edge = tail + chunk[: len(needle) - 1]
        at = edge.find(needle, max(0, len(tail) - len(needle) + 1))
        if at >= 0 and not self._escaped(edge, at, b""):
            return at - len(tail)
        for at in _positions(chunk, needle):
            if not self._escaped(chunk, at, tail):
                return at
        return None

    def _escaped(self, data: bytes, at: int, before: bytes) -> bool:
        """In JSON, ``\\\\u0000`` is a backslash and the text "u0000", not a NUL: the escape is
        real only after an even run of backslashes (counted back into ``before``)."""
        if self.encoded != JSON_NUL:
            return False
        run = 0
        for source, end in ((data, at), (before, len(before))):
            i = end - 1
            while i >= 0 and source[i] == 0x5C:
                run += 1
                i -= 1
            if i >= 0:
                break
        return run % 2 == 1


def _positions(data: bytes, needle: bytes) -> Iterator[int]:
    """Where ``needle`` stands in ``data``. Its first byte (a backslash in JSON) is rare, and a
    one-byte search runs at memory speed where a six-byte one is twenty times slower (0.4 ms
    against 9 ms on 10 MB); after many false starts, the six-byte search takes over."""
    first = needle[:1]
    at, starts = data.find(first), 0
    while at >= 0 and starts < _MAX_FALSE_STARTS:
        if data.startswith(needle, at):
            yield at
        starts += 1
        at = data.find(first, at + 1)
    if at >= 0:
        at = data.find(needle, at)
        while at >= 0:
            yield at
            at = data.find(needle, at + 1)


def _nul_in_target(scope: Scope) -> list[dict[str, str]]:
    """Where the path or the query string holds a NUL (raw or ``%00``)."""
    errors: list[dict[str, str]] = []
    message = "a NUL character (U+0000) is not allowed"
    if "\x00" in scope["path"]:
        errors.append({"field": "path", "message": message})
    query: bytes = scope.get("query_string") or b""
    if FORM_NUL in query or NUL in query:
        names = {
            name.replace("\x00", "\\u0000")
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if "\x00" in name or "\x00" in value
        }
        errors += [{"field": f"query.{name}", "message": message} for name in sorted(names)]
    return errors


def _nul_refused(errors: list[dict[str, str]]) -> Unprocessable:
    places = ", ".join(e["field"] for e in errors)
    return Unprocessable(
        f"A NUL character (U+0000) is not allowed; found in: {places}.",
        type=NUL_CHARACTER,
        errors=errors,
    )


class NulGuard:
    """Refuse a NUL character in the path, the query or the body with 422 problem+json.

    The path and query are checked first; then the body is read and checked before the app
    runs (every route, whether it reads its body or not), and handed on to the app unchanged:
    the chunks are kept, not copied, so this costs one ``bytes.find`` per chunk (two for JSON
    and form bodies), about a millisecond for a 10 MB batch (tests/unit/platform/test_guards.py).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors = _nul_in_target(scope)
        if errors:
            await _answer(_nul_refused(errors), scope, receive, send)
            return
        if _without_body(scope):
            await self.app(scope, receive, send)
            return
        content_type = dict(scope.get("headers") or {}).get(b"content-type", b"").lower()
        scanner = _BodyScanner(content_type)
        read: list[Message] = []
        while True:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":
                break
            at = scanner.feed(message.get("body", b""))
            if at is not None:
                where = {"field": "body", "message": f"a NUL character at byte {at}"}
                await _answer(_nul_refused([where]), scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replay = iter(read)

        async def replayed_receive() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replayed_receive, send)
