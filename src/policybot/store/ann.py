"""Which FAISS index serves the dense search: exact (flat inner product) for small corpora, HNSW
(approximate, graph-based) for large ones, chosen by corpus size or by setting.

The chosen type and its parameters are recorded in the index manifest (``ann``), and the built
index is saved as ``vectors.faiss``, so a large index is not rebuilt at load.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from policybot.config import AnnKind, Settings

if TYPE_CHECKING:
    import faiss


__all__ = ["AnnParams", "build_faiss_index", "describe", "faiss_on_one_thread", "search_on_one_thread"]


@dataclass(frozen=True)
class AnnParams:
    """``kind`` AUTO chooses HNSW from ``min_vectors`` vectors on, exact search below."""

    kind: AnnKind = AnnKind.AUTO
    min_vectors: int = 200_000
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 64

    def __post_init__(self) -> None:
        if min(self.min_vectors, self.hnsw_m, self.ef_construction, self.ef_search) < 1:
            raise ValueError(f"ANN parameters must be at least 1: {self}")

    def choose(self, n: int) -> AnnKind:
        """The index type for ``n`` vectors: FLAT or HNSW."""
        if self.kind is AnnKind.AUTO:
            return AnnKind.HNSW if n >= self.min_vectors else AnnKind.FLAT
        return self.kind

    @classmethod
    def from_settings(cls, settings: Settings) -> AnnParams:
        return cls(
            settings.ann,
            settings.ann_min_vectors,
            settings.hnsw_m,
            settings.hnsw_ef_construction,
            settings.hnsw_ef_search,
        )


def build_faiss_index(vectors: np.ndarray, dimension: int, params: AnnParams) -> faiss.Index:
    """An inner-product index over ``vectors`` (L2-normalised: the scores are cosines)."""
    import faiss

    index: faiss.Index
    if params.choose(len(vectors)) is AnnKind.HNSW:
        hnsw = faiss.IndexHNSWFlat(dimension, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = params.ef_construction
        hnsw.hnsw.efSearch = params.ef_search
        index = hnsw
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # building uses every core
        try:
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        finally:
            faiss.omp_set_num_threads(threads)
    return index


def search_on_one_thread() -> None:
    """Let FAISS search, and numpy multiply, on one thread. A question is one query: FAISS's
    OpenMP team only adds wake-up cost, 20-30 ms a search against 1-2 ms on one thread when the
    cores are shared. numpy's OpenBLAS team does the same to the answerer's matrix-vector products
    (a question against every clause): 6 ms each on average inside ``ask`` on a shared box, 0.3 ms
    on one thread."""
    faiss_on_one_thread()
    _blas_on_one_thread()


_this_thread = threading.local()


def faiss_on_one_thread() -> None:
    """FAISS on one OpenMP thread for searches from the calling thread. OpenMP's thread count is a
    per-thread setting: what the thread that loaded the index set does not reach the server's worker
    threads, which searched with a team of every core (a 10k-chunk flat search 1.6-1.8 ms against
    0.4-0.5 ms on one thread on a quiet box, far more on a busy one). So every searching thread
    calls this first; after the first call it costs one attribute look-up."""
    if not getattr(_this_thread, "faiss_one", False):
        import faiss

        faiss.omp_set_num_threads(1)
        _this_thread.faiss_one = True


_blas_limited: list[object] = []  # the threadpoolctl limiter, once per process


def _blas_on_one_thread() -> None:
    if not _blas_limited:
        from threadpoolctl import threadpool_limits

        _blas_limited.append(threadpool_limits(1, user_api="blas"))


def describe(index: faiss.Index) -> dict[str, Any]:
    """The manifest record of a built index: its type, and for HNSW its parameters."""
    import faiss

    if isinstance(index, faiss.IndexHNSWFlat):
        hnsw = index.hnsw
        return {
            "type": AnnKind.HNSW.value,
            "m": int(hnsw.nb_neighbors(1)),  # type: ignore[attr-defined]  # level 1 has M links
            "ef_construction": int(hnsw.efConstruction),
            "ef_search": int(hnsw.efSearch),
        }
    return {"type": AnnKind.FLAT.value}
