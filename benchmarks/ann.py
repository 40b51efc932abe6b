"""Approximate (HNSW) dense search against exact flat search, at a large synthetic size, in one run.

The vectors are clustered, which is closer to real embeddings than uniform noise (real chunk
vectors of one corpus sit in a narrow cone, many near-duplicates): ``--clusters`` centres drawn
from a standard normal, each vector a centre plus Gaussian noise of ``--spread`` per coordinate,
then L2-normalised (cosine = inner product, as the index stores them). The queries are held-out
vectors drawn the same way. Reported: HNSW build time (as ``policybot`` builds it, store/ann.py),
single-query search latency p50/p95 for each efSearch, recall@10 against exact flat search, and
exact flat search's latency in the same run (single queries, one thread per query as the server
runs them; FAISS uses its own threads within one).

With ``--postgres`` the same vectors also go into pgvector (an embedded PostgreSQL started here, in
a temporary folder): loaded with binary COPY, an HNSW index with the same M and ef_construction
built with one parallel maintenance worker (two processes, the machine's two cores), then searched
with ``SET hnsw.ef_search`` for each efSearch, over one connection, as a replica does.

    python benchmarks/ann.py [--n 1000000] [--queries 500] [--m 32] [--ef-construction 80] [--ef 32,64,128]
    python benchmarks/ann.py --n 1000000 --m 16 --ef-construction 64 --ef 40,64,128 --postgres
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.common import loadavg, machine, percentiles
from policybot.config import AnnKind
from policybot.store.ann import AnnParams, build_faiss_index, search_on_one_thread


def clustered_vectors(n: int, dim: int, clusters: int, spread: float, seed: int) -> np.ndarray:
    """``n`` L2-normalised float32 vectors around ``clusters`` random centres (made in blocks)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        block = centres[rng.integers(0, clusters, hi - lo)]
        block += spread * rng.standard_normal((hi - lo, dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[lo:hi] = block
    return out


def single_queries(index: Any, queries: np.ndarray, k: int) -> tuple[np.ndarray, dict[str, float]]:
    ids = np.empty((len(queries), k), dtype=np.int64)
    times = []
    for i in range(len(queries)):
        started = time.perf_counter()
        _, found = index.search(queries[i : i + 1], k)
        times.append((time.perf_counter() - started) * 1000)
        ids[i] = found[0]
    return ids, percentiles(times)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / truth.shape[1] for a, b in zip(found, truth, strict=True)]))


def pgvector_side(base: np.ndarray, queries: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    """Load ``base`` into pgvector, build its HNSW index, search ``queries`` at each efSearch."""
    import psycopg
    from pgvector.psycopg import register_vector

    from policybot.store.embedded import embedded_postgres

    out: dict[str, Any] = {}
    with embedded_postgres() as url, psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        conn.execute(f"CREATE TABLE bench_ann (id int PRIMARY KEY, embedding vector({args.dim}))".encode())
        started = time.perf_counter()
        with conn.cursor().copy("COPY bench_ann (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as cp:
            cp.set_types(["int4", "vector"])
            for i, v in enumerate(base):
                cp.write_row((i, v))
        out["load_s"] = round(time.perf_counter() - started, 1)
        conn.execute(f"SET maintenance_work_mem = '{args.pg_memory}'".encode())
        conn.execute("SET max_parallel_maintenance_workers = 1")
        started = time.perf_counter()
        conn.execute(
            f"CREATE INDEX ON bench_ann USING hnsw (embedding vector_ip_ops) "
            f"WITH (m = {args.m}, ef_construction = {args.ef_construction})".encode()
        )
        out["build_s"] = round(time.perf_counter() - started, 1)
        rows = []
        for ef in args.ef:
            conn.execute(f"SET hnsw.ef_search = {ef}".encode())
            ids, times = np.empty((len(queries), 10), dtype=np.int64), []
            for i, q in enumerate(queries):
                t = time.perf_counter()
                found = conn.execute("SELECT id FROM bench_ann ORDER BY embedding <#> %s LIMIT 10", (q,)).fetchall()
                times.append((time.perf_counter() - t) * 1000)
                ids[i] = [r[0] for r in found] + [-1] * (10 - len(found))
            rows.append({"ef_search": ef, "ids": ids, **percentiles(times)})
        out["by_ef"] = rows
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    info = machine()
    started = time.perf_counter()
    data = clustered_vectors(args.n + args.queries, args.dim, args.clusters, args.spread, args.seed)
    base, queries = data[: args.n], np.ascontiguousarray(data[args.n :])
    made = time.perf_counter() - started
    flat = build_faiss_index(base, args.dim, AnnParams(AnnKind.FLAT))
    started = time.perf_counter()
    params = AnnParams(AnnKind.HNSW, hnsw_m=args.m, ef_construction=args.ef_construction, ef_search=args.ef[0])
    hnsw = build_faiss_index(base, args.dim, params)
    build = time.perf_counter() - started
    search_on_one_thread()  # as the retriever searches
    truth, flat_lat = single_queries(flat, queries, 10)
    rows = []
    for ef in args.ef:
        hnsw.hnsw.efSearch = ef  # type: ignore[attr-defined]
        found, lat = single_queries(hnsw, queries, 10)
        rows.append(
            {"ef_search": ef, "recall@10": round(recall(found, truth), 4), **{k: lat[k] for k in ("p50", "p95")}}
        )
    report: dict[str, Any] = {
        "machine": info,
        "vectors": {
            "n": args.n,
            "dim": args.dim,
            "clusters": args.clusters,
            "spread": args.spread,
            "made_s": round(made, 1),
        },
        "hnsw": {"m": args.m, "ef_construction": args.ef_construction, "build_s": round(build, 1)},
        "flat_ms": {k: flat_lat[k] for k in ("p50", "p95")},
        "hnsw_by_ef": rows,
    }
    if args.postgres:
        pg = pgvector_side(base, queries, args)
        pg_rows = [
            {
                "ef_search": r["ef_search"],
                "recall@10": round(recall(r["ids"], truth), 4),
                "p50": r["p50"],
                "p95": r["p95"],
            }
            for r in pg["by_ef"]
        ]
        report["pgvector"] = {"load_s": pg["load_s"], "build_s": pg["build_s"], "by_ef": pg_rows}
    report["loadavg_end"] = loadavg()
    vec = f"{args.n:,} clustered {args.dim}-d vectors ({args.clusters} centres, noise {args.spread})"
    print(f"{vec}; load {info['loadavg_start']}")
    print(f"HNSW M={args.m} efConstruction={args.ef_construction}: built in {build:.1f} s")
    print(f"exact flat: p50 {flat_lat['p50']:.2f} ms, p95 {flat_lat['p95']:.2f} ms")
    print("| efSearch | recall@10 | p50 ms | p95 ms | p95 vs flat |")
    print("|---|---|---|---|---|")
    for row in rows:
        ratio = flat_lat["p95"] / row["p95"] if row["p95"] else float("inf")
        cells = [str(row["ef_search"]), f"{row['recall@10']:.3f}", f"{row['p50']:.2f}", f"{row['p95']:.2f}"]
        print(f"| {' | '.join(cells)} | {ratio:.0f}× faster |")
    if args.postgres:
        pg = report["pgvector"]
        print(f"pgvector HNSW m={args.m} ef_construction={args.ef_construction}: COPY {pg['load_s']:.1f} s, "
              f"index built in {pg['build_s']:.1f} s ({pg['build_s'] / build:.1f}× FAISS)")  # fmt: skip
        print("| efSearch | FAISS recall@10 | pgvector recall@10 | FAISS p50/p95 ms | pgvector p50/p95 ms "
              "| pg/FAISS p95 |")  # fmt: skip
        print("|---|---|---|---|---|---|")
        for f, g in zip(rows, pg["by_ef"], strict=True):
            cells = [str(f["ef_search"]), f"{f['recall@10']:.3f}", f"{g['recall@10']:.3f}",
                     f"{f['p50']:.2f}/{f['p95']:.2f}", f"{g['p50']:.2f}/{g['p95']:.2f}",
                     f"{g['p95'] / f['p95']:.1f}×"]  # fmt: skip
            print(f"| {' | '.join(cells)} |")
    print(f"load at the end {report['loadavg_end']}")
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--clusters", type=int, default=2000)
    p.add_argument("--spread", type=float, default=0.35)
    p.add_argument("--m", type=int, default=32)
    p.add_argument("--ef-construction", type=int, default=80)
    p.add_argument("--ef", type=lambda s: [int(x) for x in s.split(",")], default=[32, 64, 128])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="also write the report here")
    p.add_argument("--postgres", action="store_true", help="also build and search pgvector HNSW on the same vectors")
    p.add_argument("--pg-memory", default="8GB", help="maintenance_work_mem for the pgvector build")
    args = p.parse_args(argv)
    report = run(args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
