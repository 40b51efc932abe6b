"""Soak run: mixed traffic against the real server for minutes; do memory and threads stay flat?

    python benchmarks/soak.py                      # 60 s warm-up, then 600 s of mixed traffic
    python benchmarks/soak.py --seconds 120 --clients 6

``python app.py`` (benchmarks/load.py's ``Server``) serves the seed on a free loopback port. Clients
send, at once: questions (``/api/ask``, distinct texts as in load.py), searches (``/api/search``),
OpenAI-style chat completions with history, and document lists. The server's RSS and thread
count are read from /proc every few seconds.

Reported, each after warm-up against the value at the end of warm-up (the same run's baseline):
RSS and threads at the end as ratios, the RSS slope in MB per minute (least squares), peak
threads, requests and errors (anything but HTTP 200), and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: ``benchmarks`` importable

from benchmarks.common import ROOT, fmt_ratio, loadavg, machine, quiet_libraries, ratio, table, write_json
from benchmarks.corpus import SEED
from benchmarks.load import Server, question_pool


def threads(server: Server) -> int | None:
    if server.proc is None:
        return None
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return None


def slope_per_minute(samples: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, value) samples, per minute."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mx = sum(t for t, _ in samples) / n
    my = sum(v for _, v in samples) / n
    var = sum((t - mx) ** 2 for t, _ in samples)
    return 60 * sum((t - mx) * (v - my) for t, v in samples) / var if var else None


def _bodies(pool: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    chats = [
        {"model": "policybot", "messages": [*({"role": "user", "content": h} for h in b.get("history", [])),
                                            {"role": "user", "content": b["question"]}]}
        for b in pool
    ]  # fmt: skip
    return {"/api/ask": pool, "/api/search": [{"query": b["question"], "k": 5} for b in pool],
            "/v1/chat/completions": chats}  # fmt: skip


async def _traffic(client: httpx.AsyncClient, bodies: dict[str, list[dict[str, Any]]], deadline: float,
                   statuses: dict[str, int], worker: int) -> None:  # fmt: skip
    paths = [*bodies, "GET /api/documents"]
    n = worker
    while time.perf_counter() < deadline:
        path = paths[n % len(paths)]
        n += 1
        try:
            if path.startswith("GET "):
                response = await client.get(path[4:])
            else:
                response = await client.post(path, json=bodies[path][n % len(bodies[path])])
            status = str(response.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        statuses[status] = statuses.get(status, 0) + 1


async def _sample(server: Server, deadline: float, every: float, out: list[dict[str, float]]) -> None:
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        memory = server.memory_mb()
        out.append({"t": time.perf_counter() - started, "rss_mb": memory.get("rss_mb", 0.0),
                    "threads": float(threads(server) or 0)})  # fmt: skip
        await asyncio.sleep(every)


async def _run(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    bodies = _bodies(question_pool())
    limits = httpx.Limits(max_connections=args.clients + 5)
    statuses: dict[str, int] = {}
    samples: list[dict[str, float]] = []
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as client:
        total = args.warmup + args.seconds
        deadline = time.perf_counter() + total
        load0 = loadavg()
        await asyncio.gather(
            _sample(server, deadline, args.every, samples),
            *(_traffic(client, bodies, deadline, statuses, w) for w in range(args.clients)),
        )
    after = [s for s in samples if s["t"] >= args.warmup]
    base = after[0] if after else samples[-1]
    end = samples[-1]
    return {
        "warmup_s": args.warmup, "seconds": args.seconds, "clients": args.clients,
        "requests": sum(statuses.values()), "errors": sum(n for s, n in statuses.items() if s != "200"),
        "statuses": dict(sorted(statuses.items())),
        "rss_mb": {"after_warmup": base["rss_mb"], "end": end["rss_mb"], "ratio": ratio(end["rss_mb"], base["rss_mb"]),
                   "slope_mb_per_min": slope_per_minute([(s["t"], s["rss_mb"]) for s in after])},
        "threads": {"after_warmup": base["threads"], "end": end["threads"], "peak": max(s["threads"] for s in after),
                    "ratio": ratio(end["threads"], base["threads"])},
        "loadavg_before": load0, "loadavg_after": loadavg(), "samples": samples,
    }  # fmt: skip


def render(r: dict[str, Any]) -> str:
    rss, th = r["rss_mb"], r["threads"]
    slope = rss["slope_mb_per_min"]
    rows = [
        ["measure", "after warm-up", "end", "end / after warm-up"],
        ["server RSS (MB)", f"{rss['after_warmup']:.0f}", f"{rss['end']:.0f}", fmt_ratio(rss["ratio"])],
        ["server threads", f"{th['after_warmup']:.0f}", f"{th['end']:.0f}", fmt_ratio(th["ratio"])],
    ]
    return (
        table(rows, f"Soak: {r['clients']} clients, {r['seconds']:.0f} s after {r['warmup_s']:.0f} s warm-up")
        + f"\nRSS slope after warm-up: {slope:+.2f} MB/min; peak threads {th['peak']:.0f}"
        + f"\nrequests {r['requests']}, errors {r['errors']} ({r['statuses']}); "
        + f"load average {r['loadavg_before']} -> {r['loadavg_after']}\n"
        if slope is not None
        else "too few samples\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--warmup", type=float, default=60)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--every", type=float, default=5, help="seconds between /proc samples")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "soak.json")
    args = p.parse_args(argv)
    quiet_libraries()
    root = Path(tempfile.mkdtemp(prefix="policybot-soak-"))
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    server = Server(root, root / "corpus")
    try:
        server.start()
        server.wait_ready(600)
        results = asyncio.run(_run(server, args))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    results["machine"] = machine()
    write_json(args.out, results)
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
