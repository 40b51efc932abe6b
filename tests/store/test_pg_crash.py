"""kill -9 of an ingest into PostgreSQL halfway through: every document is wholly old or wholly
new (its row, chunks, clauses, postings, facts), never a mixture, and the next ingest completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import prepare_document, source_hash
from policybot.service import PolicyBot
from support import ROOT, make_settings, new_database

DOCS = 5
KILL_AT = 3  # killed inside the third document's transaction


def _write(folder: Path, version: str) -> dict[str, str]:
    """Five small notices, each paragraph carrying ``version``; their content hashes by doc id."""
    hashes = {}
    for n in range(DOCS):
        paragraphs = [f"关于第{n}批示范项目的通知（{version}）"] + [
            f"{i + 1}、第{n}批第{i}项工作（{version}），到2030年建成示范项目{n + i + 10}个，年底前完成。"
            for i in range(3 if version == "旧版" else 5)
        ]
        path = folder / f"notice-{n}.txt"
        path.write_text("\n\n".join(paragraphs) + "\n", "utf-8")
        hashes[path.stem] = source_hash(path)
    return hashes


def test_kill_during_ingest_leaves_each_document_old_or_new(tmp_path: Path, embedder: Any, pg_server: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    url = new_database(pg_server)
    settings = make_settings(tmp_path, store="postgres", database_url=url)
    old = _write(corpus, "旧版")
    bot = PolicyBot(settings, embedder)
    assert len(bot.ingest().added) == DOCS
    chunking = ChunkSettings(settings.chunk_max_chars, settings.chunk_overlap_sentences)
    old_chunks = {p.stem: len(prepare_document(p, chunking).chunks) for p in sorted(corpus.iterdir())}
    new = _write(corpus, "新版")
    new_chunks = {p.stem: len(prepare_document(p, chunking).chunks) for p in sorted(corpus.iterdir())}
    assert old_chunks != new_chunks

    marker = tmp_path / "killed-in"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(POLICYBOT_STORE="postgres", POLICYBOT_DATABASE_URL=url, POLICYBOT_CORPUS_DIR=str(corpus),
               POLICYBOT_INDEX_DIR=str(tmp_path / "index"), PYTHONPATH=os.pathsep.join(sys.path))  # fmt: skip
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "pg_workers.py"), str(marker), str(KILL_AT)], env=env)
    try:
        deadline = time.monotonic() + 600
        while not marker.exists():
            assert proc.poll() is None, "the ingest ended before the crash point"
            assert time.monotonic() < deadline, "the ingest never reached the crash point"
            time.sleep(0.1)
        in_flight = marker.read_text("utf-8")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)

    index = bot.store.load(bot.model_info)  # a consistent snapshot: counts of rows agree
    states = {}
    for doc_id, doc in index.documents.items():
        chunks = [c for c in index.chunks if c.doc_id == doc_id]
        version = "新版" if doc.meta.content_hash == new[doc_id] else "旧版"
        assert doc.meta.content_hash == (new if version == "新版" else old)[doc_id]
        assert all(version in c.text for c in chunks), doc_id
        assert len(chunks) == (new_chunks if version == "新版" else old_chunks)[doc_id]
        assert all(version in f.quote for f in index.facts if f.doc_id == doc_id)
        states[doc_id] = version
    assert sorted(states) == sorted(old)
    assert states[in_flight] == "旧版"  # its transaction died with the process
    assert list(states.values()).count("新版") == KILL_AT - 1

    report = bot.ingest()  # the next ingest finishes the job
    assert sorted(report.updated) == sorted(d for d, v in states.items() if v == "旧版")
    assert {d.meta.content_hash for d in bot.index.documents.values()} == set(new.values())
    bot.store.close()
