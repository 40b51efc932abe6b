"""Ingest: files -> cleaned, structured, chunked, embedded documents in the index.

Incremental: a document whose content hash is unchanged keeps its chunks and vectors; a changed
one is replaced; with ``prune`` a document whose source file is gone is deleted. Every file is
read and checked before anything is written, and the index is replaced atomically, so a bad
file leaves the existing index exactly as it was. Writes hold the index's writer lock from reading
the latest committed index to committing the new one, so concurrent writers (other threads or
processes) never lose each other's changes.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from policybot.eligibility.extract import extract_measures
from policybot.eligibility.model import Measure
from policybot.embedding.base import PassageEmbedder
from policybot.errors import DocumentError, IndexMismatchError, NotFoundError
from policybot.ingest.chunking import ChunkSettings, chunk_document
from policybot.ingest.clauses import clause_embed_text, split_clauses
from policybot.ingest.cleaning import clean
from policybot.ingest.facts import extract_facts
from policybot.ingest.loading import SUPPORTED_SUFFIXES
from policybot.ingest.metadata import apply_sidecar, extract_meta, read_sidecar, sidecar_path
from policybot.ingest.sandbox import ParseLimits, load_bounded
from policybot.ingest.structure import parse
from policybot.records import Chunk, Document, Fact, content_hash
from policybot.store.ann import AnnParams
from policybot.store.base import Store
from policybot.store.files import IndexData, ModelInfo, ann_record, check_model
from policybot.store.filestore import FilesStore
from policybot.store.keyword import KeywordIndex, term_counts
from policybot.store.rejections import Rejection, read_rejections, write_rejections

__all__ = ["IngestReport", "PassageEmbedder", "discover", "ingest", "prepare_document", "remove_documents"]

log = logging.getLogger("policybot.ingest.pipeline")

#: Bump when cleaning, structure, chunking or fact extraction change what an ingest produces:
#: an index built by another version is rebuilt from its documents on the next ingest.
PIPELINE_VERSION = 19


def pipeline_settings(chunking: ChunkSettings) -> dict[str, int | str]:
    return {**chunking.as_dict(), "pipeline": PIPELINE_VERSION}


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0  # fresh chunks (new or changed documents' chunks)
    #: texts (chunks and clauses) that went through the model, and those whose vector was reused instead
    #: (the same text elsewhere in this ingest, or already in the index)
    model_texts: int = 0
    reused_texts: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged{f', {len(self.rejected)} rejected' if self.rejected else ''}; "
            f"{self.chunks} chunks in the index "
            f"({self.embedded} embedded) in {self.seconds:.1f}s"
            + (f"; {self.model_texts} texts through the model, {self.reused_texts} reused" if self.embedded else "")
        )


@dataclass(frozen=True)
class Prepared:
    document: Document
    chunks: list[Chunk]
    facts: list[Fact]
    measures: list[Measure] = field(default_factory=list)


def _fresh_ids(keep: dict[str, Prepared | Document]) -> set[str]:
    return {doc_id for doc_id, item in keep.items() if isinstance(item, Prepared)}


def doc_id_for(path: Path) -> str:
    """A stable id from the file name: its stem, with whitespace and slashes made safe."""
    return re.sub(r"[\s/\\?#%]+", "-", path.stem).strip("-") or "document"


def discover(paths: Iterable[Path]) -> list[Path]:
    """Supported files under ``paths`` (files as given, folders searched recursively), sorted.

    Sidecars (``*.meta.json``/``*.meta.yaml``), hidden files and READMEs are skipped in folders.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                name = child.name
                if (
                    child.is_file()
                    and not name.startswith(".")
                    and ".meta." not in name
                    and name.lower() not in {"readme.md", "readme.txt"}
                    and child.suffix.lower() in SUPPORTED_SUFFIXES
                ):
                    found.append(child)
        elif path.exists():
            found.append(path)
        else:
            raise DocumentError(f"{path}: no such file or folder")
    return sorted(set(found))


def prepare_document(path: Path, chunking: ChunkSettings, limits: ParseLimits | None = None) -> Prepared:
    """Load, clean, read metadata, parse structure, chunk and extract facts for one file."""
    loaded = load_bounded(path, limits)
    cleaned = clean(loaded)
    if not cleaned.text.strip():
        raise DocumentError(f"{path}: no text left after cleaning")
    meta = extract_meta(
        cleaned.text,
        doc_id=doc_id_for(path),
        source=path.as_posix(),
        fmt=loaded.format,
        content_hash=loaded.raw_hash,
    )
    sidecar = sidecar_path(path)
    if sidecar is not None:
        overrides = read_sidecar(sidecar)
        meta = apply_sidecar(meta, overrides)
        meta = replace(meta, content_hash=_with_sidecar(loaded.raw_hash, sidecar))
    document = Document(meta, cleaned.text, cleaned.page_starts)
    sections = parse(document)
    chunks = chunk_document(document, sections, chunking)
    if not chunks:
        raise DocumentError(f"{path}: no text to index")
    return Prepared(
        document, chunks, extract_facts(document, sections, chunks), extract_measures(document, sections, chunks)
    )


def _with_sidecar(raw_hash: str, sidecar: Path | None) -> str:
    # the sidecar is part of the content: editing it must re-ingest the document
    return raw_hash if sidecar is None else f"{raw_hash[:48]}{sidecar.stat().st_mtime_ns % 10**16:016d}"


def source_hash(path: Path) -> str:
    """The content hash a document read from ``path`` would carry, without parsing it."""
    try:
        return _with_sidecar(content_hash(path.read_bytes()), sidecar_path(path))
    except OSError as exc:
        raise DocumentError(f"{path.name} cannot be read ({exc.strerror or exc})") from None


def _empty(embedder: PassageEmbedder, chunking: ChunkSettings) -> IndexData:
    model = ModelInfo(embedder.model_id, embedder.dimension, embedder.fingerprint, embedder.backend)
    return IndexData(model, pipeline_settings(chunking))


def _existing(
    store: Store, embedder: PassageEmbedder, chunking: ChunkSettings, rebuild: bool, loaded: IndexData | None = None
) -> tuple[IndexData, list[Path], bool, IndexData | None]:
    """The index to update, the sources of documents that must be re-read because the index
    was built with other chunking settings or an older pipeline, whether the new index
    replaces the whole old one (a rebuild), and the index whose vectors may be reused for
    texts it already embedded (None with ``rebuild``). ``loaded``, the index the caller holds in
    memory, is used when it is still the live version (not read again: 2 s at 10,000 chunks)."""
    model = ModelInfo(embedder.model_id, embedder.dimension, embedder.fingerprint, embedder.backend)
    if rebuild:
        return _empty(embedder, chunking), [], True, None
    manifest = store.manifest()
    if manifest is None:
        return _empty(embedder, chunking), [], True, None
    check_model(manifest, model, store.location)
    fresh = loaded is not None and loaded.version is not None and loaded.version == store.generation()
    current = loaded if fresh and loaded is not None else store.load(model)
    if manifest.get("chunking") == pipeline_settings(chunking):
        return current, [], False, current
    log.info("chunking settings or pipeline version changed: re-processing every document")
    return _empty(embedder, chunking), [Path(d.meta.source) for d in current.documents.values()], True, current


def ingest(
    paths: Sequence[Path],
    *,
    index_dir: Path,
    embedder: PassageEmbedder,
    chunking: ChunkSettings,
    prune: bool = False,
    rebuild: bool = False,
    progress: bool = False,
    limits: ParseLimits | None = None,
    store: Store | None = None,
    ann: AnnParams | None = None,
    loaded: IndexData | None = None,
) -> IngestReport:
    """Bring the index (``store``, by default the files in ``index_dir``) up to date with the files
    under ``paths``; each file is parsed in a child process under ``limits`` (see ``ingest.sandbox``);
    ``ann`` chooses the dense index (exact by default below its size threshold). Rejections are
    recorded in ``index_dir``. ``loaded``: the index already in memory (read-only here), used
    instead of reading the store again when it is the live version."""
    started = time.perf_counter()
    named = {p.resolve() for p in paths if not p.is_dir()}  # a file named on its own must not be skipped
    store = store if store is not None else FilesStore(index_dir)
    with store.writing():  # from listing the folder and reading the latest index to the commit
        files = discover(paths)  # listed under the lock: an upload that lands meanwhile is never pruned
        if not files:
            raise DocumentError(
                f"no supported documents in {', '.join(str(p) for p in paths)} "
                f"(supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"
            )
        earlier = {_same(r.source): r for r in read_rejections(index_dir)}
        reading = _Reading(named, earlier, progress, limits or ParseLimits())
        report = _update(
            files, store, embedder, chunking, reading, prune=prune, rebuild=rebuild, ann=ann, loaded=loaded
        )
        _record_rejections(index_dir, files, report.rejected)
    report.seconds = time.perf_counter() - started
    return report


def _update(
    files: list[Path],
    store: Store,
    embedder: PassageEmbedder,
    chunking: ChunkSettings,
    reading: _Reading,
    *,
    prune: bool,
    rebuild: bool,
    ann: AnnParams | None = None,
    loaded: IndexData | None = None,
) -> IngestReport:
    old, reread, replace_all, previous = _existing(store, embedder, chunking, rebuild, loaded)
    gone = [p for p in reread if not p.exists()]
    if gone and not prune:
        raise IndexMismatchError(
            f"the index at {store.location} must be rebuilt (other chunking settings or an older policybot) but "
            f"{gone[0]} is no longer there to re-read; run `policybot ingest --rebuild` on the corpus folder"
        )
    known = {p.resolve() for p in files}
    files += [p for p in reread if p.exists() and p.resolve() not in known]
    report = IngestReport()
    prepared = _prepare_all(files, chunking, old, reading, report)
    new = _empty(embedder, chunking)
    new.ann = ann or AnnParams()
    keep = _plan(old, prepared, files, prune, report)
    if (
        not (report.changed or rebuild)
        and _has_index(store)
        and ann_record(new.ann, len(old.vectors)) == old.ann_record()
    ):
        report.chunks = len(old.chunks)  # nothing to write (every server start): no copy of the index is built
        return report
    fresh: list[Chunk] = []
    fresh_facts: list[Fact] = []
    kept_rows: list[int] = []
    old_rows: dict[str, list[int]] = {}  # each document's rows of the old index, in order
    for i, c in enumerate(old.chunks):
        old_rows.setdefault(c.doc_id, []).append(i)
    for doc_id, item in keep.items():
        if isinstance(item, Prepared):
            new.documents[doc_id] = item.document
            fresh.extend(item.chunks)
            fresh_facts.extend(item.facts)
        else:
            new.documents[doc_id] = item
            kept_rows.extend(old_rows.get(doc_id, ()))
    kept_ids = {old.chunks[i].id for i in kept_rows}
    kept_clause_rows = [c.row for c in old.clauses if c.chunk_id in kept_ids]
    fresh_clauses = split_clauses(fresh)
    texts = [c.embed_text for c in fresh] + [clause_embed_text(c, fresh[c.chunk_row]) for c in fresh_clauses]
    reusable = _known_vectors(previous, set(texts), chunking)
    with ThreadPoolExecutor(1, thread_name_prefix="policybot-keywords") as pool:
        # the keyword index's jieba work runs while the model embeds (it releases the GIL)
        keyword = pool.submit(_keyword_index, old, kept_rows, fresh)
        vectors = _embed_once(embedder, texts, reusable, report, progress=reading.progress)
        new.keyword = keyword.result()
    new.chunks = [old.chunks[i] for i in kept_rows] + fresh
    new.vectors = np.vstack([old.vectors[kept_rows], vectors[: len(fresh)]]).astype(np.float32)
    fresh_ids = _fresh_ids(keep)
    new.facts = [f for f in old.facts if f.doc_id in new.documents and f.doc_id not in fresh_ids] + fresh_facts
    new.measures = [m for m in old.measures if m.doc_id in new.documents and m.doc_id not in fresh_ids] + [
        m for item in keep.values() if isinstance(item, Prepared) for m in item.measures
    ]
    new.clause_vectors = np.vstack([old.clause_vectors[kept_clause_rows], vectors[len(fresh) :]]).astype(np.float32)
    report.chunks, report.embedded = len(new.chunks), len(fresh)
    if report.changed or rebuild or not _has_index(store) or new.ann_record() != old.ann_record():
        store.commit(new, upserted=fresh_ids, removed=report.removed, replace_all=replace_all)
    return report


def _keyword_index(old: IndexData, kept_rows: list[int], fresh: list[Chunk]) -> KeywordIndex:
    """The keyword index of the kept rows of ``old`` then ``fresh``: only fresh chunks are tokenized
    (kept ones keep the term counts the old index holds)."""
    if old.keyword is not None and len(old.keyword) == len(old.chunks):
        counts = old.keyword.counts()
        kept = [counts[i] for i in kept_rows]
    else:
        kept = [term_counts(old.chunks[i].embed_text) for i in kept_rows]
    return KeywordIndex.from_counts(kept + [term_counts(c.embed_text) for c in fresh])


def _known_vectors(index: IndexData | None, wanted: set[str], chunking: ChunkSettings) -> dict[str, np.ndarray]:
    """The vectors ``index`` already holds for texts in ``wanted``: its chunks' and, when it was built
    by this pipeline (so its clauses split as ours do, row for row), its clauses'. The model is the
    same (``check_model``), so the vector of a text is the vector it would get again."""
    if index is None or not wanted or not index.chunks:
        return {}
    known = {c.embed_text: index.vectors[i] for i, c in enumerate(index.chunks) if c.embed_text in wanted}
    if index.chunking == pipeline_settings(chunking):
        chunks = index.chunks
        for clause in index.clauses:
            text = clause_embed_text(clause, chunks[clause.chunk_row])
            if text in wanted:
                known.setdefault(text, index.clause_vectors[clause.row])
    return known


def _embed_once(
    embedder: PassageEmbedder,
    texts: list[str],
    known: dict[str, np.ndarray],
    report: IngestReport,
    *,
    progress: bool = False,
) -> np.ndarray:
    """Vectors for ``texts``, in order: each distinct text not in ``known`` goes through the model once
    (a clause repeated in a section or by the chunk overlap, an unchanged part of an edited
    document are not embedded again)."""
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    todo = [t for t in dict.fromkeys(texts) if t not in known]
    fresh = embedder.embed_passages(todo, progress=progress) if todo else out[:0]
    found = {**known, **dict(zip(todo, fresh, strict=True))}
    for i, text in enumerate(texts):
        out[i] = found[text]
    report.model_texts, report.reused_texts = len(todo), len(texts) - len(todo)
    return out


def _has_index(store: Store) -> bool:
    try:
        return store.manifest() is not None
    except IndexMismatchError:
        return True


@dataclass(frozen=True)
class _Reading:
    named: set[Path]  # files given by name: a failure fails the ingest; files found in a folder are skipped
    earlier: dict[str, Rejection]  # by resolved source: skipped without parsing while their bytes are the same
    progress: bool
    limits: ParseLimits


def _prepare_all(
    files: list[Path], chunking: ChunkSettings, old: IndexData, reading: _Reading, report: IngestReport
) -> dict[str, Prepared]:
    """Read the files that changed; an unchanged file (same bytes and sidecar) is not parsed again."""
    indexed = {_same(d.meta.source): d for d in old.documents.values()}
    prepared: dict[str, Prepared] = {}
    for path in tqdm(files, desc="reading", unit="doc", disable=not reading.progress or len(files) < 2):
        named = path.resolve() in reading.named
        digest = source_hash(path) if named else _hash_or_none(path)
        previous, earlier = indexed.get(_same(str(path))), reading.earlier.get(_same(str(path)))
        if previous is not None and digest == previous.meta.content_hash:
            report.unchanged.append(previous.meta.doc_id)  # _plan keeps it as it is
            continue
        if not named and (digest is None or (earlier is not None and earlier.content_hash == digest)):
            report.rejected.append(earlier or _rejection(path, f"{path.name} cannot be read", ""))
            continue
        try:
            item = prepare_document(path, chunking, reading.limits)
        except DocumentError as exc:
            if named:
                raise
            log.warning("rejected %s: %s", path, exc.message)
            report.rejected.append(_rejection(path, exc.message, digest or ""))
            continue
        _claim(prepared, item, path)
    return prepared


def _claim(prepared: dict[str, Prepared], item: Prepared, path: Path) -> None:
    doc_id = item.document.meta.doc_id
    if doc_id in prepared:
        raise DocumentError(
            f"{path}: document id {doc_id!r} is already used by {prepared[doc_id].document.meta.source}; "
            "rename one file or set doc_id in a sidecar"
        )
    prepared[doc_id] = item


def _hash_or_none(path: Path) -> str | None:
    try:
        return source_hash(path)
    except DocumentError:
        return None


def _rejection(path: Path, reason: str, digest: str) -> Rejection:
    at = datetime.now(UTC).isoformat(timespec="seconds")
    return Rejection(source=path.as_posix(), reason=reason, content_hash=digest, at=at)


def _record_rejections(index_dir: Path, files: list[Path], rejected: list[Rejection]) -> None:
    """Keep earlier rejections of files this ingest did not look at (and that still exist)."""
    seen = {_same(str(p)) for p in files}
    kept = [r for r in read_rejections(index_dir) if _same(r.source) not in seen and Path(r.source).exists()]
    write_rejections(index_dir, kept + rejected)


def _plan(
    old: IndexData, prepared: dict[str, Prepared], files: list[Path], prune: bool, report: IngestReport
) -> dict[str, Prepared | Document]:
    """Which documents the new index holds: fresh ones to embed, old ones to keep as they are."""
    keep: dict[str, Prepared | Document] = {}
    claimed = {_same(item.document.meta.source): doc_id for doc_id, item in prepared.items()}
    for doc_id, doc in old.documents.items():
        if doc_id in prepared:
            continue
        moved = claimed.get(_same(doc.meta.source))  # its file now carries another id (sidecar doc_id)
        if moved or (prune and not Path(doc.meta.source).exists()):
            report.removed.append(doc_id)
        else:
            keep[doc_id] = doc
    for doc_id, item in prepared.items():
        previous = old.documents.get(doc_id)
        source = item.document.meta.source
        if (
            previous is not None
            and _same(previous.meta.source) != _same(source)
            and Path(previous.meta.source).exists()
        ):
            raise DocumentError(
                f"{source}: document id {doc_id!r} is already used by {previous.meta.source}; "
                "rename one file or set doc_id in a sidecar"
            )
        if previous is not None and previous.meta.content_hash == item.document.meta.content_hash:
            keep[doc_id] = previous
            report.unchanged.append(doc_id)
            continue
        (report.updated if previous is not None else report.added).append(doc_id)
        keep[doc_id] = item
    return keep


def _same(source: str) -> str:
    """A comparable form of a source path."""
    return str(Path(source).resolve())


def remove_documents(
    doc_ids: Sequence[str], *, index_dir: Path, model: ModelInfo | None = None, store: Store | None = None
) -> list[str]:
    """Delete documents (and their chunks, vectors and facts) from the index (``store``, by default
    the files in ``index_dir``)."""
    store = store if store is not None else FilesStore(index_dir)
    with store.writing():  # from reading the latest index to committing the new one
        return _remove(list(dict.fromkeys(doc_ids)), store, model)


def _remove(doc_ids: list[str], store: Store, model: ModelInfo | None) -> list[str]:
    data = store.load(model)
    missing = [d for d in doc_ids if d not in data.documents]
    if missing:
        raise NotFoundError(
            f"no document {', '.join(repr(m) for m in missing)} in the index "
            f"(known: {', '.join(sorted(data.documents)) or 'none'})"
        )
    rows = [i for i, c in enumerate(data.chunks) if c.doc_id not in doc_ids]
    kept_ids = {data.chunks[i].id for i in rows}
    keyword = _keyword_index(data, rows, [])
    data.clause_vectors = data.clause_vectors[[c.row for c in data.clauses if c.chunk_id in kept_ids]]
    data.vectors = data.vectors[rows]
    data.chunks = [data.chunks[i] for i in rows]
    data.facts = [f for f in data.facts if f.doc_id not in doc_ids]
    data.measures = [m for m in data.measures if m.doc_id not in doc_ids]
    for doc_id in doc_ids:
        del data.documents[doc_id]
    data.keyword = keyword
    store.commit(data, upserted=(), removed=doc_ids)
    return list(doc_ids)
