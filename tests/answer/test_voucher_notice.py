"""A municipal call written for these tests and never tuned on (a voucher with a base ratio and a
raised one, conditions, materials, a 文号 and a repeal): real ingest, the real model, the questions an
enterprise asks of a notice it has just uploaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ingested_bot

DOC = Path(__file__).parent / "docs" / "hangzhou-voucher-2026.txt"
SCOPE = [DOC.stem]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("voucher"), [DOC], embedder)
    return bot


def test_a_ratio_comes_with_the_raised_one(bot: PolicyBot) -> None:
    answer = bot.ask("服务券抵扣比例是多少？", doc_ids=SCOPE)
    # the base first, then the raise it quotes, each with its own cap
    assert answer.text.startswith("30%（最高不超过20万元）、40%（最高不超过30万元）。"), answer.text
    raised = bot.ask("专精特新企业的抵扣比例是多少？", doc_ids=SCOPE)
    assert raised.text.startswith("40%，最高不超过30万元。"), raised.text  # the question names what the raise is for


def test_an_enterprise_below_the_threshold_is_told_it_does_not_qualify(bot: PolicyBot) -> None:
    answer = bot.ask("我们公司上年度营业收入300万元，能申领服务券吗？", doc_ids=SCOPE)
    assert "不符合" in answer.text and "500万元以上" in answer.text, answer.text


def test_materials_are_listed_without_stray_punctuation(bot: PolicyBot) -> None:
    answer = bot.ask("申领需要提交哪些材料？", doc_ids=SCOPE)
    assert all(x in answer.text for x in ("服务券申领表", "财务审计报告", "服务合同及发票")), answer.text
    assert "：；" not in answer.text


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("什么时候可以申领服务券？", "2026年7月1日至8月31日"),
        ("区县审核要多长时间？", "10个工作日"),
        ("服务券有效期多久？", "6个月"),
        ("这个通知的文号是什么？", "杭经信〔2026〕21号"),
        ("联系电话是多少？", "0571-85252612"),
        ("一年可以申领几次？", "一次"),
    ],
)
def test_each_figure_is_answered_and_cited(bot: PolicyBot, question: str, value: str) -> None:
    answer = bot.ask(question, doc_ids=SCOPE)
    assert value in answer.text and answer.citations, answer.text


def test_what_the_notice_does_not_say_is_refused(bot: PolicyBot) -> None:
    assert bot.ask("服务券可以用来抵扣房租吗？", doc_ids=SCOPE).refused


def test_a_deadline_of_what_the_notice_names_is_answered(bot: PolicyBot) -> None:
    answer = bot.ask("企业在线填报申领表的截止日期是什么时候？", doc_ids=SCOPE)
    assert not answer.refused and "8月31日" in answer.text, answer.text


def test_a_deadline_of_what_the_notice_never_names_is_refused(bot: PolicyBot) -> None:
    answer = bot.ask("企业报名参加路演的截止日期是什么时候？", doc_ids=SCOPE)
    assert answer.refused, answer.text
