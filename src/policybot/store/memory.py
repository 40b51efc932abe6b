"""Search over an in-memory snapshot: FAISS for the dense side, the BM25 ``KeywordIndex`` for
the keyword side. The files backend searches this way (it is today's behaviour, unchanged)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from policybot.store.ann import faiss_on_one_thread
from policybot.store.base import TIE_DECIMALS, Ranked, in_canonical_order
from policybot.store.files import IndexData

__all__ = ["MemorySearch"]


class MemorySearch:
    """``StoreSearch`` over one loaded ``IndexData`` (the FAISS and keyword indexes built once)."""

    def __init__(self, index: IndexData) -> None:
        self.index = index
        self._faiss = index.faiss_index()
        self._keyword = index.keyword_index()

    def dense(self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> Ranked:
        chunks = self.index.chunks
        if doc_ids is not None:
            allowed = set(doc_ids)
            return self._dense_within([i for i, c in enumerate(chunks) if c.doc_id in allowed], vector, n)
        if not chunks:
            return []
        faiss_on_one_thread()  # per thread: the server searches from its worker threads
        query = np.ascontiguousarray(np.asarray(vector, dtype=np.float32)[None, :])
        scores, ids = self._faiss.search(query, min(n, len(chunks)))
        found = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return in_canonical_order(found, n)

    def _dense_within(self, rows: Sequence[int], vector: np.ndarray, n: int) -> Ranked:
        """The ``n`` best of ``rows`` by cosine similarity: a scoped search ranks every chunk of the
        scope, however far down the whole library's ranking they are."""
        if not rows:
            return []
        sims = self.index.vectors[list(rows)] @ np.asarray(vector, dtype=np.float32)
        order = np.argsort(-sims)[: n + 1]
        return in_canonical_order([(int(rows[j]), float(sims[j])) for j in order], n)

    def keyword(self, text: str, n: int, doc_ids: Sequence[str] | None = None) -> Ranked:
        chunks = self.index.chunks
        if doc_ids is None:
            found = self._keyword.search(text, n + 1)
            if len(found) > n and _tied(found[n - 1][1], found[n][1]):  # a tie across the cut
                found = self._keyword.search(text, len(chunks))
            return in_canonical_order(found, n)
        allowed = set(doc_ids)
        found = self._keyword.search(text, len(chunks))
        return in_canonical_order([(i, s) for i, s in found if chunks[i].doc_id in allowed], n)


def _tied(a: float, b: float) -> bool:
    return round(a, TIE_DECIMALS) == round(b, TIE_DECIMALS)
