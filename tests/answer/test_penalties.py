"""A law's 法律责任 chapter, as an enterprise asks about it (real ingest of the Energy Conservation Law
in corpus/, the real model): the penalty is the whole range, from the article about the asker's case,
including the step after "责令限期改正；逾期不改正的，…"."""

from __future__ import annotations

from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ROOT, ingested_bot

LAW = ROOT / "corpus" / "energy-conservation-law-2018.txt"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("penalties"), [LAW], embedder)
    return bot


def test_how_it_is_punished_is_answered_with_the_fine_after_the_order_to_correct(bot: PolicyBot) -> None:
    answer = bot.ask("我们是一家电厂，一直给职工免费供电供暖，这违法吗？会怎么处罚？")
    assert answer.text.startswith("五万元以上二十万元以下"), answer.text
    assert any(c.section.endswith("第七十七条") for c in answer.citations), answer.citations


def test_a_fine_is_the_whole_range_of_the_askers_article(bot: PolicyBot) -> None:
    # "节能主管部门" is the asker's word for whichever department: the article says 管理节能工作的部门
    answer = bot.ask("我们是重点用能单位，拒不落实节能主管部门的整改要求会被罚多少？")
    assert answer.text.startswith("十万元以上三十万元以下"), answer.text
    assert answer.citations[0].section.endswith("第八十三条"), answer.citations


def test_a_fine_asked_of_one_actor_is_not_answered_from_anothers_article(bot: PolicyBot) -> None:
    # the law sets duties for 公共机构 (能源审计) but fines only their purchasing; 第七十六条 fines
    # service agencies that falsify audits: not the asker's case
    answer = bot.ask("公共机构不按规定进行能源审计的，罚款多少？")
    assert answer.refused or "第七十六条" not in answer.text, answer.text
    builder = bot.ask("建设单位违反建筑节能标准会被罚多少钱？")
    assert builder.text.startswith("二十万元以上五十万元以下"), builder.text
