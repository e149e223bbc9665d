"""What the app factory gives every route of every service: the default rate limit on writes,
its roles in OpenAPI (read from the same dependency that enforces them), and offline docs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles

from shared.auth import RoleCheck, get_current_user


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route of the app as served: with the prefix and the dependencies it was
    included with (FastAPI includes routers lazily, so ``app.routes`` does not list them)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def dependency_calls(route: Any) -> Iterator[Any]:
    """Every callable in a route's dependency tree (its ``dependencies`` too)."""
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        if dependant.call is not None:
            yield dependant.call
        pending.extend(dependant.dependencies)


def route_roles(route: Any) -> tuple[list[str], bool] | None:
    """The roles that may call the route and whether API keys may, as enforced by its
    ``require_roles`` dependencies; ``([], True)`` for a route that only authenticates (it
    decides itself); None for a public route."""
    calls = list(dependency_calls(route))
    checks = [call for call in calls if isinstance(call, RoleCheck)]
    if checks:
        roles = frozenset.intersection(*(check.roles for check in checks))
        return sorted(str(role) for role in roles), all(check.api_keys for check in checks)
    if get_current_user in calls:
        return [], True
    return None


def document_roles(app: FastAPI, schema: dict[str, Any]) -> None:
    """Write each route's roles into its OpenAPI operation: ``x-roles`` (and ``x-api-keys``)
    and a line of its description, from the dependencies that enforce them."""
    for route in api_routes(app):
        found = route_roles(route)
        if found is None:
            line, extra = "**Roles:** public (no credentials).", {}
        else:
            roles, api_keys = found
            who = ", ".join(roles) if roles else "none named here (the route decides)"
            line = f"**Roles:** {who}." + (" Organisation API keys too." if api_keys else "")
            extra = {"x-roles": roles, "x-api-keys": api_keys}
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                operation["description"] = f"{operation.get('description', '')}\n\n{line}".strip()
                operation.update(extra)


def openapi_with_roles(app: FastAPI) -> None:
    """Make the app's OpenAPI carry each route's roles (computed once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_roles(app, FastAPI.openapi(app))
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


# Swagger UI's files, shipped in the fastapi-offline wheel: /docs needs no CDN.
_SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"


def serve_offline_docs(app: FastAPI, prefix: str) -> None:
    """``{prefix}/docs`` with Swagger UI's script, style and icon served by the service itself
    under ``{prefix}/docs/assets/`` (inside the prefix, so the gateway routes them too)."""
    assets = f"{prefix}/docs/assets"
    app.mount(assets, StaticFiles(directory=_SWAGGER_ASSETS), name="docs-assets")
    app.docs_url = f"{prefix}/docs"  # (FastAPI's own page, from a CDN, was never added)

    @app.get(app.docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API",
            swagger_js_url=f"{root}{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{assets}/swagger-ui.css",
            swagger_favicon_url=f"{root}{assets}/favicon.png",
            oauth2_redirect_url=None,
            # No validator badge: it would fetch from validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )
