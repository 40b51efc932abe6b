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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from policybot.config import AnnKind, EmbedBackend
from policybot.eligibility.model import Measure
from policybot.errors import IndexMismatchError, IndexMissingError, StorageError
from policybot.ingest.clauses import Clause, split_clauses
from policybot.records import Chunk, Document, DocumentMeta, Fact, content_hash
from policybot.store.ann import AnnParams, build_faiss_index
from policybot.store.keyword import KeywordIndex

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
    "save_index",
    "write_lock",
]

log = logging.getLogger("policybot.store.files")

FORMAT_VERSION = 2
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
CURRENT = "CURRENT"
LOCK_FILE = ".write.lock"
_POINTER_TMP = "CURRENT.tmp"
_VERSION_PREFIX = "v-"
_T = TypeVar("_T")
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


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


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


# -- versions ----------------------------------------------------------------------------------


def _valid_version(name: str) -> bool:
    return name.startswith(_VERSION_PREFIX) and "/" not in name and "\\" not in name and name.strip() == name


def current_version(index_dir: Path) -> str | None:
    """The live version named by ``CURRENT`` (None without one): a cheap check for new commits."""
    try:
        name = (Path(index_dir) / CURRENT).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if _valid_version(name) else None


def _legacy_leftovers(index_dir: Path) -> list[Path]:
    """Folders the old two-rename save left beside ``index_dir`` (``.index.old-PID``, ``.index.tmp-PID``)."""
    try:
        return sorted(p for p in index_dir.parent.iterdir() if p.name.startswith(f".{index_dir.name}."))
    except OSError:
        return []


def live_dir(index_dir: Path) -> Path:
    """The folder holding the live index files: the version ``CURRENT`` names; without ``CURRENT``
    a legacy flat index in ``index_dir``, else the newest complete version folder, else an index an
    old policybot moved aside and was killed before moving back."""
    index_dir = Path(index_dir)
    if (index_dir / CURRENT).exists():
        name = current_version(index_dir)
        if name is None or not (index_dir / name).is_dir():
            raise IndexMismatchError(
                f"index at {index_dir} is damaged ({CURRENT} names no version folder); "
                "rebuild with `policybot ingest --rebuild`"
            )
        return index_dir / name
    if (index_dir / "manifest.json").is_file():
        return index_dir  # the flat layout of older policybots
    try:
        versions = sorted(
            p for p in index_dir.iterdir() if p.name.startswith(_VERSION_PREFIX) and (p / "manifest.json").is_file()
        )
    except OSError:
        versions = []
    if versions:
        if len(versions) > 1:
            log.warning(
                "no %s in %s: using the newest of %d versions, %s", CURRENT, index_dir, len(versions), versions[-1].name
            )
        return versions[-1]
    moved = [p for p in _legacy_leftovers(index_dir) if ".old-" in p.name and (p / "manifest.json").is_file()]
    if moved:
        log.warning("no index in %s: using %s, which an interrupted save left", index_dir, moved[-1])
        return moved[-1]
    raise IndexMissingError(f"no index at {index_dir}: run `policybot ingest` first")


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


def _read_live(index_dir: Path, read: Callable[[Path], _T]) -> tuple[str | None, _T]:
    """``read`` of the live version's folder, and that version (None after the last retry). Takes
    no lock: when a writer commits (and removes the version being read) meanwhile, the read starts
    again from the new version."""
    for _attempt in range(4):
        version = current_version(index_dir)
        try:
            return version, read(live_dir(index_dir))
        except (IndexMissingError, IndexMismatchError):
            if current_version(index_dir) != version:
                continue  # a commit replaced the version under the read
            raise
    return None, read(live_dir(index_dir))


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the live index in ``index_dir`` (no lock; see ``_read_live``)."""
    return _read_live(index_dir, lambda folder: _read_manifest(folder, index_dir))[1]


def _read_manifest(folder: Path, index_dir: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:  # none yet, or a commit removed this version after it was chosen
        raise IndexMissingError(f"no index at {index_dir}: run `policybot ingest` first") from exc
    except ValueError as exc:
        raise IndexMismatchError(f"{path} is damaged ({exc}); rebuild with `policybot ingest --rebuild`") from exc
    model = manifest.get("model") if isinstance(manifest, dict) else None
    if (
        not isinstance(manifest, dict)
        or not isinstance(model, dict)
        or not {"id", "dimension", "fingerprint"} <= set(model) <= {"id", "dimension", "fingerprint", "backend"}
        or model.get("backend", EmbedBackend.TORCH.value) not in set(EmbedBackend)
    ):
        raise IndexMismatchError(f"{path} is damaged (no model record); rebuild with `policybot ingest --rebuild`")
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {index_dir} has format {manifest.get('format')!r}, this policybot reads "
            f"{FORMAT_VERSION}; rebuild with `policybot ingest --rebuild`"
        )
    return manifest


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


def read_listing(index_dir: Path) -> tuple[list[Document], dict[str, int]]:
    """The documents of the live index (by id) and how many chunks each has, read without the
    vectors, the FAISS index or the keyword index: what ``policybot documents`` prints."""
    return _read_live(index_dir, lambda folder: _listing_folder(folder, index_dir))[1]


def _listing_folder(folder: Path, index_dir: Path) -> tuple[list[Document], dict[str, int]]:
    _read_manifest(folder, index_dir)
    try:
        documents = []
        for row in _read_jsonl(folder / "documents.jsonl"):
            documents.append(Document(DocumentMeta(**row["meta"]), row["text"], tuple(row["page_starts"])))
        counts: dict[str, int] = {}
        with (folder / "chunks.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    doc_id = json.loads(line)["doc_id"]
                    counts[doc_id] = counts.get(doc_id, 0) + 1
    except FileNotFoundError as exc:  # a commit removed this version after it was chosen
        raise IndexMissingError(f"no index at {index_dir}: run `policybot ingest` first") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexMismatchError(
            f"index at {index_dir} is damaged ({exc.__class__.__name__}: {exc}); rebuild with "
            "`policybot ingest --rebuild`"
        ) from exc
    return sorted(documents, key=lambda d: d.meta.doc_id), counts


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
