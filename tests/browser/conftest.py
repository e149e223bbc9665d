"""Browser tests: Debian's Chromium, driven by Playwright, against the stack `make run` starts
(scripts/run.py: the services, NATS, the development OpenID provider and the Caddy gateway that
serves the built console). One stack for the whole session and one browser per module; each test signs in
through the real OIDC flow in a fresh browser context."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from scripts.services import PORTS
from tests.support import ROOT, free_port

CHROMIUM_ARGS = [
    # As root in a container, and quiet on a machine with no network but loopback.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "console"


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "Chromium is not installed (Debian package chromium)"
    if os.environ.get("CI"):
        pytest.fail(message + ": CI must install it (.ci/run)")
    pytest.skip(message)


@dataclass
class Stack:
    console: str
    issuer: str
    ports: dict[str, int]

    def api(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}/api/{service}"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    chromium_binary()  # no point starting anything without a browser
    from scripts.console import ensure_built

    ensure_built()
    tmp = tmp_path_factory.mktemp("stack")
    ports = {service: free_port() for service in PORTS}
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_DATABASE_URL", "NATS_URL"))}
    for service, port in ports.items():
        env[f"{service.upper()}_PORT"] = str(port)
        env[f"{service.upper()}_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp / service}.db"
    env["EWC_VAR_DIR"] = str(tmp / "var")
    env["CONSOLE_PORT"] = str(free_port())
    env["OIDC_PORT"] = str(free_port())
    log_path = tmp / "stack.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        console = issuer = None
        while console is None:
            text = log_path.read_text(errors="replace")
            found = re.search(r"The console: (\S+?)/?$", text, re.MULTILINE)
            provider = re.search(r"Development sign-in \(OpenID provider\): (\S+)", text)
            if found and provider:
                console, issuer = found[1], provider[1]
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the stack did not start:\n{text[-4000:]}")
            time.sleep(0.2)
        yield Stack(console=console, issuer=issuer, ports=ports)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Any]:
    # Module scope: while Playwright's sync API is open, its event loop is the thread's running
    # loop, and the asyncio tests that run after this module need it gone.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_binary(), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    """A fresh browser context (no sign-in), laptop-sized, that accepts downloads."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
