"""The ASGI guards of shared/guards.py on a bare app: NUL characters (issue #16 item 8) and bodies
over the limit sent in chunks without a Content-Length (item 11), and what the NUL scan costs
on a 10 MB batch."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from fastapi import FastAPI, Request

from shared.errors import install_error_handlers
from shared.guards import BodySizeLimit, NulGuard, _BodyScanner
from shared.problems import CONTENT_TOO_LARGE, NUL_CHARACTER


def _app(limit: int = 1000) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/json")
    async def take_json(body: dict[str, str]) -> dict[str, str]:
        return body

    @app.post("/raw")
    async def take_raw(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.get("/items/{item}")
    async def read(item: str, q: str = "") -> dict[str, str]:
        return {"item": item, "q": q}

    app.add_middleware(NulGuard)
    app.add_middleware(BodySizeLimit, default=limit, overrides={})
    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def _is_nul_problem(answer: httpx.Response, field: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == NUL_CHARACTER.uri
    assert [e["field"] for e in problem["errors"]] == [field]


async def test_nul_in_the_path_the_query_or_any_body_is_422_naming_where() -> None:
    async with _client(_app()) as client:
        _is_nul_problem(await client.get("/items/a%00b"), "path")
        _is_nul_problem(await client.get("/items/a", params={"q": "x\x00"}), "query.q")
        _is_nul_problem(await client.post("/json", json={"name": "Team\x00"}), "body")
        raw_json = b'{"name": "Team\\u0000"}'  # the JSON escape, as a client sends it
        headers = {"content-type": "application/json"}
        _is_nul_problem(await client.post("/json", content=raw_json, headers=headers), "body")
        csv = b"client_id,note\nr1,bad\x00cell\n"
        _is_nul_problem(
            await client.post("/raw", content=csv, headers={"content-type": "text/csv"}), "body"
        )
        form = {"content-type": "application/x-www-form-urlencoded"}
        _is_nul_problem(await client.post("/raw", content=b"label=a%00", headers=form), "body")
        # What is not a NUL passes: an escaped backslash followed by "u0000", %2500, text.
        fine = await client.post("/json", content=b'{"path": "C:\\\\u0000"}', headers=headers)
        assert fine.status_code == 200 and fine.json() == {"path": "C:\\u0000"}
        assert (await client.get("/items/a", params={"q": "%00"})).status_code == 200
        assert (await client.post("/raw", content=b"u0000 \\u0000")).status_code == 200


def test_the_scanner_finds_a_nul_split_between_chunks() -> None:
    body = b'{"rows": [' + b'{"a": "x"},' * 5000 + b'{"note": "a\\u0000"}]}'
    at = body.index(b"\\u0000")
    for split in range(at - 6, at + 7):
        scanner = _BodyScanner(b"application/json")
        found = scanner.feed(body[:split])
        if found is None:
            found = scanner.feed(body[split:])
        assert found == at, split
    # Past many other escapes (the scan then changes its search), it is still found.
    escapes = b'{"a": "' + b'\\"' * 1000 + b'\\u0000"}'
    assert _BodyScanner(b"application/json").feed(escapes) == escapes.index(b"\\u0000")
    # An escaped backslash before "u0000", split anywhere, is not a NUL.
    text = b'{"a": "\\\\u0000"}'
    for split in range(len(text) + 1):
        scanner = _BodyScanner(b"application/json")
        assert scanner.feed(text[:split]) is None and scanner.feed(text[split:]) is None


async def _chunks(total: int, size: int = 4096) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


async def test_a_chunked_body_over_the_limit_is_413_like_the_others() -> None:
    async with _client(_app(limit=10_000)) as client:
        headers = {"content-type": "application/json"}
        for path in ("/json", "/raw"):  # FastAPI reading the body, and a route reading it
            answer = await client.post(path, content=_chunks(50_000), headers=headers)
            assert answer.status_code == 413, (path, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["type"] == CONTENT_TOO_LARGE.uri
        declared = await client.post("/raw", content=b"x" * 20_000)
        assert declared.status_code == 413
        within = await client.post("/raw", content=_chunks(9_000))
        assert within.status_code == 200 and within.json() == {"bytes": 9_000}


def _ten_megabyte_batch() -> bytes:
    row = {
        "client_id": "r-000001",
        "team_id": "0b6c8f5e-4d1a-4f6e-9a57-3c1d2e5f6a7b",
        "measure": "swemwbs",
        "responded_at": "2026-03-02T10:00:00",
        "items": [3, 4, 3, 5, 2, 3, 4],
    }
    line = json.dumps(row).encode()
    rows = 10 * 1024 * 1024 // (len(line) + 1)
    return b'{"rows": [' + b",".join([line] * rows) + b"]}"


def test_the_nul_scan_of_a_10_mb_batch_costs_milliseconds() -> None:
    """Measured, not guessed: one pass over a 10 MB JSON batch as uvicorn hands it over (64 KiB
    chunks) and as one piece, against parsing the same bytes once (figures printed with -s)."""
    body = _ten_megabyte_batch()
    assert len(body) >= 10 * 1024 * 1024 - 200
    timings = {}
    for label, size in (("64 KiB chunks", 65536), ("one chunk", len(body))):
        best = float("inf")
        for _ in range(5):
            scanner = _BodyScanner(b"application/json")
            started = time.perf_counter()
            for start in range(0, len(body), size):
                assert scanner.feed(body[start : start + size]) is None
            best = min(best, time.perf_counter() - started)
        timings[label] = best * 1000
    started = time.perf_counter()
    orjson.loads(body)
    parse = (time.perf_counter() - started) * 1000
    print(
        f"NUL scan of a {len(body) / 1e6:.1f} MB JSON batch: {timings} ms; parsing it: {parse} ms"
    )
    # Against what ingestion does anyway with the same bytes (orjson, the fastest part of it).
    assert max(timings.values()) < parse / 20


@pytest.mark.parametrize("content_type", [b"text/csv", b"application/json"])
def test_the_scanner_reports_the_byte_offset(content_type: bytes) -> None:
    scanner = _BodyScanner(content_type)
    assert scanner.feed(b"abc") is None
    assert scanner.feed(b"de\x00f") == 5
