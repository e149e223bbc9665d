"""``make replay SERVICE=billing ID=<dead letter id>``: run a dead-lettered event through its
handler again, after the fix (uses the service's own settings, e.g. ``BILLING_DATABASE_URL``).
The inbox keeps the replay idempotent; the replay is marked in the dead-letter store."""

from __future__ import annotations

import asyncio
import importlib
import sys

from shared.clock import SystemClock
from shared.db import Database
from shared.inbox import HandlerRunner, InvalidEvent


async def replay(service: str, dead_letter_id: str) -> str:
    settings = importlib.import_module(f"services.{service}.settings").get_settings()
    handlers = importlib.import_module(f"services.{service}.handlers").HANDLERS
    database = Database(settings)
    try:
        runner = HandlerRunner(
            database,
            handlers,
            clock=SystemClock(),
            service=service,
            max_deliveries=settings.consumer_max_deliveries,
            backoff_seconds=settings.consumer_backoff_seconds,
        )
        return await runner.replay(dead_letter_id)
    finally:
        await database.dispose()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m scripts.replay <service> <dead letter id>", file=sys.stderr)
        return 2
    try:
        outcome = asyncio.run(replay(argv[0], argv[1]))
    except KeyError:
        print(f"no dead letter {argv[1]} in {argv[0]}", file=sys.stderr)
        return 1
    except InvalidEvent as exc:
        print(f"dead letter {argv[1]} cannot be replayed: {exc}", file=sys.stderr)
        return 1
    print(f"dead letter {argv[1]}: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
