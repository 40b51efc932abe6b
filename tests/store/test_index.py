"""The on-disk index: round trip, atomic writes, model checks, damaged files and no pickle.

(The version layout, crash points and concurrent writers are in test_commit.py.)

Everything works on copies of the session seed index (no embedding here).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from policybot.config import EmbedBackend
from policybot.errors import IndexMismatchError, IndexMissingError, PolicybotError, StorageError
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import PIPELINE_VERSION, pipeline_settings
from policybot.records import content_hash
from policybot.store import files as index_mod
from policybot.store.files import (
    CURRENT,
    FORMAT_VERSION,
    LOCK_FILE,
    IndexData,
    ModelInfo,
    current_version,
    live_dir,
    load_index,
    read_manifest,
    save_index,
)

FILES = {
    "manifest.json",
    "documents.jsonl",
    "chunks.jsonl",
    "vectors.faiss",
    "keyword.json",
    "facts.jsonl",
    "clause_vectors.npy",
    "measures.jsonl",
}


@pytest.fixture
def index_dir(tmp_path: Path, seed_bot: Any) -> Path:
    """A private copy of the seed index."""
    target = tmp_path / "index"
    shutil.copytree(seed_bot.settings.index_dir, target)
    return target


def snapshot(index: Path) -> dict[str, bytes]:
    """The files of the live version of ``index``."""
    return {p.name: p.read_bytes() for p in sorted(live_dir(index).iterdir())}


def leftovers(index: Path) -> list[str]:
    """What save_index may have left in ``index`` besides the live version (or next to it)."""
    keep = {CURRENT, LOCK_FILE, current_version(index)}
    inside = [p.name for p in index.iterdir() if p.name not in keep]
    beside = [p.name for p in index.parent.iterdir() if p.name.startswith(f".{index.name}.")]
    return sorted(inside + beside)


def assert_one_line(exc: BaseException) -> None:
    text = str(exc)
    assert text.strip() and "\n" not in text, repr(text)
    assert "Traceback" not in text


# -- round trip --------------------------------------------------------------------------------


def test_round_trip_keeps_everything(index_dir: Path, tmp_path: Path, embedder: Any) -> None:
    model = ModelInfo(embedder.model_id, embedder.dimension, embedder.fingerprint, embedder.backend)
    data = load_index(index_dir, model)
    assert data.chunks and data.facts and data.documents
    copy = tmp_path / "copy"
    save_index(data, copy)
    again = load_index(copy, model)

    assert again.model == model
    assert again.chunking == data.chunking
    assert again.created == data.created
    assert again.documents == data.documents
    assert again.chunks == data.chunks
    assert again.facts == data.facts
    assert again.vectors.dtype == np.float32 and again.clause_vectors.dtype == np.float32
    np.testing.assert_array_equal(again.vectors, data.vectors)
    np.testing.assert_array_equal(again.clause_vectors, data.clause_vectors)
    assert again.vectors.shape == (len(data.chunks), embedder.dimension)
    assert again.clause_vectors.shape == (len(data.clauses), embedder.dimension)
    assert again.keyword_index().to_json() == data.keyword_index().to_json()
    # saving what was loaded again gives the same files (the format is deterministic)
    assert snapshot(copy) == snapshot(index_dir)


def test_manifest_records_model_chunking_and_corpus(index_dir: Path, embedder: Any) -> None:
    manifest = read_manifest(index_dir)
    data = load_index(index_dir)
    assert manifest["format"] == FORMAT_VERSION
    assert manifest["model"] == {
        "id": embedder.model_id,
        "dimension": embedder.dimension,
        "fingerprint": embedder.fingerprint,
        "backend": "onnx-fp32",
    }
    assert manifest["chunking"] == pipeline_settings(ChunkSettings(360, 1))
    assert manifest["chunking"]["pipeline"] == PIPELINE_VERSION
    assert manifest["chunking"]["max_chars"] == 360
    assert manifest["counts"] == {
        "documents": len(data.documents),
        "chunks": len(data.chunks),
        "facts": len(data.facts),
        "clauses": len(data.clauses),
    }
    (doc,) = data.documents.values()
    assert manifest["documents"] == {
        doc.meta.doc_id: {"source": doc.meta.source, "content_hash": doc.meta.content_hash}
    }
    assert manifest["corpus_hash"] == content_hash(f"{doc.meta.doc_id}:{doc.meta.content_hash}")
    assert manifest["corpus_hash"] == data.corpus_hash


def test_corpus_hash_changes_with_content(index_dir: Path) -> None:
    data = load_index(index_dir)
    before = data.corpus_hash
    (doc_id, doc) = next(iter(data.documents.items()))
    from dataclasses import replace

    data.documents[doc_id] = replace(doc, meta=replace(doc.meta, content_hash="0" * 64))
    assert data.corpus_hash != before


def test_vector_and_chunk_counts_must_agree(embedder: Any) -> None:
    model = ModelInfo("m", 4, "f")
    with pytest.raises(ValueError, match="chunks but"):
        IndexData(model, {}, vectors=np.ones((2, 4), np.float32))


# -- no pickle -----------------------------------------------------------------------------------


def test_index_is_plain_files_without_pickle(index_dir: Path) -> None:
    version = current_version(index_dir)
    assert version is not None and {p.name for p in index_dir.iterdir()} <= {CURRENT, LOCK_FILE, version}
    index_dir = live_dir(index_dir)
    assert index_dir.name == version
    assert {p.name for p in index_dir.iterdir()} == FILES
    for name in ("manifest.json", "keyword.json"):
        assert isinstance(json.loads((index_dir / name).read_text("utf-8")), dict)
    for name in ("documents.jsonl", "chunks.jsonl", "facts.jsonl"):
        rows = [json.loads(line) for line in (index_dir / name).read_text("utf-8").splitlines()]
        assert rows and all(isinstance(r, dict) for r in rows)
    facts = np.load(index_dir / "clause_vectors.npy", allow_pickle=False)
    assert facts.dtype == np.float32 and facts.ndim == 2
    assert faiss.read_index(str(index_dir / "vectors.faiss")).ntotal > 0
    for path in index_dir.iterdir():
        raw = path.read_bytes()
        assert not raw.startswith(b"\x80"), f"{path.name} looks like a pickle"
        assert b"cnumpy" not in raw and b"__reduce__" not in raw


def test_pickled_clause_vectors_are_refused(index_dir: Path) -> None:
    """A copied index with an object (pickled) array must not be unpickled."""
    count = len(load_index(index_dir).clauses)
    np.save(live_dir(index_dir) / "clause_vectors.npy", np.array([{"x": 1}] * count, dtype=object), allow_pickle=True)
    with pytest.raises(IndexMismatchError, match="damaged") as err:
        load_index(index_dir)
    assert_one_line(err.value)


# -- atomic writes ------------------------------------------------------------------------------


def _changed(index_dir: Path) -> IndexData:
    data = load_index(index_dir)
    keep = [i for i, c in enumerate(data.chunks) if i % 2 == 0]
    kept_ids = {data.chunks[i].id for i in keep}
    data.clause_vectors = data.clause_vectors[[c.row for c in data.clauses if c.chunk_id in kept_ids]]
    data.chunks = [data.chunks[i] for i in keep]
    data.vectors = data.vectors[keep]
    data.keyword = None
    return data


def test_failed_write_leaves_old_index(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(index_dir)
    data = _changed(index_dir)

    def boom(*_args: object) -> None:
        raise RuntimeError("disk full")

    version = current_version(index_dir)
    monkeypatch.setattr(faiss, "write_index", boom)  # imported by save_index at its call
    with pytest.raises(RuntimeError, match="disk full"):
        save_index(data, index_dir)
    assert current_version(index_dir) == version
    assert snapshot(index_dir) == before
    assert leftovers(index_dir) == []


def test_failure_while_switching_the_pointer_keeps_old_index(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """save_index writes the new version, then switches CURRENT to it. If the switch fails, the
    old version must still be the live one (and not be deleted), and the new one must go."""
    before, version = snapshot(index_dir), current_version(index_dir)
    data = _changed(index_dir)
    real_replace = os.replace
    calls: list[str] = []

    def replace_failing_pointer(src: Any, dst: Any) -> None:
        calls.append(Path(dst).name)
        if Path(dst).name == CURRENT:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(index_mod.os, "replace", replace_failing_pointer)
    with pytest.raises(StorageError, match="No space left on device"):
        save_index(data, index_dir)
    monkeypatch.undo()
    assert calls[-1] == CURRENT and len(calls) == 2  # version folder in place, then the pointer (fails)
    assert current_version(index_dir) == version
    assert snapshot(index_dir) == before
    assert leftovers(index_dir) == []


def test_successful_write_leaves_no_temporary_folders(index_dir: Path) -> None:
    data = _changed(index_dir)
    save_index(data, index_dir)
    assert leftovers(index_dir) == []
    assert len(load_index(index_dir).chunks) == len(data.chunks)


# -- model checks -------------------------------------------------------------------------------


def test_other_model_is_refused_naming_both(index_dir: Path, embedder: Any) -> None:
    other = ModelInfo("acme/other-embedder", embedder.dimension, "0123456789abcdef")
    with pytest.raises(IndexMismatchError) as err:
        load_index(index_dir, other)
    message = str(err.value)
    assert embedder.model_id in message and "acme/other-embedder" in message
    assert embedder.fingerprint in message and "0123456789abcdef" in message
    assert "--rebuild" in message
    assert_one_line(err.value)


@pytest.mark.parametrize("field", ["id", "dimension", "fingerprint", "backend"])
def test_any_model_difference_is_refused(index_dir: Path, embedder: Any, field: str) -> None:
    values = {
        "id": embedder.model_id,
        "dimension": embedder.dimension,
        "fingerprint": embedder.fingerprint,
        "backend": embedder.backend,
    }
    load_index(index_dir, ModelInfo(**values))  # type: ignore[arg-type]
    changed = {"dimension": 768, "backend": EmbedBackend.TORCH}
    values[field] = changed.get(field, "changed")
    with pytest.raises(IndexMismatchError):
        load_index(index_dir, ModelInfo(**values))  # type: ignore[arg-type]


def test_other_backend_is_refused_saying_to_reingest(index_dir: Path, embedder: Any) -> None:
    assert read_manifest(index_dir)["model"]["backend"] == embedder.backend.value == "onnx-fp32"
    torch = ModelInfo(embedder.model_id, embedder.dimension, embedder.fingerprint, EmbedBackend.TORCH)
    with pytest.raises(IndexMismatchError) as err:
        load_index(index_dir, torch)
    message = str(err.value)
    assert "onnx-fp32" in message and "torch" in message
    assert "re-ingest" in message and "--rebuild" in message
    assert_one_line(err.value)


def test_index_without_a_backend_was_built_by_torch(index_dir: Path, tmp_path: Path, embedder: Any) -> None:
    """Indexes written before the backend was recorded load as torch-built ones."""
    copy = tmp_path / "old"
    save_index(load_index(index_dir), copy)
    manifest_path = live_dir(copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    del manifest["model"]["backend"]
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    assert load_index(copy).model.backend is EmbedBackend.TORCH
    with pytest.raises(IndexMismatchError, match="built with the torch embedding backend"):
        load_index(copy, ModelInfo(embedder.model_id, embedder.dimension, embedder.fingerprint, embedder.backend))


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="policybot ingest") as err:
        load_index(tmp_path / "nothing")
    assert_one_line(err.value)


# -- damaged files ------------------------------------------------------------------------------


def _truncate(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _drop_last_line(path: Path) -> None:
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), "utf-8")


DAMAGE = {
    "truncated chunks": lambda d: _truncate(d / "chunks.jsonl"),
    "missing chunks": lambda d: (d / "chunks.jsonl").unlink(),
    "one chunk too few": lambda d: _drop_last_line(d / "chunks.jsonl"),
    "truncated documents": lambda d: _truncate(d / "documents.jsonl"),
    "garbage facts": lambda d: (d / "facts.jsonl").write_text('{"type": "deadline"}\n', "utf-8"),
    "garbage vectors": lambda d: (d / "vectors.faiss").write_bytes(b"not a faiss index"),
    "truncated clause vectors": lambda d: _truncate(d / "clause_vectors.npy"),
    "truncated keyword": lambda d: _truncate(d / "keyword.json"),
    "garbage manifest": lambda d: (d / "manifest.json").write_text("{not json", "utf-8"),
    "empty manifest": lambda d: (d / "manifest.json").write_text("", "utf-8"),
    "future format": lambda d: (d / "manifest.json").write_text(json.dumps({"format": 99}), "utf-8"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_raises_clear_error(index_dir: Path, damage: str) -> None:
    DAMAGE[damage](live_dir(index_dir))
    with pytest.raises(IndexMismatchError) as err:
        load_index(index_dir)
    assert "--rebuild" in str(err.value)
    assert_one_line(err.value)


WRONG_SHAPE = {
    "a list": "[]",
    "null": "null",
    "no model": json.dumps({"format": FORMAT_VERSION, "chunking": {}}),
    "model is a string": json.dumps({"format": FORMAT_VERSION, "model": "e5", "chunking": {}}),
    "model has extra keys": json.dumps(
        {
            "format": FORMAT_VERSION,
            "model": {"id": "x", "dimension": 384, "fingerprint": "f", "extra": 1},
            "chunking": {},
        }
    ),
}


@pytest.mark.parametrize("shape", list(WRONG_SHAPE))
def test_manifest_with_wrong_shape_raises_policybot_error(index_dir: Path, shape: str) -> None:
    """Valid JSON that is not a manifest must also give the one-line 'damaged' error, not a
    KeyError/TypeError/AttributeError traceback."""
    (live_dir(index_dir) / "manifest.json").write_text(WRONG_SHAPE[shape], "utf-8")
    with pytest.raises(PolicybotError) as err:
        load_index(index_dir)
    assert_one_line(err.value)


def test_the_listing_is_the_loaded_index_s_documents_and_chunk_counts(lifecycle_bot: Any, tmp_path: Path) -> None:
    """``read_listing`` (``policybot documents``) reads two files, and agrees with the whole load."""
    index_dir = lifecycle_bot.settings.index_dir
    docs, counts = index_mod.read_listing(index_dir)
    loaded = load_index(index_dir)
    assert docs == sorted(loaded.documents.values(), key=lambda d: d.meta.doc_id) and len(docs) > 1
    want: dict[str, int] = {}
    for chunk in loaded.chunks:
        want[chunk.doc_id] = want.get(chunk.doc_id, 0) + 1
    assert counts == want
    with pytest.raises(IndexMissingError, match="policybot ingest"):
        index_mod.read_listing(tmp_path / "none")
    broken = tmp_path / "broken"
    shutil.copytree(index_dir, broken)
    (index_mod.live_dir(broken) / "chunks.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="damaged"):
        index_mod.read_listing(broken)
