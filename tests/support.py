"""Helpers shared by the tests (import with ``from support import ...``)."""

from __future__ import annotations

from pathlib import Path

from policybot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "gxb-jie-2016-113.txt"


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings for a corpus/ and index/ under ``tmp`` that reuse the shared converted model."""
    values: dict[str, object] = {
        "corpus_dir": tmp / "corpus",
        "index_dir": tmp / "index",
        "eval_dir": ROOT / "eval",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
