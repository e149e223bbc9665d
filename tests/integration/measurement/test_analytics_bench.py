"""The analytics benchmark's service rows run the chart use case and the signal check on a real
(scratch SQLite) database with migrations, so `make bench` does not rot unseen."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[3] / "bench" / "analytics_bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("analytics_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_service_rows_time_the_chart_use_case_and_the_signal_check_on_sqlite() -> None:
    bench = _bench()
    results = bench.measure_service(runs=2)  # no PostgreSQL URL: the SQLite rows only
    assert sorted(results) == sorted(row.format(db="SQLite") for row in bench.ROWS)
    text = bench.report(results, 3, 1)
    assert "| chart endpoint service time" in text and "| - |" in text
