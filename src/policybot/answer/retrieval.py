"""Retrieval: dense and keyword (BM25) search through the store, fused by reciprocal rank.

The ``Retriever`` holds the loaded index and the embedder (both injected, loaded once). The
fused score of a hit is scaled to 0..1 (1 = ranked first by both searches); the cosine
similarity of the dense search is kept on the hit as ``dense_score`` for refusal decisions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from policybot.errors import InvalidQuestionError, NotFoundError
from policybot.ingest.clauses import Clause
from policybot.records import Chunk, Hit
from policybot.store.ann import search_on_one_thread
from policybot.store.base import StoreSearch
from policybot.store.files import IndexData
from policybot.store.memory import MemorySearch

if TYPE_CHECKING:
    from langchain_core.documents import Document as LCDocument

    PolicyRetriever: type[Any]  # a langchain_core BaseRetriever, defined at first use (module __getattr__)

__all__ = ["PolicyRetriever", "QueryEmbedder", "Retriever", "check_query", "hit_to_document"]


class QueryEmbedder(Protocol):
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def check_query(query: object, max_chars: int) -> str:
    """``query`` stripped; InvalidQuestionError when it is not text, empty or too long."""
    if not isinstance(query, str):
        raise InvalidQuestionError(f"the question must be text, got {type(query).__name__}")
    text = query.strip()
    if not text:
        raise InvalidQuestionError("the question is empty")
    if len(text) > max_chars:
        raise InvalidQuestionError(f"the question is {len(text)} characters long; the limit is {max_chars}")
    return text


class Retriever:
    """Hybrid search over one loaded index."""

    def __init__(
        self,
        index: IndexData,
        embedder: QueryEmbedder,
        *,
        candidates: int = 40,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        keyword_weight: float = 1.0,
        max_query_chars: int = 500,
        search: StoreSearch | None = None,
    ) -> None:
        if candidates < 1:
            raise ValueError(f"candidates must be at least 1, got {candidates}")
        if rrf_k < 1:
            raise ValueError(f"rrf_k must be at least 1, got {rrf_k}")
        if dense_weight < 0 or keyword_weight < 0 or dense_weight + keyword_weight == 0:
            raise ValueError(f"weights must be >= 0 and not both 0, got {dense_weight}, {keyword_weight}")
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.keyword_weight = keyword_weight
        self.max_query_chars = max_query_chars
        #: dense and keyword search for this snapshot: the store's, or FAISS + BM25 in memory
        self.store_search: StoreSearch = search if search is not None else MemorySearch(index)
        search_on_one_thread()
        self._vectors: dict[str, np.ndarray] = {}
        self.by_id = {c.id: c for c in index.chunks}
        self._doc_rows: _DocumentRows | None = None

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding (cached: the answerer reuses the one retrieval computed)."""
        vector = self._vectors.get(query)
        if vector is None:
            vector = np.asarray(self.embedder.embed_queries([query])[0], dtype=np.float32)
            if len(self._vectors) >= 512:
                self._vectors.pop(next(iter(self._vectors)))
            self._vectors[query] = vector
        return vector

    @property
    def chunks(self) -> list[Chunk]:
        return self.index.chunks

    def check_query(self, query: object) -> str:
        return check_query(query, self.max_query_chars)

    def check_scope(self, doc_ids: Sequence[str] | None) -> tuple[str, ...] | None:
        """``doc_ids`` as a tuple (None for all documents); NotFoundError naming any unknown one."""
        if doc_ids is None:
            return None
        if isinstance(doc_ids, str) or not all(isinstance(d, str) for d in doc_ids):
            raise InvalidQuestionError("doc_ids must be a list of document ids")
        unknown = [d for d in doc_ids if d not in self.index.documents]
        if unknown:
            known = ", ".join(sorted(self.index.documents)) or "none"
            raise NotFoundError(f"no document {', '.join(unknown)} in the index (known: {known})")
        return tuple(dict.fromkeys(doc_ids)) or None

    def dense(self, query: str, n: int) -> list[tuple[int, float]]:
        return self.store_search.dense(self.query_vector(query), n)

    def search(self, query: str, k: int = 5, *, doc_ids: Sequence[str] | None = None, keywords: str = "") -> list[Hit]:
        """The ``k`` best chunks for ``query``, optionally only from ``doc_ids``.

        ``keywords`` are added to the keyword search only (e.g. Chinese terms of an English question).
        """
        query = self.check_query(query)
        if k < 1:
            raise InvalidQuestionError(f"k must be at least 1, got {k}")
        n = max(self.candidates, k)
        text = f"{query} {keywords}" if keywords else query
        if not doc_ids:
            return self.fuse(self.dense(query, n), self.store_search.keyword(text, n))[:k]
        scope = tuple(dict.fromkeys(doc_ids))
        dense = self.store_search.dense(self.query_vector(query), n, scope)
        return self.fuse(dense, self.store_search.keyword(text, n, scope))[:k]

    def fuse(self, dense: list[tuple[int, float]], keyword: list[tuple[int, float]]) -> list[Hit]:
        table: dict[int, dict[str, Any]] = {}
        for rank, (i, score) in enumerate(dense, start=1):
            table.setdefault(i, {})["dense"] = (rank, score)
        for rank, (i, score) in enumerate(keyword, start=1):
            table.setdefault(i, {})["keyword"] = (rank, score)
        best = (self.dense_weight + self.keyword_weight) / (self.rrf_k + 1)
        hits = []
        for i, found in table.items():
            d_rank, d_score = found.get("dense", (None, None))
            k_rank, k_score = found.get("keyword", (None, None))
            fused = (self.dense_weight / (self.rrf_k + d_rank) if d_rank else 0.0) + (
                self.keyword_weight / (self.rrf_k + k_rank) if k_rank else 0.0
            )
            hits.append(Hit(self.chunks[i], round(fused / best, 6), d_score, k_score, d_rank, k_rank))
        hits.sort(key=lambda h: (-h.score, -(h.dense_score or 0.0), h.chunk.ordinal))
        return hits

    def clause_similarities(self, query: str) -> np.ndarray:
        """Cosine similarity of ``query`` to every clause of the index, in clause order."""
        if not len(self.index.clause_vectors):
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.index.clause_vectors @ self.query_vector(query), dtype=np.float32)

    def fact_similarities(self, query: str, docs: Collection[str] | None = None) -> np.ndarray:
        """Cosine similarity of ``query`` to the clause each fact was read from (its chunk when the
        clause is unknown), in fact order; with ``docs``, only those documents' facts, others 0."""
        if not self.index.facts:
            return np.zeros(0, dtype=np.float32)
        rows = self._rows()
        facts = rows.facts_of(docs) if docs is not None else np.arange(len(self.index.facts))
        vector = self.query_vector(query)
        out = np.zeros(len(self.index.facts), dtype=np.float32)
        clause_rows, chunk_rows = rows.fact_clause[facts], rows.fact_chunk[facts]
        by_clause = facts[clause_rows >= 0]
        if len(by_clause):
            out[by_clause] = self.index.clause_vectors[rows.fact_clause[by_clause]] @ vector
        by_chunk = facts[(clause_rows < 0) & (chunk_rows >= 0)]
        if len(by_chunk):
            out[by_chunk] = self.index.vectors[rows.fact_chunk[by_chunk]] @ vector
        return out

    def fact_rows(self, docs: Collection[str]) -> list[int]:
        """The positions of the facts of ``docs`` among the index's facts, in order."""
        return [int(i) for i in self._rows().facts_of(docs)]

    def _rows(self) -> _DocumentRows:
        if self._doc_rows is None:
            self._doc_rows = _DocumentRows.of(self.index)
        return self._doc_rows


@dataclass(frozen=True)
class _DocumentRows:
    """Each document's fact rows, and for each fact the row of the clause it was read
    from and of its chunk (-1 when unknown): built once per index, so that scoring a question
    against the retrieved documents touches only their rows."""

    facts: dict[str, np.ndarray]
    fact_clause: np.ndarray
    fact_chunk: np.ndarray

    def facts_of(self, docs: Collection[str]) -> np.ndarray:
        return _union(self.facts, docs)

    @classmethod
    def of(cls, index: IndexData) -> _DocumentRows:
        chunk_rows = {c.id: i for i, c in enumerate(index.chunks)}
        by_chunk: dict[str, list[Clause]] = {}
        for clause in index.clauses:
            by_chunk.setdefault(clause.chunk_id, []).append(clause)
        facts: dict[str, list[int]] = {}
        pairs = []
        for i, fact in enumerate(index.facts):
            facts.setdefault(fact.doc_id, []).append(i)
            chunk_row = chunk_rows.get(fact.chunk_id, -1)
            base = index.chunks[chunk_row].start if chunk_row >= 0 else 0
            clause_row = next(
                (
                    c.row
                    for c in by_chunk.get(fact.chunk_id, [])
                    if base + c.start <= fact.start < base + c.end or fact.quote[:12] in c.text
                ),
                -1,
            )
            pairs.append((clause_row, chunk_row))
        table = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return cls(_arrays(facts), table[:, 0].copy(), table[:, 1].copy())


def _arrays(rows: dict[str, list[int]]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.int64) for k, v in rows.items()}


def _union(rows: dict[str, np.ndarray], docs: Collection[str]) -> np.ndarray:
    parts = [rows[d] for d in docs if d in rows]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def hit_to_document(hit: Hit) -> LCDocument:
    from langchain_core.documents import Document as LCDocument

    chunk = hit.chunk
    return LCDocument(
        page_content=chunk.text,
        metadata={
            "chunk_id": chunk.id,
            "doc_id": chunk.doc_id,
            "doc_title": chunk.doc_title,
            "section": chunk.section,
            "page": chunk.page,
            "score": hit.score,
            "dense_score": hit.dense_score,
        },
    )


@cache
def _policy_retriever() -> type:
    """``PolicyRetriever``, defined at first use: ``langchain_core.retrievers`` (with LangSmith's run
    trees) takes about a second to import, and the server's start-up does not need it."""
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.retrievers import BaseRetriever
    from pydantic import ConfigDict

    class PolicyRetriever(BaseRetriever):
        """LangChain face of ``Retriever``: returns LangChain Documents with citation metadata."""

        model_config = ConfigDict(arbitrary_types_allowed=True)
        retriever: Retriever
        k: int = 5

        def _get_relevant_documents(
            self, query: str, *, run_manager: CallbackManagerForRetrieverRun
        ) -> list[LCDocument]:
            return [hit_to_document(h) for h in self.retriever.search(query, self.k)]

    PolicyRetriever.__module__ = __name__
    return PolicyRetriever


def __getattr__(name: str) -> Any:
    if name == "PolicyRetriever":
        return _policy_retriever()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
