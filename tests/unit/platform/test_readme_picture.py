"""Every service `make run` starts is in the README's picture of the shape, with its port, and in
the gateway's routes (a new service is not finished until a newcomer can see it)."""

from __future__ import annotations

import re

import pytest

from scripts.services import PORTS
from tests.support import ROOT


def shape_picture() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The shape", 1)[1]
    found = re.search(r"```\n(.*?)```", section, re.S)
    assert found, "the README's shape section has a picture"
    return found.group(1)


@pytest.mark.parametrize("service", sorted(PORTS))
def test_the_readme_picture_shows_every_service_with_its_port(service: str) -> None:
    picture = shape_picture()
    assert re.search(rf"│\s+{service}\s", picture), f"{service} is not in the README's picture"
    assert f":{PORTS[service]}" in picture, f"{service}'s port {PORTS[service]} is not shown"


@pytest.mark.parametrize("service", sorted(PORTS))
def test_the_gateway_routes_every_service(service: str) -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert f"/api/{service}/" in caddyfile or f"/api/{service}/*" in caddyfile
