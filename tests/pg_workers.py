"""Run ``policybot ingest`` against PostgreSQL with a crash point (a subprocess of the crash test).

    python tests/pg_workers.py MARKER N

After the N-th document's rows are written (its transaction still open), the ingest writes the
document id to MARKER and waits to be killed. The hook lives here, in the test helper only.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import policybot.store.postgres as pg
from policybot.surfaces.cli import main


def _hook(marker: Path, n: int) -> None:
    real = pg._write_document
    calls = [0]

    def write_document(conn: Any, rows: Any, doc_id: str) -> None:
        real(conn, rows, doc_id)
        calls[0] += 1
        if calls[0] == n:
            marker.write_text(doc_id, "utf-8")
            time.sleep(600)  # killed here, inside the document's transaction

    pg._write_document = write_document


if __name__ == "__main__":
    _hook(Path(sys.argv[1]), int(sys.argv[2]))
    raise SystemExit(main(["ingest", "-q"]))
