"""Every goal of issue 11 in one run, each ONNX backend against today's torch path measured in the
same run, interleaved.

    python benchmarks/goals.py [--rounds 2] [--seconds 10] [--clients 20] [--ingest-chunks 400]

For each backend (``torch`` = sentence-transformers, the baseline; ``onnx-fp32``; ``onnx-int8``):

* ingest, end to end (``policybot ingest`` in a child process, model load included), of a slice of
  the generated corpus (``benchmarks/corpus.py``, ``--ingest-chunks`` chunks; the 10k-chunk corpus
  takes torch about 25 minutes, too long for a shared box): chunks per second;
* then, per round, with the backends in rotated order: the real server (``app.py``, as
  ``benchmarks/load.py`` runs it) on an index of the seed built with that backend: seconds until
  ``/readyz`` answers, then until the chat page answers (the warm figures follow it), a single
  client asking distinct questions (p50 = warm ``ask`` over HTTP at
  seed size), ``--clients`` concurrent clients (requests/s, p99, errors), the server's RSS after
  the load; and ``policybot documents`` wall time on that index.

Rounds interleave the backends so load from other processes spreads over all of them; the load
average is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, loadavg, machine, quiet_libraries, write_json
from benchmarks.corpus import SEED, generate_corpus
from benchmarks.load import Server, question_pool, run_clients

BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
_INGESTED = re.compile(r"(\d+) chunks in the index \((\d+) embedded\) in ([\d.]+)s")
_TEXTS = re.compile(r"(\d+) texts through the model, (\d+) reused")


def _env(backend: str, index: Path, corpus: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONPATH=str(ROOT / "src"),
        POLICYBOT_EMBED_BACKEND=backend,
        POLICYBOT_INDEX_DIR=str(index),
        POLICYBOT_CORPUS_DIR=str(corpus),
    )
    return env


def cli(backend: str, index: Path, corpus: Path, *args: str) -> tuple[float, str]:
    """Wall seconds and output of ``policybot ARGS`` in a fresh interpreter."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "policybot.surfaces.cli", *args],
        env=_env(backend, index, corpus),
        capture_output=True,
        text=True,
        check=True,
        timeout=7200,
    )
    return time.perf_counter() - started, out.stdout + out.stderr


def ingest_rate(backend: str, corpus: Path, root: Path) -> dict[str, Any]:
    index = root / f"ingest-{backend}"
    wall, output = cli(backend, index, corpus, "ingest", "-q")
    shutil.rmtree(index, ignore_errors=True)
    m = _INGESTED.search(output)
    chunks = int(m.group(1)) if m else 0
    texts = _TEXTS.search(output)
    return {
        "chunks": chunks,
        "wall_s": round(wall, 1),
        "chunks_per_s": round(chunks / wall, 2),
        "ingest_s": float(m.group(3)) if m else None,  # PolicyBot.ingest alone (no start-up, no model load)
        "model_texts": int(texts.group(1)) if texts else None,
        "reused_texts": int(texts.group(2)) if texts else None,
    }


async def _serve_round(server: Server, pool: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=args.clients + 5, max_keepalive_connections=args.clients + 5)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=httpx.Timeout(60)) as client:
        _, position = await run_clients(client, "/api/ask", pool, clients=1, seconds=60, max_requests=10)
        single, position = await run_clients(
            client, "/api/ask", pool, clients=1, seconds=args.seconds, max_requests=5000, start_at=position
        )
        many, _ = await run_clients(
            client, "/api/ask", pool, clients=args.clients, seconds=args.seconds, max_requests=20000, start_at=position
        )
    return {"single": single.summary(), "load": many.summary()}


def wait_for_chat(server: Server, timeout: float) -> float:
    """Seconds until the chat page answers (``/`` 200). The server mounts the chat after ``/readyz``
    (importing Gradio and building the chat hold the interpreter for seconds): the warm figures are
    measured after it, as in ``serve_ab.py``, not while it competes with the first questions."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if httpx.get(f"{server.url}/", timeout=5).status_code == 200:
                time.sleep(1)  # what follows the mount settles
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the chat was not mounted after {timeout:.0f}s; see {server.log}")


def serve_round(backend: str, root: Path, corpus: Path, pool: list[dict[str, Any]], args: argparse.Namespace) -> dict:
    server = Server(root / backend, corpus, env={"POLICYBOT_EMBED_BACKEND": backend})
    out: dict[str, Any] = {"loadavg_before": loadavg()}
    try:
        server.start()
        out["ready_s"] = round(server.wait_ready(600), 2)
        out["rss_ready_mb"] = server.memory_mb().get("rss_mb")
        out["chat_s"] = round(out["ready_s"] + wait_for_chat(server, 600), 2)
        out.update(asyncio.run(_serve_round(server, pool, args)))
        out.update(server.memory_mb())
    finally:
        server.stop()
    wall, _ = cli(backend, root / backend / "index", corpus, "documents")
    out["documents_s"] = round(wall, 2)
    out["loadavg_after"] = loadavg()
    return out


def summarise(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    def med(values: list[float]) -> float:
        return round(statistics.median(values), 2)

    return {
        "ready_s": med([r["ready_s"] for r in rounds]),
        "chat_s": med([r["chat_s"] for r in rounds]),
        "documents_s": med([r["documents_s"] for r in rounds]),
        "ask_p50_ms": med([r["single"]["latency_ms"]["p50"] for r in rounds]),
        "load_rps": med([r["load"]["requests_per_s"] for r in rounds]),
        "load_p99_ms": med([r["load"]["latency_ms"]["p99"] for r in rounds]),
        "load_errors": sum(r["load"]["errors"] + r["single"]["errors"] for r in rounds),
        "rss_mb": med([r["rss_mb"] for r in rounds]),
        "peak_rss_mb": med([r["peak_rss_mb"] for r in rounds]),
    }


def render(results: dict[str, Any]) -> str:
    s, ingest = results["summary"], results["ingest"]
    rows = [
        ("ingest chunks/s", lambda b: ingest[b]["chunks_per_s"], "higher", "≥ 5× and ≥ 50"),
        ("ingest s (`PolicyBot.ingest` alone)", lambda b: ingest[b].get("ingest_s"), "lower", ""),
        ("ingest texts through the model", lambda b: ingest[b].get("model_texts"), "", ""),
        ("ask p50 ms (HTTP, seed)", lambda b: s[b]["ask_p50_ms"], "lower", "≤ 10 ms"),
        (f"{results['clients']} clients req/s", lambda b: s[b]["load_rps"], "higher", "≥ 4×"),
        (f"{results['clients']} clients p99 ms", lambda b: s[b]["load_p99_ms"], "lower", "< 500 ms"),
        ("errors", lambda b: s[b]["load_errors"], "", "0"),
        ("server ready s", lambda b: s[b]["ready_s"], "lower", "< 5 s"),
        ("chat page s", lambda b: s[b]["chat_s"], "lower", ""),
        ("`policybot documents` s", lambda b: s[b]["documents_s"], "lower", "< 1 s"),
        ("server RSS MB after load", lambda b: s[b]["rss_mb"], "lower", "< 800 MB"),
        ("server peak RSS MB", lambda b: s[b]["peak_rss_mb"], "lower", ""),
    ]
    head = "| figure | " + " | ".join(BACKENDS) + " | goal |"
    lines = [head, "|---" * (len(BACKENDS) + 2) + "|"]
    for name, get, better, goal in rows:
        base = get("torch")
        cells = []
        for b in BACKENDS:
            value = get(b)
            if b == "torch" or not better or not base or not value:
                cells.append(f"{value}")
            else:
                r = value / base if better == "higher" else base / value
                cells.append(f"{value} ({r:.1f}×)")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {goal} |")
    m = results["machine"]
    lines.append(
        f"\n{m['cores']} cores, {m['cpu']}; load average {m['loadavg_start']} at start, "
        f"{results['loadavg_end']} at end; {results['rounds']} interleaved rounds of {results['seconds']:.0f} s "
        f"phases; ingest of {ingest['torch']['chunks']} generated chunks; (×) = better than torch by"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="issue 11's goals, ONNX against torch in one run")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--ingest-chunks", type=int, default=400)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "goals.json")
    args = p.parse_args(argv)
    quiet_libraries()
    info = machine()
    root = Path(tempfile.mkdtemp(prefix="policybot-goals-"))
    seed = root / "seed"
    seed.mkdir()
    shutil.copy(SEED, seed / SEED.name)
    generated = root / "generated"
    generate_corpus(generated, chunks=args.ingest_chunks, include_seed=False)
    results: dict[str, Any] = {"machine": info, "rounds": args.rounds, "seconds": args.seconds}
    results["clients"] = args.clients
    try:
        results["ingest"] = {}
        for b in BACKENDS:
            print(f"[goals] ingest with {b}", file=sys.stderr, flush=True)
            results["ingest"][b] = ingest_rate(b, generated, root)
            cli(b, root / b / "index", seed, "ingest", "-q")  # the index the server starts on
        pool = question_pool()
        per: dict[str, list[dict[str, Any]]] = {b: [] for b in BACKENDS}
        for r in range(args.rounds):
            for b in BACKENDS[r % 3 :] + BACKENDS[: r % 3]:
                print(f"[goals] round {r + 1}: {b}", file=sys.stderr, flush=True)
                per[b].append(serve_round(b, root, seed.resolve(), pool, args))
        results["rounds_detail"] = per
        results["summary"] = {b: summarise(per[b]) for b in BACKENDS}
    finally:
        results["loadavg_end"] = loadavg()
        shutil.rmtree(root, ignore_errors=True)
    print(render(results))
    write_json(args.out, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
