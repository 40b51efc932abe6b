"""Ingest: incremental updates, pruning, sidecars, formats, bad inputs and removal.

Small notices (three chunks each) keep the real-model embedding cheap; the seed itself is only
prepared (never embedded) here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from docfiles import make_docx, make_html, make_markdown, make_pdf, make_scanned_pdf
from policybot.errors import DocumentError, IndexMismatchError, NotFoundError, UnsupportedFormatError
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import IngestReport, ingest, prepare_document, remove_documents
from policybot.service import PolicyBot
from policybot.store.files import current_version, live_dir, load_index, read_manifest
from policybot.store.rejections import read_rejections
from support import SEED, make_settings

NOTICE = """关于开展{topic}示范的通知

各有关单位：

一、工作目标

到2017年底，建成{topic}示范基地{n}个。

二、进度安排

——发布{topic}示范申报指南。（{q}季度）
"""
DEFAULT = ChunkSettings()


def notice(topic: str, n: int = 3, q: str = "四") -> str:
    return NOTICE.format(topic=topic, n=n, q=q)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def run(
    root: Path,
    embedder: Any,
    paths: list[Path] | None = None,
    *,
    chunking: ChunkSettings = DEFAULT,
    rebuild: bool = False,
) -> IngestReport:
    """Ingest like the CLI does: the corpus folder (pruning) or explicit paths (no pruning)."""
    return ingest(
        paths or [root / "corpus"],
        index_dir=root / "index",
        embedder=embedder,
        chunking=chunking,
        prune=paths is None,
        rebuild=rebuild,
    )


def index_bytes(root: Path) -> dict[str, bytes]:
    """The files of the live index version, and which version is live."""
    files = {p.name: p.read_bytes() for p in sorted(live_dir(root / "index").iterdir())}
    return {**files, "CURRENT": str(current_version(root / "index")).encode()}


def doc_ids(root: Path) -> set[str]:
    return set(load_index(root / "index").documents)


@pytest.fixture(scope="module")
def two_docs_template(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    """wind.txt and hydrogen.txt ingested once, from inside the workspace with relative paths
    (as the default ``corpus``/``index`` settings do), so copies of it stay valid."""
    root = tmp_path_factory.mktemp("two-docs")
    write(root / "corpus" / "wind.txt", notice("海上风电"))
    write(root / "corpus" / "hydrogen.txt", notice("氢能", 5, "三"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        report = run(Path("."), embedder)
    assert sorted(report.added) == ["hydrogen", "wind"]
    assert {d.meta.source for d in load_index(root / "index").documents.values()} == {
        "corpus/wind.txt",
        "corpus/hydrogen.txt",
    }
    return root


@pytest.fixture
def two_docs(two_docs_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the two-document workspace, as the current folder (returns ``.``)."""
    shutil.copytree(two_docs_template, tmp_path / "ws")
    monkeypatch.chdir(tmp_path / "ws")
    return Path(".")


# -- incremental updates ------------------------------------------------------------------------


def test_first_ingest_adds_and_second_is_a_noop(two_docs: Path, embedder: Any) -> None:
    data = load_index(two_docs / "index")
    assert len(data.chunks) == 6 and {c.doc_id for c in data.chunks} == {"wind", "hydrogen"}
    assert {f.doc_id for f in data.facts} == {"wind", "hydrogen"}
    before = index_bytes(two_docs)

    again = run(two_docs, embedder)
    assert sorted(again.unchanged) == ["hydrogen", "wind"]
    assert (again.added, again.updated, again.removed, again.embedded) == ([], [], [], 0)
    assert not again.changed and again.chunks == 6
    assert "0 added" in again.summary() and "2 unchanged" in again.summary()
    assert index_bytes(two_docs) == before  # not even rewritten


def test_editing_a_file_updates_only_it(two_docs: Path, embedder: Any) -> None:
    old = load_index(two_docs / "index")
    write(two_docs / "corpus" / "hydrogen.txt", notice("氢能", 6, "三"))
    report = run(two_docs, embedder)
    assert report.updated == ["hydrogen"] and report.unchanged == ["wind"]
    assert report.embedded == 3  # only hydrogen's chunks
    new = load_index(two_docs / "index")
    old_wind = {c.id: old.vectors[i] for i, c in enumerate(old.chunks) if c.doc_id == "wind"}
    new_wind = {c.id: new.vectors[i] for i, c in enumerate(new.chunks) if c.doc_id == "wind"}
    assert old_wind.keys() == new_wind.keys()
    for cid, vector in old_wind.items():
        np.testing.assert_array_equal(new_wind[cid], vector)
    assert any("6个" in c.text for c in new.chunks if c.doc_id == "hydrogen")
    assert not any("5个" in c.text for c in new.chunks)
    assert any(f.value == "6个" for f in new.facts if f.doc_id == "hydrogen")


def test_chunk_ids_are_stable_across_reingests(two_docs: Path, embedder: Any) -> None:
    old = load_index(two_docs / "index")
    report = run(two_docs, embedder, rebuild=True)
    assert report.embedded == 6
    new = load_index(two_docs / "index")
    assert [c.id for c in new.chunks] == [c.id for c in old.chunks]
    assert [(f.chunk_id, f.value) for f in new.facts] == [(f.chunk_id, f.value) for f in old.facts]
    np.testing.assert_allclose(new.vectors, old.vectors, atol=1e-5)


class CountingEmbedder:
    """The real embedder, recording every passage it is asked to embed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.passages: list[str] = []
        self.model_id, self.dimension, self.fingerprint = inner.model_id, inner.dimension, inner.fingerprint
        self.backend = inner.backend

    def embed_passages(self, texts: Any, *, progress: bool = False) -> np.ndarray:
        self.passages.extend(texts)
        return np.asarray(self.inner.embed_passages(texts, progress=progress))

    def embed_queries(self, texts: Any) -> np.ndarray:
        return np.asarray(self.inner.embed_queries(texts))


def all_texts(data: Any) -> list[str]:
    """What an index embeds, in its rows' order: chunks, then clauses."""
    from policybot.ingest.clauses import clause_embed_text

    return [c.embed_text for c in data.chunks] + [clause_embed_text(c, data.chunks[c.chunk_row]) for c in data.clauses]


def all_vectors(data: Any) -> np.ndarray:
    return np.vstack([data.vectors, data.clause_vectors])


def test_an_edit_embeds_only_the_texts_the_index_does_not_hold(two_docs: Path, embedder: Any) -> None:
    old = load_index(two_docs / "index")
    old_vectors = dict(zip(all_texts(old), all_vectors(old), strict=True))
    write(two_docs / "corpus" / "hydrogen.txt", notice("氢能", 6, "三"))
    counting = CountingEmbedder(embedder)
    report = run(two_docs, counting)
    assert report.updated == ["hydrogen"] and report.embedded == 3
    new = load_index(two_docs / "index")
    texts = all_texts(new)
    assert counting.passages and not set(counting.passages) & set(old_vectors)  # nothing embedded twice
    assert len(counting.passages) == len(set(counting.passages)) == report.model_texts
    fresh = [c.doc_id for c in new.chunks] + [c.doc_id for c in new.clauses]
    assert report.model_texts + report.reused_texts == fresh.count("hydrogen") and report.reused_texts > 0
    reused = [(t, v) for t, v in zip(texts, all_vectors(new), strict=True) if "氢能" in t and t in old_vectors]
    assert reused, "an unchanged part of the edited notice (its schedule) is reused"
    for text, vector in reused:
        np.testing.assert_array_equal(vector, old_vectors[text])
    # and the index is the one a rebuild makes, which embeds every distinct text
    rebuilt = CountingEmbedder(embedder)
    report = run(two_docs, rebuilt, rebuild=True)
    assert sorted(rebuilt.passages) == sorted(set(texts)) and report.model_texts == len(set(texts))
    again = load_index(two_docs / "index")
    by_text = dict(zip(all_texts(new), all_vectors(new), strict=True))
    assert sorted(all_texts(again)) == sorted(texts)
    for text, vector in zip(all_texts(again), all_vectors(again), strict=True):
        np.testing.assert_allclose(vector, by_text[text], atol=1e-5)


def test_an_edit_tokenizes_only_the_new_chunks_for_the_keyword_index(
    two_docs: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policybot.store import keyword

    tokenized: list[str] = []
    real = keyword.tokenize
    monkeypatch.setattr(keyword, "tokenize", lambda text: tokenized.append(text) or real(text))
    write(two_docs / "corpus" / "hydrogen.txt", notice("氢能", 6, "三"))
    run(two_docs, embedder)
    data = load_index(two_docs / "index")
    assert sorted(tokenized) == sorted(c.embed_text for c in data.chunks if c.doc_id == "hydrogen")
    saved = json.loads((live_dir(two_docs / "index") / "keyword.json").read_text("utf-8"))
    assert saved == keyword.KeywordIndex.build([c.embed_text for c in data.chunks]).to_json()
    tokenized.clear()
    remove_documents(["hydrogen"], index_dir=two_docs / "index")
    assert tokenized == []
    data = load_index(two_docs / "index")
    assert data.keyword is not None and {c.doc_id for c in data.chunks} == {"wind"}
    assert data.keyword.to_json() == keyword.KeywordIndex.build([c.embed_text for c in data.chunks]).to_json()


def test_a_pipeline_change_reuses_chunk_vectors_not_clause_vectors(
    two_docs: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another pipeline version may split clauses otherwise, so only chunk vectors (stored with
    their text) are taken from the old index."""
    from policybot.ingest import pipeline

    old = load_index(two_docs / "index")
    monkeypatch.setattr(pipeline, "PIPELINE_VERSION", pipeline.PIPELINE_VERSION + 1)
    counting = CountingEmbedder(embedder)
    report = run(two_docs, counting)
    assert sorted(report.added) == ["hydrogen", "wind"] and report.embedded == 6
    new = load_index(two_docs / "index")
    assert not set(counting.passages) & {c.embed_text for c in old.chunks}
    assert set(counting.passages) == set(all_texts(new)[len(new.chunks) :])  # the clauses
    np.testing.assert_array_equal(new.vectors, old.vectors)
    np.testing.assert_allclose(new.clause_vectors, old.clause_vectors, atol=1e-5)


def test_a_repeated_text_is_embedded_once(tmp_path: Path, embedder: Any) -> None:
    twice = "到2017年底，建成氢能示范基地3个。"
    write(tmp_path / "corpus" / "twice.txt", notice("氢能").replace(twice, twice + twice))
    counting = CountingEmbedder(embedder)
    report = run(tmp_path, counting)
    data = load_index(tmp_path / "index")
    texts = all_texts(data)
    repeated = [i for i, t in enumerate(texts) if t.endswith("：" + twice)]
    assert len(repeated) == 2, texts
    assert len(counting.passages) == len(set(counting.passages)) == len(set(texts)) == len(texts) - 1
    assert (report.model_texts, report.reused_texts) == (len(texts) - 1, 1)
    vectors = all_vectors(data)
    np.testing.assert_array_equal(vectors[repeated[0]], vectors[repeated[1]])
    np.testing.assert_allclose(vectors[repeated[0]], embedder.embed_passages([texts[repeated[0]]])[0], atol=1e-5)


def test_deleting_a_file_prunes_it_on_a_corpus_ingest(two_docs: Path, embedder: Any) -> None:
    (two_docs / "corpus" / "wind.txt").unlink()
    report = run(two_docs, embedder)
    assert report.removed == ["wind"] and report.unchanged == ["hydrogen"]
    data = load_index(two_docs / "index")
    assert set(data.documents) == {"hydrogen"}
    assert {c.doc_id for c in data.chunks} == {"hydrogen"} and {f.doc_id for f in data.facts} == {"hydrogen"}
    assert len(data.vectors) == len(data.chunks) and len(data.clause_vectors) == len(data.clauses)


def test_explicit_path_does_not_prune_others(two_docs: Path, embedder: Any) -> None:
    (two_docs / "corpus" / "wind.txt").unlink()
    write(two_docs / "corpus" / "hydrogen.txt", notice("氢能", 7, "三"))
    report = run(two_docs, embedder, [two_docs / "corpus" / "hydrogen.txt"])
    assert report.updated == ["hydrogen"] and report.removed == []
    assert doc_ids(two_docs) == {"wind", "hydrogen"}


def test_new_file_in_a_subfolder_is_added(two_docs: Path, embedder: Any) -> None:
    write(two_docs / "corpus" / "2017" / "storage.md", notice("储能", 2, "二"))
    write(two_docs / "corpus" / "README.md", "# notes about this corpus\n")
    write(two_docs / "corpus" / ".hidden.txt", notice("隐藏", 1, "一"))
    report = run(two_docs, embedder)
    assert report.added == ["storage"] and sorted(report.unchanged) == ["hydrogen", "wind"]
    assert doc_ids(two_docs) == {"wind", "hydrogen", "storage"}


# -- sidecars -----------------------------------------------------------------------------------


def test_sidecar_overrides_metadata_and_triggers_reingest(two_docs: Path, embedder: Any) -> None:
    sidecar = two_docs / "corpus" / "wind.meta.json"
    sidecar.write_text(
        json.dumps(
            {
                "title": "海上风电运维示范通知",
                "issuer": "国家能源局",
                "issue_date": "2017-05-02",
                "doc_number": "国能发〔2017〕9号",
            },
            ensure_ascii=False,
        ),
        "utf-8",
    )
    report = run(two_docs, embedder)
    assert report.updated == ["wind"] and report.unchanged == ["hydrogen"]
    data = load_index(two_docs / "index")
    meta = data.documents["wind"].meta
    assert (meta.title, meta.issuer, meta.issue_date, meta.doc_number) == (
        "海上风电运维示范通知",
        "国家能源局",
        "2017-05-02",
        "国能发〔2017〕9号",
    )
    assert {c.doc_title for c in data.chunks if c.doc_id == "wind"} == {"海上风电运维示范通知"}

    sidecar.write_text(json.dumps({"issuer": "国家发展改革委"}, ensure_ascii=False), "utf-8")
    os.utime(sidecar, ns=(sidecar.stat().st_atime_ns, sidecar.stat().st_mtime_ns + 10**9))
    report = run(two_docs, embedder)
    assert report.updated == ["wind"]
    assert load_index(two_docs / "index").documents["wind"].meta.issuer == "国家发展改革委"


def test_sidecar_doc_id_replaces_the_old_id(two_docs: Path, embedder: Any) -> None:
    """A sidecar that renames a document must not leave the old id behind: one file is one
    document (the old entry's source still exists, so pruning alone does not catch it)."""
    write(two_docs / "corpus" / "wind.meta.json", json.dumps({"doc_id": "nea-wind-2017"}))
    run(two_docs, embedder)
    data = load_index(two_docs / "index")
    assert "nea-wind-2017" in data.documents
    sources = [d.meta.source for d in data.documents.values()]
    assert len(sources) == len(set(sources)), f"one file indexed twice: {sorted(data.documents)}"
    assert set(data.documents) == {"nea-wind-2017", "hydrogen"}


# -- chunking settings ---------------------------------------------------------------------------


def test_new_chunk_settings_reprocess_every_document_even_for_one_path(two_docs: Path, embedder: Any) -> None:
    """Regression: ingesting one explicit path with other chunk settings used to drop every
    other document. All must be re-read with the new settings; none may disappear."""
    small = ChunkSettings(max_chars=120, overlap_sentences=0)
    run(two_docs, embedder, [two_docs / "corpus" / "wind.txt"], chunking=small)
    data = load_index(two_docs / "index")
    assert set(data.documents) == {"wind", "hydrogen"}
    assert {c.doc_id for c in data.chunks} == {"wind", "hydrogen"}
    assert {f.doc_id for f in data.facts} == {"wind", "hydrogen"}
    assert read_manifest(two_docs / "index")["chunking"]["max_chars"] == 120
    # a later ingest with the same settings is a no-op
    assert not run(two_docs, embedder, chunking=small).changed


def test_new_chunk_settings_via_settings_object(two_docs: Path, embedder: Any) -> None:
    """The same through PolicyBot and Settings(chunk_max_chars=...)."""
    bot = PolicyBot(make_settings(two_docs, chunk_max_chars=200), embedder)
    bot.ingest([two_docs / "corpus" / "hydrogen.txt"])
    assert {d.meta.doc_id for d in bot.documents()} == {"wind", "hydrogen"}
    assert read_manifest(two_docs / "index")["chunking"]["max_chars"] == 200


def test_new_chunk_settings_with_a_lost_source_refuse_and_keep_the_index(two_docs: Path, embedder: Any) -> None:
    (two_docs / "corpus" / "wind.txt").unlink()
    before = index_bytes(two_docs)
    with pytest.raises(IndexMismatchError, match="rebuild") as err:
        run(two_docs, embedder, [two_docs / "corpus" / "hydrogen.txt"], chunking=ChunkSettings(max_chars=120))
    assert "\n" not in str(err.value)
    assert index_bytes(two_docs) == before


# -- bad inputs ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    """An index of one small notice that bad inputs must leave untouched."""
    root = tmp_path_factory.mktemp("ingest-base")
    write(root / "corpus" / "wind.txt", notice("海上风电"))
    run(root, embedder)
    return root


def _corrupt_pdf(folder: Path) -> Path:
    path = folder / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n" + bytes(range(256)) * 4)
    return path


def _truncated_pdf(folder: Path) -> Path:
    path = make_pdf(folder, text="关于开展地热示范的通知\n一、工作目标\n建成地热示范基地2个。", name="half.pdf")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 3])
    return path


def _bad_sidecar(folder: Path) -> Path:
    write(folder / "geo.meta.json", json.dumps({"author": "someone"}))
    return write(folder / "geo.txt", notice("地热"))


BAD: dict[str, tuple[Any, type[Exception]]] = {
    "missing file": (lambda d: d / "nope.txt", DocumentError),
    "exe": (lambda d: _bytes(d / "setup.exe", b"MZ\x90\x00" + b"\x00" * 64), UnsupportedFormatError),
    "legacy doc": (
        lambda d: _bytes(d / "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64),
        UnsupportedFormatError,
    ),
    "no suffix": (lambda d: write(d / "README", notice("地热")), UnsupportedFormatError),
    "empty txt": (lambda d: _bytes(d / "empty.txt", b""), DocumentError),
    "blank txt": (lambda d: write(d / "blank.txt", " \n\n\t \n"), DocumentError),
    "binary named txt": (
        lambda d: _bytes(d / "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)),
        DocumentError,
    ),
    "corrupt pdf": (_corrupt_pdf, DocumentError),
    "truncated pdf": (_truncated_pdf, DocumentError),
    "text named pdf": (lambda d: write(d / "fake.pdf", notice("地热")), DocumentError),
    "scanned pdf": (lambda d: make_scanned_pdf(d), DocumentError),
    "corrupt docx": (lambda d: _bytes(d / "broken.docx", b"PK\x03\x04 not really a zip"), DocumentError),
    "unknown sidecar field": (_bad_sidecar, DocumentError),
    "folder without documents": (lambda d: _bytes(d / "sub" / "data.csv", b"a,b\n1,2\n").parent, DocumentError),
}


def _bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_raises_one_line_and_leaves_index_untouched(
    base: Path, tmp_path: Path, embedder: Any, case: str
) -> None:
    make, expected = BAD[case]
    path = make(tmp_path)
    before = index_bytes(base)
    with pytest.raises(expected) as err:
        run(base, embedder, [path])
    message = str(err.value)
    assert message.strip() and "\n" not in message and "Traceback" not in message
    assert index_bytes(base) == before


def test_a_bad_file_in_a_folder_is_rejected_and_the_rest_ingested(base: Path, tmp_path: Path, embedder: Any) -> None:
    write(tmp_path / "docs" / "geo.txt", notice("地热"))
    bad = _bytes(tmp_path / "docs" / "zz-punct.txt", "。，、——\n……\n".encode())
    report = run(base, embedder, [tmp_path / "docs"])
    assert doc_ids(base) == {"wind", "geo"}
    assert [r.source for r in report.rejected] == [bad.as_posix()]
    assert "only punctuation" in report.rejected[0].reason and "\n" not in report.rejected[0].reason
    assert [r.source for r in read_rejections(base / "index")] == [bad.as_posix()]
    # the next sync skips it without reading it again; fixing the file clears the record
    again = run(base, embedder, [tmp_path / "docs"])
    assert [r.reason for r in again.rejected] == [report.rejected[0].reason] and not again.changed
    write(bad, notice("光伏"))
    fixed = run(base, embedder, [tmp_path / "docs"])
    assert fixed.added == ["zz-punct"] and not fixed.rejected and read_rejections(base / "index") == []


def test_a_named_bad_file_fails_the_ingest_and_is_not_recorded(base: Path, tmp_path: Path, embedder: Any) -> None:
    bad = _bytes(tmp_path / "zz-empty.txt", b"")
    before = index_bytes(base)
    with pytest.raises(DocumentError, match=r"zz-empty\.txt"):
        run(base, embedder, [bad])
    assert index_bytes(base) == before and read_rejections(base / "index") == []


def test_unchanged_files_are_not_parsed_again(two_docs: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import policybot.ingest.pipeline as pipeline

    parsed: list[Path] = []
    real = pipeline.prepare_document
    monkeypatch.setattr(pipeline, "prepare_document", lambda p, c, *a: parsed.append(p) or real(p, c, *a))
    report = run(two_docs, embedder)
    assert parsed == [] and sorted(report.unchanged) == sorted(doc_ids(two_docs)) == ["hydrogen", "wind"]


@pytest.mark.parametrize("other", ["sub/wind.txt", "wind.md"])
def test_two_files_with_the_same_stem_are_refused(base: Path, tmp_path: Path, embedder: Any, other: str) -> None:
    first = write(tmp_path / "docs" / "wind.txt", notice("海上风电", 4))
    second = write(tmp_path / "docs" / other, notice("陆上风电", 2))
    before = index_bytes(base)
    with pytest.raises(DocumentError, match="wind") as err:
        run(base, embedder, [tmp_path / "docs"])
    assert str(first) in str(err.value) or str(second) in str(err.value)
    assert "sidecar" in str(err.value) or "rename" in str(err.value)
    assert index_bytes(base) == before


def test_same_stem_as_an_indexed_file_elsewhere_is_refused(two_docs: Path, tmp_path: Path, embedder: Any) -> None:
    """Ingesting downloads/wind.md must not silently replace corpus/wind.txt (whose file still
    exists): that is the same id clash as two such files in one ingest."""
    other = write(tmp_path / "downloads" / "wind.md", notice("陆上风电", 9))
    before = index_bytes(two_docs)
    with pytest.raises(DocumentError, match="wind"):
        run(two_docs, embedder, [other])
    assert index_bytes(two_docs) == before


def test_index_built_by_another_model_is_refused(base: Path, tmp_path: Path, embedder: Any) -> None:
    root = tmp_path / "ws"
    shutil.copytree(base, root)
    manifest_path = live_dir(root / "index") / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["model"]["fingerprint"] = "feedfacefeedface"
    manifest["model"]["id"] = "acme/other-embedder"
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    before = index_bytes(root)
    with pytest.raises(IndexMismatchError) as err:
        run(root, embedder, [root / "corpus" / "wind.txt"])
    assert "acme/other-embedder" in str(err.value) and embedder.model_id in str(err.value)
    assert index_bytes(root) == before
    # --rebuild replaces it with an index of the model in use
    run(root, embedder, rebuild=True)
    assert read_manifest(root / "index")["model"]["fingerprint"] == embedder.fingerprint


# -- removal -------------------------------------------------------------------------------------


def test_remove_documents_drops_chunks_facts_and_vectors(two_docs: Path) -> None:
    old = load_index(two_docs / "index")
    assert remove_documents(["wind"], index_dir=two_docs / "index") == ["wind"]
    new = load_index(two_docs / "index")
    assert set(new.documents) == {"hydrogen"}
    assert [c.id for c in new.chunks] == [c.id for c in old.chunks if c.doc_id == "hydrogen"]
    assert [f.doc_id for f in new.facts] == ["hydrogen"] * sum(f.doc_id == "hydrogen" for f in old.facts)
    rows = [i for i, c in enumerate(old.chunks) if c.doc_id == "hydrogen"]
    np.testing.assert_array_equal(new.vectors, old.vectors[rows])
    clause_rows = [c.row for c in old.clauses if c.doc_id == "hydrogen"]
    assert [c.text for c in new.clauses] == [old.clauses[i].text for i in clause_rows]
    np.testing.assert_array_equal(new.clause_vectors, old.clause_vectors[clause_rows])
    assert len(new.keyword_index()) == len(new.chunks)
    assert new.keyword_index().search("海上风电", 5) == []


def test_removing_an_unknown_id_lists_the_known_ones(two_docs: Path) -> None:
    before = index_bytes(two_docs)
    with pytest.raises(NotFoundError) as err:
        remove_documents(["wind", "solar"], index_dir=two_docs / "index")
    message = str(err.value)
    assert "'solar'" in message and "hydrogen" in message and "wind" in message and "\n" not in message
    assert index_bytes(two_docs) == before


def test_removing_the_same_id_twice_in_one_call(two_docs: Path) -> None:
    """``policybot remove wind wind`` must not crash with a KeyError."""
    remove_documents(["wind", "wind"], index_dir=two_docs / "index")
    assert doc_ids(two_docs) == {"hydrogen"}


# -- formats -------------------------------------------------------------------------------------

GEO = notice("地热", 2, "二")


def _docx(folder: Path) -> Path:
    from docx import Document

    document = Document()
    document.add_heading("关于开展光伏示范的通知", level=0)
    document.add_paragraph("各有关单位：")
    document.add_heading("一、工作目标", level=1)
    document.add_paragraph("到2017年底，建成光伏示范基地4个。")
    document.add_heading("二、进度安排", level=1)
    document.add_paragraph("——发布光伏示范申报指南。（一季度）")
    path = folder / "solar.docx"
    document.save(str(path))
    return path


def _html(folder: Path) -> Path:
    body = "".join(
        f"<h2>{h}</h2><p>{p}</p>"
        for h, p in [
            ("一、工作目标", "到2017年底，建成潮汐能示范基地6个。"),
            ("二、进度安排", "——发布潮汐能示范申报指南。（三季度）"),
        ]
    )
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>潮汐能</title>"
        f"<script>var x = 'SCRIPT-SHOULD-NOT-APPEAR';</script></head><body><nav>NAV-SHOULD-NOT-APPEAR</nav>"
        f"<h1>关于开展潮汐能示范的通知</h1><p>各有关单位：</p>{body}</body></html>"
    )
    return _bytes(folder / "tidal.html", page.encode("utf-8"))


def _markdown(folder: Path) -> Path:
    return write(
        folder / "storage.md",
        "# 关于开展储能示范的通知\n\n各有关单位：\n\n## 一、工作目标\n\n"
        "到2017年底，建成储能示范基地8个。\n\n## 二、进度安排\n\n——发布储能示范申报指南。（二季度）\n",
    )


FORMATS = {
    "pdf": ("geothermal", "地热示范申报指南", "Q2"),
    "docx": ("solar", "光伏示范申报指南", "Q1"),
    "html": ("tidal", "潮汐能示范申报指南", "Q3"),
    "md": ("storage", "储能示范申报指南", "Q2"),
    "txt": ("biomass", "生物质能示范申报指南", "Q4"),
}


@pytest.fixture(scope="module")
def formats_bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    root = tmp_path_factory.mktemp("formats")
    corpus = root / "corpus"
    corpus.mkdir()
    make_pdf(corpus, text=GEO.replace("\n\n", "\n"), name="geothermal.pdf")
    _docx(corpus)
    _html(corpus)
    _markdown(corpus)
    _bytes(corpus / "biomass.txt", notice("生物质能", 7, "四").replace("\n", "\r\n").encode("gbk"))
    bot = PolicyBot(make_settings(root), embedder)
    report = bot.ingest()
    assert sorted(report.added) == sorted(doc for doc, _, _ in FORMATS.values())
    return bot


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_format_is_ingested_and_searchable(formats_bot: PolicyBot, fmt: str) -> None:
    doc_id, phrase, quarter = FORMATS[fmt]
    doc = formats_bot.index.documents[doc_id]
    assert doc.meta.format == fmt
    assert phrase in doc.text and "SHOULD-NOT-APPEAR" not in doc.text
    chunks = [c for c in formats_bot.index.chunks if c.doc_id == doc_id]
    assert any(c.section_path[-1] == "二、进度安排" and phrase in c.text for c in chunks)
    assert any(f.type == "deadline" and f.normalized == quarter for f in formats_bot.facts(doc_id=doc_id))
    hits = formats_bot.search(f"什么时候发布{phrase}？", 3)
    assert hits[0].chunk.doc_id == doc_id
    assert phrase in hits[0].chunk.text


def _seed_deadlines(path: Path) -> set[tuple[str | None, str]]:
    prepared = prepare_document(path, DEFAULT)
    return {(f.normalized, f.subject) for f in prepared.facts if f.type == "deadline"}


@pytest.mark.parametrize("maker", [make_pdf, make_docx, make_html, make_markdown], ids=["pdf", "docx", "html", "md"])
def test_seed_in_every_format_yields_the_same_schedule(tmp_path: Path, maker: Any) -> None:
    """The real-layout seed files (docfiles makers) give the txt seed's deadlines (prepared only)."""
    expected = _seed_deadlines(SEED)
    assert ("2016-Q3", "组织开展节能监察和跨区域专项督查") in expected
    got = _seed_deadlines(maker(tmp_path))
    assert expected <= got  # the DOCX adds a schedule table: more, never fewer
