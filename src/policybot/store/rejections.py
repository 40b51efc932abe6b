"""Rejected files: documents of a synced folder that could not be ingested, with the reason.

A file in ``corpus/`` that fails to read (a zip bomb, a scan with no text, a parser that runs out
of memory) must not fail the whole sync nor block every restart. It is recorded here instead, in
``rejected.json`` beside the index's version folders, keyed by its path and the hash of its bytes:
the next sync skips it without parsing it again until the file changes. ``GET
/api/documents/rejected`` and ``policybot ingest`` show the list.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["REJECTED_FILE", "Rejection", "read_rejections", "write_rejections"]

log = logging.getLogger(__name__)

REJECTED_FILE = "rejected.json"


@dataclass(frozen=True)
class Rejection:
    """One file that was not ingested: where it is, why, the hash of its content and when."""

    source: str
    reason: str
    content_hash: str
    at: str

    def __post_init__(self) -> None:
        if not self.source or not self.reason:
            raise ValueError("a rejection needs a source and a reason")


def read_rejections(index_dir: Path) -> list[Rejection]:
    """The recorded rejections; a missing or unreadable file counts as none (and is logged)."""
    path = index_dir / REJECTED_FILE
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [Rejection(**row) for row in rows]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return []


def write_rejections(index_dir: Path, rejections: list[Rejection]) -> None:
    """Replace the recorded list atomically (write a temporary file, fsync, rename)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / REJECTED_FILE
    if not rejections and not path.exists():
        return
    tmp = index_dir / f".{REJECTED_FILE}.tmp"
    data = json.dumps([asdict(r) for r in rejections], ensure_ascii=False, indent=1)
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
