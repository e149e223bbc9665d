"""The one registry of problem types: the stable ``type`` URI of every error answer (RFC 9457).

Every 4xx/5xx answer of every service carries ``type`` = ``PROBLEM_BASE`` + a registered name, so
that a client can tell one kind of refusal from another without reading the prose. The platform
registers the generic types below (one per status, plus the refusals every service shares); a
service registers its own at import time, namespaced by the service, e.g.

    EOI_DEADLINE_PASSED = register_problem(
        "enrolment/eoi-deadline-passed", status=409, title="Deadline passed",
        description="The cohort's deadline for expressions of interest has passed.",
    )
    raise Conflict("the deadline was 15 December", type=EOI_DEADLINE_PASSED)

A generic error raised without a type (``NotFound("no such team")``) answers with the generic type
of its status. docs/problems.md lists every type; a test keeps it in step with this registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROBLEM_BASE = "https://enjoying-work.example/problems/"
_NAME = re.compile(r"[a-z][a-z0-9-]*(/[a-z][a-z0-9-]*)?")


@dataclass(frozen=True)
class ProblemType:
    name: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.name


_REGISTRY: dict[str, ProblemType] = {}


def register_problem(name: str, *, status: int, title: str, description: str) -> ProblemType:
    """Add a problem type (idempotent for the same definition; a different one is an error)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"problem type names are lower-case words with dashes: {name!r}")
    if not 400 <= status <= 599:
        raise ValueError(f"a problem's status is 4xx or 5xx, not {status}")
    problem = ProblemType(name=name, status=status, title=title, description=description)
    known = _REGISTRY.setdefault(name, problem)
    if known != problem:
        raise ValueError(f"problem type {name!r} is already registered differently")
    return known


def register_problems(
    namespace: str, entries: dict[str, tuple[int, str, str]]
) -> dict[str, ProblemType]:
    """Register a service's own types at once: ``{code: (status, title, description)}`` under
    ``<namespace>/<code>``; a service's ``problems.py`` keeps this table and looks codes up in it."""
    return {
        code: register_problem(
            f"{namespace}/{code}", status=status, title=title, description=description
        )
        for code, (status, title, description) in entries.items()
    }


def registered_problems() -> list[ProblemType]:
    return sorted(_REGISTRY.values(), key=lambda p: p.name)


def find_problem(uri: str) -> ProblemType | None:
    """The registered type of ``uri``, or None for a URI nobody registered."""
    if not uri.startswith(PROBLEM_BASE):
        return None
    return _REGISTRY.get(uri.removeprefix(PROBLEM_BASE))


# --- the generic types: one per status the services answer with -----------------------------

BAD_REQUEST = register_problem(
    "bad-request",
    status=400,
    title="Bad Request",
    description="The request is malformed (e.g. a body that is not JSON).",
)
UNAUTHENTICATED = register_problem(
    "unauthenticated",
    status=401,
    title="Unauthorized",
    description="No credentials, or credentials that are not valid (bad, expired or revoked "
    "token or API key, or a token without the claim its role needs).",
)
FORBIDDEN = register_problem(
    "forbidden",
    status=403,
    title="Forbidden",
    description="The caller's role may not call this route; the answer names the roles that may.",
)
NOT_FOUND = register_problem(
    "not-found",
    status=404,
    title="Not Found",
    description="No such object, or one the caller may not see (another organisation's objects "
    "answer exactly like ids that do not exist).",
)
METHOD_NOT_ALLOWED = register_problem(
    "method-not-allowed",
    status=405,
    title="Method Not Allowed",
    description="The path exists, but not with this method.",
)
CONFLICT = register_problem(
    "conflict",
    status=409,
    title="Conflict",
    description="The request conflicts with the object's current state.",
)
CONCURRENT_CHANGE = register_problem(
    "concurrent-change",
    status=409,
    title="Conflict",
    description="Another change made at the same time got there first; retry.",
)
CONTENT_TOO_LARGE = register_problem(
    "content-too-large",
    status=413,
    title="Content Too Large",
    description="The request body is over the route's limit (1 MB unless the route says more), "
    "with or without a Content-Length.",
)
UNSUPPORTED_MEDIA_TYPE = register_problem(
    "unsupported-media-type",
    status=415,
    title="Unsupported Media Type",
    description="The body's Content-Type is not one the route reads.",
)
UNPROCESSABLE = register_problem(
    "unprocessable",
    status=422,
    title="Unprocessable Content",
    description="The request is well formed but a rule of the service refuses it.",
)
VALIDATION = register_problem(
    "validation",
    status=422,
    title="Unprocessable Content",
    description="The request does not validate; `errors` lists each field and what is wrong.",
)
NUL_CHARACTER = register_problem(
    "nul-character",
    status=422,
    title="NUL character refused",
    description="A NUL character (U+0000, raw, `%00` or the JSON escape `\\u0000`) in the path, "
    "the query, or the body; `errors` says where.",
)
OUT_OF_RANGE = register_problem(
    "out-of-range",
    status=422,
    title="Value out of range",
    description="A number or text beyond what the service can store or compute with (e.g. "
    "`1e400`, or more digits than the field holds). Fields document their bounds in OpenAPI.",
)
UNREADABLE_CSV = register_problem(
    "unreadable-csv",
    status=422,
    title="Unreadable CSV",
    description="A CSV body that cannot be read (e.g. a cell over 131,072 characters).",
)
INVALID_EVENT = register_problem(
    "invalid-event",
    status=422,
    title="Invalid event",
    description="A dead-lettered event that does not validate against the event catalogue "
    "cannot be replayed; it stays listed for an operator to inspect.",
)
TOO_MANY_REQUESTS = register_problem(
    "too-many-requests",
    status=429,
    title="Too Many Requests",
    description="The caller's rate limit for this route is spent; `Retry-After` says when to "
    "come back.",
)
CLIENT_ERROR = register_problem(
    "client-error",
    status=400,
    title="Client Error",
    description="Any other 4xx answer (its status says which).",
)
INTERNAL_ERROR = register_problem(
    "internal-error",
    status=500,
    title="Internal Server Error",
    description="An unexpected error; the answer carries a `trace_id` to find it in the logs.",
)
UNAVAILABLE = register_problem(
    "unavailable",
    status=503,
    title="Service Unavailable",
    description="The service's database or NATS is unreachable for now; `Retry-After` says "
    "when to try again.",
)
SERVER_ERROR = register_problem(
    "server-error",
    status=500,
    title="Server Error",
    description="Any other 5xx answer (its status says which).",
)

_BY_STATUS = {
    p.status: p
    for p in (
        BAD_REQUEST,
        UNAUTHENTICATED,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        CONFLICT,
        CONTENT_TOO_LARGE,
        UNSUPPORTED_MEDIA_TYPE,
        UNPROCESSABLE,
        TOO_MANY_REQUESTS,
        INTERNAL_ERROR,
        UNAVAILABLE,
    )
}


def generic_problem(status: int) -> ProblemType:
    """The generic type of an answer with ``status`` (4xx or 5xx)."""
    return _BY_STATUS.get(status) or (SERVER_ERROR if status >= 500 else CLIENT_ERROR)
