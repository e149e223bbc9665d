"""The shape of the code (docs/conventions.md), checked on the source itself.

Each rule reads the Python files (with ``ast``, not by running them) and names every place that
breaks it: a service importing another service, the platform naming a service, code in services/
reading the wall clock outside the platform's clock, handlers registered outside the typed
registry, long modules, queries in routes, use cases committing, use cases importing the API's
schemas, settings looked up outside the app factory, caches outside the store.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import create_service_app
from shared.events.enrolment import TeamConfirmed, TeamWithdrawn
from shared.handlers import EventHandlers, HandlerContext
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[3]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").is_file())
MAX_MODULE_LINES = 500


def python_files(folder: Path, *, migrations: bool = False) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.py")):
        if not migrations and "migrations" in path.relative_to(folder).parts:
            continue
        yield path


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def service_files(service: str) -> Iterator[Path]:
    return python_files(ROOT / "services" / service)


def is_use_case_module(path: Path, service: str) -> bool:
    """Everything in a service but its HTTP layer, its wiring and its settings."""
    relative = path.relative_to(ROOT / "services" / service)
    return not (
        relative.parts[0] in {"api", "api.py", "schemas.py", "schemas", "app.py", "__main__.py"}
        or relative.name == "settings.py"
    )


# --- services meet only through events -----------------------------------------------------------


def other_service_imports(tree: ast.AST, service: str) -> Iterator[tuple[int, str]]:
    """The imports of another service's package in the code of ``service``."""
    others = [s for s in SERVICES if s != service]
    for line, name in imported_modules(tree):
        if any(name == f"services.{o}" or name.startswith(f"services.{o}.") for o in others):
            yield line, name


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    found = [
        f"{where(path, line)} imports {name}"
        for path in python_files(ROOT / "services" / service, migrations=True)
        for line, name in other_service_imports(parse(path), service)
    ]
    assert not found, "services meet only through events:\n" + "\n".join(found)


def test_the_import_rule_catches_every_spelling() -> None:
    source = (
        "import services.billing\nfrom services.billing import models\n"
        "from services.billing.store import prepared as p\nimport services.billing.rules as r\n"
        "from services.enrolment import rules\nfrom shared.events import billing\n"
    )
    assert [line for line, _ in other_service_imports(ast.parse(source), "enrolment")] == [
        1,
        2,
        2,
        3,
        3,
        4,
    ]


def platform_mentions(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Where platform code imports a service or names one in a string."""
    for line, name in imported_modules(tree):
        if name == "services" or name.startswith("services."):
            yield line, f"imports {name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text in SERVICES or any(
                f"services.{s}" in text or f"services/{s}" in text for s in SERVICES
            ):
                yield node.lineno, f"names {text!r}"


def test_the_platform_names_no_service() -> None:
    """``shared/`` is the platform: it imports no service and names none (the event catalogue in
    ``shared/events/`` is the contract between services, so it names their subjects)."""
    found = [
        f"{where(path, line)} {what}"
        for path in python_files(ROOT / "shared")
        if "events" not in path.relative_to(ROOT / "shared").parts
        for line, what in platform_mentions(parse(path))
    ]
    assert not found, "the platform must not name a service:\n" + "\n".join(found)


def test_the_platform_rule_catches_imports_and_names() -> None:
    source = (
        "import services\nfrom services.billing.settings import BillingSettings\n"
        "PORTS = {'billing': 8004}\nMODULE = 'services.sessions.app'\nPATH = 'services/measurement'\n"
        "NAME = 'a service'\n"
    )
    lines = sorted({line for line, _ in platform_mentions(ast.parse(source))})
    assert lines == [1, 2, 3, 4, 5]


# --- one clock ----------------------------------------------------------------------------------

_WALL_CLOCK = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}


def _clock_aliases(tree: ast.AST) -> dict[str, str]:
    """Local names bound to ``datetime``/``date``/``time`` or to their wall-clock functions
    (``from datetime import datetime as DT``, ``from time import time as now``)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"datetime", "time"}:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in {"datetime", "time"}:
                    aliases[alias.asname or alias.name] = alias.name
    return aliases


_WALL_CLOCK_FUNCTIONS = {f"time.{name}" for owner, name in _WALL_CLOCK if owner == "time"}


def wall_clock_reads(tree: ast.AST) -> Iterator[tuple[int, str]]:
    aliases = _clock_aliases(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name):  # from time import time [as now]; now()
            if aliases.get(node.func.id) in _WALL_CLOCK_FUNCTIONS:
                yield node.lineno, f"{aliases[node.func.id]}()"
            continue
        if not isinstance(node.func, ast.Attribute):
            continue
        target = node.func.value
        owner = (
            target.id
            if isinstance(target, ast.Name)
            else target.attr
            if isinstance(target, ast.Attribute)
            else None
        )
        if owner is not None and owner in aliases:
            owner = aliases[owner].rsplit(".", 1)[-1]  # DT -> datetime, dt -> datetime
        if (owner, node.func.attr) in _WALL_CLOCK:
            yield node.lineno, f"{owner}.{node.func.attr}()"


@pytest.mark.parametrize("service", SERVICES)
def test_only_the_platform_clock_reads_the_wall_clock(service: str) -> None:
    found = [
        f"{where(path, line)} calls {call}"
        for path in python_files(ROOT / "services" / service, migrations=True)
        for line, call in wall_clock_reads(parse(path))
    ]
    assert not found, "take the time from shared.clock (Clock, context.clock):\n" + "\n".join(found)


def test_the_wall_clock_rule_catches_every_spelling() -> None:
    source = (
        "import datetime as dt\nimport time\nfrom datetime import date, datetime\n"
        "a = datetime.now(UTC)\nb = dt.datetime.utcnow()\nc = date.today()\nd = time.time()\n"
        "e = time.monotonic()\nfrom datetime import datetime as DT, date as D\n"
        "from time import time as now\nf = DT.now()\ng = D.today()\nh = now()\n"
    )
    assert [line for line, _ in wall_clock_reads(ast.parse(source))] == [4, 5, 6, 7, 11, 12, 13]


# --- handlers through the typed registry --------------------------------------------------------


def _registry_uses(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in {"EventHandlers", "HandlerRunner"}:
            yield node.lineno, node.id
        if isinstance(node, ast.Attribute) and node.attr in {"EventHandlers", "HandlerRunner"}:
            yield node.lineno, node.attr


@pytest.mark.parametrize("service", SERVICES)
def test_handlers_are_registered_in_handlers_py_through_the_typed_registry(service: str) -> None:
    import importlib

    folder = ROOT / "services" / service
    outside = [
        f"{where(path, line)} uses {name}"
        for path in service_files(service)
        if path.name != "handlers.py"
        for line, name in _registry_uses(parse(path))
    ]
    assert not outside, "only handlers.py registers event handlers:\n" + "\n".join(outside)
    assert (folder / "handlers.py").is_file()
    module = importlib.import_module(f"services.{service}.handlers")
    registries = [v for v in vars(module).values() if isinstance(v, EventHandlers)]
    assert len(registries) == 1, f"services/{service}/handlers.py: one EventHandlers registry"
    # No handler table of another kind (a dict of subjects, say) beside it.
    tables = [
        name
        for name, value in vars(module).items()
        if isinstance(value, dict) and not name.startswith("__")
    ]
    assert not tables, f"handler tables outside the registry: {tables}"


def test_the_app_refuses_handlers_given_any_other_way() -> None:
    async def handler(*_args: object, **_kwargs: object) -> None:
        return None

    with pytest.raises(TypeError, match="EventHandlers"):
        create_service_app(
            settings=ServiceSettings(service_name="probe"),
            title="probe",
            description="probe",
            routers=[],
            handlers={"enrolment.team.confirmed": handler},  # type: ignore[arg-type]
        )


def test_the_registry_refuses_a_handler_of_another_event() -> None:
    async def on_withdrawn(
        session: AsyncSession, *, event: TeamWithdrawn, context: HandlerContext[ServiceSettings]
    ) -> None:
        return None

    registry = EventHandlers[ServiceSettings]()
    with pytest.raises(TypeError, match="TeamConfirmed"):
        registry.add(TeamConfirmed, on_withdrawn)  # type: ignore[arg-type]
    registry.add(TeamWithdrawn, on_withdrawn)
    with pytest.raises(ValueError, match="already"):
        registry.add(TeamWithdrawn, on_withdrawn)


# --- inside a service ---------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_no_module_is_longer_than_the_shape_allows(service: str) -> None:
    long = [
        f"{path.relative_to(ROOT)} ({n} lines)"
        for path in service_files(service)
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert not long, f"split these by what users do (at most {MAX_MODULE_LINES} lines):\n" + (
        "\n".join(long)
    )


@pytest.mark.parametrize("service", SERVICES)
def test_routes_hold_no_queries(service: str) -> None:
    folder = ROOT / "services" / service
    routes = [folder / "api.py"] if (folder / "api.py").is_file() else []
    routes += list(python_files(folder / "api")) if (folder / "api").is_dir() else []
    assert routes, f"services/{service} has no api.py or api/"
    found = [
        f"{where(path, line)} imports {name}"
        for path in routes
        for line, name in imported_modules(parse(path))
        if name.startswith("sqlalchemy") and not name.startswith("sqlalchemy.ext.asyncio")
    ]
    assert not found, "routes parse, call one use case and answer:\n" + "\n".join(found)


@pytest.mark.parametrize("service", SERVICES)
def test_use_cases_never_commit(service: str) -> None:
    found = [
        where(path, node.lineno)
        for path in service_files(service)
        for node in ast.walk(parse(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback"}
    ]
    assert not found, "the request or the handler runner owns the transaction:\n" + "\n".join(found)


@pytest.mark.parametrize("service", SERVICES)
def test_use_cases_do_not_depend_on_the_api_schemas(service: str) -> None:
    found = [
        f"{where(path, line)} imports {name}"
        for path in service_files(service)
        if is_use_case_module(path, service)
        for line, name in imported_modules(parse(path))
        if name.startswith(f"services.{service}.schemas")
        or name.startswith(f"services.{service}.api")
    ]
    assert not found, "schemas depend on the use cases, never the reverse:\n" + "\n".join(found)


@pytest.mark.parametrize("service", SERVICES)
def test_settings_are_looked_up_only_where_the_app_is_built(service: str) -> None:
    found = [
        where(path, node.lineno)
        for path in service_files(service)
        if path.name not in {"app.py", "__main__.py", "settings.py"}
        for node in ast.walk(parse(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "get_settings"
    ]
    assert not found, "take settings from the request's app or the handler context:\n" + (
        "\n".join(found)
    )


def _is_store(path: Path, service: str) -> bool:
    relative = path.relative_to(ROOT / "services" / service)
    return relative.parts[0] in {"store.py", "store"}


@pytest.mark.parametrize("service", SERVICES)
def test_caches_live_in_the_store(service: str) -> None:
    folder = ROOT / "services" / service
    assert (folder / "store.py").is_file() or (folder / "store").is_dir(), (
        f"services/{service} has no store"
    )
    found = []
    for path in service_files(service):
        if _is_store(path, service) or path.name == "settings.py":
            continue
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    name = (
                        target.attr
                        if isinstance(target, ast.Attribute)
                        else target.id
                        if isinstance(target, ast.Name)
                        else ""
                    )
                    if name in {"cache", "lru_cache", "cached_property"}:
                        found.append(f"{where(path, node.lineno)} {node.name}")
    assert not found, "caches belong in the store, with a bound and invalidation:\n" + (
        "\n".join(found)
    )
