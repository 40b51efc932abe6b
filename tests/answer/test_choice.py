"""Questions that offer alternatives (``composers/choice.py``): which alternatives a question offers,
and the clause that names one, on a call's submission rule and a tax measure's filing period."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.answer.composers.choice import options
from policybot.answer.understanding import understand
from policybot.service import PolicyBot
from support import ingested_bot

CALL = """关于组织申报2026年度市级工业设计中心的通知

各区工业和信息化主管部门：
为推动工业设计发展，现将2026年度市级工业设计中心申报工作通知如下。
一、申报条件
（一）在本市注册、具有独立法人资格的工业企业。
（二）设计团队不少于10人。
二、申报材料
（一）市级工业设计中心申请表。
（二）企业营业执照复印件。
（三）近两年财务审计报告。
以上材料均通过市工业和信息化局网上申报系统提交，不再报送纸质材料。
三、申报时间
申报截止时间为2026年6月30日17:00。
"""

TAX = """某市小微企业房产税减免办法

第一条 为减轻小微企业负担，制定本办法。
第二条 符合条件的小微企业，房产税按季度申报缴纳，减免税款在申报时直接抵减。
第三条 本办法自2026年1月1日起施行。
"""


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        ("东莞倍增计划的申报材料是寄纸质的还是网上交？", "纸质", "网上"),
        ("房产税是按月申报还是按季度申报？", "按月", "季度"),
        ("项目验收由区里组织还是市里组织？", "区里", "市里"),
    ],
)
def test_the_alternatives_a_question_offers(question: str, first: str, second: str) -> None:
    offered = options(understand(question))
    assert offered is not None, understand(question).flat_terms
    assert any(first in t for t in offered[0]) and any(second in t for t in offered[1])


@pytest.mark.parametrize(
    "question",
    [
        "北京的政府采购份额是国家法的规定，还是北京自己定得更高？",  # a comparison of two documents
        "申报材料有哪些？",
        "还是不清楚申报截止时间，能再说一下吗？",
        "Is it submitted online or on paper?",
    ],
)
def test_no_alternatives(question: str) -> None:
    assert options(understand(question)) is None


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    src = tmp_path_factory.mktemp("choice-src")
    files = [src / "design-centre-call.txt", src / "property-tax-measure.txt"]
    for path, text in zip(files, (CALL, TAX), strict=True):
        Path(path).write_text(text, encoding="utf-8")
    built: PolicyBot = ingested_bot(tmp_path_factory.mktemp("choice"), files, embedder)
    return built


def test_the_clause_naming_an_alternative_answers(bot: PolicyBot) -> None:
    answer = bot.ask("工业设计中心的申报材料是寄纸质的还是网上提交？")
    assert not answer.refused, answer.text
    assert answer.text.startswith("以上材料均通过市工业和信息化局网上申报系统提交"), answer.text
    assert answer.citations[0].quote.startswith("以上材料均通过"), answer.citations


def test_a_filing_period_choice_is_answered_from_its_article(bot: PolicyBot) -> None:
    answer = bot.ask("小微企业房产税是按月申报还是按季度申报？")
    assert not answer.refused and "按季度申报缴纳" in answer.text, answer.text
    assert "第二条" in answer.citations[0].section
