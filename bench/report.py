"""docs/benchmarks.md: the machine, the date and every figure ``make bench`` measured.

The file is rewritten by each run. Benchmarks 1-3 are written here; the measurement ingestion and
QI analytics benchmarks replace their own ``## ...`` sections afterwards.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.stack import ROOT
from bench.stats import ms

EVENT_P50_TARGET, EVENT_P99_TARGET = 15.0, 50.0
# Issue 21: at 50/s the service within 6x (p50) and 10x (p99) of the JetStream floor of the same
# run; at 10/s no timer left: p99 within 30 ms.
EVENT_P50_FLOOR_RATIO, EVENT_P99_FLOOR_RATIO, LIGHT_P99_TARGET = 6.0, 10.0, 30.0
API_P99_TARGET, SATURATION_TARGET, HEALTHZ_TARGET = 25.0, 0.5, 0.6
DRAIN_TARGET = 5.0
RUN_TIME_MARKER = "- Whole run: "


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _ratio(a: float, b: float) -> str:
    if not b or math.isnan(a) or math.isnan(b):
        return "n/a"
    return f"{a / b:.1f}x"


def _row(label: str, s: dict[str, Any], extra: str = "") -> str:
    return (
        f"| {label} | {s['n']} | {ms(s['p50'])} | {ms(s['p95'])} | {ms(s['p99'])} "
        f"| {ms(s['max'])} |{extra}"
    )


def header(info: dict[str, Any], results: dict[str, Any]) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); every figure below comes from that command "
        "on the machine described here. The benchmarks are never part of the CI pass/fail.",
        "",
    ]
    if results.get("quick"):
        lines += [
            "> **`--quick` run**: shortened runs for trying the command; these are not the "
            "benchmark's figures.",
            "",
        ]
    lines += [
        f"- Date: {info['date']}",
        f"- Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB memory, "
        f"{info['os']}. Everything (PostgreSQL, NATS, the services, the load generators) shares "
        "these cores.",
        f"- Python {info['python']}; PostgreSQL {info['postgresql']}; {info['nats']}.",
        f"- Packages: {packages}.",
        "- Load average (1, 5, 15 min) when the run began: "
        + ", ".join(f"{v:.2f}" for v in info.get("load_before", ()))
        + "; after benchmarks 1-3: "
        + ", ".join(f"{v:.2f}" for v in info.get("load_after", ()))
        + f". Anything above ~{info['cores']} means other work shared the cores during the run "
        "and the figures are slower than the machine's own.",
        "- Services: enrolment and billing (and measurement, for benchmark 2) as real uvicorn "
        "processes "
        "(`python -m services.<name>`, `shared.serve` settings: one worker, uvloop and httptools "
        "when installed, no access log) on scratch PostgreSQL databases, one NATS JetStream "
        "server with file storage. The sessions service is not started: no benchmark reads it "
        "and on 2 cores it would only take CPU from the others.",
        f"{RUN_TIME_MARKER}(running)",
        "",
    ]
    return lines


def events_section(results: dict[str, Any]) -> list[str]:
    ev, floor = results["events"], results["floor"]
    c2c, rt = ev["commit_to_commit"], floor["round_trip"]
    lines = [
        "## Event latency: team confirmation → invoice",
        "",
        f"{ev['confirmations']:,} late-joiner confirmations (`POST /api/enrolment/teams/{{id}}/"
        f"confirm`) sent at a steady {ev['rate']:.0f}/s (open model: each at its scheduled time, "
        "whatever the earlier answers did), each one recording `enrolment.team.confirmed` in the "
        "outbox; billing consumes it and issues the team's VAT invoice. Latency = the invoice's "
        "`issued_at` minus the event's `time` (the outbox row's `created_at`): both are stamped "
        "inside the committing transactions on the same clock, so this is commit-to-commit time "
        "to within a millisecond or so. HTTP answers (0 = no answer within 15 s): "
        + ", ".join(f"{k}: {v}" for k, v in sorted(ev["statuses"].items()))
        + f"; invoices found: {ev['invoices']:,}.",
        "",
        "The floor, in the same run on the same NATS server: a bare JetStream round trip with "
        f"nats-py — publish (awaiting the publish-ack) → durable pull consumer (fetching in "
        f"batches of 50, like `shared.bus.Consumer`) → ack, {floor['messages']:,} messages of "
        f"1.2 kB at {floor['rate']:.0f}/s on a file-backed stream.",
        "",
        "| ms | n | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|",
        _row("**enrolment commit → invoice commit**", c2c),
        _row("floor: JetStream publish → pull → ack", rt),
        f"| ratio (service ÷ floor) | | {_ratio(c2c['p50'], rt['p50'])} "
        f"| {_ratio(c2c['p95'], rt['p95'])} | {_ratio(c2c['p99'], rt['p99'])} "
        f"| {_ratio(c2c['max'], rt['max'])} |",
        _row("of which: enrolment commit → event on the bus", ev["enrolment_relay"]),
        _row("cross-check: HTTP answer → `billing.invoice.issued` on the bus", ev["answer_to_bus"]),
        _row("confirmation request (from its scheduled send)", ev["confirm_http"]),
        *_light_rows(results.get("events_light"), rt),
        "",
        *_cpu_lines(ev, results),
        "Targets:",
        "",
        f"- at 50/s, p50 ≤ {EVENT_P50_FLOOR_RATIO:.0f}x the floor's — "
        f"{_mark(c2c['p50'] <= EVENT_P50_FLOOR_RATIO * rt['p50'])} "
        f"({_ratio(c2c['p50'], rt['p50'])}: {ms(c2c['p50'])} ms against {ms(rt['p50'])} ms); "
        f"p99 ≤ {EVENT_P99_FLOOR_RATIO:.0f}x the floor's — "
        f"{_mark(c2c['p99'] <= EVENT_P99_FLOOR_RATIO * rt['p99'])} "
        f"({_ratio(c2c['p99'], rt['p99'])}: {ms(c2c['p99'])} ms against {ms(rt['p99'])} ms);",
        f"- at 50/s in absolute terms: p50 ≤ {EVENT_P50_TARGET:.0f} ms — "
        f"{_mark(c2c['p50'] <= EVENT_P50_TARGET)} ({ms(c2c['p50'])} ms); p99 ≤ "
        f"{EVENT_P99_TARGET:.0f} ms — {_mark(c2c['p99'] <= EVENT_P99_TARGET)} "
        f"({ms(c2c['p99'])} ms);",
        *_light_target(results.get("events_light")),
        "",
    ]
    return lines


def _light_target(light: dict[str, Any] | None) -> list[str]:
    if light is None:
        return []
    c2c = light["commit_to_commit"]
    return [
        f"- at {light['rate']:.0f}/s (no timer left): p99 ≤ {LIGHT_P99_TARGET:.0f} ms — "
        f"{_mark(c2c['p99'] <= LIGHT_P99_TARGET)} ({ms(c2c['p99'])} ms, p50 {ms(c2c['p50'])} ms)."
    ]


def _light_rows(light: dict[str, Any] | None, floor: dict[str, Any]) -> list[str]:
    if light is None:
        return []
    c2c = light["commit_to_commit"]
    return [
        f"| *below saturation: {light['confirmations']} more at {light['rate']:.0f}/s "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(light['statuses'].items()))})* | | | | | |",
        _row("enrolment commit → invoice commit", c2c),
        f"| ratio (service ÷ floor) | | {_ratio(c2c['p50'], floor['p50'])} "
        f"| {_ratio(c2c['p95'], floor['p95'])} | {_ratio(c2c['p99'], floor['p99'])} "
        f"| {_ratio(c2c['max'], floor['max'])} |",
        _row("of which: enrolment commit → event on the bus", light["enrolment_relay"]),
        _row("confirmation request (from its scheduled send)", light["confirm_http"]),
    ]


def _cpu_lines(ev: dict[str, Any], results: dict[str, Any]) -> list[str]:
    cpu = ev.get("cpu_ms_per_confirmation")
    if not cpu:
        return []
    total = sum(cpu.values())
    cores = results.get("cores") or 2
    lines = [
        "CPU used per confirmation during this run (process CPU time ÷ confirmations, from "
        "the first request until the last invoice; PostgreSQL = the backends of this run's "
        "databases still connected at the end, so a lower bound):",
        "",
        "| process | CPU ms per confirmation |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {value:.1f} |" for name, value in cpu.items()]
    lines += [
        f"| **total** | **{total:.1f}** |",
        "",
        f"At {total:.0f} ms of CPU per confirmation, {cores} fully free cores sustain at most "
        f"about {cores * 1000 / total:.0f} confirmations/s end to end; beyond that the queues "
        "(the cohort lock, the outbox, the billing consumer) grow and latency is queueing.",
        "",
    ]
    return lines


def _load_row(label: str, r: dict[str, Any] | None) -> str:
    if r is None:
        return f"| {label} | — | — | — | — | — | not run |"
    s = r["latency"]
    return (
        f"| {label} | {r['sent']:,} | {ms(s['p50'])} | {ms(s['p99'])} | {ms(s['max'])} "
        f"| {r['failed']} | {r['max_send_lag_ms']:.1f} |"
    )


def api_section(results: dict[str, Any]) -> list[str]:
    api = results["api"]
    rate, duration = api["rate"], api["duration"]
    bare_sat = api["bare_saturation"]
    lines = [
        "## API latency under load",
        "",
        "(Run after the outage drain. The measurement service is started for this benchmark only "
        "and first catches up with every enrolment event"
        + (
            f", which took {results['measurement_catch_up_s']:.0f} s"
            if "measurement_catch_up_s" in results
            else ""
        )
        + ".)",
        "",
        f"A constant arrival rate of {rate:.0f} requests/s for {duration:.0f} s per endpoint "
        "(`bench/loadgen.py`: an open-model generator in its own process; request *i* is sent at "
        f"start + *i*/{rate:.0f} s whatever the earlier answers did, and its latency is measured "
        "from that scheduled time, so a stalled server cannot hide behind a waiting client). "
        "Meanwhile a second process posts a 5,000-row batch of SWEMWBS responses to "
        "`POST /api/measurement/responses` every second (an organisation's API key). Reads carry "
        "a coordinator bearer token; the team read cycles over the 1,000 confirmed teams, each "
        "with its QI coach.",
        "",
        "| at the constant rate | requests | p50 ms | p99 ms | max ms | errors | client lag ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        _load_row("`GET /api/enrolment/teams/{id}` (a team with its coach)", api.get("team_rate")),
    ]
    if "chart_rate" in api:
        lines.append(_load_row(f"chart: {api['chart_endpoint']}", api["chart_rate"]))
    lines.append(_load_row("bare Starlette JSON endpoint (no ingestion; 15 s)", api["bare_rate"]))
    for name, label in (("team", "team read"), ("chart", "chart")):
        light = api.get(f"{name}_light")
        if light is not None:
            lines.append(
                _load_row(
                    f"{label} below saturation: {light['rate']:.0f}/s for "
                    f"{api['light_duration']:.0f} s, no ingestion",
                    light,
                )
            )
    lines += [
        "",
        "Errors count non-2xx answers, timeouts (10 s) and connection failures. Client lag is "
        "how late the generator itself was to send a request (it should stay well under a "
        "millisecond; if not, the client was starved of CPU and the latencies include that).",
        "",
    ]
    for name in ("team", "chart"):
        ingest = api.get(f"{name}_ingest")
        if ingest is not None:
            s = ingest["latency"]
            lines.append(
                f"Ingestion during the {name} run: {ingest['batches']} batches of 5,000 rows, "
                f"{ingest['failed']} failed "
                f"({', '.join(f'{k}: {v}' for k, v in sorted(ingest['statuses'].items()))}"
                f"{', errors ' + json.dumps(ingest['errors']) if ingest['errors'] else ''}); "
                f"batch latency p50 {ms(s['p50'])} ms, p99 {ms(s['p99'])} ms, max {ms(s['max'])} ms."
            )
            lines.append("")
    lines += [
        "Saturation throughput (closed loop: 16 connections back to back, no ingestion, "
        "after a 1 s warm-up), each against its floor: the platform's own overhead against a "
        "bare Starlette endpoint that does no I/O, and each read against a bare Starlette "
        "endpoint that runs the very statements the read runs (captured from the service's own "
        "code by `bench/sql_floor.py`, caches warm) through an asyncpg pool of the service's "
        "size on the same database, under the same uvicorn settings, answering the rows as JSON:",
        "",
        "| endpoint | requests/s | p50 ms | p99 ms | errors | floor | ratio to floor |",
        "|---|---:|---:|---:|---:|---|---:|",
        f"| bare Starlette JSON endpoint, no I/O | {bare_sat['throughput_rps']:,.0f} "
        f"| {ms(bare_sat['latency']['p50'])} | {ms(bare_sat['latency']['p99'])} "
        f"| {bare_sat['failed']} | (floor) | 1.00 |",
    ]
    verdicts = []
    health = api.get("healthz_saturation")
    if health is not None:
        ratio = health["throughput_rps"] / bare_sat["throughput_rps"]
        lines.append(
            f"| enrolment `GET /healthz` (the platform's middleware, no database) "
            f"| {health['throughput_rps']:,.0f} | {ms(health['latency']['p50'])} "
            f"| {ms(health['latency']['p99'])} | {health['failed']} | no I/O | {ratio:.2f} |"
        )
        verdicts.append(
            f"platform overhead: `/healthz` ≥ {HEALTHZ_TARGET} of the no-I/O floor — "
            f"{_mark(ratio >= HEALTHZ_TARGET)} ({ratio:.2f})."
        )
    for name, label in (("team", "team read"), ("chart", "chart")):
        sat = api.get(f"{name}_saturation")
        if sat is None:
            continue
        floor = api.get(f"{name}_sql_floor")
        if floor is not None:
            lines.append(
                f"| floor: the {label}'s {len(floor['statements'])} statement(s) through asyncpg "
                f"| {floor['throughput_rps']:,.0f} | {ms(floor['latency']['p50'])} "
                f"| {ms(floor['latency']['p99'])} | {floor['failed']} | (floor) | 1.00 |"
            )
        base = floor["throughput_rps"] if floor is not None else bare_sat["throughput_rps"]
        ratio = sat["throughput_rps"] / base
        lines.append(
            f"| {label} | {sat['throughput_rps']:,.0f} | {ms(sat['latency']['p50'])} "
            f"| {ms(sat['latency']['p99'])} | {sat['failed']} "
            f"| {'same SQL' if floor is not None else 'no I/O'} | {ratio:.2f} |"
        )
        loaded = api.get(f"{name}_rate")
        if loaded is not None:
            p99 = loaded["latency"]["p99"]
            verdicts.append(
                f"{label}: p99 ≤ {API_P99_TARGET:.0f} ms at {rate:.0f}/s — "
                f"{_mark(p99 <= API_P99_TARGET)} ({ms(p99)} ms); zero errors — "
                f"{_mark(loaded['failed'] == 0)} ({loaded['failed']}); saturation ≥ "
                f"{SATURATION_TARGET} of its floor — {_mark(ratio >= SATURATION_TARGET)} "
                f"({ratio:.2f})."
            )
    for name, label in (("team", "team read"), ("chart", "chart")):
        floor = api.get(f"{name}_sql_floor")
        if floor is not None:
            statements = "; ".join(f"`{' '.join(sql.split())}`" for sql in floor["statements"])
            lines += ["", f"The {label}'s statements: {statements}"]
    lines += ["", "Targets:", ""] + [f"- {v}" for v in verdicts]
    for note in api["notes"]:
        lines.append(f"- Note: {note}.")
    lines.append("")
    return lines


def drain_section(results: dict[str, Any]) -> list[str]:
    d = results["drain"]

    def sec(value: float | None) -> str:
        return "not reached" if value is None else f"{value:.2f} s"

    total = d["all_invoices_s"]
    return [
        "## Outage drain",
        "",
        f"NATS stopped; {d['confirmations']} confirmations through the API while it was down "
        f"({d['confirmed']} accepted) "
        f"(answers: {', '.join(f'{k}: {v}' for k, v in sorted(d['statuses'].items()))}; "
        f"{d['confirm_s']:.1f} s; the enrolment outbox held {d['outbox_backlog']} unpublished "
        f"events, {d['invoices_before']} invoices existed). Then NATS started again on the same "
        "port and storage, and the clock ran from the start command:",
        "",
        f"- NATS accepting connections: {sec(d['nats_listening_s'])}",
        f"- enrolment outbox empty (all published): {sec(d['relay_drained_s'])}",
        f"- first invoice: {sec(d['first_invoice_s'])}",
        f"- **all {d['confirmed']} invoices: {sec(total)}** (found {d['invoices']})",
        "",
        f"Target ≤ {DRAIN_TARGET:.0f} s — {_mark(total is not None and total <= DRAIN_TARGET)}.",
        "",
    ]


def memory_line(results: dict[str, Any]) -> list[str]:
    rss = results.get("service_rss_mb", {})
    if not rss:
        return []
    return [
        "Resident memory of the service processes at the end of benchmarks 1-3: "
        + ", ".join(f"{k} {v:.0f} MiB" for k, v in rss.items())
        + ".",
        "",
    ]


def write(path: Path, info: dict[str, Any], results: dict[str, Any]) -> None:
    results.setdefault("cores", info["cores"])
    lines = header(info, results)
    lines += events_section(results)
    lines += api_section(results)
    lines += drain_section(results)
    lines += memory_line(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n")
    raw = ROOT / "var" / "bench" / "results.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps({"machine": info, "results": results}, indent=2, default=str))


def append_other(path: Path, outcomes: list[dict[str, Any]]) -> None:
    """Say which of the other benchmarks ran; their own scripts wrote their sections."""
    lines = ["## Measurement benchmarks run by `make bench`", ""]
    for o in outcomes:
        if o["status"] == "absent":
            lines.append(f"- `{o['module']}`: not in this tree yet; no `{o['section']}` figures.")
        elif o["status"] == "ok":
            lines.append(
                f"- `python -m {o['module']} --write` ({o['seconds']:.0f} s): "
                f"see its `## {o['section']}` section."
            )
        else:
            lines.append(
                f"- `python -m {o['module']} --write` did not finish ({o['status']}); "
                f"no new `{o['section']}` figures from this run."
            )
    text = path.read_text().rstrip() + "\n\n" + "\n".join(lines) + "\n"
    path.write_text(text)


def finish(path: Path, seconds: float) -> None:
    text = path.read_text()
    text = text.replace(
        f"{RUN_TIME_MARKER}(running)",
        f"{RUN_TIME_MARKER}{seconds / 60:.1f} minutes for the whole `make bench`.",
        1,
    )
    path.write_text(text)
