"""The on-disk index: plain files in version folders, committed by switching one pointer file.

``index/`` holds
  CURRENT           the name of the live version folder (one line)
  v-<time>-<rand>/  one version of the index (below); only the live one is kept
  .write.lock       the lock writers take (``fcntl.flock``); readers never take it

A commit writes a complete new version into ``.tmp-<version>/``, fsyncs its files and the folder,
renames it to ``<version>/``, then writes ``CURRENT.tmp``, fsyncs it and ``os.replace``s it onto
``CURRENT``: a reader sees the old version or the new one, whatever moment a writer dies at. Older
versions and stale temporary folders are removed after the switch. An index written by older
policybots (the files directly in ``index/``) still loads, and the next commit moves it into a
version folder.

A version folder holds
  manifest.json     format, model id + dimension + fingerprint, chunking settings, corpus hash
  documents.jsonl   one cleaned document per line (metadata, text, page starts)
  chunks.jsonl      one chunk per line, in vector order
  vectors.faiss     FAISS inner-product index over L2-normalised embeddings
  keyword.json      the BM25 keyword index
  facts.jsonl       deadlines, targets and parties extracted at ingest
  clause_vectors.npy  an embedding per clause of the chunks, in ``split_clauses`` order (numpy format,
                    loaded with allow_pickle=False)
  measures.jsonl    eligibility: each measure with its typed conditions, support, deadline, materials
                    (an index without it loads with none)
Nothing is pickled, so a copied index cannot run code when it is loaded.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from policybot.config import AnnKind, EmbedBackend
from policybot.eligibility.model import Measure
from policybot.errors import IndexMismatchError, StorageError
from policybot.ingest.clauses import Clause, split_clauses
from policybot.records import Chunk, Document, DocumentMeta, Fact, content_hash
from policybot.store.ann import AnnParams, build_faiss_index
from policybot.store.keyword import KeywordIndex
from policybot.store.layout import (
    _VERSION_PREFIX,
    CURRENT,
    FORMAT_VERSION,
    _legacy_leftovers,
    _read_jsonl,
    _read_live,
    _read_manifest,
    current_version,
    live_dir,
    read_listing,
    read_manifest,
)

if TYPE_CHECKING:
    import faiss

__all__ = [
    "FORMAT_VERSION",
    "IndexData",
    "ModelInfo",
    "ann_record",
    "current_version",
    "live_dir",
    "load_index",
    "read_listing",
    "read_manifest",
    "save_index",
    "write_lock",
]

log = logging.getLogger("policybot.store.files")

_FILES = (
    "manifest.json",
    "documents.jsonl",
    "chunks.jsonl",
    "vectors.faiss",
    "keyword.json",
    "facts.jsonl",
    "clause_vectors.npy",
    "measures.jsonl",
)
LOCK_FILE = ".write.lock"
_POINTER_TMP = "CURRENT.tmp"
_TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class ModelInfo:
    id: str
    dimension: int
    fingerprint: str
    #: what ran the model; an index recorded without one was built by sentence-transformers on torch
    backend: EmbedBackend = EmbedBackend.TORCH

    @classmethod
    def from_manifest(cls, model: dict[str, Any]) -> ModelInfo:
        backend = EmbedBackend(model.get("backend", EmbedBackend.TORCH.value))
        return cls(model["id"], model["dimension"], model["fingerprint"], backend)


def ann_record(params: AnnParams, vectors: int) -> dict[str, Any]:
    """The manifest's ``ann`` for an index of ``vectors`` vectors built with ``params``."""
    if params.choose(vectors) is AnnKind.HNSW:
        a = params
        return {"type": "hnsw", "m": a.hnsw_m, "ef_construction": a.ef_construction, "ef_search": a.ef_search}
    return {"type": "flat"}


@dataclass
class IndexData:
    """Everything an index holds, in memory. ``vectors[i]`` embeds ``chunks[i]``."""

    model: ModelInfo
    chunking: dict[str, Any]
    documents: dict[str, Document] = field(default_factory=dict)
    chunks: list[Chunk] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    facts: list[Fact] = field(default_factory=list)
    clause_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    keyword: KeywordIndex | None = None
    created: str = ""
    measures: list[Measure] = field(default_factory=list)
    #: the version folder it was loaded from (None for a legacy flat index or one never saved)
    version: str | None = field(default=None, compare=False)
    _clauses: list[Clause] | None = field(default=None, repr=False, compare=False)
    _clauses_key: tuple[int, int] = field(default=(0, -1), repr=False, compare=False)
    #: how the dense index is built (exact or HNSW; see store.ann), and the one built for ``vectors``
    ann: AnnParams = field(default_factory=AnnParams, compare=False)
    _faiss: Any = field(default=None, repr=False, compare=False)
    _faiss_key: tuple[int, int, AnnParams | None] = field(default=(0, -1, None), repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.vectors.size == 0:
            self.vectors = np.zeros((0, self.model.dimension), dtype=np.float32)
        if self.clause_vectors.size == 0:
            self.clause_vectors = np.zeros((0, self.model.dimension), dtype=np.float32)
        self.check()

    def check(self) -> None:
        if len(self.chunks) != self.vectors.shape[0]:
            raise ValueError(f"{len(self.chunks)} chunks but {self.vectors.shape[0]} vectors")
        if len(self.clauses) != self.clause_vectors.shape[0]:
            raise ValueError(f"{len(self.clauses)} clauses but {self.clause_vectors.shape[0]} clause vectors")

    @property
    def clauses(self) -> list[Clause]:
        """The clauses of the chunks (derived, not stored): ``clause_vectors[i]`` embeds ``clauses[i]``."""
        key = (id(self.chunks), len(self.chunks))
        if self._clauses is None or self._clauses_key != key:
            self._clauses, self._clauses_key = split_clauses(self.chunks), key
        return self._clauses

    @property
    def corpus_hash(self) -> str:
        hashes = sorted(f"{d}:{doc.meta.content_hash}" for d, doc in self.documents.items())
        return content_hash("\n".join(hashes))

    def keyword_index(self) -> KeywordIndex:
        if self.keyword is None or len(self.keyword) != len(self.chunks):
            self.keyword = KeywordIndex.build([c.embed_text for c in self.chunks])
        return self.keyword

    def faiss_index(self) -> faiss.Index:
        """The dense index over ``vectors`` (built once per vectors array and ``ann``: HNSW takes a while)."""
        key = (id(self.vectors), len(self.vectors), self.ann)
        if self._faiss is None or self._faiss_key != key:
            self._faiss, self._faiss_key = build_faiss_index(self.vectors, self.model.dimension, self.ann), key
        return self._faiss

    def ann_record(self) -> dict[str, Any]:
        """The manifest's ``ann``: the type of the dense index and, for HNSW, its parameters."""
        return ann_record(self.ann, len(self.vectors))

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "created": self.created,
            "model": asdict(self.model),
            "chunking": self.chunking,
            "ann": self.ann_record(),
            "corpus_hash": self.corpus_hash,
            "counts": {
                "documents": len(self.documents),
                "chunks": len(self.chunks),
                "facts": len(self.facts),
                "clauses": len(self.clauses),
            },
            "documents": {
                d: {"source": doc.meta.source, "content_hash": doc.meta.content_hash}
                for d, doc in sorted(self.documents.items())
            },
        }


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


# -- the writer lock --------------------------------------------------------------------------


class _WriterLock:
    """The flock of one index folder, re-entrant within a process (flock locks belong to an open
    file, so a second ``open`` in the same process would wait for the first)."""

    def __init__(self) -> None:
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


_writer_locks: dict[Path, _WriterLock] = {}
_writer_locks_guard = threading.Lock()


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """Hold the exclusive writer lock of ``index_dir`` (``<index_dir>/.write.lock``).

    One writer at a time across threads and processes; re-entrant in the thread that holds it.
    Readers never take it.
    """
    index_dir = Path(index_dir).resolve()
    with _writer_locks_guard:
        lock = _writer_locks.setdefault(index_dir, _WriterLock())
    with lock.thread_lock:
        if lock.depth == 0:
            try:
                index_dir.mkdir(parents=True, exist_ok=True)
                fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise StorageError(f"cannot lock the index at {index_dir}: {exc.strerror or exc}") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            lock.fd = fd
        lock.depth += 1
        try:
            yield
        finally:
            lock.depth -= 1
            if lock.depth == 0 and lock.fd is not None:
                fd, lock.fd = lock.fd, None
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)


# -- versions (reading them: store.layout) -------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _new_version_name() -> str:
    """``v-<UTC time to the nanosecond>-<random>``: sorts by age, unique across processes."""
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9))
    return f"{_VERSION_PREFIX}{stamp}{now % 10**9:09d}-{secrets.token_hex(4)}"


def save_index(data: IndexData, index_dir: Path) -> None:
    """Commit ``data`` as the new live version of ``index_dir``, under the writer lock.

    A failed or interrupted write leaves the old index as it was; readers see the old version or
    the new one, never a mixture.
    """
    index_dir = Path(index_dir).resolve()
    data.check()
    with write_lock(index_dir):
        name = _new_version_name()
        tmp, final = index_dir / f"{_TMP_PREFIX}{name}", index_dir / name
        switched = False
        try:
            tmp.mkdir()
            _write_all(data, tmp)
            _fsync_dir(tmp)
            os.replace(tmp, final)
            _fsync_dir(index_dir)
            pointer = index_dir / _POINTER_TMP
            with pointer.open("w", encoding="utf-8") as fh:
                fh.write(name + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(pointer, index_dir / CURRENT)
            switched = True
        except OSError as exc:
            raise StorageError(f"cannot write the index at {index_dir}: {exc.strerror or exc}") from exc
        finally:
            if not switched and current_version(index_dir) != name:  # never delete what CURRENT names
                for leftover in (tmp, final):
                    shutil.rmtree(leftover, ignore_errors=True)
                (index_dir / _POINTER_TMP).unlink(missing_ok=True)
        data.version = name
        try:
            _fsync_dir(index_dir)
        except OSError as exc:  # the switch is visible; only its durability is in doubt
            log.warning("cannot sync %s after the commit: %s", index_dir, exc)
        _remove_stale(index_dir, keep=name)


def _remove_stale(index_dir: Path, keep: str) -> None:
    """Remove older versions, temporary folders and a migrated legacy layout; log failures."""

    def failed(func: Any, path: Any, exc: Any) -> None:
        log.warning("cannot remove %s from the index folder: %s", path, exc)

    try:
        entries = list(index_dir.iterdir())
    except OSError as exc:
        log.warning("cannot list %s to clean it: %s", index_dir, exc)
        return
    for entry in entries + _legacy_leftovers(index_dir):
        name = entry.name
        try:
            if name == keep:
                continue
            if entry.parent != index_dir or name.startswith((_VERSION_PREFIX, _TMP_PREFIX)):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, onerror=failed)
            elif name in _FILES or name == _POINTER_TMP:
                entry.unlink()
        except OSError as exc:
            log.warning("cannot remove %s from the index folder: %s", entry, exc)


def _write_all(data: IndexData, tmp: Path) -> None:
    data.created = data.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    docs = [
        {"meta": doc.meta.to_dict(), "text": doc.text, "page_starts": list(doc.page_starts)}
        for _, doc in sorted(data.documents.items())
    ]
    _write_jsonl(tmp / "documents.jsonl", docs)
    _write_jsonl(tmp / "chunks.jsonl", [c.to_dict() for c in data.chunks])
    _write_jsonl(tmp / "facts.jsonl", [f.to_dict() for f in data.facts])
    _write_jsonl(tmp / "measures.jsonl", [m.to_dict() for m in data.measures])
    import faiss

    faiss.write_index(data.faiss_index(), str(tmp / "vectors.faiss"))
    np.save(tmp / "clause_vectors.npy", np.ascontiguousarray(data.clause_vectors, dtype=np.float32), allow_pickle=False)
    data.keyword_index().save(tmp / "keyword.json")
    (tmp / "manifest.json").write_text(json.dumps(data.manifest(), ensure_ascii=False, indent=2), "utf-8")
    for name in _FILES:
        with (tmp / name).open("rb") as fh:
            os.fsync(fh.fileno())


def check_model(manifest: dict[str, Any], model: ModelInfo, index_dir: Path | str) -> None:
    """Refuse an index built by another embedding model or backend (its vectors would not match)."""
    built = manifest.get("model", {})
    if (
        built.get("id") != model.id
        or built.get("dimension") != model.dimension
        or built.get("fingerprint") != model.fingerprint
    ):
        raise IndexMismatchError(
            f"index at {index_dir} was built with model {built.get('id')!r} "
            f"(dim {built.get('dimension')}, fingerprint {built.get('fingerprint')}), but the model in use is "
            f"{model.id!r} (dim {model.dimension}, fingerprint {model.fingerprint}); "
            "rebuild with `policybot ingest --rebuild` or set POLICYBOT_MODEL_PATH to the original model"
        )
    built_backend = built.get("backend", EmbedBackend.TORCH.value)
    if built_backend != model.backend.value:
        raise IndexMismatchError(
            f"index at {index_dir} was built with the {built_backend} embedding backend, but the backend in use "
            f"is {model.backend.value}; re-ingest with `policybot ingest --rebuild` or set "
            f"POLICYBOT_EMBED_BACKEND={built_backend}"
        )


def load_index(index_dir: Path, model: ModelInfo | None = None) -> IndexData:
    """Load the live index; with ``model`` given, refuse one that another model built.

    Takes no lock: when a writer commits (and removes the version being read) meanwhile, the
    read starts again from the new version.
    """
    version, data = _read_live(index_dir, lambda folder: _load_folder(folder, index_dir, model))
    if version is not None:
        data.version = version
    return data


def _load_folder(folder: Path, index_dir: Path, model: ModelInfo | None) -> IndexData:
    import faiss

    manifest = _read_manifest(folder, index_dir)
    info = ModelInfo.from_manifest(manifest["model"])
    if model is not None:
        check_model(manifest, model, index_dir)
    try:
        documents = {}
        for row in _read_jsonl(folder / "documents.jsonl"):
            meta = DocumentMeta(**row["meta"])
            documents[meta.doc_id] = Document(meta, row["text"], tuple(row["page_starts"]))
        chunks = [Chunk.from_dict(r) for r in _read_jsonl(folder / "chunks.jsonl")]
        facts = [Fact(**r) for r in _read_jsonl(folder / "facts.jsonl")]
        flat = faiss.read_index(str(folder / "vectors.faiss"))
        vectors = flat.reconstruct_n(0, flat.ntotal) if flat.ntotal else np.zeros((0, info.dimension), np.float32)
        keyword = KeywordIndex.load(folder / "keyword.json")
        clause_vectors = np.load(folder / "clause_vectors.npy", allow_pickle=False)
        measures_file = folder / "measures.jsonl"
        measures = [Measure.from_dict(r) for r in _read_jsonl(measures_file)] if measures_file.is_file() else []
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexMismatchError(
            f"index at {index_dir} is damaged ({exc.__class__.__name__}: {exc}); rebuild with "
            "`policybot ingest --rebuild`"
        ) from exc
    inconsistent = IndexMismatchError(
        f"index at {index_dir} is inconsistent; rebuild with `policybot ingest --rebuild`"
    )
    if len(chunks) != len(vectors) or len(keyword) != len(chunks):
        raise inconsistent
    try:
        data = IndexData(
            info,
            manifest["chunking"],
            documents,
            chunks,
            np.asarray(vectors, np.float32),
            facts,
            np.asarray(clause_vectors, np.float32),
            keyword,
            manifest.get("created", ""),
            measures,
            ann=_ann_of(manifest.get("ann", {"type": "flat"})),
        )
    except ValueError:
        raise inconsistent from None
    data._faiss, data._faiss_key = flat, (id(data.vectors), len(data.vectors), data.ann)  # kept, not rebuilt
    return data


def _ann_of(record: dict[str, Any]) -> AnnParams:
    """The parameters a saved dense index was built with (its type forced: it is kept as it is)."""
    if record.get("type") == AnnKind.HNSW.value:
        defaults = AnnParams()
        return AnnParams(
            AnnKind.HNSW,
            defaults.min_vectors,
            int(record.get("m", defaults.hnsw_m)),
            int(record.get("ef_construction", defaults.ef_construction)),
            int(record.get("ef_search", defaults.ef_search)),
        )
    return AnnParams(AnnKind.FLAT)
