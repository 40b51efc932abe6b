"""The record of a law's passage answers 通过 / 修订 / 修正 questions: real ingest, the real model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import make_settings

LAW = """中华人民共和国节约能源法
1997年11月1日第八届全国人民代表大会常务委员会第二十八次会议通过
2007年10月28日第十届全国人民代表大会常务委员会第三十次会议修订
2016年7月2日第十二届全国人民代表大会常务委员会第二十一次会议《关于修改〈中华人民共和国节约能源法〉等六部法律的决定》第一次修正
2018年10月26日第十三届全国人民代表大会常务委员会第六次会议《关于修改〈中华人民共和国野生动物保护法〉等十五部法律的决定》第二次修正
第一章总则
第一条为了推动全社会节约能源，提高能源利用效率，保护和改善环境，制定本法。
第二条本法所称能源，是指煤炭、石油、天然气、生物质能和电力、热力以及其他直接或者通过加工、转换而取得有用能的各种资源。
第七章附则
第八十七条本法自2008年4月1日起施行。
"""


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    root: Path = tmp_path_factory.mktemp("law")
    (root / "corpus").mkdir()
    (root / "corpus" / "energy-law.txt").write_text(LAW, encoding="utf-8")
    bot = PolicyBot(make_settings(root), embedder)
    bot.ingest()
    return bot


@pytest.mark.parametrize(
    ("question", "dates", "not_dates"),
    [
        ("节约能源法最初是哪一年通过的？", ["1997年11月1日"], ["2018年10月26日"]),
        ("节约能源法最近一次修正是什么时候？", ["2018年10月26日"], ["2016年7月2日", "1997年11月1日"]),
        ("节约能源法是哪天修订的？", ["2007年10月28日"], ["1997年11月1日"]),
        ("节约能源法最早什么时候通过的，后来哪天修订的？", ["1997年11月1日", "2007年10月28日"], []),
    ],
)
def test_the_step_asked_is_quoted_from_the_record(
    bot: PolicyBot, question: str, dates: list[str], not_dates: list[str]
) -> None:
    answer = bot.ask(question)
    assert not answer.refused, answer.text
    lead = answer.text.split("\n")[0]
    assert all(d in lead for d in dates) and not any(d in lead for d in not_dates), answer.text
    assert all(c.quote in LAW for c in answer.citations)


def test_taking_effect_is_not_a_step_of_passage(bot: PolicyBot) -> None:
    answer = bot.ask("节约能源法从哪天起施行？")
    assert "2008年4月1日" in answer.text and "第八十七条" in answer.citations[0].section
