"""RFC 9457 problem details for every 4xx/5xx answer, validation errors included.

Every answer's ``type`` is a URI from the one registry in ``shared/problems.py``. Besides the
service's own refusals, a few errors that any service can meet through a client's input are
answered here as 4xx rather than 500: a value the database cannot store (numeric overflow, text
too long), a Decimal or float operation that overflows, a CSV the ``csv`` module cannot read.
"""

from __future__ import annotations

import csv
import decimal
import logging
import uuid
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.problems import (
    BAD_REQUEST,
    CONCURRENT_CHANGE,
    CONFLICT,
    CONTENT_TOO_LARGE,
    FORBIDDEN,
    INTERNAL_ERROR,
    NOT_FOUND,
    OUT_OF_RANGE,
    TOO_MANY_REQUESTS,
    UNAUTHENTICATED,
    UNAVAILABLE,
    UNPROCESSABLE,
    UNREADABLE_CSV,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION,
    ProblemType,
    generic_problem,
)

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

    type: str = Field(description="A problem type URI from the registry (docs/problems.md).")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raise one of the subclasses; ``type`` may name a registered ``ProblemType`` of the service
    (its title is then the answer's title unless ``title`` is given)."""

    problem: ClassVar[ProblemType] = INTERNAL_ERROR

    def __init_subclass__(cls, problem: ProblemType | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if problem is not None:
            cls.problem = problem

    def __init__(
        self,
        detail: str | None = None,
        *,
        title: str | None = None,
        type: str | ProblemType | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        chosen = type if isinstance(type, ProblemType) else self.problem
        super().__init__(detail or title or chosen.title)
        self.status = self.problem.status
        self.title = title or chosen.title
        self.type = type if isinstance(type, str) else chosen.uri
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class BadRequest(ProblemError, problem=BAD_REQUEST):
    """The route cannot read the request (e.g. a body that is not JSON)."""


class Unauthorized(ProblemError, problem=UNAUTHENTICATED):
    """No valid credentials; answered with ``WWW-Authenticate: Bearer``."""

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(ProblemError, problem=FORBIDDEN):
    """The caller's role may not do this."""


class NotFound(ProblemError, problem=NOT_FOUND):
    """No such object, or another organisation's: both answer alike."""


class Conflict(ProblemError, problem=CONFLICT):
    """The object's current state refuses the change."""


class PayloadTooLarge(ProblemError, problem=CONTENT_TOO_LARGE):
    """The body is over the route's limit."""


class UnsupportedMediaType(ProblemError, problem=UNSUPPORTED_MEDIA_TYPE):
    """The route does not read this Content-Type."""


class Unprocessable(ProblemError, problem=UNPROCESSABLE):
    """Well formed, but a rule of the service refuses it."""


class TooManyRequests(ProblemError, problem=TOO_MANY_REQUESTS):
    """The caller's rate limit is spent (give ``Retry-After``)."""


class ServiceUnavailable(ProblemError, problem=UNAVAILABLE):
    """A dependency is away for now (give ``Retry-After``)."""


class RefusedWhileReading(StarletteHTTPException):
    """A problem an ASGI layer finds while the app reads the request body (too large, a NUL).

    FastAPI turns any other exception raised while it reads a body into a plain 400; an
    ``HTTPException`` passes through, and its handler below answers with ``problem``."""

    def __init__(self, problem: ProblemError) -> None:
        super().__init__(problem.status, problem.detail)
        self.problem = problem


def problem_response(
    request: Request | None,
    *,
    status: int,
    title: str | None = None,
    detail: str | None = None,
    type: str | ProblemType | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json answer; without ``type``, the generic registered type of ``status``."""
    problem = type if isinstance(type, ProblemType) else generic_problem(status)
    uri = type if isinstance(type, str) and type != "about:blank" else problem.uri
    body: dict[str, Any] = {"type": uri, "title": title or problem.title, "status": status}
    if detail:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    elif request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")] or [
        str(p) for p in loc
    ]
    return ".".join(parts)


def error_response(
    exc: ProblemError, request: Request | None = None, *, instance: str | None = None
) -> JSONResponse:
    """The answer to a raised problem (``instance``: the path, where there is no request)."""
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        type=exc.type,
        errors=exc.errors,
        headers=exc.headers,
        instance=instance,
        **exc.extra,
    )


# SQLSTATEs of values the database refuses to store: numeric_value_out_of_range,
# string_data_right_truncation, datetime_field_overflow, character_not_in_repertoire,
# untranslatable_character, invalid_text_representation. They come from a client's input.
_BAD_VALUE_SQLSTATES = frozenset({"22003", "22001", "22008", "22021", "22P05", "22P02"})


def is_bad_value(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is the database refusing a value it was given."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlstate", None) in _BAD_VALUE_SQLSTATES:
            return True
        # asyncpg's own check of a query argument (e.g. an integer over int64).
        if type(current).__module__.startswith("asyncpg") and isinstance(current, ValueError):
            return True
        current = current.__cause__ or current.__context__
    return False


def _out_of_range(request: Request, what: str) -> JSONResponse:
    return problem_response(
        request,
        status=422,
        type=OUT_OF_RANGE,
        detail=f"A value in the request is out of range: {what}. "
        "See the route's documented bounds.",
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return error_response(exc, request)

    @app.exception_handler(RefusedWhileReading)
    async def _refused(request: Request, exc: RefusedWhileReading) -> JSONResponse:
        return error_response(exc.problem, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        generic = generic_problem(exc.status_code)
        phrase = _phrase(exc.status_code)
        title = generic.title if generic.status == exc.status_code else phrase
        detail: str | None = exc.detail if isinstance(exc.detail, str) else None
        if detail in (title, phrase):
            detail = None
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
            type=VALIDATION,
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
            type=CONCURRENT_CHANGE,
            detail="The change conflicts with another one made at the same time; retry.",
        )

    @app.exception_handler(csv.Error)
    async def _csv(request: Request, exc: csv.Error) -> JSONResponse:
        return problem_response(
            request, status=422, type=UNREADABLE_CSV, detail=f"The CSV cannot be read: {exc}."
        )

    @app.exception_handler(decimal.InvalidOperation)
    async def _decimal(request: Request, exc: decimal.InvalidOperation) -> JSONResponse:
        log.info("decimal operation refused: %s", type(exc).__name__)
        return _out_of_range(request, "a number with too many digits for the calculation")

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        log.info("overflow: %s", exc)
        return _out_of_range(request, "a number too large to compute with or store")

    async def _database_or_unexpected(request: Request, exc: Exception) -> JSONResponse:
        from shared.db import is_database_unavailable

        if is_bad_value(exc):
            log.info("the database refused a value: %s", type(exc).__name__)
            return _out_of_range(request, "the database cannot store it")
        if not is_database_unavailable(exc):
            return await _unexpected(request, exc)
        # The database (or its pool) is unreachable: tell the client to come back, never hang.
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(
            request,
            status=503,
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
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
