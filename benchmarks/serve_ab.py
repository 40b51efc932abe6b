"""The server of two checkouts against each other, rounds interleaved: start-up, per-request cost, load.

    python benchmarks/serve_ab.py BASELINE_CHECKOUT [CANDIDATE_CHECKOUT] [--rounds 3] [--seconds 10]

Each checkout's ``app.py`` runs with its own ``src`` first on ``PYTHONPATH`` (same interpreter,
same installed packages), on a copy of one index of the seed document (built once, by the
candidate's code), on a free 127.0.0.1 port. ``--extra-path DIR`` puts DIR on the candidate's
``PYTHONPATH`` too (e.g. packages a branch adds, installed with ``pip install --target DIR``).
The candidate defaults to this checkout. Per round, in rotated order, for each checkout:

* ``ready s``: process start to ``/readyz`` 200; ``chat s``: to ``/`` 200 (the chat page);
* ``repeat p50 ms``: one client asking the same three questions over and over (the question
  vector is cached after the first time): what a request costs besides the model; with the
  server's CPU ms per request (``*_cpu_ms``, from /proc: less sensitive to a shared machine);
* ``ask p50 ms``: one client asking distinct questions (as ``load.py``: each one embedded);
* ``--clients`` clients for ``--seconds``: requests/s, p99 ms, errors;
* RSS after start and after the load.

Medians over the rounds, and candidate / baseline ratios, with the load average before and after.
Only loopback traffic; every loop is bounded by time and request count; servers are stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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
from benchmarks.corpus import SEED
from benchmarks.load import free_port, question_pool, run_clients

REPEATED = ("节能监察安排在什么时候？", "What is the deadline?", "预计全年削减化学需氧量多少？")


class Checkout:
    def __init__(self, root: Path, work: Path, extra: str = "") -> None:
        self.root, self.work, self.extra = root, work, extra
        self.name = f"{root.name}{'+extra' if extra else ''}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, index: Path, corpus: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
        env.update(
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            GRADIO_ANALYTICS_ENABLED="False",
            PYTHONPATH=os.pathsep.join(p for p in (str(self.root / "src"), self.extra) if p),
            POLICYBOT_HOST="127.0.0.1",
            POLICYBOT_PORT=str(port),
            POLICYBOT_CORPUS_DIR=str(corpus),
            POLICYBOT_INDEX_DIR=str(index),
            POLICYBOT_RATE_LIMIT_PER_MINUTE="100000",
        )
        with (self.work / f"{self.name}.log").open("ab") as out:
            cmd = [sys.executable, str(self.root / "app.py")]
            self.proc = subprocess.Popen(cmd, cwd=self.work, env=env, stdout=out, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)

    def cpu_s(self) -> float:
        """utime + stime of the server process, all its threads."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float | None:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return None


def _wait(url: str, path: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(url + path, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url}{path} did not answer 200")


def _repeat_p50(url: str, n: int) -> float:
    times = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for question in REPEATED:
            for i in range(n + 5):
                started = time.perf_counter()
                client.post("/api/ask", json={"question": question}).raise_for_status()
                if i >= 5:
                    times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


async def _phases(c: Checkout, url: str, pool: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=args.clients + 5, max_keepalive_connections=args.clients + 5)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=httpx.Timeout(60)) as client:
        _, at = await run_clients(client, "/api/ask", pool, clients=1, seconds=60, max_requests=10)
        cpu = c.cpu_s()
        one, at = await run_clients(
            client, "/api/ask", pool, clients=1, seconds=args.seconds, max_requests=5000, start_at=at
        )
        cpu_one, cpu = c.cpu_s() - cpu, c.cpu_s()
        many, _ = await run_clients(
            client, "/api/ask", pool, clients=args.clients, seconds=args.seconds, max_requests=20000, start_at=at
        )
        cpu_many = c.cpu_s() - cpu
    s, m = one.summary(), many.summary()
    return {
        "ask_p50_ms": s["latency_ms"]["p50"],
        "ask_cpu_ms": round(1000 * cpu_one / max(1, s["requests"]), 2),  # server CPU per request
        "load_rps": m["requests_per_s"],
        "load_p99_ms": m["latency_ms"]["p99"],
        "load_cpu_ms": round(1000 * cpu_many / max(1, m["requests"]), 2),
        "errors": s["errors"] + m["errors"],
    }


def one_round(
    c: Checkout, seed_index: Path, corpus: Path, pool: list[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    index = c.work / f"index-{c.name}"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(seed_index, index)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    c.start(index, corpus, port)
    assert c.proc is not None
    try:
        _wait(url, "/readyz", c.proc, started + 600)
        out: dict[str, Any] = {"ready_s": round(time.monotonic() - started, 2), "rss_ready_mb": c.rss_mb()}
        _wait(url, "/", c.proc, started + 600)
        out["chat_s"] = round(time.monotonic() - started, 2)
        time.sleep(2)  # let what follows the chat's mount settle, as it has in a server that mounts it first
        cpu = c.cpu_s()
        out["repeat_p50_ms"] = _repeat_p50(url, args.repeat)
        out["repeat_cpu_ms"] = round(1000 * (c.cpu_s() - cpu) / ((args.repeat + 5) * len(REPEATED)), 2)
        out.update(asyncio.run(_phases(c, url, pool, args)))
        out["rss_mb"] = c.rss_mb()
    finally:
        c.stop()
    return out


def _index_of_the_seed(work: Path, candidate: Checkout) -> tuple[Path, Path]:
    corpus = work / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(HF_HUB_OFFLINE="1", PYTHONPATH=str(candidate.root / "src"), POLICYBOT_CORPUS_DIR=str(corpus))
    env["POLICYBOT_INDEX_DIR"] = str(work / "seed-index")
    cmd = [sys.executable, "-m", "policybot.surfaces.cli", "ingest", "-q"]
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=1800)
    return work / "seed-index", corpus


def summarise(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in rows), 2) for k in rows[0]}


def render(names: list[str], summary: dict[str, dict[str, float]]) -> str:
    base, cand = names
    lines = [f"| figure | {base} (baseline) | {cand} | {cand} / baseline |", "|---|---|---|---|"]
    for key in summary[base]:
        a, b = summary[base][key], summary[cand][key]
        lines.append(f"| {key} | {a} | {b} | {b / a:.2f}× |" if a else f"| {key} | {a} | {b} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="two checkouts' servers, interleaved")
    p.add_argument("baseline", type=Path)
    p.add_argument("candidate", type=Path, nargs="?", default=ROOT)
    p.add_argument("--extra-path", default="", help="also on the candidate's PYTHONPATH")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--repeat", type=int, default=100, help="requests per repeated question")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "serve_ab.json")
    args = p.parse_args(argv)
    quiet_libraries()
    work = Path(tempfile.mkdtemp(prefix="policybot-serve-ab-"))
    checkouts = [Checkout(args.baseline.resolve(), work), Checkout(args.candidate.resolve(), work, args.extra_path)]
    names = [c.name for c in checkouts]
    results: dict[str, Any] = {"machine": machine(), "loadavg_start": loadavg(), "rounds": {n: [] for n in names}}
    try:
        seed_index, corpus = _index_of_the_seed(work, checkouts[1])
        pool = question_pool()
        for r in range(args.rounds):
            for c in checkouts if r % 2 == 0 else checkouts[::-1]:
                row = one_round(c, seed_index, corpus, pool, args)
                print(f"[serve_ab] round {r + 1} {c.name}: {row}", file=sys.stderr, flush=True)
                results["rounds"][c.name].append(row)
    finally:
        results["loadavg_end"] = loadavg()
        shutil.rmtree(work, ignore_errors=True)
    results["summary"] = {n: summarise(results["rounds"][n]) for n in names}
    print(render(names, results["summary"]))
    print(f"\nload average {results['loadavg_start']} at start, {results['loadavg_end']} at end; {args.rounds} rounds")
    write_json(args.out, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
