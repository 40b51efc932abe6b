"""A 第X条 funding measure written for this test (not in corpus/, never tuned on): real ingest, the
real model, the questions an official or an enterprise would ask of it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ingested_bot

DOC = Path(__file__).parent / "docs" / "suzhou-jigai-2025.txt"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("measure"), [DOC], embedder)
    return bot


@pytest.mark.parametrize(
    ("question", "value", "article"),
    [
        ("单个项目补助最多多少？", "300万元", "第五条"),
        ("智能化改造示范项目的补助比例是多少？", "15%", "第六条"),
        ("这个办法什么时候开始施行？", "自2025年3月1日起施行", "第十条"),
        ("每年申报截止时间是什么时候？", "6月30日前", "第七条"),
        ("这个办法由哪些部门负责解释？", "市财政局负责解释", "第九条"),
        ("它废止了哪个文件？", "苏工信〔2020〕12号", "第十条"),
    ],
)
def test_each_answer_is_the_clause_that_holds_it(bot: PolicyBot, question: str, value: str, article: str) -> None:
    answer = bot.ask(question)
    assert not answer.refused and value in answer.text, answer.text
    assert article in answer.citations[0].section
    assert _squash(answer.citations[0].quote) in _squash(DOC.read_text("utf-8"))  # quoted as written


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_an_enterprise_below_a_condition_is_told_which_one(bot: PolicyBot) -> None:
    answer = bot.ask("我们是一家成立8个月的规上工业企业，设备投资400万元，能申请吗？")
    assert "不符合" in answer.text and "500万元" in answer.text


def test_what_it_does_not_cover_is_refused(bot: PolicyBot) -> None:
    assert bot.ask("补助对新能源汽车购置有什么标准？").refused
