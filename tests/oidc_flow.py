"""The development identity provider (web/dev-oidc/server.mjs, a real OpenID Connect provider) as
a test process, and a sign-in through it the way the console does it (Authorization Code with
PKCE, the sign-in form posted like a person), without a browser."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlparse

import httpx

from scripts.node import WEB, ensure_dependencies, node_binary
from tests.support import free_port

CLIENT_ID = "enjoying-work-console"
AUDIENCE = "enjoying-work-api"
SCOPE = "openid profile ewc"


@dataclass
class DevProvider:
    issuer: str
    console: str
    process: subprocess.Popen[bytes]

    def rotate(self) -> list[str]:
        """Publish a new signing key beside the old ones; the new one signs from now on."""
        kids: list[str] = httpx.post(f"{self.issuer}/dev/keys/rotate").json()["kids"]
        return kids

    def retire(self) -> list[str]:
        """Drop every key but the newest from the JWKS."""
        kids: list[str] = httpx.post(f"{self.issuer}/dev/keys/retire").json()["kids"]
        return kids

    def sign_in(self, role: str, **claims: Any) -> dict[str, Any]:
        return sign_in(self.issuer, self.console, role=role, **claims)


@contextlib.contextmanager
def dev_provider(
    tmp: Path, *, console: str = "http://127.0.0.1:8080", directory: str | None = None
) -> Iterator[DevProvider]:
    ensure_dependencies()
    port = free_port()
    command = [node_binary(), "dev-oidc/server.mjs", "--port", str(port), "--console", console]
    if directory:
        command += ["--directory", directory]
    command += ["--keys", str(tmp / "oidc-keys.json")]
    log = (tmp / "oidc.log").open("wb")
    process = subprocess.Popen(command, cwd=WEB, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the development provider did not start: {tmp / 'oidc.log'}")
            time.sleep(0.05)
        yield DevProvider(f"http://127.0.0.1:{port}", console, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_in(
    issuer: str,
    console: str,
    *,
    role: str,
    org: str | None = None,
    coach: str | None = None,
    name: str = "Test Person",
    email: str | None = None,
) -> dict[str, Any]:
    """The provider's token answer (access_token, id_token, ...) for a person who picked
    ``role`` (and an organisation or coach, and typed an e-mail address or left the field
    empty) on the sign-in page."""
    verifier = secrets.token_urlsafe(48)
    redirect_uri = f"{console}/signed-in"
    state = secrets.token_urlsafe(16)
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        configuration = client.get(f"{issuer}/.well-known/openid-configuration").json()
        response = client.get(
            configuration["authorization_endpoint"],
            params={
                "client_id": CLIENT_ID,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": SCOPE,
                "state": state,
                "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
                "code_challenge_method": "S256",
            },
        )
        code: str | None = None
        for _ in range(10):
            location = response.headers.get("location")
            if location and location.startswith(redirect_uri):
                query = parse_qs(urlparse(location).query)
                assert query["state"] == [state], query
                code = query["code"][0]
                break
            if location:
                response = client.get(urljoin(str(response.url), location))
                continue
            # The sign-in page: post its form as a person would.
            action = re.search(r'<form method="post" action="([^"]+)"', response.text)
            assert action, response.text
            form = {
                "name": name,
                "role": role,
                "org": org or "",
                "coach": coach or "",
                "email": email or "",
            }
            response = client.post(urljoin(str(response.url), action[1]), data=form)
        assert code, "the provider did not redirect back with a code"
        token = client.post(
            configuration["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": CLIENT_ID,
                "code_verifier": verifier,
            },
        )
        assert token.status_code == 200, token.text
        answer: dict[str, Any] = token.json()
        return answer
