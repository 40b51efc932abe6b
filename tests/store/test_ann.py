"""The dense index: exact below the size threshold, HNSW above it or when set; recorded and kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest
import yaml

from policybot.config import AnnKind
from policybot.store.ann import AnnParams, build_faiss_index, describe
from policybot.store.files import load_index, read_manifest, save_index
from support import ROOT, make_settings


def _recall_at_10(approximate: Any, exact: Any, queries: np.ndarray) -> float:
    _, want = exact.search(queries, 10)
    _, got = approximate.search(queries, 10)
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, want, strict=True)]))


def test_auto_chooses_by_size_and_a_setting_forces_the_kind() -> None:
    params = AnnParams(min_vectors=1000)
    assert params.choose(999) is AnnKind.FLAT and params.choose(1000) is AnnKind.HNSW
    assert AnnParams(AnnKind.FLAT, min_vectors=1).choose(10**7) is AnnKind.FLAT
    assert AnnParams(AnnKind.HNSW).choose(5) is AnnKind.HNSW
    with pytest.raises(ValueError):
        AnnParams(hnsw_m=0)


def test_settings_give_the_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_ANN", "hnsw")
    monkeypatch.setenv("POLICYBOT_HNSW_EF_SEARCH", "128")
    params = AnnParams.from_settings(make_settings(tmp_path))
    assert (params.kind, params.ef_search, params.hnsw_m) == (AnnKind.HNSW, 128, 32)
    monkeypatch.setenv("POLICYBOT_ANN", "ivf")
    with pytest.raises(ValueError):
        make_settings(tmp_path)


def test_small_index_stays_exact(seed_bot: Any) -> None:
    data = load_index(seed_bot.settings.index_dir)
    assert read_manifest(seed_bot.settings.index_dir)["ann"] == {"type": "flat"}
    assert data.ann_record() == {"type": "flat"} and isinstance(data.faiss_index(), faiss.IndexFlatIP)
    exact = faiss.IndexFlatIP(data.model.dimension)
    exact.add(data.vectors)
    queries = data.clause_vectors[:50]
    got, want = data.faiss_index().search(queries, 5), exact.search(queries, 5)
    assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0])


def test_hnsw_is_recorded_saved_and_kept_at_load(lifecycle_bot: Any, tmp_path: Path) -> None:
    data = load_index(lifecycle_bot.settings.index_dir)
    data.ann = AnnParams(AnnKind.AUTO, min_vectors=len(data.vectors), hnsw_m=16, ef_construction=40, ef_search=48)
    save_index(data, tmp_path / "index")
    loaded = load_index(tmp_path / "index")
    record = {"type": "hnsw", "m": 16, "ef_construction": 40, "ef_search": 48}
    assert read_manifest(tmp_path / "index")["ann"] == record == loaded.ann_record()
    index = loaded.faiss_index()
    assert isinstance(index, faiss.IndexHNSWFlat) and describe(index) == record
    assert index is loaded.faiss_index()  # kept: not rebuilt per call
    np.testing.assert_array_equal(loaded.vectors, data.vectors)


def test_hnsw_recall_on_real_vectors_is_high(lifecycle_bot: Any) -> None:
    data = load_index(lifecycle_bot.settings.index_dir)
    base = np.ascontiguousarray(np.vstack([data.vectors, data.clause_vectors]))
    items = yaml.safe_load((ROOT / "eval" / "retrieval-corpus.yaml").read_text("utf-8"))
    queries = np.ascontiguousarray(lifecycle_bot.embedder.embed_queries([q["question"] for q in items]), np.float32)
    assert len(base) > 500 and len(queries) > 50
    dim = data.model.dimension
    approximate = build_faiss_index(base, dim, AnnParams(AnnKind.HNSW))  # the default parameters
    exact = build_faiss_index(base, dim, AnnParams(AnnKind.FLAT))
    assert isinstance(approximate, faiss.IndexHNSWFlat) and isinstance(exact, faiss.IndexFlatIP)
    assert _recall_at_10(approximate, exact, queries) >= 0.95  # 0.70 with M=8, efSearch=16: the bound can fail


def test_a_loaded_index_searches_and_multiplies_on_one_thread(seed_bot: Any) -> None:
    """FAISS's OpenMP team and numpy's BLAS team only add wake-up cost to one question."""
    from threadpoolctl import threadpool_info

    assert seed_bot.ready  # a retriever was built
    assert faiss.omp_get_max_threads() == 1
    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    assert blas and all(info["num_threads"] == 1 for info in blas)


def test_a_question_searches_faiss_on_one_thread_from_any_thread(seed_bot: Any) -> None:
    """OpenMP's thread count is per thread: a worker thread that did not load the index (the
    server's thread pool) searches on one thread too, with the same hits."""
    import threading

    found: dict[str, Any] = {}

    def worker() -> None:
        faiss.omp_set_num_threads(2)  # what a new thread gets without OMP_NUM_THREADS (set in conftest)
        found["hits"] = [h.chunk.id for h in seed_bot.search("节能监察安排在什么时候？")]
        found["after"] = faiss.omp_get_max_threads()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert found["after"] == 1
    assert found["hits"] == [h.chunk.id for h in seed_bot.search("节能监察安排在什么时候？")]
