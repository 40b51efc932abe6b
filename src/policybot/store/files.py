"""The on-disk index: plain files, written to a temporary folder and moved into place.

``index/`` holds
  manifest.json     format, model id + dimension + fingerprint, chunking settings, corpus hash
  documents.jsonl   one cleaned document per line (metadata, text, page starts)
  chunks.jsonl      one chunk per line, in vector order
  vectors.faiss     FAISS inner-product index over L2-normalised embeddings
  keyword.json      the BM25 keyword index
  facts.jsonl       deadlines, targets and parties extracted at ingest
  clause_vectors.npy  an embedding per clause of the chunks, in ``split_clauses`` order (numpy format,
                    loaded with allow_pickle=False)
Nothing is pickled, so a copied index cannot run code when it is loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from policybot.errors import IndexMismatchError, IndexMissingError, StorageError
from policybot.ingest.clauses import Clause, split_clauses
from policybot.records import Chunk, Document, DocumentMeta, Fact, content_hash
from policybot.store.keyword import KeywordIndex

__all__ = ["FORMAT_VERSION", "IndexData", "ModelInfo", "load_index", "save_index"]

FORMAT_VERSION = 2
_FILES = (
    "manifest.json",
    "documents.jsonl",
    "chunks.jsonl",
    "vectors.faiss",
    "keyword.json",
    "facts.jsonl",
    "clause_vectors.npy",
)


@dataclass(frozen=True)
class ModelInfo:
    id: str
    dimension: int
    fingerprint: str


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
    _clauses: list[Clause] | None = field(default=None, repr=False, compare=False)
    _clauses_key: tuple[int, int] = field(default=(0, -1), repr=False, compare=False)

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
        index = faiss.IndexFlatIP(self.model.dimension)
        if len(self.vectors):
            index.add(np.ascontiguousarray(self.vectors, dtype=np.float32))
        return index

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "created": self.created,
            "model": asdict(self.model),
            "chunking": self.chunking,
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


def save_index(data: IndexData, index_dir: Path) -> None:
    """Write ``data`` to ``index_dir`` atomically: a failed write leaves the old index as it was."""
    index_dir = index_dir.resolve()
    tmp = index_dir.with_name(f".{index_dir.name}.tmp-{os.getpid()}")
    old = index_dir.with_name(f".{index_dir.name}.old-{os.getpid()}")
    data.check()
    try:
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        _write_all(data, tmp)
        if index_dir.exists():
            os.replace(index_dir, old)
        try:
            os.replace(tmp, index_dir)
        except OSError:
            if old.exists() and not index_dir.exists():
                os.replace(old, index_dir)  # put the old index back
            raise
    except OSError as exc:
        raise StorageError(f"cannot write the index at {index_dir}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if index_dir.exists():
            shutil.rmtree(old, ignore_errors=True)  # never the only copy


def _write_all(data: IndexData, tmp: Path) -> None:
    data.created = data.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    docs = [
        {"meta": doc.meta.to_dict(), "text": doc.text, "page_starts": list(doc.page_starts)}
        for _, doc in sorted(data.documents.items())
    ]
    _write_jsonl(tmp / "documents.jsonl", docs)
    _write_jsonl(tmp / "chunks.jsonl", [c.to_dict() for c in data.chunks])
    _write_jsonl(tmp / "facts.jsonl", [f.to_dict() for f in data.facts])
    faiss.write_index(data.faiss_index(), str(tmp / "vectors.faiss"))
    np.save(tmp / "clause_vectors.npy", np.ascontiguousarray(data.clause_vectors, dtype=np.float32), allow_pickle=False)
    data.keyword_index().save(tmp / "keyword.json")
    (tmp / "manifest.json").write_text(json.dumps(data.manifest(), ensure_ascii=False, indent=2), "utf-8")
    for name in _FILES:
        with (tmp / name).open("rb") as fh:
            os.fsync(fh.fileno())


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / "manifest.json"
    if not path.is_file():
        raise IndexMissingError(f"no index at {index_dir}: run `policybot ingest` first")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise IndexMismatchError(f"{path} is damaged ({exc}); rebuild with `policybot ingest --rebuild`") from exc
    model = manifest.get("model") if isinstance(manifest, dict) else None
    if (
        not isinstance(manifest, dict)
        or not isinstance(model, dict)
        or set(model) != {"id", "dimension", "fingerprint"}
    ):
        raise IndexMismatchError(f"{path} is damaged (no model record); rebuild with `policybot ingest --rebuild`")
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {index_dir} has format {manifest.get('format')!r}, this policybot reads "
            f"{FORMAT_VERSION}; rebuild with `policybot ingest --rebuild`"
        )
    return manifest


def check_model(manifest: dict[str, Any], model: ModelInfo, index_dir: Path) -> None:
    """Refuse an index built by another embedding model (its vectors would be garbage here)."""
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


def load_index(index_dir: Path, model: ModelInfo | None = None) -> IndexData:
    """Load an index; with ``model`` given, refuse one that another model built."""
    manifest = read_manifest(index_dir)
    info = ModelInfo(**manifest["model"])
    if model is not None:
        check_model(manifest, model, index_dir)
    try:
        documents = {}
        for row in _read_jsonl(index_dir / "documents.jsonl"):
            meta = DocumentMeta(**row["meta"])
            documents[meta.doc_id] = Document(meta, row["text"], tuple(row["page_starts"]))
        chunks = [Chunk.from_dict(r) for r in _read_jsonl(index_dir / "chunks.jsonl")]
        facts = [Fact(**r) for r in _read_jsonl(index_dir / "facts.jsonl")]
        flat = faiss.read_index(str(index_dir / "vectors.faiss"))
        vectors = flat.reconstruct_n(0, flat.ntotal) if flat.ntotal else np.zeros((0, info.dimension), np.float32)
        keyword = KeywordIndex.load(index_dir / "keyword.json")
        clause_vectors = np.load(index_dir / "clause_vectors.npy", allow_pickle=False)
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
        return IndexData(
            info,
            manifest["chunking"],
            documents,
            chunks,
            np.asarray(vectors, np.float32),
            facts,
            np.asarray(clause_vectors, np.float32),
            keyword,
            manifest.get("created", ""),
        )
    except ValueError:
        raise inconsistent from None
