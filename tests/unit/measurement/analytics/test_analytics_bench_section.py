"""The benchmark writes only its own section of docs/benchmarks.md (checked on a scratch file)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[4] / "bench" / "analytics_bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("analytics_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_write_section_appends_then_replaces_only_its_section(tmp_path: Path) -> None:
    bench = _bench()
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Ingestion\n\nfast\n")
    bench.write_section("## QI analytics\n\nfirst\n", doc)
    assert doc.read_text() == "# Benchmarks\n\n## Ingestion\n\nfast\n\n## QI analytics\n\nfirst\n"
    doc.write_text(doc.read_text() + "\n## Billing\n\nslow\n")
    bench.write_section("## QI analytics\n\nsecond\n", doc)
    text = doc.read_text()
    assert "first" not in text and "second" in text
    assert text.index("## Ingestion") < text.index("## QI analytics") < text.index("## Billing")
    assert "slow" in text and "fast" in text


def test_report_lists_the_three_cases() -> None:
    bench = _bench()
    results = bench.measure(chart_runs=3, aggregate_runs=1, teams_count=5, freeze_heap=False)
    text = bench.report(results, 3, 1)
    assert text.startswith("## QI analytics")
    assert text.count("| one team chart") == 2 and text.count("| aggregate") == 1
