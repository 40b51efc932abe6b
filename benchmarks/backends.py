"""Embedding backends against today's torch path, measured in the same run.

For each backend (torch = sentence-transformers, the baseline; onnx-fp32; onnx-int8): passages per
second over the chunk texts of the corpus (sorted by length; torch in batches of 32,
ONNX in batches of at most `embed_max_tokens` padded tokens), and single-question
latency over the retrieval eval questions. Rounds interleave the backends, so load on a shared
machine spreads over all of them. Then concurrent questions: ``--clients`` threads asking distinct
questions one at a time through the int8 embedder with micro-batching (``BatchingEmbedder``, as the
server does), against torch without it (today's server), as questions per second.

    python benchmarks/backends.py [--corpus corpus] [--passages 256] [--rounds 2] [--clients 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import fmt_ms, fmt_ratio, loadavg, machine, percentiles, retrieval_questions, table
from policybot.config import EmbedBackend, Settings
from policybot.embedding.batching import BatchingEmbedder
from policybot.embedding.model import TextEmbedder, load_embedder
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import discover, prepare_document

BACKENDS = (EmbedBackend.TORCH, EmbedBackend.ONNX_FP32, EmbedBackend.ONNX_INT8)


def chunk_texts(corpus: Path, limit: int) -> list[str]:
    texts: list[str] = []
    for path in discover([corpus]):
        texts += [c.embed_text for c in prepare_document(path, ChunkSettings()).chunks]
        if len(texts) >= limit:
            break
    return texts[:limit]


def throughput(embedders: dict[EmbedBackend, TextEmbedder], texts: list[str], rounds: int) -> dict[str, float]:
    seconds = dict.fromkeys(embedders, 0.0)
    for _ in range(rounds):
        for backend, embedder in embedders.items():
            started = time.perf_counter()
            embedder.embed_passages(texts)
            seconds[backend] += time.perf_counter() - started
    return {b.value: rounds * len(texts) / s for b, s in seconds.items()}


def latency(embedders: dict[EmbedBackend, TextEmbedder], questions: list[str], rounds: int) -> dict[str, Any]:
    times: dict[EmbedBackend, list[float]] = {b: [] for b in embedders}
    order = list(embedders)
    for r in range(rounds):
        for i, question in enumerate(questions):
            for backend in order[(i + r) % len(order) :] + order[: (i + r) % len(order)]:
                started = time.perf_counter()
                embedders[backend].embed_queries([question])
                times[backend].append((time.perf_counter() - started) * 1000)
    return {b.value: percentiles(t) for b, t in times.items()}


def concurrent(embedder: Any, questions: list[str], clients: int) -> float:
    """Questions per second with ``clients`` threads, each embedding its questions one at a time."""
    shares = [questions[i::clients] for i in range(clients)]

    def client(share: list[str]) -> None:
        for question in share:
            embedder.embed_queries([question])

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, shares))
    return len(questions) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=Path("corpus"))
    p.add_argument("--passages", type=int, default=256)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--clients", type=int, default=20)
    args = p.parse_args(argv)
    info = machine()
    embedders = {b: load_embedder(Settings(embed_backend=b)) for b in BACKENDS}
    texts = chunk_texts(args.corpus, args.passages)
    questions = retrieval_questions()
    rates = throughput(embedders, texts, args.rounds)
    lat = latency(embedders, questions, args.rounds)
    distinct = [f"{prefix}{q}" for prefix in ("", "请问，", "Please tell me: ", "我想知道") for q in questions]
    batched = BatchingEmbedder(embedders[EmbedBackend.ONNX_INT8])
    served = {
        "torch, one call per question": concurrent(embedders[EmbedBackend.TORCH], distinct, args.clients),
        "onnx-int8, micro-batched": concurrent(batched, distinct, args.clients),
    }
    base, base_ms = rates["torch"], lat["torch"]["p50"]
    rows = [["backend", "passages/s", "vs torch", "question p50", "p95", "p50 vs torch"]]
    for b in BACKENDS:
        v = b.value
        rows.append(
            [v, f"{rates[v]:.1f}", fmt_ratio(rates[v] / base), fmt_ms(lat[v]["p50"]), fmt_ms(lat[v]["p95"]),
             fmt_ratio(lat[v]["p50"] / base_ms)]
        )  # fmt: skip
    print(table(rows, f"{len(texts)} chunks x {args.rounds} rounds, {len(questions)} questions x {args.rounds}"))
    base_qps = served["torch, one call per question"]
    rows = [["questions from threads", "questions/s", "vs torch"]]
    rows += [[name, f"{qps:.1f}", fmt_ratio(qps / base_qps)] for name, qps in served.items()]
    print(table(rows, f"{args.clients} threads, {len(distinct)} distinct questions; batches: {batched.stats}"))
    print(f"load average {info['loadavg_start']} -> {loadavg()}; {info['cpu']}, {info['cores']} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
