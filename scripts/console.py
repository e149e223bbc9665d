"""The console's build: ``python -m scripts.console`` builds web/dist when it is missing or older
than its sources (``npm ci`` first when web/node_modules is missing or older than the lock file).
``make run`` and ``make console`` call it; Node comes from the virtualenv (scripts/node.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.node import WEB, ensure_dependencies, npm

DIST = WEB / "dist"
SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts")


def _newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        path = WEB / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for file in files:
            if isinstance(file, Path) and file.is_file():
                newest = max(newest, file.stat().st_mtime)
    return newest


def is_built() -> bool:
    index = DIST / "index.html"
    return index.exists() and index.stat().st_mtime >= _newest_source()


def ensure_built(*, force: bool = False) -> None:
    ensure_dependencies()
    if force or not is_built():
        print("Building the console (web/dist)...", flush=True)
        npm("run", "build", "--silent")


def main() -> int:
    ensure_built(force="--force" in sys.argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
