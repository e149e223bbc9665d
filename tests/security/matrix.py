"""The authorisation matrix of docs/security.md, read as data for the tests."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tests.support import ROOT, service_settings

SERVICES = ("enrolment", "billing", "sessions", "measurement", "improvement", "notifications")
ROLES = ("coordinator", "coach", "team_lead", "finance", "operator", "service", "applicant")
DOC = ROOT / "docs" / "security.md"


@dataclass(frozen=True)
class Row:
    service: str
    method: str
    path: str
    roles: frozenset[str]
    key: bool
    scope: str
    public: bool = False
    feed_token: bool = False

    def scope_of(self, role: str) -> str:
        """``own organisation``, ``own teams``, ``own applications``, ``own messages`` or ``all``
        for one allowed role."""
        for part in self.scope.split(";"):
            who, sep, what = part.partition(":")
            if sep and role in {w.strip() for w in who.split(",")}:
                return _kind(what)
        return _kind(self.scope) if ":" not in self.scope else "all"

    @property
    def pending(self) -> bool:
        return "(pending)" in self.scope


def _kind(text: str) -> str:
    for kind in ("own organisation", "own teams", "own applications", "own messages"):
        if kind in text:
            return kind
    return "all"


def read_matrix(doc: Path = DOC) -> list[Row]:
    rows: list[Row] = []
    for line in doc.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[1] not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
            continue
        service, method, path, roles, key, scope = cells
        services = SERVICES if service == "all" else (service,)
        for name in services:
            rows.append(
                Row(
                    service=name,
                    method=method,
                    path=path.replace("{service}", name),
                    roles=frozenset(r.strip() for r in roles.split(",") if r.strip() in ROLES),
                    key=key == "yes",
                    scope=scope,
                    public=roles == "public",
                    feed_token=roles == "feed token",
                )
            )
    return rows


def rows_of(service: str) -> list[Row]:
    return [r for r in read_matrix() if r.service == service]


def build_app(service: str) -> FastAPI:
    """The service's app, built without its lifespan (enough to read its OpenAPI)."""
    module = importlib.import_module(f"services.{service}.app")
    app: FastAPI = module.create_app(
        service_settings(service, database_url="sqlite+aiosqlite:///:memory:")
    )
    return app


def openapi_routes(service: str) -> set[tuple[str, str]]:
    spec: dict[str, Any] = build_app(service).openapi()
    return {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


PARAM = re.compile(r"\{(\w+)\}")


def path_params(path: str) -> list[str]:
    return PARAM.findall(path)
