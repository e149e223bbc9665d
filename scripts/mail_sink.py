"""``python -m scripts.mail_sink --port 8025 --directory var/mail``: the local SMTP sink of
``make run``. It accepts every message (aiosmtpd), writes it to the directory as an ``.eml`` file
(open it in any mail client) and prints one line per message, so a newcomer sees what the
notifications service would send. It delivers nothing anywhere."""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import time
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        message = message_from_bytes(envelope.content, policy=policy.default)
        subject = str(message.get("Subject", ""))
        slug = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")[:60] or "message"
        path = self.directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{self.count:04d}-{slug}.eml"
        path.write_bytes(envelope.content)
        attachments = [part.get_filename() for part in message.iter_attachments()]  # type: ignore[attr-defined]
        extra = f" [{', '.join(a for a in attachments if a)}]" if attachments else ""
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {subject}{extra} -> {path}", flush=True)
        return "250 Message accepted (kept in the local sink)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--directory", type=Path, default=Path("var/mail"))
    args = parser.parse_args()
    args.directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(args.directory), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"Local SMTP sink on 127.0.0.1:{args.port}, writing to {args.directory}/", flush=True)

    async def wait() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    try:
        asyncio.run(wait())
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
