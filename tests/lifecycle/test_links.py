"""Links between documents of a corpus and statuses on a date, from the real corpus files read
through the ingest pipeline, plus sidecars that repeal or replace a document."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from policybot.errors import DocumentError
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.metadata import read_sidecar
from policybot.ingest.pipeline import prepare_document
from policybot.lifecycle.links import Lifecycle, build_lifecycle
from policybot.lifecycle.model import LinkKind, Status
from policybot.records import Chunk, Document
from support import ROOT

CORPUS = ROOT / "corpus"


def _corpus(folder: Path) -> Lifecycle:
    documents: dict[str, Document] = {}
    chunks: list[Chunk] = []
    for path in sorted(folder.glob("*.txt")):
        prepared = prepare_document(path, ChunkSettings())
        documents[prepared.document.meta.doc_id] = prepared.document
        chunks.extend(prepared.chunks)
    return build_lifecycle(documents, chunks)


@pytest.fixture(scope="module")
def corpus() -> Lifecycle:
    return _corpus(CORPUS)


def _pairs(life: Lifecycle, kind: LinkKind) -> set[tuple[str, str]]:
    return {(lk.source, lk.target) for lk in life.links if lk.kind is kind}


def test_implementing_and_local_versions_are_resolved_by_number_and_title(corpus: Lifecycle) -> None:
    assert ("sat-2015-97", "caishui-2015-119") in _pairs(corpus, LinkKind.IMPLEMENTS)  # by 文号
    assert _pairs(corpus, LinkKind.LOCAL_VERSION) == {("beijing-sme-regulation-2020", "sme-promotion-law-2017")}
    assert _pairs(corpus, LinkKind.REPEALS) == set()  # what 119号 repeals is not in the corpus


@pytest.mark.parametrize(
    ("doc_id", "as_of", "status"),
    [
        ("beijing-sme-regulation-2020", date(2020, 11, 30), Status.NOT_YET),
        ("beijing-sme-regulation-2020", date(2020, 12, 1), Status.IN_FORCE),
        ("sme-promotion-law-2017", date(2017, 12, 31), Status.NOT_YET),
        ("caishui-2015-119", date(2015, 12, 1), Status.NOT_YET),
        ("caishui-2015-119", date(2024, 1, 1), Status.IN_FORCE),
        ("gxb-jie-2016-113", date(2016, 6, 1), Status.IN_FORCE),
        ("gxb-jie-2016-113", date(2017, 1, 1), Status.EXPIRED),
    ],
)
def test_statuses_on_a_date(corpus: Lifecycle, doc_id: str, as_of: date, status: Status) -> None:
    got = corpus.status(doc_id, as_of)
    assert got.status is status
    assert got.facts and all(f.chunk_id for f in got.facts)  # every status rests on cited facts


def test_a_sidecar_repeal_and_replacement(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("caishui-2015-119", "sat-2015-97"):
        shutil.copy(CORPUS / f"{name}.txt", folder)
        shutil.copy(CORPUS / f"{name}.meta.yaml", folder)
    with (folder / "sat-2015-97.meta.yaml").open("a", encoding="utf-8") as fh:
        fh.write("废止日期: '2023-01-01'\n被替代: 财税〔2015〕119号\n")
    life = _corpus(folder)
    before, after = life.status("sat-2015-97", date(2022, 12, 31)), life.status("sat-2015-97", date(2023, 1, 1))
    assert before.status is Status.IN_FORCE
    assert after.status is Status.REPEALED and after.replaced_by == ("caishui-2015-119",)
    assert ("caishui-2015-119", "sat-2015-97") in _pairs(life, LinkKind.SUPERSEDES)


def test_a_later_revision_of_the_same_text_supersedes_the_earlier(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    law = (CORPUS / "sme-promotion-law-2017.txt").read_text("utf-8")
    (folder / "sme-2017.txt").write_text(law, "utf-8")
    (folder / "sme-2017.meta.yaml").write_text(
        "title: 中华人民共和国中小企业促进法\nissue_date: '2017-09-01'\n", "utf-8"
    )
    older = law.replace("第六十一条 本法自2018年1月1日起施行。", "第四十五条 本法自2003年1月1日起施行。")
    (folder / "sme-2002.txt").write_text(older, "utf-8")
    (folder / "sme-2002.meta.yaml").write_text(
        "title: 中华人民共和国中小企业促进法\nissue_date: '2002-06-29'\n", "utf-8"
    )
    life = _corpus(folder)
    assert life.status("sme-2002", date(2017, 12, 31)).status is Status.IN_FORCE
    repealed = life.status("sme-2002", date(2018, 1, 1))
    assert repealed.status is Status.REPEALED and repealed.replaced_by == ("sme-2017",)


def test_sidecar_dates_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "x.meta.yaml"
    bad.write_text("失效日期: 明年\n", "utf-8")
    with pytest.raises(DocumentError, match="expiry_date"):
        read_sidecar(bad)
