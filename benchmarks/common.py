"""Helpers shared by the benchmark scripts: machine facts, percentiles, eval questions, tables."""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from policybot.surfaces.cli import quiet_libraries as quiet_libraries  # re-exported: one definition, in the CLI

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = ROOT / "eval"


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_start": loadavg(),
    }
    for module in ("torch", "numpy", "faiss", "sentence_transformers", "transformers"):
        mod = sys.modules.get(module)
        if mod is not None:
            info[f"{module}_version"] = getattr(mod, "__version__", "?")
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
    return info


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """n, mean, min, p50, p95, p99, max of ``values_ms`` (linear interpolation between ranks)."""
    data = sorted(values_ms)
    if not data:
        return {"n": 0}

    def at(q: float) -> float:
        pos = (len(data) - 1) * q
        lo = int(pos)
        hi = min(lo + 1, len(data) - 1)
        return data[lo] + (data[hi] - data[lo]) * (pos - lo)

    return {
        "n": len(data),
        "mean": round(sum(data) / len(data), 3),
        "min": round(data[0], 3),
        "p50": round(at(0.50), 3),
        "p95": round(at(0.95), 3),
        "p99": round(at(0.99), 3),
        "max": round(data[-1], 3),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 3)


def retrieval_questions(eval_dir: Path = EVAL_DIR) -> list[str]:
    """The questions of ``eval/retrieval.yaml`` (59 at the time of writing)."""
    items = yaml.safe_load((eval_dir / "retrieval.yaml").read_text("utf-8")) or []
    return [str(item["question"]) for item in items]


def ask_items(eval_dir: Path = EVAL_DIR) -> list[tuple[str, list[str]]]:
    """(question, history) for every item of ``eval/questions.yaml``."""
    items = yaml.safe_load((eval_dir / "questions.yaml").read_text("utf-8")) or []
    return [(str(item["question"]), [str(h) for h in item.get("history") or []]) for item in items]


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table(rows: Sequence[Sequence[str]], title: str = "") -> str:
    """A plain-text table; the first row is the header."""
    widths = [max(_width(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = [title] if title else []
    for n, row in enumerate(rows):
        cells = [str(c) + " " * (w - _width(str(c))) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
