"""Three documents a helper wrote for an unseen check (2026-12-04) and never in corpus/: a province's
social-insurance 问答, a 企业技术中心 认定管理办法 signed by four bodies, and a city's 若干措施.
Real ingest, the real model; questions that failed in that check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ingested_bot

DOCS = Path(__file__).parent / "docs"
QA = ["dongjiang-sme-shebao-qa-2025"]
RULES = ["dongjiang-qiye-jishu-zhongxin-2025"]
MEASURES = ["qinglan-zhizao-shuzihua-2025"]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    files = [DOCS / f"{d[0]}.txt" for d in (QA, RULES, MEASURES)]
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("round8"), files, embedder)
    return bot


def test_titles_and_every_signer(bot: PolicyBot) -> None:
    docs = {d.meta.doc_id: d.meta for d in bot.documents()}
    assert docs[QA[0]].title == "关于小微企业阶段性降费和缓缴社会保险费政策的问答"
    assert docs[RULES[0]].issuer == "东江省工业和信息化厅 东江省财政厅 东江省科学技术厅 东江省统计局"


@pytest.mark.parametrize(
    ("question", "doc", "lead"),
    [
        ("设备投资2000万能拿多少补助？", MEASURES, "300万元。"),  # 15%, 万 without 元
        ("设备投资4000万元的数字化改造项目能拿多少补助？", MEASURES, "500万元。"),  # 600万, capped
        ("设备投资300万元的数字化改造项目能拿多少补助？", MEASURES, "按所述投资300万元，不在补助范围内"),  # under 500万
        ("新招8名毕业生能拿多少扩岗补助？", QA, "12000元。"),
        ("新招30名毕业生能拿多少扩岗补助？", QA, "30000元。"),  # at most 20 persons
    ],
)
def test_support_worked_out_from_the_askers_figure(bot: PolicyBot, question: str, doc: list[str], lead: str) -> None:
    answer = bot.ask(question, doc_ids=doc)
    assert answer.text.startswith(lead), answer.text


def test_the_item_named_of_items_paired_respectively(bot: PolicyBot) -> None:
    answer = bot.ask("获评省级智能工厂的企业奖励多少？", doc_ids=MEASURES)
    assert answer.text.startswith("100万元"), answer.text  # "分别给予一次性奖励300万元、100万元"


def test_a_threshold_items_subject_keeps_its_words(bot: PolicyBot) -> None:
    answer = bot.ask("研发人员数量要求？", doc_ids=RULES)
    assert not answer.refused and "四）" not in answer.text and "不少于50人" in answer.text, answer.text


def test_two_things_of_one_rule_and_each_ask_of_one_article(bot: PolicyBot) -> None:
    rule = bot.ask("数字化改造项目补助比例和上限是多少？", doc_ids=MEASURES)
    assert rule.text.startswith("15%，最高补助500万元。") and len(rule.citations) == 1, rule.text  # not 贴息 too
    both = bot.ask("这个认定管理办法什么时候施行？有效期多长？", doc_ids=RULES)
    assert "自2025年7月1日起施行" in both.text and "有效期多长：5年" in both.text, both.text  # 5年 is not 2025年's


def test_a_contract_amount_worked_out(bot: PolicyBot) -> None:
    answer = bot.ask("我们采购了市级推荐目录里的数字化产品，合同金额50万元，能补多少？", doc_ids=MEASURES)
    assert answer.text.startswith("15万元。"), answer.text


def test_how_many_persons_counts_persons(bot: PolicyBot) -> None:
    answer = bot.ask("一次性扩岗补助每人多少钱？最多补几个人？", doc_ids=QA)
    assert "每人多少钱：1500元" in answer.text and "最多补几个人：20人" in answer.text, answer.text


def test_the_next_part_says_what_then_happens(bot: PolicyBot) -> None:
    answer = bot.ask("复核不合格会怎么样？", doc_ids=RULES)
    assert "给予1年整改期" in answer.text and "撤销其技术中心认定" in answer.text, answer.text
