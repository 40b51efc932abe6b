"""The cost of preferring documents in force (``lifecycle/preference.py``), against retrieval
itself, measured in the same run.

For every question of ``eval/questions.yaml`` and ``eval/questions-corpus.yaml``: the hybrid search
the answer chain runs (the baseline), then the re-ranking step on its hits; rounds interleave the
two, so load on a shared machine falls on both. Prints p50 / p95 of each, their ratio, and how
many questions the step re-ordered (as of today).

    python benchmarks/preference.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import EVAL_DIR, loadavg, percentiles, table
from policybot.answer.understanding import understand
from policybot.config import Settings
from policybot.lifecycle.preference import prefer_in_force
from policybot.service import PolicyBot


def _ms(value: float) -> str:
    return f"{value:.3f} ms"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.4f}x" if b else "-"


def questions() -> list[str]:
    out: list[str] = []
    for name in ("questions.yaml", "questions-corpus.yaml"):
        path = EVAL_DIR / name
        if path.is_file():
            out += [str(item["question"]) for item in yaml.safe_load(path.read_text("utf-8")) or []]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    bot = PolicyBot.load(Settings())
    bot.lifecycle()  # built once per index, as in the server
    asked = [understand(q, (), bot.glossary) for q in questions()]
    search_ms: list[float] = []
    prefer_ms: list[float] = []
    reordered = 0
    for round_no in range(args.rounds):
        for query in asked:
            t0 = time.perf_counter()
            hits = bot.retriever.search(query.text, 6, keywords=query.keywords)
            t1 = time.perf_counter()
            preferred = prefer_in_force(hits, query, bot.index)
            t2 = time.perf_counter()
            search_ms.append((t1 - t0) * 1000)
            prefer_ms.append((t2 - t1) * 1000)
            if round_no == 0 and [h.chunk.id for h in preferred.hits] != [h.chunk.id for h in hits]:
                reordered += 1
    s, p = percentiles(search_ms), percentiles(prefer_ms)
    rows = [
        ["step", "p50", "p95"],
        ["search (baseline)", _ms(s["p50"]), _ms(s["p95"])],
        ["prefer_in_force", _ms(p["p50"]), _ms(p["p95"])],
        ["ratio", _ratio(p["p50"], s["p50"]), _ratio(p["p95"], s["p95"])],
    ]
    print(table(rows, f"{len(asked)} questions x {args.rounds} rounds, load average {loadavg()}"))
    print(f"re-ordered: {reordered} of {len(asked)} questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
