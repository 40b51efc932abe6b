"""The files backend: today's index of version folders (``store/files.py``) behind ``Store``.

A commit writes the whole new snapshot as a new version folder and switches ``CURRENT`` (atomic,
no pickle); ingest stays incremental because it reuses unchanged documents' rows in memory. The
writer lock is a file lock, so it serialises writers on one machine only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from policybot.config import StoreBackend
from policybot.eligibility.model import Measure
from policybot.errors import IndexMissingError
from policybot.records import Chunk, DocumentMeta, Fact
from policybot.store.base import StoreSearch
from policybot.store.files import (
    IndexData,
    ModelInfo,
    current_version,
    load_index,
    read_manifest,
    save_index,
    write_lock,
)
from policybot.store.memory import MemorySearch

__all__ = ["FilesStore"]


class FilesStore:
    """``Store`` over the index folder ``index_dir``."""

    backend = StoreBackend.FILES

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)

    @property
    def location(self) -> str:
        return str(self.index_dir)

    def manifest(self) -> dict[str, Any] | None:
        try:
            return read_manifest(self.index_dir)
        except IndexMissingError:
            return None

    def generation(self) -> str | None:
        return current_version(self.index_dir)

    def load(self, model: ModelInfo | None = None) -> IndexData:
        return load_index(self.index_dir, model)

    def search(self, index: IndexData) -> StoreSearch:
        return MemorySearch(index)

    @contextmanager
    def writing(self) -> Iterator[None]:
        with write_lock(self.index_dir):
            yield

    def commit(
        self,
        data: IndexData,
        *,
        upserted: Collection[str],
        removed: Collection[str],
        replace_all: bool = False,
    ) -> None:
        save_index(data, self.index_dir)  # the whole snapshot, as one new version

    def documents(self) -> list[DocumentMeta]:
        return [doc.meta for _, doc in sorted(self.load().documents.items())]

    def chunks_of(self, doc_ids: Sequence[str]) -> list[Chunk]:
        wanted = set(doc_ids)
        return [c for c in self.load().chunks if c.doc_id in wanted]

    def facts_of(self, doc_ids: Sequence[str]) -> list[Fact]:
        wanted = set(doc_ids)
        return [f for f in self.load().facts if f.doc_id in wanted]

    def measures_of(self, doc_ids: Sequence[str]) -> list[Measure]:
        wanted = set(doc_ids)
        return [m for m in self.load().measures if m.doc_id in wanted]

    def close(self) -> None:
        return None
