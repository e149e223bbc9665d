"""A service's command line: ``python -m services.<name> [serve | migrate ...]``.

``serve`` (the default) runs the app with uvicorn (uvloop and httptools when installed) on the
host and port of the service's settings (``<NAME>_HOST``, ``<NAME>_PORT``); ``migrate`` runs its
Alembic history (``shared.migrations.migrate``). Each service's ``__main__`` calls
:func:`command_line` with its own settings and app factory, so the platform names no service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import uvicorn
from fastapi import FastAPI

from shared.migrations import MIGRATE_USAGE, migrate
from shared.settings import ServiceSettings


def serve(settings: ServiceSettings, create_app: Callable[[Any], FastAPI]) -> None:
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=5,
    )


def command_line(
    argv: Sequence[str], *, settings: ServiceSettings, create_app: Callable[[Any], FastAPI]
) -> int:
    action, *rest = argv or ["serve"]
    if action == "serve" and not rest:
        serve(settings, create_app)
        return 0
    if action == "migrate":
        return migrate(settings, rest)
    print(f"usage: python -m services.{settings.service_name} [serve | {MIGRATE_USAGE}]")
    return 2
