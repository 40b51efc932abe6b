"""Three documents an unseen check uploaded over the HTTP API (2026-12-04) and never in corpus/: a tax
公告 as DOCX, a 实施细则 as HTML and a call as Markdown. Real ingest of the real formats, the real
model; the questions of that check that failed then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ingested_bot

DOCS = Path(__file__).parent / "docs"
TAX = ["jz-rd-deduction-2025"]
RULES = ["jz-digital-subsidy-2025"]
CALL = ["jz-zjtx-award-2025"]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    files = [DOCS / f"{TAX[0]}.docx", DOCS / f"{RULES[0]}.html", DOCS / f"{CALL[0]}.md"]
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("round5"), files, embedder)
    return bot


@pytest.mark.parametrize(("who", "month"), [("按季预缴", "7月"), ("按月预缴", "6月")])
def test_a_value_keeps_the_bracket_that_qualifies_it(bot: PolicyBot, who: str, month: str) -> None:
    # "企业在7月份预缴申报第2季度（按季预缴）或6月份（按月预缴）企业所得税时，可以…就当年上半年…"
    answer = bot.ask(f"{who}的企业，什么时候可以就上半年研发费用享受加计扣除？", doc_ids=TAX)
    assert answer.text.startswith(month), answer.text


def test_a_negated_case_takes_the_negated_clause(bot: PolicyBot) -> None:
    answer = bot.ask("未形成无形资产的研发费用加计扣除比例是多少？", doc_ids=TAX)
    assert answer.text.startswith("100%"), answer.text  # not the 200% of 形成无形资产的
    assert bot.ask("形成无形资产的按多少摊销？", doc_ids=TAX).text.startswith("200%")


def test_categories_found_through_their_members(bot: PolicyBot) -> None:
    industries = bot.ask("哪些行业不适用研发费用加计扣除预缴申报公告？", doc_ids=TAX)
    assert not industries.refused and "烟草制造业" in industries.text, industries.text
    consequences = bot.ask("企业骗取数字化改造补助资金有什么后果？", doc_ids=RULES)
    assert not consequences.refused and "追回全部补助资金" in consequences.text, consequences.text


def test_working_days_are_a_period(bot: PolicyBot) -> None:
    first = bot.ask("区县初审要在多少个工作日内完成？", doc_ids=RULES)
    assert first.text.startswith("10个工作日"), first.text  # 区县 ~ 区（县）
    assert bot.ask("公示期是几个工作日？", doc_ids=RULES).text.startswith("5个工作日")


def test_a_county_match_is_found_in_brackets(bot: PolicyBot) -> None:
    answer = bot.ask("区县配套奖励的标准是什么？", doc_ids=CALL)
    assert not answer.refused and "50%" in answer.text, answer.text


def test_a_raised_figure_comes_after_the_rule_it_raises(bot: PolicyBot) -> None:
    # 第六条 "对符合条件的项目，按照…的20%给予补助" / 第七条 "被认定为市级智能工厂的项目，补助比例提高至25%"
    general = bot.ask("数字化改造项目的补助比例是多少？", doc_ids=RULES)
    assert general.text.startswith("20%"), general.text
    assert "第六条" in general.citations[0].section, general.citations
    named = bot.ask("市级智能工厂项目的补助比例是多少？", doc_ids=RULES)
    assert named.text.startswith("25%"), named.text


def test_the_items_an_article_introduces_are_listed(bot: PolicyBot) -> None:
    answer = bot.ask("申报数字化改造补助的企业要满足哪些条件？", doc_ids=RULES)
    assert "主营业务收入不低于2000万元" in answer.text and "注册成立满2年" in answer.text, answer.text
    assert "不予支持" not in answer.text, answer.text  # the next article's lead-in is not a condition


def test_each_ask_of_one_clause_is_answered(bot: PolicyBot) -> None:
    answer = bot.ask("本细则什么时候施行？有效期多久？", doc_ids=RULES)
    assert "自2025年3月1日起施行" in answer.text and "有效期多久：3年" in answer.text, answer.text


def test_a_time_asked_of_a_step_is_that_steps_time(bot: PolicyBot) -> None:
    # not "2024年7月1日至2025年6月30日期间首次获得认定的…", the window a recognition must fall in
    answer = bot.ask("专精特新奖励的申报时间是什么时候？")
    assert answer.text.startswith("2025年8月1日至8月31日"), (answer.text, answer.notes)
