"""The console's API client is generated from the services' own OpenAPI (`make client`): this
fails when a service's OpenAPI changed and the committed documents in web/openapi/ or the
TypeScript generated from them in web/src/api/generated/ were not regenerated. No Node, no
network: the documents come from each app built in-process, the TypeScript carries the SHA-256
of the document it was generated from."""

from __future__ import annotations

from scripts.client import GENERATED, HASH_PREFIX, stale
from scripts.services import PORTS


def test_the_generated_api_client_matches_every_services_openapi() -> None:
    problems = stale(sorted(PORTS))
    assert problems == [], "\n".join([*problems, "run: make client"])


def test_every_service_has_a_generated_client() -> None:
    for service in PORTS:
        first_line = (GENERATED / f"{service}.ts").read_text().split("\n", 1)[0]
        assert first_line.startswith(HASH_PREFIX)


def test_the_console_makes_a_typed_client_for_every_service() -> None:
    # A service the console cannot call is a page nobody can build (the notification feed
    # joined this way): web/src/api/client.ts imports each generated module and makes its client.
    source = (GENERATED.parent / "client.ts").read_text()
    for service in PORTS:
        assert f"from './generated/{service}';" in source, service
        assert f"export const {service} = client<" in source, service
