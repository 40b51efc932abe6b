"""policybot benchmarks: ingest throughput, index size, memory, search and ask latency.

    python benchmarks/run.py                 # seed + a generated corpus of 10,000 chunks
    python benchmarks/run.py --quick         # 1 round, a generated corpus of 300 chunks
    python benchmarks/run.py --chunks 0      # the seed only

Every figure is measured in this run, with the real embedding model (the converted
multilingual-e5-small), and compared with a baseline measured in the same run:

* ingest runs in a child process (``--ingest-child``) on a fresh index in a temporary folder,
  so its peak RSS (``ru_maxrss``) belongs to it; the baseline is the same process with only the
  model loaded. Embedding time is measured inside the ingest (a timing wrapper around the
  embedder), so "embedding share" says how much of the ingest the model takes.
* latency: each eval question is timed through every variant in turn (rotating the order), with
  the retriever's query-vector cache emptied first, so every call embeds its query as a new
  question would: ``embed`` (``embedder.embed_queries([q])``), ``faiss`` (``Retriever.dense``:
  embed + FAISS), ``dense-only search`` (``Retriever(..., keyword_weight=0).search``),
  ``search`` (``PolicyBot.search``: understanding + hybrid) and ``search, cached vector`` (the
  same call with the vector cached: everything but the model).
* ask: ``PolicyBot.ask`` over eval/questions.yaml (with history), against ``PolicyBot.search``
  on the same questions; goal: the extractive answerer well under 100 ms (p95 < 100 ms).
* the generated corpus (``benchmarks/corpus.py``): ingest, index size, memory and latency at
  that size, as ratios to the seed-size figures.

Results print as tables and go to ``--out`` (JSON).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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
from benchmarks.corpus import SEED, generate_corpus
from policybot.config import Settings
from policybot.store.files import live_dir

quiet_libraries()

GOAL_ASK_MS = 100.0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_settings(root: Path, corpus: Path, **overrides: Any) -> Settings:
    """Settings for a corpus and a fresh index under ``root``; the default extractive answerer."""
    values: dict[str, Any] = {
        "corpus_dir": corpus,
        "index_dir": root / "index",
        "eval_dir": ROOT / "eval",
        "llm_base_url": None,
        "llm_model": None,
    }
    values.update(overrides)
    return Settings(**values)


# ---- ingest (in a child process) ---------------------------------------------------------------


class TimedEmbedder:
    """The embedder, counting the time and texts of ``embed_passages`` (the ingest's model work)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_id, self.dimension, self.fingerprint = inner.model_id, inner.dimension, inner.fingerprint
        self.backend = inner.backend
        self.seconds = 0.0
        self.texts = 0

    def embed_passages(self, texts: Sequence[str], *, progress: bool = False) -> Any:
        started = time.perf_counter()
        vectors = self.inner.embed_passages(texts, progress=progress)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        return vectors

    def embed_queries(self, texts: Sequence[str]) -> Any:
        return self.inner.embed_queries(texts)


def _maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def ingest_in_process(corpus: Path, index_dir: Path, *, embedder: Any = None, progress: bool = False) -> dict[str, Any]:
    """Load the model (unless given) and ingest ``corpus`` into a fresh ``index_dir``, as
    ``policybot ingest`` does (``PolicyBot.ingest``: read, embed, save, reload)."""
    from policybot.embedding.model import load_embedder
    from policybot.service import PolicyBot

    settings = bench_settings(index_dir.parent, corpus, index_dir=index_dir)
    started = time.perf_counter()
    if embedder is None:
        embedder = load_embedder(settings)
    model_s = time.perf_counter() - started
    rss_model = _maxrss_mb()
    timed = TimedEmbedder(embedder)
    bot = PolicyBot(settings, timed)  # type: ignore[arg-type]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    report = bot.ingest(progress=progress, rebuild=True)
    ingest_s = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {
        "documents": len(bot.documents()),
        "chunks": report.chunks,
        "facts": len(bot.index.facts),
        "clauses": len(bot.index.clauses),
        "texts_embedded": timed.texts,
        "texts_reused": report.reused_texts,  # a text seen before in this ingest is embedded once
        "model_load_s": round(model_s, 3),
        "ingest_s": round(ingest_s, 3),
        "embed_s": round(timed.seconds, 3),
        "other_s": round(ingest_s - timed.seconds, 3),
        "chunks_per_s": round(report.chunks / ingest_s, 2) if ingest_s else None,
        "texts_per_s_embedding": round(timed.texts / timed.seconds, 2) if timed.seconds else None,
        "embedding_share": round(timed.seconds / ingest_s, 3) if ingest_s else None,
        "cpu_s": round(cpu_s, 2),
        "rss_model_only_mb": rss_model,
        "peak_rss_mb": _maxrss_mb(),
        "loadavg_after": loadavg(),
    }


def index_size(index_dir: Path) -> dict[str, Any]:
    live = live_dir(index_dir)  # the version folder CURRENT names
    files = {p.name: p.stat().st_size for p in sorted(live.iterdir()) if p.is_file()}
    return {"files": files, "total": sum(files.values())}


def measure_ingest(corpus: Path, index_dir: Path, *, progress: bool) -> dict[str, Any]:
    """Ingest in a child process (so its peak RSS is its own); index size on disk."""
    out = index_dir.parent / f"{index_dir.name}.ingest.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--ingest-child", str(corpus), str(index_dir), str(out)]
    if progress:
        cmd.append("--child-progress")
    load = loadavg()
    subprocess.run(cmd, check=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    result["index"] = index_size(index_dir)
    result["loadavg_before"] = load
    result["peak_rss_vs_model_only"] = ratio(result["peak_rss_mb"], result["rss_model_only_mb"])
    return result


# ---- latency -------------------------------------------------------------------------------------


def forget_query_vectors(retriever: Any) -> None:
    """Empty the retriever's query-vector cache, so the next search embeds its query again
    (``Retriever._vectors``; there is no public way to do this)."""
    cache = getattr(retriever, "_vectors", None)
    if isinstance(cache, dict):
        cache.clear()


Variant = tuple[Callable[[Any], object] | None, Callable[[Any], object]]  # (untimed setup, timed call)


def time_variants(
    items: Sequence[Any], variants: dict[str, Variant], rounds: int, *, warmup: int = 3, label: str = ""
) -> dict[str, list[float]]:
    """Milliseconds per call of each variant on each item; the variants' order rotates per item
    so drift on a shared machine spreads over all of them."""
    names = list(variants)
    for item in list(items)[:warmup]:
        for setup, call in variants.values():
            if setup:
                setup(item)
            call(item)
    times: dict[str, list[float]] = {n: [] for n in names}
    gc.collect()
    for r in range(rounds):
        started = time.perf_counter()
        for i, item in enumerate(items):
            shift = (i + r) % len(names)
            for name in names[shift:] + names[:shift]:
                setup, call = variants[name]
                if setup:
                    setup(item)
                t0 = time.perf_counter_ns()
                call(item)
                times[name].append((time.perf_counter_ns() - t0) / 1e6)
        log(f"{label} round {r + 1}/{rounds}: {len(items)} items in {time.perf_counter() - started:.1f}s")
    return times


def search_latency(bot: Any, questions: Sequence[str], rounds: int, *, label: str = "search") -> dict[str, Any]:
    """p50/p95 of search and its baselines (see the module docstring)."""
    from policybot.answer.retrieval import Retriever

    s = bot.settings
    dense_only = Retriever(
        bot.index,
        bot.embedder,
        candidates=s.candidates,
        rrf_k=s.rrf_k,
        dense_weight=s.dense_weight or 1.0,
        keyword_weight=0,
        max_query_chars=s.max_question_chars,
    )

    def fresh(retriever: Any) -> Callable[[Any], None]:
        return lambda _q: forget_query_vectors(retriever)

    variants: dict[str, Variant] = {
        "embed": (None, lambda q: bot.embedder.embed_queries([q])),
        "faiss": (fresh(dense_only), lambda q: dense_only.dense(q, s.candidates)),
        "dense_only_search": (fresh(dense_only), lambda q: dense_only.search(q, s.top_k)),
        "search": (fresh(bot.retriever), lambda q: bot.search(q)),
        "search_cached_vector": (lambda q: bot.search(q), lambda q: bot.search(q)),
    }
    times = time_variants(questions, variants, rounds, label=label)
    stats = {name: percentiles(values) for name, values in times.items()}
    p50 = {name: stats[name]["p50"] for name in stats}
    p95 = {name: stats[name]["p95"] for name in stats}
    return {
        "questions": len(questions),
        "rounds": rounds,
        "latency_ms": stats,
        "ratios": {
            "search_vs_faiss_p50": ratio(p50["search"], p50["faiss"]),
            "search_vs_faiss_p95": ratio(p95["search"], p95["faiss"]),
            "search_vs_dense_only_search_p50": ratio(p50["search"], p50["dense_only_search"]),
            "search_vs_embed_p50": ratio(p50["search"], p50["embed"]),
            "search_vs_embed_p95": ratio(p95["search"], p95["embed"]),
            "model_share_of_search_p50": ratio(p50["embed"], p50["search"]),
        },
        "non_model_ms_p50": round(p50["search"] - p50["embed"], 3),
    }


def ask_latency(bot: Any, items: Sequence[tuple[str, list[str]]], rounds: int, *, label: str = "ask") -> dict[str, Any]:
    """p50/p95 of ``PolicyBot.ask`` (with history) against ``PolicyBot.search`` on the same questions."""

    def fresh(_item: Any) -> None:
        forget_query_vectors(bot.retriever)

    variants: dict[str, Variant] = {
        "ask": (fresh, lambda it: bot.ask(it[0], it[1])),
        "search": (fresh, lambda it: bot.search(it[0])),
        "ask_cached_vector": (lambda it: bot.ask(it[0], it[1]), lambda it: bot.ask(it[0], it[1])),
    }
    times = time_variants(items, variants, rounds, label=label)
    stats = {name: percentiles(values) for name, values in times.items()}
    ask, search = stats["ask"], stats["search"]
    return {
        "questions": len(items),
        "rounds": rounds,
        "latency_ms": stats,
        "ratios": {
            "ask_vs_search_p50": ratio(ask["p50"], search["p50"]),
            "ask_vs_search_p95": ratio(ask["p95"], search["p95"]),
        },
        "answering_ms_p50": round(ask["p50"] - search["p50"], 3),
        "goal": f"ask p95 < {GOAL_ASK_MS:.0f} ms (default extractive answerer)",
        "goal_met": ask["p95"] < GOAL_ASK_MS,
    }


def load_bot(settings: Settings, embedder: Any) -> tuple[Any, float]:
    """A PolicyBot over ``settings.index_dir``; the seconds the index took to load."""
    from policybot.service import PolicyBot

    bot = PolicyBot(settings, embedder)
    started = time.perf_counter()
    bot.reload()
    return bot, round(time.perf_counter() - started, 3)


# ---- report ------------------------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / 1e6:,.2f} MB"


def render(results: dict[str, Any]) -> str:
    out: list[str] = []
    meta = results["meta"]
    out.append(
        f"policybot benchmarks — {meta['date']}, {meta['cores']} cores ({meta['cpu']}), "
        f"load average {meta['loadavg_start']} at start, {meta.get('loadavg_end')} at end"
    )
    for key in ("seed", "generated"):
        part = results.get(key)
        if not part:
            continue
        ing = part["ingest"]
        rows = [
            ["ingest", "value", "vs baseline"],
            ["documents / chunks / facts", f"{ing['documents']} / {ing['chunks']} / {ing['facts']}", ""],
            ["ingest time", f"{ing['ingest_s']:.2f} s", f"embedding {ing['embedding_share']:.0%} of it"],
            [
                "throughput",
                f"{ing['chunks_per_s']:.1f} chunks/s",
                f"embedding {ing['texts_per_s_embedding']:.1f} texts/s (chunks+clauses)",
            ],
            ["model load incl. imports (child)", f"{ing['model_load_s']:.2f} s", ""],
            [
                "peak RSS",
                f"{ing['peak_rss_mb']:,.0f} MB",
                f"{fmt_ratio(ing['peak_rss_vs_model_only'])} model-only ({ing['rss_model_only_mb']:,.0f} MB)",
            ],
            [
                "index on disk",
                _mb(ing["index"]["total"]),
                ", ".join(f"{k} {_mb(v)}" for k, v in ing["index"]["files"].items()),
            ],
            ["index load", f"{part['index_load_s']:.2f} s", ""],
            [
                "re-ingest, nothing changed",
                f"{part['resync_unchanged_s']:.2f} s",
                "the corpus sync at each server start",
            ],
        ]
        if key == "generated":
            seed = results["seed"]["ingest"]
            rows.append(["throughput vs seed", fmt_ratio(ratio(ing["chunks_per_s"], seed["chunks_per_s"])), ""])
        out += ["", table(rows, f"== {part['label']} ==")]
        lat = part["search"]["latency_ms"]
        r = part["search"]["ratios"]
        rows = [
            ["search latency (uncached query)", "p50", "p95", "p99", "note"],
            *[
                [name, fmt_ms(lat[name]["p50"]), fmt_ms(lat[name]["p95"]), fmt_ms(lat[name]["p99"]), note]
                for name, note in (
                    ("embed", "baseline b: embed_queries([q])"),
                    ("faiss", "baseline a: embed + FAISS (Retriever.dense)"),
                    ("dense_only_search", "Retriever(keyword_weight=0).search"),
                    ("search", "PolicyBot.search"),
                    ("search_cached_vector", "PolicyBot.search, vector cached"),
                )
            ],
            ["search / faiss", fmt_ratio(r["search_vs_faiss_p50"]), fmt_ratio(r["search_vs_faiss_p95"]), "", ""],
            [
                "search / embed",
                fmt_ratio(r["search_vs_embed_p50"]),
                fmt_ratio(r["search_vs_embed_p95"]),
                "",
                f"model = {r['model_share_of_search_p50']:.0%} of search p50",
            ],
        ]
        if key == "generated":
            seed = results["seed"]["search"]["latency_ms"]
            rows.append(
                [
                    "search vs seed size",
                    fmt_ratio(ratio(lat["search"]["p50"], seed["search"]["p50"])),
                    fmt_ratio(ratio(lat["search"]["p95"], seed["search"]["p95"])),
                    "",
                    "",
                ]
            )
            rows.append(
                [
                    "cached-vector search vs seed",
                    fmt_ratio(ratio(lat["search_cached_vector"]["p50"], seed["search_cached_vector"]["p50"])),
                    fmt_ratio(ratio(lat["search_cached_vector"]["p95"], seed["search_cached_vector"]["p95"])),
                    "",
                    "the part that grows with the index",
                ]
            )
        out += ["", table(rows)]
        ask = part.get("ask")
        if ask:
            lat = ask["latency_ms"]
            rows = [
                ["ask latency (uncached query)", "p50", "p95", "p99", "note"],
                [
                    "ask",
                    fmt_ms(lat["ask"]["p50"]),
                    fmt_ms(lat["ask"]["p95"]),
                    fmt_ms(lat["ask"]["p99"]),
                    "PolicyBot.ask, with history",
                ],
                [
                    "search",
                    fmt_ms(lat["search"]["p50"]),
                    fmt_ms(lat["search"]["p95"]),
                    fmt_ms(lat["search"]["p99"]),
                    "baseline: PolicyBot.search, same questions",
                ],
                [
                    "ask, cached vector",
                    fmt_ms(lat["ask_cached_vector"]["p50"]),
                    fmt_ms(lat["ask_cached_vector"]["p95"]),
                    fmt_ms(lat["ask_cached_vector"]["p99"]),
                    "everything but the model",
                ],
                [
                    "ask / search",
                    fmt_ratio(ask["ratios"]["ask_vs_search_p50"]),
                    fmt_ratio(ask["ratios"]["ask_vs_search_p95"]),
                    "",
                    "",
                ],
            ]
            if key == "generated" and results["seed"].get("ask"):
                seed = results["seed"]["ask"]["latency_ms"]
                rows.append(
                    [
                        "ask vs seed size",
                        fmt_ratio(ratio(lat["ask"]["p50"], seed["ask"]["p50"])),
                        fmt_ratio(ratio(lat["ask"]["p95"], seed["ask"]["p95"])),
                        "",
                        "",
                    ]
                )
            out += ["", table(rows)]
            verdict = "MET" if ask["goal_met"] else "NOT MET"
            out.append(
                f"goal {ask['goal']}: {verdict} (p50 {fmt_ms(lat['ask']['p50'])}, p95 {fmt_ms(lat['ask']['p95'])})"
            )
    return "\n".join(out)


# ---- main --------------------------------------------------------------------------------------


def run_corpus(
    label: str, corpus: Path, root: Path, embedder: Any, *, rounds: int, ask_rounds: int, progress: bool
) -> dict[str, Any]:
    index_dir = root / "index"
    log(f"{label}: ingesting {corpus} in a child process")
    ingest = measure_ingest(corpus, index_dir, progress=progress)
    log(f"{label}: {ingest['chunks']} chunks in {ingest['ingest_s']:.1f}s; timing search")
    bot, load_s = load_bot(bench_settings(root, corpus), embedder)
    part: dict[str, Any] = {"label": label, "ingest": ingest, "index_load_s": load_s}
    started = time.perf_counter()
    report = bot.ingest()  # nothing changed: what every server start does to sync corpus/
    part["resync_unchanged_s"] = round(time.perf_counter() - started, 3)
    part["resync_changed"] = report.changed
    part["search"] = search_latency(bot, retrieval_questions(), rounds, label=f"{label} search")
    if ask_rounds:
        part["ask"] = ask_latency(bot, ask_items(), ask_rounds, label=f"{label} ask")
    part["loadavg_after"] = loadavg()
    return part


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="policybot benchmarks (see benchmarks/README.md)")
    parser.add_argument("--quick", action="store_true", help="1 round and a 300-chunk generated corpus")
    parser.add_argument(
        "--chunks",
        type=int,
        default=None,
        help="generated corpus size in chunks (default 10000; 300 with --quick; 0 = skip)",
    )
    parser.add_argument("--rounds", type=int, default=None, help="rounds over the eval questions (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary corpus and indexes")
    parser.add_argument("--ingest-child", nargs=3, metavar=("CORPUS", "INDEX", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--child-progress", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.ingest_child:
        corpus, index_dir, out = (Path(p) for p in args.ingest_child)
        write_json(out, ingest_in_process(corpus, index_dir, progress=args.child_progress))
        return 0

    chunks = args.chunks if args.chunks is not None else (300 if args.quick else 10_000)
    rounds = args.rounds or (1 if args.quick else 3)
    from policybot.embedding.model import load_embedder

    meta = machine()
    tmp = Path(tempfile.mkdtemp(prefix="policybot-bench-"))
    results: dict[str, Any] = {
        "meta": meta,
        "args": {"quick": args.quick, "chunks": chunks, "rounds": rounds, "seed": args.seed},
    }
    try:
        log("loading the embedding model (warm for the latency runs)")
        started = time.perf_counter()
        embedder = load_embedder(bench_settings(tmp, tmp))
        meta["model_load_s"] = round(time.perf_counter() - started, 2)
        meta.update({k: v for k, v in machine().items() if k.endswith(("_version", "_threads"))})
        meta["model"] = embedder.model_id

        seed_corpus = tmp / "seed" / "corpus"
        seed_corpus.mkdir(parents=True)
        shutil.copy(SEED, seed_corpus / SEED.name)
        results["seed"] = run_corpus(
            f"seed corpus ({SEED.name})",
            seed_corpus,
            tmp / "seed",
            embedder,
            rounds=rounds,
            ask_rounds=rounds,
            progress=False,
        )

        if chunks > 0:
            gen_corpus = tmp / "generated" / "corpus"
            log(f"generating a corpus of at least {chunks} chunks (seed {args.seed})")
            started = time.perf_counter()
            docs = generate_corpus(gen_corpus, chunks=chunks, seed=args.seed, progress=log)
            gen_s = round(time.perf_counter() - started, 2)
            part = run_corpus(
                f"generated corpus ({len(docs) + 1} documents, seed {args.seed})",
                gen_corpus,
                tmp / "generated",
                embedder,
                rounds=rounds,
                ask_rounds=rounds,
                progress=True,
            )
            part["generator"] = {
                "documents": len(docs) + 1,
                "seed": args.seed,
                "seconds": gen_s,
                "kinds": {k: sum(d.kind == k for d in docs) for k in ("plan", "regulation", "opinion")},
            }
            results["generated"] = part
    except BaseException as exc:  # keep what was measured
        results["error"] = f"{type(exc).__name__}: {exc}"
        write_json(args.out, results)
        log(f"failed ({results['error']}); the figures so far are in {args.out}")
        raise
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    meta["loadavg_end"] = loadavg()
    meta["peak_rss_main_mb"] = _maxrss_mb()
    print(render(results))
    write_json(args.out, results)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
