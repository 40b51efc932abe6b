"""Lifecycle facts on snippets of several genres (laws, tax notices, announcements, measures,
plans), and on the real corpus files read through the ingest pipeline."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from policybot.ingest.chunking import ChunkSettings, chunk_document
from policybot.ingest.cleaning import clean_text
from policybot.ingest.metadata import extract_meta
from policybot.ingest.pipeline import prepare_document
from policybot.ingest.structure import parse
from policybot.lifecycle.extract import extract_lifecycle, find_references
from policybot.lifecycle.model import FactKind, LifecycleFact, Reference
from policybot.records import Document
from support import ROOT

CORPUS = ROOT / "corpus"


def _lifecycle(text: str, issue_date: str | None = None, number: str | None = None) -> list[LifecycleFact]:
    cleaned = clean_text(text, hard_wrapped=False)
    meta = extract_meta(cleaned.text, doc_id="t", source="t.md", fmt="md", content_hash="h")
    meta = replace(meta, issue_date=issue_date or meta.issue_date, doc_number=number)
    doc = Document(meta, cleaned.text)
    chunks = chunk_document(doc, parse(doc), ChunkSettings())
    return extract_lifecycle(doc, chunks)


def _of(facts: list[LifecycleFact], kind: FactKind) -> list[LifecycleFact]:
    return [f for f in facts if f.kind is kind]


# --- taking effect ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("article", "expected"),
    [
        ("第五十二条 本条例自2020年12月1日起施行。", date(2020, 12, 1)),  # a local regulation
        ("第八十七条 本法自2008年4月1日起施行。", date(2008, 4, 1)),  # a law
        ("六、执行时间\n本通知自2016年1月1日起执行。", date(2016, 1, 1)),  # a tax notice
        ("第十七条 本办法自发布之日起实施。", date(2017, 5, 3)),  # measures: the issue date
        ("八、执行时间\n本公告适用于2016年度及以后年度企业所得税汇算清缴。", date(2016, 1, 1)),  # an announcement
    ],
)
def test_effective_articles_of_several_genres(article: str, expected: date) -> None:
    facts = _of(
        _lifecycle(f"某某管理办法\n\n第一条 为了规范管理，制定本办法。\n\n{article}\n", "2017-05-03"),
        FactKind.EFFECTIVE,
    )
    assert [f.on for f in facts] == [expected]
    assert facts[0].chunk_id and facts[0].quote in re.sub(r"\s", "", article)


def test_a_date_of_another_document_is_not_this_ones_effective_date() -> None:
    text = "关于某事项的通知\n\n一、按照有关规定，相关补贴政策已于2015年1月1日起执行的企业，继续享受。\n"
    assert _of(_lifecycle(text, "2016-03-01"), FactKind.EFFECTIVE) == []


# --- validity ------------------------------------------------------------------------------
def test_validity_years_run_from_the_effective_date() -> None:
    text = "某某资金管理办法\n\n第二十条 本办法自2019年1月1日起施行，有效期五年。\n"
    (expires,) = _of(_lifecycle(text, "2018-12-01"), FactKind.EXPIRES)
    assert expires.on == date(2019, 1, 1) and expires.until == date(2023, 12, 31)


def test_an_execution_term_until_a_date() -> None:
    text = "关于延续某项税收优惠政策的公告\n\n三、本公告执行期限为2021年1月1日至2023年12月31日。\n"
    (expires,) = _of(_lifecycle(text, "2021-03-15"), FactKind.EXPIRES)
    assert expires.until == date(2023, 12, 31)


# --- repeal, basis, revision, period ---------------------------------------------------------------
def test_repeal_names_each_document_with_its_number() -> None:
    text = (
        "关于完善某项政策的通知\n\n六、执行时间\n本通知自2016年1月1日起执行。《国家税务总局关于印发〈企业研究开发费用税前扣除管理办法(试行)〉"
        "的通知》(国税发〔2008〕116号)和"
        "《财政部 国家税务总局关于研究开发费用税前加计扣除有关政策问题的通知》(财税〔2013〕70号)同时废止。\n"
    )
    (repeal,) = _of(_lifecycle(text, "2015-11-02"), FactKind.REPEALS)
    assert [r.number for r in repeal.refs] == ["国税发〔2008〕116号", "财税〔2013〕70号"]
    assert repeal.on == date(2016, 1, 1)


def test_basis_of_a_local_regulation_and_of_an_announcement() -> None:
    law = (
        "北京市促进某事业发展条例\n\n第一条 为了促进发展，根据《中华人民共和国中小企业促进法》"
        "等法律、行政法规，结合本市实际，制定本条例。\n"
    )
    (basis,) = _of(_lifecycle(law, "2020-09-25"), FactKind.BASIS)
    assert basis.refs[0].title == "中华人民共和国中小企业促进法"
    notice = (
        "国家税务总局关于某政策有关问题的公告\n\n根据《财政部、国家税务总局、科技部关于完善研究开发费用税前加计扣除政策的通知》"
        "(财税〔2015〕119号，以下简称《通知》)规定，现就有关问题公告如下：\n一、适用范围\n"
    )
    (basis,) = _of(_lifecycle(notice, "2015-12-29"), FactKind.BASIS)
    assert "财税〔2015〕119号" in [r.number for r in basis.refs]


def test_revision_lines_of_a_law() -> None:
    text = (
        "中华人民共和国某某法\n\n2002年6月29日 第九届全国人民代表大会常务委员会第二十八次会议通过\n\n"
        "2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议修订\n\n"
        "第一章 总则\n\n第一条 为了促进发展，制定本法。\n"
    )
    (revised,) = _of(_lifecycle(text, "2017-09-01"), FactKind.REVISED)
    assert revised.on == date(2017, 9, 1) and revised.value == "修订"


def test_a_year_in_the_title_is_the_period_covered_and_a_target_year_ends_a_plan() -> None:
    action = _lifecycle(
        "绿色制造2016专项行动实施方案\n\n一、总体要求\n开展绿色制造2016专项行动，实施绿色制造工程。\n", "2016-03-24"
    )
    (period,) = _of(action, FactKind.PERIOD)
    assert (period.on, period.until) == (date(2016, 1, 1), date(2016, 12, 31))
    plan = _lifecycle(
        "关于加快推进某产业转型升级的指导意见\n\n（二）发展目标\n到2020年，某产业能力持续提升。到2025年，基本满足需要。\n"
    )
    (period,) = _of(plan, FactKind.PERIOD)
    assert period.on is None and period.until == date(2025, 12, 31)


def test_database_notes_of_partial_repeal_are_not_the_documents_own_statements() -> None:
    text = (
        "某某公告\n生效日期：2016-01-01\n\n【注：根据《国家税务总局关于研发费用税前加计扣除归集范围有关问题的公告》"
        "(国家税务总局公告2017年第40号)本文件第一条自2017年11月8日起同时废止。】\n一、适用范围\n本公告所称企业，是指居民企业。\n"
    )
    facts = _lifecycle(text, "2015-12-29")
    assert _of(facts, FactKind.REPEALS) == []
    (note,) = _of(facts, FactKind.PARTLY_REPEALED)
    assert note.refs[0].number == "国家税务总局公告2017年第40号" and note.on == date(2017, 11, 8)
    assert [f.on for f in _of(facts, FactKind.EFFECTIVE)] == [date(2016, 1, 1)]


def test_references_by_title_and_number() -> None:
    refs = find_references("依据《某某条例》（国令第706号）和财税[2018] 99号、国家税务总局公告2015年第97号")
    assert Reference("某某条例", "国令第706号") in refs
    assert {r.number for r in refs} >= {"财税〔2018〕99号", "国家税务总局公告2015年第97号"}


# --- the real files ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kind", "on"),
    [
        ("beijing-sme-regulation-2020", FactKind.EFFECTIVE, date(2020, 12, 1)),
        ("sme-promotion-law-2017", FactKind.EFFECTIVE, date(2018, 1, 1)),
        ("energy-conservation-law-2018", FactKind.EFFECTIVE, date(2008, 4, 1)),
        ("guokefazheng-2017-115", FactKind.EFFECTIVE, date(2017, 5, 3)),
        ("caishui-2015-119", FactKind.REPEALS, date(2016, 1, 1)),
    ],
)
def test_corpus_files(name: str, kind: FactKind, on: date) -> None:
    prepared = prepare_document(Path(CORPUS / f"{name}.txt"), ChunkSettings())
    facts = _of(extract_lifecycle(prepared.document, prepared.chunks), kind)
    assert on in [f.on for f in facts]
    chunks = {c.id: c for c in prepared.chunks}
    assert all(f.quote.strip()[:20] in chunks[f.chunk_id].text for f in facts)
