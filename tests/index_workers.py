"""Helpers for tests/store/test_commit.py that run in child processes (they must be importable).

Small indexes without embeddings: documents only, built directly as IndexData.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from policybot.errors import IndexMissingError
from policybot.records import Document, DocumentMeta, content_hash
from policybot.store import files
from policybot.store.files import IndexData, ModelInfo, load_index, save_index, write_lock
from policybot.store.keyword import KeywordIndex

MODEL = ModelInfo("test/tiny", 4, "0123456789abcdef")
KILLED = 86  # the exit code of a child killed at its file operation


def document(doc_id: str) -> Document:
    meta = DocumentMeta(doc_id, f"文件 {doc_id}", f"/corpus/{doc_id}.txt", "txt", content_hash(doc_id))
    return Document(meta, f"{doc_id} 的正文。")


def small_index(*doc_ids: str) -> IndexData:
    data = IndexData(MODEL, {"max_chars": 100, "pipeline": 0})
    for doc_id in doc_ids:
        data.documents[doc_id] = document(doc_id)
    return data


def add_document(index_dir: Path, doc_id: str) -> None:
    """A write as ingest does it: under the lock, read the latest index, add, commit."""
    with write_lock(index_dir):
        try:
            data = load_index(index_dir, MODEL)
        except IndexMissingError:
            data = small_index()
        data.documents[doc_id] = document(doc_id)
        save_index(data, index_dir)


def writer(index_dir: str, tag: str, count: int) -> list[str]:
    """Add ``count`` documents ``<tag>-<i>`` one commit each; return the acknowledged ids."""
    done = []
    for i in range(count):
        doc_id = f"{tag}-{i}"
        add_document(Path(index_dir), doc_id)
        done.append(doc_id)
    return done


#: every file operation a commit makes (patched where ``files`` looks them up)
OPERATIONS: list[tuple[Any, str]] = [
    (os, "mkdir"),
    (os, "open"),
    (os, "fsync"),
    (os, "replace"),
    (os, "unlink"),
    (os, "rmdir"),
    (shutil, "rmtree"),
    (faiss, "write_index"),
    (np, "save"),
    (KeywordIndex, "save"),
    (files, "_write_jsonl"),
    (Path, "write_text"),
]


@contextmanager
def failing_at(n: int, fail: Callable[[str], None]) -> Iterator[list[str]]:
    """Count the file operations; call ``fail`` instead of the ``n``-th (1-based)."""
    seen: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        for owner, name in OPERATIONS:
            real = getattr(owner, name)

            def wrapper(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
                seen.append(_name)
                if len(seen) == n:
                    fail(_name)
                return _real(*args, **kwargs)

            mp.setattr(owner, name, wrapper)
        yield seen


def _kill(_name: str) -> None:
    os._exit(KILLED)


def commit_killed_at(index_dir: str, n: int, doc_id: str) -> None:
    """In a child process: add ``doc_id`` and die (no cleanup at all) at the ``n``-th file operation."""
    data = load_index(Path(index_dir), MODEL)
    data.documents[doc_id] = document(doc_id)
    with failing_at(n, _kill):
        save_index(data, Path(index_dir))
