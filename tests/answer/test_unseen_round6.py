"""A city's 首台（套）保险补偿 call written for an unseen check (2026-12-04) after every fix of that
day, and never in corpus/. Real ingest, the real model; the questions an enterprise asked of it that
failed then, and two it got right."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ingested_bot

DOCS = Path(__file__).parent / "docs"
CALL = ["quzhou-shoutao-2026"]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("round6"), [DOCS / f"{CALL[0]}.txt"], embedder)
    return bot


def test_a_ratio_is_led_with_the_cap_of_its_sentence(bot: PolicyBot) -> None:
    answer = bot.ask("保费补偿比例是多少？最高补多少？", doc_ids=CALL)
    assert answer.text.startswith("80%，单个企业年度补偿总额最高不超过200万元"), answer.text


def test_a_colloquial_level_names_the_level(bot: PolicyBot) -> None:
    answer = bot.ask("县里审核要在什么时候前完成？", doc_ids=CALL)  # the text: 各县（市、区）经信局应于…前完成审核
    assert not answer.refused and "2026年5月15日" in answer.text, answer.text


def test_a_unit_price_is_the_price_of_one_unit(bot: PolicyBot) -> None:
    answer = bot.ask("装备单价要达到多少？", doc_ids=CALL)  # the text: 单台（套）价格不低于100万元
    assert not answer.refused and answer.text.startswith("100万元"), answer.text


def test_what_it_got_right_stays_right(bot: PolicyBot) -> None:
    assert bot.ask("首台套装备的研发费用补贴多少？", doc_ids=CALL).refused
    young = bot.ask("我们是一家成立1年的装备企业，能申报吗？", doc_ids=CALL)
    assert "不符合" in young.text and "满2年" in young.text, young.text
