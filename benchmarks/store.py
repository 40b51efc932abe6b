"""Store backends side by side in one run: files (FAISS + BM25 in memory) against PostgreSQL +
pgvector (an embedded server started here, in a temporary folder).

    python benchmarks/store.py --index index --ann 100000      # after `policybot ingest`

1. **Search** p50/p95 of the store's dense + keyword search (the query embedding is computed once
   beforehand, so only the store is timed) for the eval retrieval questions, on the ingested corpus
   and on a ~10k-chunk index made from it: the corpus chunks repeated under new ids, each copy's
   vectors moved by Gaussian noise (sigma 0.02 per dimension) and re-normalised, texts unchanged.
2. **Write throughput**: committing the whole index (chunks, clauses, jieba keyword terms, facts;
   embedding excluded: it is the same model call for both) as a rebuild, in chunks per second.
3. **ANN at N vectors**: synthetic 384-d vectors, each a real chunk or clause vector of the corpus
   plus Gaussian noise (sigma 0.03 per dimension), re-normalised; queries are the eval questions'
   embeddings. FAISS HNSW (M=16, efConstruction=64, efSearch=64) against pgvector HNSW (m=16,
   ef_construction=64, ef_search=64), recall@10 against exact search (FAISS flat).
Figures are printed as ratios postgres / files measured in the same run; ``uptime`` load goes with them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: ``benchmarks`` importable

from benchmarks.common import loadavg, percentiles, quiet_libraries, retrieval_questions, table
from policybot.config import Settings
from policybot.embedding.model import load_embedder
from policybot.store.embedded import embedded_postgres
from policybot.store.files import IndexData, load_index
from policybot.store.memory import MemorySearch
from policybot.store.postgres import PostgresStore

K = 40  # the retriever's candidates


def _noisy(vectors: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    out = vectors + rng.normal(0, sigma, vectors.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def scaled(index: IndexData, target: int, seed: int = 0) -> IndexData:
    """``index`` repeated to about ``target`` chunks: copies under new ids with noisy vectors."""
    rng = np.random.default_rng(seed)
    copies = max(1, -(-target // max(len(index.chunks), 1)))
    out = IndexData(index.model, index.chunking, created=index.created)
    chunks, vectors, clause_vectors = [], [], []
    for n in range(copies):
        for doc_id, doc in index.documents.items():
            new_id = f"{doc_id}~{n}" if n else doc_id
            out.documents[new_id] = replace(doc, meta=replace(doc.meta, doc_id=new_id))
        chunks += [replace(c, id=f"{c.id}~{n}" if n else c.id, doc_id=f"{c.doc_id}~{n}" if n else c.doc_id)
                   for c in index.chunks]  # fmt: skip
        vectors.append(_noisy(index.vectors, 0.02, rng) if n else index.vectors)
        clause_vectors.append(_noisy(index.clause_vectors, 0.02, rng) if n else index.clause_vectors)
    out.chunks, out.vectors, out.clause_vectors = chunks, np.vstack(vectors), np.vstack(clause_vectors)
    out.check()
    return out


def timed(fn: Callable[[], Any], repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def search_figures(name: str, index: IndexData, pg: PostgresStore, queries: list[tuple[str, np.ndarray]]) -> list[str]:
    files_search = MemorySearch(index)
    start = time.perf_counter()
    pg.commit(index, upserted=list(index.documents), removed=(), replace_all=True)
    pg_write = time.perf_counter() - start
    with_tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-store-{os.getpid()}"
    from policybot.store.files import save_index

    index.keyword = None  # both backends tokenise the chunks as a commit after an ingest does
    start = time.perf_counter()
    save_index(index, with_tmp)
    files_write = time.perf_counter() - start
    pg_search = pg.search(pg.load(index.model))
    rows = []
    for label, fs, ps in (
        ("dense", lambda q, v: files_search.dense(v, K), lambda q, v: pg_search.dense(v, K)),
        ("keyword", lambda q, v: files_search.keyword(q, K), lambda q, v: pg_search.keyword(q, K)),
        ("dense, 1 doc", lambda q, v: files_search.dense(v, K, [index.chunks[0].doc_id]),
         lambda q, v: pg_search.dense(v, K, [index.chunks[0].doc_id])),
    ):  # fmt: skip
        f_ms = [t for q, v in queries for t in timed(lambda q=q, v=v, fs=fs: fs(q, v))]
        p_ms = [t for q, v in queries for t in timed(lambda q=q, v=v, ps=ps: ps(q, v))]
        fp, pp = percentiles(f_ms), percentiles(p_ms)
        rows.append([f"{name}: {label}", f"{fp['p50']:.2f}", f"{fp['p95']:.2f}", f"{pp['p50']:.2f}", f"{pp['p95']:.2f}",
                     f"{pp['p50'] / fp['p50']:.1f}x"])  # fmt: skip
    n = len(index.chunks)
    rows.append([f"{name}: commit {n} chunks (chunks/s)", f"{n / files_write:.0f}", "", f"{n / pg_write:.0f}", "",
                 f"{files_write / pg_write:.2f}x speed"])  # fmt: skip
    import shutil

    shutil.rmtree(with_tmp, ignore_errors=True)
    return ["|".join(r) for r in rows]


def ann_figures(url: str, base: np.ndarray, queries: np.ndarray, n: int) -> list[list[str]]:
    import psycopg
    from pgvector.psycopg import register_vector

    rng = np.random.default_rng(1)
    data = _noisy(base[rng.integers(0, len(base), n)], 0.03, rng)
    dim = data.shape[1]
    exact = faiss.IndexFlatIP(dim)
    exact.add(data)
    _, truth = exact.search(queries, 10)
    start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dim, 16, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 64
    hnsw.add(data)
    faiss_build = time.perf_counter() - start
    hnsw.hnsw.efSearch = 64
    f_ms, f_hits = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = hnsw.search(q[None, :], 10)
        f_ms.append((time.perf_counter() - t) * 1000)
        f_hits.append(ids[0])
    with psycopg.connect(url, autocommit=True) as conn:
        register_vector(conn)
        conn.execute("DROP TABLE IF EXISTS bench_ann")
        conn.execute(f"CREATE TABLE bench_ann (id int PRIMARY KEY, embedding vector({dim}))".encode())
        start = time.perf_counter()
        with conn.cursor().copy("COPY bench_ann (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as cp:
            cp.set_types(["int4", "vector"])
            for i, v in enumerate(data):
                cp.write_row((i, v))
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute(
            "CREATE INDEX ON bench_ann USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 64)"
        )
        pg_build = time.perf_counter() - start
        conn.execute("SET hnsw.ef_search = 64")
        p_ms, p_hits = [], []
        for q in queries:
            t = time.perf_counter()
            rows = conn.execute("SELECT id FROM bench_ann ORDER BY embedding <#> %s LIMIT 10", (q,)).fetchall()
            p_ms.append((time.perf_counter() - t) * 1000)
            p_hits.append([r[0] for r in rows])

    def recall(hits: list[Any]) -> float:
        return float(np.mean([len(set(h) & set(t)) / 10 for h, t in zip(hits, truth, strict=True)]))

    fp, pp = percentiles(f_ms), percentiles(p_ms)
    return [
        [f"ANN N={n}: search ms p50/p95", f"{fp['p50']:.2f}/{fp['p95']:.2f}", f"{pp['p50']:.2f}/{pp['p95']:.2f}",
         f"{pp['p50'] / fp['p50']:.1f}x"],
        [f"ANN N={n}: recall@10", f"{recall(f_hits):.3f}", f"{recall(p_hits):.3f}", ""],
        [f"ANN N={n}: build s (pg: load + index)", f"{faiss_build:.1f}", f"{pg_build:.1f}",
         f"{pg_build / faiss_build:.1f}x"],
    ]  # fmt: skip


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", default="index", help="an ingested files index (policybot ingest)")
    p.add_argument("--chunks", type=int, default=10_000, help="size of the scaled index")
    p.add_argument("--ann", type=int, default=100_000, help="vectors for the ANN comparison (0: skip)")
    args = p.parse_args()
    quiet_libraries()
    index = load_index(Path(args.index))
    embedder = load_embedder(Settings())
    questions = retrieval_questions()
    vectors = embedder.embed_queries(questions)
    queries = list(zip(questions, np.asarray(vectors, dtype=np.float32), strict=True))
    print(f"load before: {loadavg()}  cores: {os.cpu_count()}  corpus: {len(index.chunks)} chunks, "
          f"{len(questions)} questions", flush=True)  # fmt: skip
    with embedded_postgres() as url:
        pg = PostgresStore(url)
        lines = search_figures("corpus", index, pg, queries)
        lines += search_figures(f"{args.chunks // 1000}k", scaled(index, args.chunks), pg, queries)
        pg.close()
        head = ["", "files p50", "files p95", "postgres p50", "postgres p95", "pg/files"]
        print(table([head, *[line.split("|") for line in lines]], "store search (ms) and commit throughput"))
        if args.ann:
            base = np.vstack([index.vectors, index.clause_vectors])
            rows = ann_figures(url, base, np.asarray(vectors, dtype=np.float32), args.ann)
            print(table([["", "FAISS HNSW", "pgvector HNSW", "pg/faiss"], *rows], "ANN"))
    print(f"load after: {loadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
