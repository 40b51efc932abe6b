"""Measures read from whole documents: corpus files of three genres and a text the corpus does not
hold, through the real ingest steps (load, clean, structure, chunk)."""

from __future__ import annotations

from pathlib import Path

from policybot.eligibility.model import Attribute, Combination, Comparator
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import prepare_document
from support import ROOT

HIGH_TECH = """高新技术企业认定管理办法
第一章 总则
第一条 为扶持和鼓励高新技术企业发展，根据有关规定，制定本办法。
第二章 认定条件与程序
第十一条 认定为高新技术企业须同时满足以下条件：
（一）企业申请认定时须注册成立一年以上；
（二）企业通过自主研发、受让、受赠、并购等方式，获得对其主要产品在技术上发挥核心支持作用的知识产权的所有权；
（三）企业从事研发和相关技术创新活动的科技人员占企业当年职工总数的比例不低于10%；
（四）近三个会计年度的研究开发费用总额占同期销售收入总额的比例不低于4%；
（五）企业申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为。
第十二条 高新技术企业资格自颁发证书之日起有效期为三年。
"""


def measures_of(path: Path) -> list:  # type: ignore[type-arg]
    return prepare_document(path, ChunkSettings()).measures


def test_a_call_for_applications() -> None:
    (m,) = measures_of(ROOT / "corpus" / "dongguan-robot-fund-2016.txt")
    kinds = {c.attribute for c in m.conditions}
    assert {Attribute.REGION, Attribute.RECOGNITION, Attribute.PROJECT_DATE, Attribute.VIOLATION} <= kinds
    assert any(c.needs_person and "法人治理结构规范" in c.quote for c in m.conditions)  # kept, not dropped
    assert m.deadline and "2016年5月20日" in m.deadline
    assert any("1000万元" in s.values for s in m.support)
    assert "项目申请表（见附件2）" in m.materials
    assert all("二、申报条件" in c.section for c in m.conditions)  # each condition cites its section


def test_articles_that_introduce_conditions() -> None:
    first, second = measures_of(ROOT / "corpus" / "guokefazheng-2017-115.txt")
    assert first.combination is Combination.ALL and "第六条" in first.name
    assert second.combination is Combination.ANY and "第八条" in second.name
    assert not any("第七条" in c.item for c in first.conditions)  # stops at the article's end


def test_exclusion_lists_and_scope(tmp_path: Path) -> None:
    (m,) = measures_of(ROOT / "corpus" / "caishui-2015-119.txt")
    excluded = {c.terms[0] for c in m.conditions if c.attribute is Attribute.INDUSTRY}
    assert {"烟草制造业", "房地产业", "娱乐业"} <= excluded
    assert all(
        c.comparator is Comparator.NOT and c.exclusion for c in m.conditions if c.attribute is Attribute.INDUSTRY
    )
    assert any(c.attribute is Attribute.RESIDENT for c in m.conditions)


def test_a_document_outside_the_corpus(tmp_path: Path) -> None:
    path = tmp_path / "high-tech.txt"
    path.write_text(HIGH_TECH, "utf-8")
    (m,) = measures_of(path)
    by = {c.attribute: c for c in m.conditions}
    assert by[Attribute.AGE].number == 12 and by[Attribute.AGE].comparator is Comparator.GE
    assert by[Attribute.RD_RATIO].number == 4.0 and by[Attribute.STAFF_RATIO].number == 10.0
    assert by[Attribute.VIOLATION].exclusion
    assert any(c.needs_person and "知识产权" in c.quote for c in m.conditions)
    assert not any("有效期为三年" in c.item for c in m.conditions)


def test_documents_without_conditions_have_no_measures() -> None:
    assert measures_of(ROOT / "corpus" / "gxb-jie-2016-113.txt") == []
    assert measures_of(ROOT / "corpus" / "guofa-2018-42.txt") == []
