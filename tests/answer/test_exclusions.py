"""An asker whose own kind a policy excludes (``composers/exclusions.py``): snippets of a tax notice's
excluded industries and a subsidy measure's excluded enterprises, and the real notice end to end."""

from __future__ import annotations

from typing import Any, cast

import pytest

from policybot.answer.composers.exclusions import Excluded, _excluding
from policybot.answer.context import AnswerContext
from policybot.answer.retrieval import Retriever
from policybot.answer.understanding import understand
from policybot.records import Chunk, Hit
from policybot.service import PolicyBot
from support import ROOT, ingested_bot

TAX = ("研发费用加计扣除政策的通知", "四、不适用税前加计扣除政策的行业", "3.批发和零售业")
SUBSIDY = ("技术改造补助办法", "第六条 下列企业不得申请补助", "（二）房地产开发企业")
ALLOWED = ("技术改造补助办法", "第五条 支持对象", "（一）制造业企业")


def _ctx(question: str, *paths: tuple[str, ...]) -> AnswerContext:
    hits = [Hit(Chunk(f"c{i}", "d", p[0], p, p[-1] + "。", p[-1], 0, 9, i), 0.9) for i, p in enumerate(paths)]
    return AnswerContext(understand(question), hits, cast(Retriever, None))


@pytest.mark.parametrize(
    ("question", "path"),
    [
        ("我们是一家做连锁超市的零售企业，这笔研发费用能加计扣除吗？", TAX),
        ("我们是一家房地产开发企业，能申请技术改造补助吗？", SUBSIDY),
    ],
)
def test_the_askers_kind_on_an_excluding_list_is_found(question: str, path: tuple[str, ...]) -> None:
    ctx = _ctx(question, path)
    assert Excluded().accepts(ctx) and _excluding(ctx) is ctx.hits[0]


@pytest.mark.parametrize(
    ("question", "path"),
    [
        ("我们是一家软件企业，这笔研发费用能加计扣除吗？", TAX),  # another kind than the one listed
        ("我们是一家制造业企业，能申请技术改造补助吗？", ALLOWED),  # listed, but not excluded
        ("零售企业的研发费用能加计扣除吗？", TAX),  # no self-description: the general composers answer
    ],
)
def test_no_exclusion_without_the_askers_kind_under_an_excluding_heading(question: str, path: tuple[str, ...]) -> None:
    assert not Excluded().accepts(_ctx(question, path))


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    bot: PolicyBot = ingested_bot(
        tmp_path_factory.mktemp("excluded"), [ROOT / "corpus" / "caishui-2015-119.txt"], embedder
    )
    return bot


def test_a_retailer_is_told_the_deduction_does_not_apply(bot: PolicyBot) -> None:
    answer = bot.ask("我们是一家做连锁超市的零售企业，今年投了500万元开发自有收银系统，这笔研发费用能加计扣除吗？")
    assert answer.text.startswith("不适用") and "批发和零售业" in answer.text, answer.text
    assert answer.citations[0].section.endswith("3.批发和零售业")
