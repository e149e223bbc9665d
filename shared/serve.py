"""Serve one service with uvicorn (uvloop and httptools when installed)."""

from __future__ import annotations

import os

import uvicorn

DEFAULT_PORTS = {"enrolment": 8001, "measurement": 8002, "sessions": 8003, "billing": 8004}


def serve(service: str) -> None:
    port = int(os.environ.get(f"{service.upper()}_PORT", DEFAULT_PORTS[service]))
    host = os.environ.get(f"{service.upper()}_HOST", "127.0.0.1")
    uvicorn.run(
        f"services.{service}.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=5,
    )
