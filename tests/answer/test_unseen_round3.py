"""Two documents written for an unseen check (2026-12-04) and never in corpus/: a provincial plan in a
印发 notice (pollutant targets in 吨, a quarterly schedule) and a municipal call for applications
(support, a 截止时间, conditions, contacts). Real ingest, the real model; the questions that failed
in that check, and some that passed, as an enterprise or an official would ask them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ingested_bot

DOCS = Path(__file__).parent / "docs"
PLAN = ["hunan-lvse-2024-37"]
CALL = ["changsha-zhuanjing-2024"]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    files = [DOCS / f"{d}.txt" for d in (*PLAN, *CALL)]
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("round3"), files, embedder)
    return bot


@pytest.mark.parametrize(
    ("question", "scope", "value", "not_lead"),
    [
        ("削减多少吨氮氧化物？", PLAN, "0.8万吨", "1.2万吨"),
        ("How many tonnes of sulphur dioxide will be cut?", PLAN, "1.2万吨", "0.8万吨"),
        ("这份实施方案本身计划在哪个季度发布？", PLAN, "一季度", "三季度"),
        ("When will the summary evaluation of the campaign be carried out?", PLAN, "fourth quarter", "first"),
        ("首次获评国家级专精特新小巨人企业奖励多少？", CALL, "50万元", "20万元"),
        ("首次获评省级专精特新中小企业奖励多少？", CALL, "20万元", "50万元"),
        ("电子邮箱是多少？", CALL, "cszxqy@163.com", "0731"),
        ("What is the contact email?", CALL, "cszxqy@163.com", "0731"),
        ("Who is the contact person?", CALL, "王晓明", "0731"),
    ],
)
def test_the_value_asked_and_no_other(
    bot: PolicyBot, question: str, scope: list[str], value: str, not_lead: str
) -> None:
    answer = bot.ask(question, doc_ids=scope)
    lead = answer.text.split("\n")[0].split("According to")[0]
    assert not answer.refused and value in answer.text, answer.text
    assert not_lead not in lead, answer.text


def test_a_provincial_award_is_quoted_with_its_case(bot: PolicyBot) -> None:
    answer = bot.ask("首次获评省级专精特新中小企业奖励多少？", doc_ids=CALL)
    assert "首次获评省级专精特新中小企业的" in answer.citations[0].quote, answer.text  # not "一次性奖励20万元" alone


def test_a_contact_person_and_a_phone_asked_together(bot: PolicyBot) -> None:
    answer = bot.ask("联系人和联系电话是什么？", doc_ids=CALL)
    assert "王晓明" in answer.text and "0731-88665421" in answer.text, answer.text


@pytest.mark.parametrize(
    ("question", "failed"),
    [
        ("我们是一家成立8个月的企业，能申报吗？", "注册登记满1年"),
        ("我们去年营业收入800万元，可以申报吗？", "不低于1000万元"),
    ],
)
def test_an_enterprise_is_told_the_condition_it_fails(bot: PolicyBot, question: str, failed: str) -> None:
    answer = bot.ask(question, doc_ids=CALL)
    assert answer.text.startswith("结论：不符合") and failed in answer.text, answer.text


@pytest.mark.parametrize(
    ("question", "scope"),
    [
        ("挥发性有机物要削减多少吨？", PLAN),  # named in the plan, with no tonnage
        ("企业报名参加培训的截止日期是什么时候？", PLAN),  # 培训 is a task; nobody 报名s
        ("企业报名参加培训的截止日期是什么时候？", None),  # not the call's application deadline either
        ("申报项目有没有贷款贴息支持？", CALL),
    ],
)
def test_what_the_documents_do_not_say_is_refused(bot: PolicyBot, question: str, scope: list[str] | None) -> None:
    assert bot.ask(question, doc_ids=scope).refused
