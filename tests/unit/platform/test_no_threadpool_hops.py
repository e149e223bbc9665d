"""Every endpoint and dependency of every service is a coroutine function.

FastAPI runs a plain ``def`` endpoint or dependency in a worker thread: a thread hop per request,
and the hop cost more than the whole of a simple read under load. This guards against one
slipping back in.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from services.billing.app import create_app as billing_app
from services.enrolment.app import create_app as enrolment_app
from services.improvement.app import create_app as improvement_app
from services.measurement.app import create_app as measurement_app
from services.notifications.app import create_app as notifications_app
from services.sessions.app import create_app as sessions_app


def _is_async(call: Any) -> bool:
    if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
        return True
    method = getattr(call, "__call__", None)  # noqa: B004 - a dependency may be a callable object
    return inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(method)


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (included := getattr(route, "original_router", None)) is not None:
            found += _api_routes(included.routes)
    return found


def _sync_calls(dependant: Dependant, seen: set[int]) -> list[str]:
    found: list[str] = []
    if dependant.call is not None and id(dependant.call) not in seen:
        seen.add(id(dependant.call))
        if not _is_async(dependant.call):
            found.append(getattr(dependant.call, "__qualname__", repr(dependant.call)))
    for sub in dependant.dependencies:
        found += _sync_calls(sub, seen)
    return found


@pytest.mark.parametrize(
    "create_app",
    [enrolment_app, billing_app, measurement_app, sessions_app, improvement_app, notifications_app],
)
def test_no_endpoint_or_dependency_runs_in_a_thread(create_app: Any) -> None:
    app = create_app()
    routes = _api_routes(app.routes)
    assert len(routes) > 5
    offenders = {
        f"{sorted(route.methods)} {route.path}": calls
        for route in routes
        if (
            calls := _sync_calls(route.dependant, set())
            + [
                getattr(d.dependency, "__qualname__", repr(d.dependency))
                for d in route.dependencies
                if d.dependency is not None and not _is_async(d.dependency)
            ]
        )
    }
    assert offenders == {}
