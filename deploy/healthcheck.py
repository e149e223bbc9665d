"""Container healthcheck: exit 0 when the service answers 200 on ``/readyz``, else 1.

``python healthcheck.py http://127.0.0.1:8004/readyz`` checks that URL. Without an argument it
checks the service this container runs (``python -m services.<name>`` as PID 1) on its port
(``<NAME>_PORT``, else the default port in ``scripts.services``). Standard library only apart from
that one lookup, so it costs little every few seconds.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path


def readyz_url(cmdline: Sequence[str], environ: Mapping[str, str]) -> str:
    """The /readyz URL of the service that ``cmdline`` runs."""
    services = [a.removeprefix("services.") for a in cmdline if a.startswith("services.")]
    if not services:
        raise SystemExit(f"healthcheck: not a service command: {' '.join(cmdline)}")
    from scripts.services import PORTS as DEFAULT_PORTS

    service = services[0]
    port = environ.get(f"{service.upper()}_PORT") or str(DEFAULT_PORTS[service])
    return f"http://127.0.0.1:{port}/readyz"


def main(argv: Sequence[str]) -> int:
    if argv:
        url = argv[0]
    else:
        cmdline = Path("/proc/1/cmdline").read_bytes().decode().split("\0")
        url = readyz_url(cmdline, os.environ)
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a local URL)
            return 0 if response.status == 200 else 1
    except Exception as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
