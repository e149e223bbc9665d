"""Wait until every durable consumer has handled and acknowledged every event in its stream.

    python -m scripts.nats_settled http://nats-1:8222 [http://nats-2:8222 ...] [--timeout 300]
    python -m scripts.nats_settled http://nats:8222 --once

Before NATS is replaced (one server by a cluster of three, or back: docs/operations.md), nothing
published may be left unhandled on the old one: the services' outboxes keep what was never
published, but an event published and not yet consumed lives only in the old server's stream.
This reads each server's monitoring endpoint (``/jsz?consumers=true``) and prints what is still
pending, until nothing is. Exit status 0: settled; 1: still pending after the timeout (or, with
``--once``, now); 2: a server did not answer.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from collections.abc import Sequence

Pending = dict[str, tuple[int, int]]


def pending(monitors: Sequence[str]) -> Pending:
    """Per ``STREAM/consumer``: (events not yet delivered, delivered but not acknowledged), the
    most any of the servers reports (in a cluster each server holds a copy)."""
    found: Pending = {}
    for monitor in monitors:
        url = f"{monitor.rstrip('/')}/jsz?consumers=true"
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not a monitoring URL: {monitor}")
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http(s) only)
            report = json.load(response)
        for account in report.get("account_details") or []:
            for stream in account.get("stream_detail") or []:
                for consumer in stream.get("consumer_detail") or []:
                    key = f"{stream['name']}/{consumer['name']}"
                    now = (consumer.get("num_pending", 0), consumer.get("num_ack_pending", 0))
                    before = found.get(key, (0, 0))
                    found[key] = (max(now[0], before[0]), max(now[1], before[1]))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("monitors", nargs="+", help="each NATS server's monitoring URL")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait")
    parser.add_argument("--once", action="store_true", help="check once, do not wait")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + (0 if args.once else args.timeout)
    while True:
        try:
            state = pending(args.monitors)
        except OSError as exc:
            print(f"a NATS server did not answer: {exc}", file=sys.stderr)
            return 2
        waiting = {key: counts for key, counts in state.items() if any(counts)}
        if not waiting:
            print(f"settled: {len(state)} consumers, nothing pending")
            return 0
        for key, (undelivered, unacked) in sorted(waiting.items()):
            print(f"{key}: {undelivered} not delivered, {unacked} not acknowledged")
        if time.monotonic() >= deadline:
            return 1
        time.sleep(2.0)


if __name__ == "__main__":
    sys.exit(main())
