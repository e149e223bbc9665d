"""RFC 9457 problem details for every 4xx/5xx answer, validation errors included."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("shared.errors")

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    field: str
    message: str
    type: str | None = None
    row: int | None = None


class Problem(BaseModel):
    """The body of every error answer."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    status: int = 500
    title: str = "Internal Server Error"
    type: str = "about:blank"

    def __init__(
        self,
        detail: str | None = None,
        *,
        title: str | None = None,
        type: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        if title:
            self.title = title
        if type:
            self.type = type
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class BadRequest(ProblemError):
    status, title = 400, "Bad Request"


class Unauthorized(ProblemError):
    status, title = 401, "Unauthorized"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(ProblemError):
    status, title = 403, "Forbidden"


class NotFound(ProblemError):
    status, title = 404, "Not Found"


class Conflict(ProblemError):
    status, title = 409, "Conflict"


class PayloadTooLarge(ProblemError):
    status, title = 413, "Content Too Large"


class UnsupportedMediaType(ProblemError):
    status, title = 415, "Unsupported Media Type"


class Unprocessable(ProblemError):
    status, title = 422, "Unprocessable Content"


class TooManyRequests(ProblemError):
    status, title = 429, "Too Many Requests"


class ServiceUnavailable(ProblemError):
    status, title = 503, "Service Unavailable"


def problem_response(
    request: Request | None,
    *,
    status: int,
    title: str,
    detail: str | None = None,
    type: str = "about:blank",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")] or [
        str(p) for p in loc
    ]
    return ".".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            request,
            status=exc.status,
            title=exc.title,
            detail=exc.detail,
            type=exc.type,
            errors=exc.errors,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        from http import HTTPStatus

        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        return problem_response(
            request,
            status=exc.status_code,
            title=title,
            detail=detail,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": _field_path(e.get("loc", ())),
                "message": e.get("msg", ""),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        return problem_response(
            request,
            status=422,
            title="Unprocessable Content",
            detail="The request did not validate: see errors.",
            errors=errors,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A unique key caught a concurrent duplicate that the service's own checks raced past.
        log.info("integrity conflict: %s", type(exc.orig).__name__)
        return problem_response(
            request,
            status=409,
            title="Conflict",
            detail="The change conflicts with another one made at the same time; retry.",
        )

    async def _database_or_unexpected(request: Request, exc: Exception) -> JSONResponse:
        from shared.db import is_database_unavailable

        if not is_database_unavailable(exc):
            return await _unexpected(request, exc)
        # The database (or its pool) is unreachable: tell the client to come back, never hang.
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(
            request,
            status=503,
            title="Service Unavailable",
            detail="The service's database is unavailable; retry shortly.",
            headers={"Retry-After": "5"},
        )

    for exc_class in _database_error_classes():
        app.add_exception_handler(exc_class, _database_or_unexpected)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        trace_id = uuid.uuid4().hex
        log.exception("unhandled error trace_id=%s", trace_id)
        return problem_response(
            request,
            status=500,
            title="Internal Server Error",
            detail="An unexpected error occurred.",
            trace_id=trace_id,
        )


def _database_error_classes() -> list[type[Exception]]:
    classes: list[type[Exception]] = [SQLAlchemyError, OSError]
    try:
        import asyncpg

        classes += [asyncpg.PostgresError, asyncpg.InterfaceError]
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        pass
    return classes


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting problem+json answers for the given statuses."""
    from http import HTTPStatus

    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
