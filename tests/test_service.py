"""PolicyBot: loading with and without an index, ingest, remove and reload.

``PolicyBot.load`` is run for real except that ``load_embedder`` hands back the session's
already-loaded real model (loading it again per test would only cost time).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from policybot import service as engine
from policybot.config import Settings
from policybot.errors import ConfigError, IndexMismatchError, IndexMissingError
from policybot.service import PolicyBot
from support import make_settings

NOTICE = """关于开展{topic}示范的通知

各有关单位：

一、工作目标

到2017年底，建成{topic}示范基地{n}个。

二、进度安排

——发布{topic}示范申报指南。（{q}季度）
"""


@pytest.fixture(autouse=True)
def shared_model(monkeypatch: pytest.MonkeyPatch, embedder: Any) -> None:
    def load_embedder(settings: Settings) -> Any:
        assert settings.uses_default_model
        return embedder

    monkeypatch.setattr(engine, "load_embedder", load_embedder)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wind.txt").write_text(NOTICE.format(topic="海上风电", n=3, q="四"), "utf-8")
    (corpus / "hydrogen.txt").write_text(NOTICE.format(topic="氢能", n=5, q="三"), "utf-8")
    return tmp_path


def test_load_without_index(workspace: Path) -> None:
    bot = PolicyBot.load(make_settings(workspace), require_index=False)
    assert not bot.ready
    assert bot.documents() == []
    for call in (
        lambda: bot.search("海上风电"),
        lambda: bot.ask("海上风电示范基地建几个？"),
        lambda: bot.facts(),
        lambda: bot.index,
    ):
        with pytest.raises(IndexMissingError, match="policybot ingest") as err:
            call()
        assert "\n" not in str(err.value)
    assert not (workspace / "index").exists()


def test_load_requires_an_index_by_default(workspace: Path) -> None:
    with pytest.raises(IndexMissingError):
        PolicyBot.load(make_settings(workspace))


def test_ready_after_ingest_and_answers(workspace: Path) -> None:
    bot = PolicyBot.load(make_settings(workspace), require_index=False)
    report = bot.ingest()
    assert sorted(report.added) == ["hydrogen", "wind"]
    assert bot.ready
    assert [d.meta.doc_id for d in bot.documents()] == ["hydrogen", "wind"]
    hits = bot.search("海上风电示范申报指南什么时候发布？", 3)
    assert hits[0].chunk.doc_id == "wind"
    answer = bot.ask("海上风电示范申报指南什么时候发布？")
    assert not answer.refused and "四季度" in answer.text
    assert {c.doc_id for c in answer.citations} == {"wind"}
    # a fresh load finds the index on disk
    again = PolicyBot.load(make_settings(workspace))
    assert again.ready and [d.meta.doc_id for d in again.documents()] == ["hydrogen", "wind"]


def test_an_index_of_another_pipeline_version_is_refused_until_reingested(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policybot.ingest import pipeline

    PolicyBot.load(make_settings(workspace), require_index=False).ingest()
    monkeypatch.setattr(pipeline, "PIPELINE_VERSION", pipeline.PIPELINE_VERSION + 1)  # a newer policybot
    with pytest.raises(IndexMismatchError, match="policybot ingest") as err:
        PolicyBot.load(make_settings(workspace))
    assert "\n" not in str(err.value) and "pipeline" in str(err.value)
    bot = PolicyBot.load(make_settings(workspace), require_index=False)
    assert not bot.ready
    report = bot.ingest()  # re-processes every document
    assert sorted(report.added + report.updated) == ["hydrogen", "wind"] and bot.ready
    assert PolicyBot.load(make_settings(workspace)).ready


def test_facts_filter_by_kind_and_document(workspace: Path) -> None:
    bot = PolicyBot.load(make_settings(workspace), require_index=False)
    bot.ingest()
    facts = bot.facts()
    assert {f.doc_id for f in facts} == {"wind", "hydrogen"}
    deadlines = bot.facts("deadline", "wind")
    assert deadlines and all(f.type == "deadline" and f.doc_id == "wind" for f in deadlines)
    assert any(f.normalized == "Q4" for f in deadlines)
    assert bot.facts("no-such-kind") == []


def test_reload_after_remove(workspace: Path) -> None:
    bot = PolicyBot.load(make_settings(workspace), require_index=False)
    bot.ingest()
    assert bot.remove(["wind"]) == ["wind"]
    assert [d.meta.doc_id for d in bot.documents()] == ["hydrogen"]
    assert all(h.chunk.doc_id == "hydrogen" for h in bot.search("海上风电示范基地", 5))
    assert bot.facts(doc_id="wind") == []
    answer = bot.ask("海上风电示范申报指南什么时候发布？")
    assert "四季度" not in answer.text

    bot.remove(["hydrogen"])
    assert bot.ready and bot.documents() == []
    assert bot.search("氢能示范基地", 5) == []
    refused = bot.ask("氢能示范基地建几个？")
    assert refused.refused and refused.citations == ()
    # and it can be filled again
    bot.ingest([workspace / "corpus" / "wind.txt"])
    assert [d.meta.doc_id for d in bot.documents()] == ["wind"]


def test_readers_see_a_whole_index_while_ingesting(workspace: Path) -> None:
    bot = PolicyBot.load(make_settings(workspace), require_index=False)
    bot.ingest([workspace / "corpus" / "wind.txt"])
    errors: list[BaseException] = []
    seen: list[set[str]] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                hits = bot.search("示范申报指南什么时候发布？", 6)
                seen.append({h.chunk.doc_id for h in hits})
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        bot.ingest([workspace / "corpus" / "hydrogen.txt"])
        bot.remove(["wind"])
    finally:
        stop.set()
        thread.join(60)
    assert not errors, errors
    assert seen and all(s <= {"wind", "hydrogen"} for s in seen)
    assert [d.meta.doc_id for d in bot.documents()] == ["hydrogen"]


def test_bad_glossary_path_is_a_config_error(workspace: Path) -> None:
    with pytest.raises(ConfigError, match="glossary"):
        PolicyBot.load(make_settings(workspace, glossary_path=workspace / "missing.tsv"), require_index=False)


def _count_loads(bot: PolicyBot, monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The versions ``bot.store.load`` read from now on."""
    loads: list[str | None] = []
    original = bot.store.load

    def counting(*args: Any, **kwargs: Any) -> Any:
        data = original(*args, **kwargs)
        loads.append(data.version)
        return data

    monkeypatch.setattr(bot.store, "load", counting)
    return loads


def test_start_up_reads_the_index_once(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's start: load, then sync the corpus folder. With nothing changed the sync works
    on the index in memory, not a second read of it."""
    PolicyBot.load(make_settings(workspace), require_index=False).ingest()
    bot = PolicyBot(make_settings(workspace), engine.load_embedder(make_settings(workspace)))
    loads = _count_loads(bot, monkeypatch)
    bot.reload()
    held = bot.index
    report = bot.ingest()
    assert report.unchanged and not report.changed
    assert len(loads) == 1 and bot.index is held  # nothing read again, nothing rebuilt

    (workspace / "corpus" / "tidal.txt").write_text(NOTICE.format(topic="潮汐能", n=2, q="二"), "utf-8")
    assert bot.ingest().added == ["tidal"]
    assert len(loads) == 2  # the new version, once, after the commit
    assert [d.meta.doc_id for d in bot.documents()] == ["hydrogen", "tidal", "wind"]


def test_the_sync_reads_the_index_another_process_committed(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index in memory is used only while it is the live version."""
    first = PolicyBot.load(make_settings(workspace), require_index=False)
    first.ingest()
    other = PolicyBot.load(make_settings(workspace))
    (workspace / "corpus" / "tidal.txt").write_text(NOTICE.format(topic="潮汐能", n=2, q="二"), "utf-8")
    other.ingest()  # another process commits a version ``first`` has not loaded
    (workspace / "corpus" / "tidal.txt").unlink()
    loads = _count_loads(first, monkeypatch)
    report = first.ingest()
    assert report.removed == ["tidal"] and loads[0] == other.loaded_version
    assert [d.meta.doc_id for d in first.documents()] == ["hydrogen", "wind"]


def test_a_late_reload_never_installs_an_older_version(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader thread's reload that read version 1 but finishes after an upload in another thread
    committed and installed version 2 keeps version 2 (else the upload's document vanishes)."""
    bot = PolicyBot.load(make_settings(workspace), require_index=False)
    bot.ingest()
    stale = bot.index
    (workspace / "corpus" / "tidal.txt").write_text(NOTICE.format(topic="潮汐能", n=2, q="二"), "utf-8")
    bot.ingest([workspace / "corpus" / "tidal.txt"])
    live = bot.loaded_version
    assert live != stale.version and "tidal" in [d.meta.doc_id for d in bot.documents()]
    monkeypatch.setattr(bot.store, "load", lambda *args, **kwargs: stale)  # the slow read of version 1
    bot.reload()
    assert bot.loaded_version == live and "tidal" in [d.meta.doc_id for d in bot.documents()]


def test_an_unchanged_sync_builds_no_copy_but_a_new_ann_setting_is_written(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing changed: the sync returns before assembling a new index (at 10,000 chunks, copying
    the vectors alone took 0.4 s of every server start). A changed ANN setting alone still commits."""
    import numpy as np

    from policybot.store.files import read_manifest

    bot = PolicyBot.load(make_settings(workspace), require_index=False)
    bot.ingest()
    version = bot.loaded_version
    stacked: list[int] = []
    vstack = np.vstack
    monkeypatch.setattr(np, "vstack", lambda arrays, *a, **k: stacked.append(1) or vstack(arrays, *a, **k))
    report = bot.ingest()
    assert not report.changed and report.chunks == len(bot.index.chunks) > 0
    assert stacked == [] and bot.loaded_version == version
    monkeypatch.undo()

    hnsw = PolicyBot.load(make_settings(workspace, ann="hnsw"))
    assert not hnsw.ingest().changed
    assert hnsw.loaded_version != version and read_manifest(workspace / "index")["ann"]["type"] == "hnsw"
