"""``make client``: the console's API client, generated from every service's own OpenAPI.

Each service's app is built in-process (no server, no network) and its OpenAPI document is written
to ``web/openapi/<service>.json``; openapi-typescript then turns each into
``web/src/api/<service>.ts``, whose first line carries the SHA-256 of the document it came from.
``tests/unit/platform/test_console_client.py`` fails when either is stale.

    python -m scripts.client           # write the documents and regenerate the TypeScript
    python -m scripts.client --check   # exit 1 when anything is stale (no Node needed)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from scripts.services import PORTS

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DOCUMENTS = WEB / "openapi"
GENERATED = WEB / "src" / "api" / "generated"
HASH_PREFIX = "// openapi sha256: "


def openapi_document(service: str) -> dict[str, Any]:
    """The service's OpenAPI, from its real app (its lifespan not started)."""
    settings_module = importlib.import_module(f"services.{service}.settings")
    settings_class = getattr(settings_module, f"{service.capitalize()}Settings")
    settings = settings_class(environment="test", database_url="sqlite+aiosqlite:///unused.db")
    app = importlib.import_module(f"services.{service}.app").create_app(settings)
    document: dict[str, Any] = app.openapi()
    return document


def document_text(service: str) -> str:
    return json.dumps(openapi_document(service), indent=2, sort_keys=True) + "\n"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def stale(services: list[str]) -> list[str]:
    """What is out of date, in words (empty when the client matches every service)."""
    problems: list[str] = []
    for service in services:
        fresh = document_text(service)
        document = DOCUMENTS / f"{service}.json"
        if not document.exists() or document.read_text() != fresh:
            problems.append(f"web/openapi/{service}.json differs from the service's OpenAPI")
        generated = GENERATED / f"{service}.ts"
        first_line = generated.read_text().split("\n", 1)[0] if generated.exists() else ""
        if first_line != HASH_PREFIX + digest(fresh):
            problems.append(f"web/src/api/generated/{service}.ts was not generated from it")
    extra = {p.stem for p in DOCUMENTS.glob("*.json")} - set(services)
    problems += [f"web/openapi/{name}.json names no service" for name in sorted(extra)]
    return problems


def generate(services: list[str]) -> None:
    from scripts.node import npx

    DOCUMENTS.mkdir(parents=True, exist_ok=True)
    GENERATED.mkdir(parents=True, exist_ok=True)
    for service in services:
        text = document_text(service)
        (DOCUMENTS / f"{service}.json").write_text(text)
        target = GENERATED / f"{service}.ts"
        npx(
            "openapi-typescript",
            f"openapi/{service}.json",
            # Fields with a default stay optional in request bodies.
            "--default-non-nullable=false",
            "-o",
            f"src/api/generated/{service}.ts",
        )
        body = target.read_text()
        target.write_text(f"{HASH_PREFIX}{digest(text)}\n{body}")
        print(f"  {service}: web/src/api/generated/{service}.ts", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report what is stale")
    args = parser.parse_args()
    services = sorted(PORTS)
    if args.check:
        problems = stale(services)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: make client", file=sys.stderr)
        return 1 if problems else 0
    generate(services)
    return 0


if __name__ == "__main__":
    sys.exit(main())
