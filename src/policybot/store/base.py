"""The store interface: everything the rest of policybot needs from an index, whatever holds it.

Two backends implement it: ``FilesStore`` (version folders on disk, ``store/filestore.py``) and
``PostgresStore`` (PostgreSQL + pgvector, ``store/postgres.py``). ``open_store`` (in
``policybot.store``) picks one from ``Settings`` at the edges.

The read model of the answer layer stays an in-memory ``IndexData`` snapshot (documents, chunks,
facts, clauses, measures), obtained with ``Store.load``; dense and keyword search go through the
store's ``StoreSearch`` for that snapshot. Reciprocal-rank fusion stays above the store, in
``answer.retrieval.Retriever``. ``generation()`` is a cheap token that changes on every write:
a process compares it with the snapshot's ``version`` to know it must reload.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

import numpy as np

from policybot.config import StoreBackend
from policybot.eligibility.model import Measure
from policybot.records import Chunk, DocumentMeta, Fact
from policybot.store.files import IndexData, ModelInfo

__all__ = ["TIE_DECIMALS", "Ranked", "Store", "StoreSearch", "in_canonical_order"]

#: (row in the snapshot's ``chunks``, score), best first
Ranked = list[tuple[int, float]]
#: scores equal to this many decimals are a tie (float32 in memory, float8 in SQL)
TIE_DECIMALS = 5


def in_canonical_order(found: Ranked, n: int) -> Ranked:
    """The best ``n`` of ``found``, ties (equal to ``TIE_DECIMALS``) in snapshot row order, so every
    backend ranks equal scores alike; ``found`` must hold every hit tied with the n-th."""
    return sorted(found, key=lambda hit: (-round(hit[1], TIE_DECIMALS), hit[0]))[:n]


@runtime_checkable
class StoreSearch(Protocol):
    """Dense and keyword search, answered in rows of one loaded snapshot; equal scores are ranked
    in row order (``in_canonical_order``)."""

    def dense(self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> Ranked:
        """The ``n`` chunks most similar (inner product of normalised vectors) to ``vector``; with
        ``doc_ids``, an exact ranking of those documents' chunks only."""
        ...

    def keyword(self, text: str, n: int, doc_ids: Sequence[str] | None = None) -> Ranked:
        """Up to ``n`` chunks with a positive BM25 score for ``text`` (corpus statistics over the
        whole index), only of ``doc_ids`` when given."""
        ...


@runtime_checkable
class Store(Protocol):
    """One index: written by ingest and removal, read by everything else."""

    backend: StoreBackend

    @property
    def location(self) -> str:
        """Where the index is, for messages (a folder, or a database without its password)."""
        ...

    def manifest(self) -> dict[str, Any] | None:
        """Format, model (id, dimension, fingerprint, backend), chunking + pipeline version; None
        when nothing was ever committed. Raises IndexMismatchError for a damaged one."""
        ...

    def generation(self) -> str | None:
        """A token that changes on every committed write (None without an index). Cheap."""
        ...

    def load(self, model: ModelInfo | None = None) -> IndexData:
        """A consistent snapshot of the whole index (``version`` = its generation); with ``model``,
        IndexMismatchError when another model or embedding backend built it."""
        ...

    def search(self, index: IndexData) -> StoreSearch:
        """Dense and keyword search whose rows are positions in ``index.chunks``."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """Hold the writer lock (re-entrant in a thread): from reading the latest index to the commit."""
        ...

    def commit(
        self,
        data: IndexData,
        *,
        upserted: Collection[str],
        removed: Collection[str],
        replace_all: bool = False,
    ) -> None:
        """Make ``data`` the index. ``upserted`` names the documents whose rows are new or changed,
        ``removed`` those deleted; ``replace_all`` drops every document ``data`` lacks (a rebuild).
        A reader never sees a half-written document."""
        ...

    def documents(self) -> list[DocumentMeta]:
        """The metadata of every document, by id."""
        ...

    def chunks_of(self, doc_ids: Sequence[str]) -> list[Chunk]: ...

    def facts_of(self, doc_ids: Sequence[str]) -> list[Fact]: ...

    def measures_of(self, doc_ids: Sequence[str]) -> list[Measure]: ...

    def close(self) -> None: ...
