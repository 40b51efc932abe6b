"""One contract for every store backend: the same tests on files and on a real embedded
PostgreSQL + pgvector, over the same small corpus, and the two backends agree on what they find."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from policybot.config import StoreBackend
from policybot.errors import IndexMismatchError, NotFoundError
from policybot.records import Hit
from policybot.service import PolicyBot
from policybot.store import open_store
from policybot.store.base import Store, StoreSearch
from policybot.store.files import ModelInfo
from support import ROOT, SEED, make_settings, new_database

DOCS = ("gxb-jie-2016-113", "dongguan-robot-fund-2016", "caishui-2015-119")
BACKENDS = [StoreBackend.FILES, StoreBackend.POSTGRES]


def _corpus(root: Path, names: tuple[str, ...] = DOCS) -> Path:
    (root / "corpus").mkdir(parents=True)
    for name in names:
        for path in (ROOT / "corpus").glob(f"{name}.*"):
            shutil.copy(path, root / "corpus" / path.name)
    return root


def _bot(root: Path, backend: StoreBackend, embedder: Any, pg_server: str | None) -> PolicyBot:
    extra: dict[str, object] = {"store": backend}
    if backend is StoreBackend.POSTGRES:
        assert pg_server is not None
        extra["database_url"] = new_database(pg_server)
    return PolicyBot(make_settings(root, **extra), embedder)


@pytest.fixture(scope="module")
def bots(tmp_path_factory: pytest.TempPathFactory, embedder: Any, pg_server: str) -> Iterator[dict[StoreBackend, Any]]:
    """The contract corpus ingested once into each backend (read-only in the tests)."""
    root = _corpus(tmp_path_factory.mktemp("contract"))
    made = {b: _bot(root, b, embedder, pg_server) for b in BACKENDS}
    for bot in made.values():
        bot.ingest()
    yield made
    for bot in made.values():
        bot.store.close()


@pytest.fixture(params=BACKENDS, ids=lambda b: b.value)
def bot(request: pytest.FixtureRequest, bots: dict[StoreBackend, PolicyBot]) -> PolicyBot:
    return bots[request.param]


def _questions() -> list[dict[str, Any]]:
    return list(yaml.safe_load((ROOT / "eval" / "retrieval.yaml").read_text("utf-8")))


def _grouped(hits: list[Hit]) -> list[tuple[float, frozenset[str]]]:
    """Hits as groups of equal (rounded) score: the order within a tie is not part of the contract."""
    groups: dict[float, set[str]] = {}
    for hit in hits:
        groups.setdefault(round(hit.score, 4), set()).add(hit.chunk.id)
    return sorted(((s, frozenset(ids)) for s, ids in groups.items()), reverse=True)


# -- the contract, on each backend ----------------------------------------------------------------


def test_the_store_is_the_backend_the_settings_choose(bot: PolicyBot) -> None:
    assert isinstance(bot.store, Store) and bot.store.backend is bot.settings.store
    assert isinstance(bot.store.search(bot.index), StoreSearch)


def test_lists_documents_with_their_rows(bot: PolicyBot) -> None:
    store = bot.store
    assert [m.doc_id for m in store.documents()] == sorted(DOCS)
    index = store.load(bot.model_info)
    assert sorted(index.documents) == sorted(DOCS) and index.version == store.generation()
    for doc_id in DOCS:
        assert store.chunks_of([doc_id]) == [c for c in index.chunks if c.doc_id == doc_id] != []
        assert store.facts_of([doc_id]) == [f for f in index.facts if f.doc_id == doc_id]
        assert store.measures_of([doc_id]) == [m for m in index.measures if m.doc_id == doc_id]
    assert len(index.clauses) == len(index.clause_vectors) > len(index.chunks)


def test_manifest_records_the_model_and_pipeline(bot: PolicyBot) -> None:
    manifest = bot.store.manifest()
    assert manifest is not None
    info = bot.model_info
    assert manifest["model"]["id"] == info.id and manifest["model"]["dimension"] == info.dimension
    assert manifest["model"]["backend"] == info.backend.value
    assert manifest["chunking"]["pipeline"] >= 1


def test_another_model_is_refused(bot: PolicyBot) -> None:
    info = bot.model_info
    other = ModelInfo("another/model", info.dimension, "0" * 16, info.backend)
    with pytest.raises(IndexMismatchError, match="another/model"):
        bot.store.load(other)


def test_search_within_documents_keeps_to_them(bot: PolicyBot) -> None:
    for doc_id in DOCS:
        hits = bot.search("申报条件和截止时间", 8, doc_ids=[doc_id])
        assert hits and {h.chunk.doc_id for h in hits} == {doc_id}
    vector = bot.retriever.query_vector("机器人")
    dense = bot.store.search(bot.index).dense(vector, 5, ["dongguan-robot-fund-2016"])
    assert len(dense) == 5 and all(bot.index.chunks[i].doc_id == "dongguan-robot-fund-2016" for i, _ in dense)
    assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)


def test_keyword_search_finds_only_positive_scores(bot: PolicyBot) -> None:
    search = bot.store.search(bot.index)
    found = search.keyword("机器人 专项资金", 10)
    assert found and all(s > 0 for _, s in found)
    assert any("机器人" in bot.index.chunks[i].embed_text for i, _ in found[:3])
    assert search.keyword("你好", 10) == []


# -- the backends agree ---------------------------------------------------------------------------


def test_backends_return_the_same_top_hits_for_the_eval_questions(bots: dict[StoreBackend, PolicyBot]) -> None:
    files, pg = bots[StoreBackend.FILES], bots[StoreBackend.POSTGRES]
    differ = []
    for item in _questions():
        q, scope = item["question"], item.get("scope")
        for doc_ids in (None, scope):
            if _grouped(files.search(q, 5, doc_ids=doc_ids)) != _grouped(pg.search(q, 5, doc_ids=doc_ids)):
                differ.append((item["id"], doc_ids))
    assert differ == []


def test_backends_agree_on_keyword_and_dense_scores(bots: dict[StoreBackend, PolicyBot]) -> None:
    files, pg = bots[StoreBackend.FILES], bots[StoreBackend.POSTGRES]
    fs, ps = files.store.search(files.index), pg.store.search(pg.index)
    for item in _questions()[:20]:
        q = item["question"]
        by_id = {files.index.chunks[i].id: s for i, s in fs.keyword(q, 40)}
        pg_kw = {pg.index.chunks[i].id: s for i, s in ps.keyword(q, 40)}
        assert by_id.keys() == pg_kw.keys()
        assert all(abs(by_id[c] - pg_kw[c]) < 1e-4 * max(1.0, by_id[c]) for c in by_id)
        vector = files.retriever.query_vector(q)
        f_dense = {files.index.chunks[i].id: s for i, s in fs.dense(vector, 10)}
        p_dense = {pg.index.chunks[i].id: s for i, s in ps.dense(vector, 10)}
        assert f_dense.keys() == p_dense.keys()
        assert all(abs(f_dense[c] - p_dense[c]) < 1e-5 for c in f_dense)


def test_snapshots_hold_the_same_rows(bots: dict[StoreBackend, PolicyBot]) -> None:
    a, b = bots[StoreBackend.FILES].index, bots[StoreBackend.POSTGRES].index
    assert a.documents == b.documents and a.facts == b.facts and a.measures == b.measures
    assert sorted(c.id for c in a.chunks) == sorted(c.id for c in b.chunks)
    rows = {c.id: i for i, c in enumerate(b.chunks)}
    assert all(abs(a.vectors[i] - b.vectors[rows[c.id]]).max() < 1e-6 for i, c in enumerate(a.chunks))


# -- writes, on each backend ----------------------------------------------------------------------


def _statistics_kept(store: Store) -> bool:
    """PostgreSQL: the BM25 statistics of the manifest (moved document by document on a commit)
    equal a recount of the chunks. Files: nothing to check."""
    if store.backend is not StoreBackend.POSTGRES:
        return True
    with store._tx() as conn:  # type: ignore[attr-defined]
        kept = conn.execute("SELECT chunk_count, total_length FROM policybot_manifest").fetchone()
        counted = conn.execute("SELECT count(*), coalesce(sum(length), 0) FROM policybot_chunks").fetchone()
    return tuple(kept) == tuple(counted) and kept[0] > 0


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.value)
def test_upsert_update_and_delete(tmp_path: Path, backend: StoreBackend, embedder: Any, pg_server: str) -> None:
    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    bot = _bot(tmp_path, backend, embedder, pg_server)
    try:
        assert bot.store.manifest() is None and bot.store.generation() is None
        report = bot.ingest()
        assert report.added == [SEED.stem] and bot.store.generation() == bot.loaded_version
        assert _statistics_kept(bot.store)
        extra = tmp_path / "corpus" / "wind-2030.txt"
        extra.write_text("关于海上风电运维示范的通知\n\n一、工作目标\n\n到2030年，建成示范项目12个。\n", "utf-8")
        before = bot.store.generation()
        assert bot.ingest().added == ["wind-2030"]
        assert bot.store.generation() != before and _statistics_kept(bot.store)
        assert [m.doc_id for m in bot.store.documents()] == sorted([SEED.stem, "wind-2030"])
        old_chunks = bot.store.chunks_of(["wind-2030"])
        extra.write_text(extra.read_text("utf-8") + "\n二、进度安排\n\n——发布申报指南。（四季度）\n", "utf-8")
        assert bot.ingest().updated == ["wind-2030"]
        assert _statistics_kept(bot.store)
        new_chunks = bot.store.chunks_of(["wind-2030"])
        assert new_chunks != old_chunks and any("申报指南" in c.text for c in new_chunks)
        assert bot.search("海上风电示范项目", 3)[0].chunk.doc_id == "wind-2030"
        assert bot.remove(["wind-2030"]) == ["wind-2030"]
        assert [m.doc_id for m in bot.store.documents()] == [SEED.stem] and bot.store.chunks_of(["wind-2030"]) == []
        assert _statistics_kept(bot.store)
        assert all(h.chunk.doc_id == SEED.stem for h in bot.search("海上风电示范项目", 5))
        with pytest.raises(NotFoundError):
            bot.remove(["wind-2030"])
        again = open_store(bot.settings)  # another process's view of the same index
        try:
            assert again.generation() == bot.store.generation()
            assert [m.doc_id for m in again.documents()] == [SEED.stem]
        finally:
            again.close()
    finally:
        bot.store.close()


# -- choosing the backend -------------------------------------------------------------------------


def test_postgres_needs_a_database_url(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="database_url"):
        make_settings(tmp_path, store="postgres")


def test_cli_reads_the_postgres_store(
    bots: dict[StoreBackend, PolicyBot], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from policybot.surfaces.cli import main

    url = bots[StoreBackend.POSTGRES].settings.database_url
    assert url is not None
    args = ["--index", str(tmp_path / "nothing-here"), "--store", "postgres", "--database-url", url]
    assert main([*args, "documents", "--json"]) == 0
    assert sorted(d["doc_id"] for d in json.loads(capsys.readouterr().out)) == sorted(DOCS)
    assert main(["--index", str(tmp_path / "nothing-here"), "documents"]) == 1  # the files store is empty
    assert "no index" in capsys.readouterr().err
