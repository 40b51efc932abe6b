"""Load run against the real HTTP API on loopback: ``python app.py`` in a subprocess.

    python benchmarks/load.py                   # 20 clients for 20 s, after a 1-client baseline
    python benchmarks/load.py --seconds 60 --clients 40

The server is the real one (``app.py``: uvicorn, the API and the chat UI, one worker unless
``--workers``) on a free 127.0.0.1 port, with a fresh index of the seed document built at its
start (or of ``--corpus``) and the rate limit raised to 100000/min so it does not distort the
run. Only loopback traffic; every loop is bounded by time and by ``--max-requests``, and the
server is stopped at the end.

Clients (httpx, async) POST ``/api/ask`` with the eval questions (``eval/questions.yaml`` with
history, and ``eval/retrieval.yaml``). Each question is also sent with a few polite prefixes
(请问， / Please tell me: …), cycling through more distinct search texts than the retriever's
512-entry query-vector cache holds, so requests embed their question as new questions would
(a cycle that fitted in the cache would measure cache hits, not the model).

Phases: warm-up (a few requests), a single-client baseline, then ``--clients`` concurrent
clients. Reported: requests/s, p50/p95/p99 latency, errors (anything but HTTP 200), and the
load phase as ratios to the baseline; the server's CPU seconds per request and peak RSS (from
/proc); the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: ``benchmarks`` importable

from benchmarks.common import (
    ROOT,
    ask_items,
    fmt_ms,
    fmt_ratio,
    loadavg,
    machine,
    percentiles,
    quiet_libraries,
    ratio,
    retrieval_questions,
    table,
    write_json,
)
from benchmarks.corpus import SEED

ZH_PREFIXES = ("", "请问，", "我想了解：", "麻烦问一下，")
EN_PREFIXES = ("", "Please tell me: ", "Question: ", "I would like to know: ")
QUERY_CACHE_SIZE = 512  # policybot.answer.retrieval.Retriever keeps this many query vectors


def _is_zh(text: str) -> bool:
    return sum("\u4e00" <= c <= "\u9fff" for c in text) >= max(1, len(text) * 0.1)


def question_pool() -> list[dict[str, Any]]:
    """Request bodies: every eval question (with its history) under each prefix, prefix-major,
    so consecutive cycles through the pool repeat a question only after all the others."""
    base: list[tuple[str, list[str]]] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for question, history in [*ask_items(), *((q, []) for q in retrieval_questions())]:
        key = (question, tuple(history))
        if key not in seen:
            seen.add(key)
            base.append((question, history))
    pool = []
    for i in range(len(ZH_PREFIXES)):
        for question, history in base:
            if history:  # a follow-up is searched with the previous question: vary that one
                last = history[-1]
                history = [*history[:-1], (ZH_PREFIXES if _is_zh(last) else EN_PREFIXES)[i] + last]
            else:
                question = (ZH_PREFIXES if _is_zh(question) else EN_PREFIXES)[i] + question
            pool.append({"question": question, "history": history})
    return pool


def distinct_search_texts(pool: Sequence[dict[str, Any]]) -> int:
    """How many different texts the retriever embeds for ``pool`` (its cache key)."""
    from policybot.answer.glossary import Glossary
    from policybot.answer.understanding import understand

    glossary = Glossary.load(None)
    return len({understand(b["question"], b["history"], glossary).text for b in pool})


# ---- clients --------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get("200", 0)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "200")

    def summary(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "seconds": round(self.wall_s, 2),
            "requests": sum(self.statuses.values()),
            "ok": self.ok,
            "errors": self.errors,
            "statuses": dict(sorted(self.statuses.items())),
            "requests_per_s": round(self.ok / self.wall_s, 2) if self.wall_s else None,
            "latency_ms": percentiles(self.latencies_ms),
        }


async def run_clients(
    client: httpx.AsyncClient,
    path: str,
    bodies: Sequence[dict[str, Any]],
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    start_at: int = 0,
    name: str = "load",
) -> tuple[Phase, int]:
    """``clients`` concurrent loops POSTing ``bodies`` in turn (one shared cycle) until
    ``seconds`` have passed or ``max_requests`` were sent; returns the phase and the next
    position in the cycle. Requests in flight at the deadline are waited for."""
    phase = Phase(name, clients, seconds)
    position = start_at
    sent = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal position, sent
        while time.perf_counter() < deadline and sent < max_requests:
            body = bodies[position % len(bodies)]
            position += 1
            sent += 1
            t0 = time.perf_counter()
            try:
                response = await client.post(path, json=body)
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            phase.latencies_ms.append((time.perf_counter() - t0) * 1000)
            phase.statuses[status] = phase.statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(clients)))
    phase.wall_s = time.perf_counter() - started
    return phase, position


# ---- the server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``python app.py`` with its settings in POLICYBOT_* variables, logging to a file."""

    def __init__(self, root: Path, corpus: Path, *, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.root, self.corpus, self.workers = root, corpus, workers
        self.env = dict(env or {})  # more POLICYBOT_* settings (e.g. the embedding backend)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
        env.update(
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            GRADIO_ANALYTICS_ENABLED="False",
            POLICYBOT_HOST="127.0.0.1",
            POLICYBOT_PORT=str(self.port),
            POLICYBOT_CORPUS_DIR=str(self.corpus),
            POLICYBOT_INDEX_DIR=str(self.root / "index"),
            POLICYBOT_RATE_LIMIT_PER_MINUTE="100000",
            POLICYBOT_WORKERS=str(self.workers),
        )
        env.update(self.env)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "app.py")], cwd=self.root, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float) -> float:
        started = time.perf_counter()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the server was not ready after {timeout:.0f}s; see {self.log}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def cpu_seconds(self) -> float | None:
        """utime + stime of the server process (its threads included; workers are children)."""
        if self.proc is None:
            return None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        # fields after "(comm)": state is [0]; utime [11], stime [12], cutime [13], cstime [14]
        return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks

    def memory_mb(self) -> dict[str, float]:
        if self.proc is None:
            return {}
        out = {}
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(("VmHWM:", "VmRSS:")):
                    key, value = line.split(":", 1)
                    out[{"VmHWM": "peak_rss_mb", "VmRSS": "rss_mb"}[key]] = round(int(value.split()[0]) / 1024, 1)
        except OSError:
            pass
        return out


# ---- main --------------------------------------------------------------------------------------------


async def _phases(server: Server, pool: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=args.clients + 5, max_keepalive_connections=args.clients + 5)
    timeout = httpx.Timeout(args.timeout)
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=timeout) as client:
        warm, position = await run_clients(
            client, "/api/ask", pool, clients=1, seconds=60, max_requests=args.warmup, name="warmup"
        )
        out["warmup"] = warm.summary()
        for name, clients, seconds in (
            ("baseline", 1, args.baseline_seconds),
            ("load", args.clients, args.seconds),
        ):
            print(f"[load] {name}: {clients} client(s) for {seconds:.0f}s", file=sys.stderr, flush=True)
            cpu0, load0, c0 = server.cpu_seconds(), loadavg(), time.process_time()
            phase, position = await run_clients(
                client, "/api/ask", pool, clients=clients, seconds=seconds,
                max_requests=args.max_requests, start_at=position, name=name,
            )  # fmt: skip
            cpu1 = server.cpu_seconds()
            summary = phase.summary()
            if cpu0 is not None and cpu1 is not None and phase.ok:
                summary["server_cpu_s"] = round(cpu1 - cpu0, 2)
                summary["server_cpu_ms_per_request"] = round((cpu1 - cpu0) * 1000 / phase.ok, 1)
                summary["server_cores_busy"] = round((cpu1 - cpu0) / phase.wall_s, 2)
            summary["client_cpu_s"] = round(time.process_time() - c0, 2)
            summary["loadavg_before"], summary["loadavg_after"] = load0, loadavg()
            summary.update(server.memory_mb())
            out[name] = summary
    return out


def render(results: dict[str, Any]) -> str:
    meta, base, load = results["meta"], results["baseline"], results["load"]
    rows = [["phase", "clients", "requests", "errors", "req/s", "p50", "p95", "p99", "server CPU/req", "cores busy"]]
    for name in ("baseline", "load"):
        p = results[name]
        lat = p["latency_ms"]
        rows.append([
            name, str(p["clients"]), str(p["requests"]), str(p["errors"]), f"{p['requests_per_s']:.2f}",
            fmt_ms(lat.get("p50")), fmt_ms(lat.get("p95")), fmt_ms(lat.get("p99")),
            fmt_ms(p.get("server_cpu_ms_per_request")), str(p.get("server_cores_busy", "-")),
        ])  # fmt: skip
    r = results["ratios"]
    rows.append([
        "load / baseline", "", "", "", fmt_ratio(r["throughput"]), fmt_ratio(r["p50"]), fmt_ratio(r["p95"]),
        fmt_ratio(r["p99"]), "", "",
    ])  # fmt: skip
    head = (
        f"policybot load run — {meta['date']}, {meta['cores']} cores, POST /api/ask on {results['url']}, "
        f"load average {meta['loadavg_start']} at start, {meta.get('loadavg_end')} at end"
    )
    lines = [head, "", table(rows)]
    lines.append(
        f"\nquestions: {results['pool']['bodies']} request bodies cycled, {results['pool']['distinct_search_texts']} "
        f"distinct search texts (query-vector cache: {QUERY_CACHE_SIZE}); server ready in "
        f"{results['server']['ready_s']:.1f}s, peak RSS {load.get('peak_rss_mb', '-')} MB; "
        f"errors: {base['errors'] + load['errors']} ({'OK' if base['errors'] + load['errors'] == 0 else 'NOT OK'})"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="load run against the real HTTP API on loopback")
    parser.add_argument("--seconds", type=float, default=20.0, help="load phase length (default 20)")
    parser.add_argument(
        "--baseline-seconds", type=float, default=None, help="single-client phase (default = --seconds)"
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap per phase (default 20000)")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up requests (default 10)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request timeout in seconds")
    parser.add_argument("--ready-timeout", type=float, default=600.0, help="seconds to wait for /readyz")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (POLICYBOT_WORKERS)")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder to serve (default: the seed)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "load.json")
    args = parser.parse_args(argv)
    if args.baseline_seconds is None:
        args.baseline_seconds = args.seconds
    quiet_libraries()
    pool = question_pool()
    meta = machine()
    tmp = Path(tempfile.mkdtemp(prefix="policybot-load-"))
    corpus = args.corpus
    if corpus is None:
        corpus = tmp / "corpus"
        corpus.mkdir()
        shutil.copy(SEED, corpus / SEED.name)
    server = Server(tmp, corpus.resolve(), workers=args.workers)
    results: dict[str, Any] = {"meta": meta, "url": f"{server.url}/api/ask"}
    results["pool"] = {"bodies": len(pool), "distinct_search_texts": distinct_search_texts(pool)}
    try:
        print(f"[load] starting the server on {server.url} (log: {server.log})", file=sys.stderr, flush=True)
        server.start()
        ready = server.wait_ready(args.ready_timeout)
        results["server"] = {"ready_s": round(ready, 1), "workers": args.workers, **server.memory_mb()}
        results.update(asyncio.run(_phases(server, pool, args)))
    finally:
        server.stop()
        meta["loadavg_end"] = loadavg()
    if server.proc is not None and server.proc.returncode not in (0, -15, None):
        print(f"[load] note: the server exited with {server.proc.returncode}", file=sys.stderr)
    base, load = results["baseline"], results["load"]
    results["ratios"] = {
        "throughput": ratio(load["requests_per_s"], base["requests_per_s"]),
        **{q: ratio(load["latency_ms"].get(q), base["latency_ms"].get(q)) for q in ("p50", "p95", "p99")},
    }
    print(render(results))
    write_json(args.out, results)
    print(f"\nwrote {args.out}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if base["errors"] + load["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
