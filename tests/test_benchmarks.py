"""Smoke tests of the benchmark scripts at a tiny size. No timing assertions: performance
goals live in ``benchmarks/run.py`` and ``benchmarks/load.py``, which print figures."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from support import ROOT

sys.path.insert(0, str(ROOT))

from benchmarks import ceiling
from benchmarks import corpus as gen
from benchmarks import load as loadbench
from benchmarks import run as bench
from benchmarks.common import ask_items, loadavg, machine, percentiles, retrieval_questions

from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import prepare_document
from policybot.ingest.structure import parse


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.txt"))}


def test_generated_documents_parse_with_their_structure_and_metadata(tmp_path: Path) -> None:
    docs = gen.generate_corpus(tmp_path / "corpus", documents=10, seed=0)
    assert len(docs) == 10
    assert {d.kind for d in docs} == {"plan", "regulation", "opinion"}
    assert gen.SEED.name in _files(tmp_path / "corpus")  # the seed is copied in for the eval questions
    for doc in docs:
        prepared = prepare_document(doc.path, ChunkSettings())
        meta = prepared.document.meta
        assert (meta.title, meta.doc_number, meta.issuer, meta.issue_date) == (
            doc.title,
            doc.doc_number,
            doc.issuer,
            doc.issue_date,
        )
        labels = {label for section in parse(prepared.document) for label in section.path}
        assert set(doc.headings) <= labels, f"{doc.path.name}: headings not found {set(doc.headings) - labels}"
        assert doc.chunks == len(prepared.chunks) > 0
        assert doc.facts == len(prepared.facts)


def test_generator_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    gen.generate_corpus(tmp_path / "a", documents=3, seed=5, include_seed=False)
    gen.generate_corpus(tmp_path / "b", documents=3, seed=5, include_seed=False)
    gen.generate_corpus(tmp_path / "c", documents=3, seed=6, include_seed=False)
    a, b, c = (_files(tmp_path / n) for n in "abc")
    assert len(a) == 3
    assert a == b
    assert a != c


def test_generator_stops_at_the_chunk_target(tmp_path: Path) -> None:
    docs = gen.generate_corpus(tmp_path / "corpus", chunks=80, seed=1)
    seed_chunks = len(prepare_document(tmp_path / "corpus" / gen.SEED.name, ChunkSettings()).chunks)
    total = seed_chunks + sum(d.chunks for d in docs)
    assert total >= 80
    assert total - docs[-1].chunks < 80


def test_cn_number() -> None:
    assert [gen.cn_number(n) for n in (1, 10, 11, 20, 21, 99)] == ["一", "十", "十一", "二十", "二十一", "九十九"]
    with pytest.raises(ValueError):
        gen.cn_number(100)


def test_percentiles() -> None:
    stats = percentiles([float(x) for x in range(1, 101)])
    assert stats["n"] == 100
    assert stats["p50"] == pytest.approx(50.5)
    assert stats["min"] == 1 and stats["max"] == 100
    assert percentiles([]) == {"n": 0}


@pytest.fixture(scope="module")
def tiny_ingest(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("bench")
    gen.generate_corpus(root / "corpus", documents=1, seed=2, include_seed=False)
    result = bench.ingest_in_process(root / "corpus", root / "index", embedder=embedder)
    result["index"] = bench.index_size(root / "index")
    result["peak_rss_vs_model_only"] = 1.0
    return result


def test_ingest_measures_a_tiny_corpus(tiny_ingest: dict[str, Any]) -> None:
    assert tiny_ingest["documents"] == 1
    assert tiny_ingest["texts_embedded"] + tiny_ingest["texts_reused"] == tiny_ingest["chunks"] + tiny_ingest["clauses"]
    assert tiny_ingest["texts_embedded"] > tiny_ingest["chunks"]
    assert tiny_ingest["peak_rss_mb"] > 0
    assert "vectors.faiss" in tiny_ingest["index"]["files"]
    assert tiny_ingest["index"]["total"] == sum(tiny_ingest["index"]["files"].values())


def test_latency_functions_and_report_run(seed_bot: Any, tiny_ingest: dict[str, Any]) -> None:
    search = bench.search_latency(seed_bot, retrieval_questions()[:2], rounds=1)
    assert {"embed", "faiss", "dense_only_search", "search", "search_cached_vector"} == set(search["latency_ms"])
    assert all(stats["n"] == 2 for stats in search["latency_ms"].values())
    ask = bench.ask_latency(seed_bot, ask_items()[:2], rounds=1)
    assert ask["latency_ms"]["ask"]["n"] == 2
    assert isinstance(ask["goal_met"], bool)
    part = {"label": "tiny", "ingest": tiny_ingest, "index_load_s": 0.0, "resync_unchanged_s": 0.0}
    part |= {"search": search, "ask": ask}
    results = {"meta": {**machine(), "loadavg_end": loadavg()}, "seed": part, "generated": part}
    text = bench.render(results)
    assert "search / embed" in text and "ask / search" in text


def test_load_question_pool_outgrows_the_query_cache() -> None:
    pool = loadbench.question_pool()
    assert loadbench.distinct_search_texts(pool) > loadbench.QUERY_CACHE_SIZE
    assert all(isinstance(body["question"], str) and isinstance(body["history"], list) for body in pool)


def test_load_clients_are_bounded_and_count_errors() -> None:
    app = FastAPI()
    calls = {"n": 0}

    @app.post("/api/ask")
    def ask(body: dict[str, Any]) -> dict[str, str]:
        calls["n"] += 1
        if calls["n"] % 5 == 0:
            raise ValueError("boom")  # a 500 now and then: counted as an error
        return {"answer": "ok"}

    async def go() -> tuple[loadbench.Phase, int]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            bodies = [{"question": "q", "history": []}]
            return await loadbench.run_clients(client, "/api/ask", bodies, clients=3, seconds=5, max_requests=20)

    phase, position = asyncio.run(go())
    summary = phase.summary()
    assert summary["requests"] == position == 20
    assert summary["errors"] == 4 and summary["statuses"]["500"] == 4
    assert summary["ok"] == 16 and summary["latency_ms"]["n"] == 20


def test_serve_ab_takes_medians_and_ratios_and_names_checkouts(tmp_path: Path) -> None:
    from benchmarks import serve_ab

    rows = [{"ready_s": 3.0, "errors": 0}, {"ready_s": 1.0, "errors": 0}, {"ready_s": 2.0, "errors": 0}]
    assert serve_ab.summarise(rows) == {"ready_s": 2.0, "errors": 0}
    table = serve_ab.render(
        ["base", "branch"], {"base": {"ready_s": 4.0, "errors": 0}, "branch": {"ready_s": 2.0, "errors": 0}}
    )
    assert "| ready_s | 4.0 | 2.0 | 0.50× |" in table and "| errors | 0 | 0 | |" in table
    assert serve_ab.Checkout(tmp_path / "main", tmp_path).name == "main"
    assert serve_ab.Checkout(tmp_path / "wt", tmp_path, "/x").name == "wt+extra"


def test_ceiling_embeds_what_the_ingest_embeds(tmp_path: Path, tiny_ingest: dict[str, Any]) -> None:
    gen.generate_corpus(tmp_path / "corpus", documents=1, seed=2, include_seed=False)  # tiny_ingest's corpus
    chunks, texts = ceiling.ingest_texts(tmp_path / "corpus")
    assert chunks == tiny_ingest["chunks"]
    assert len(texts) == len(set(texts)) == tiny_ingest["texts_embedded"]


def test_ceiling_rotates_variants_and_renders_its_bounds(embedder: Any) -> None:
    calls: list[str] = []
    timed = ceiling.interleaved({name: (lambda n=name: calls.append(n)) for name in "abc"}, rounds=3)
    assert calls == list("abcbcacab")
    assert all(len(runs) == 3 and all(wall >= 0 and cpu >= 0 for wall, cpu in runs) for runs in timed.values())
    p50 = ceiling.question_p50({"model": embedder}, ["什么时候发布绿色工厂评价导则？"], rounds=1)
    assert p50["model"] > 0
    row = {"question_p50_ms": 9.0, "ask_p50_floor_ms": 11.0, "model_cpu_ms_per_question": 12.0}
    results = {
        "machine": {**machine(), "cores": 2},
        "loadavg_end": loadavg(),
        "chunks": 10,
        "texts": 25,
        "rest_of_ask_ms": 2.0,
        "rest_of_ask_cpu_ms": 2.0,
        "backends": {
            "torch": {**row, "requests_per_s_ceiling": 100.0, "ingest_bound_chunks_per_s": 10.0},
            ceiling.INT8_QUESTIONS: {**row, "requests_per_s_ceiling": 150.0},
        },
    }
    text = ceiling.render(results)
    assert "10.0 chunks/s" in text and "1.50x" in text and "ask p50 <= 10 ms" in text
