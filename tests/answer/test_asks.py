"""Messages that ask several things: which are split (``asks.split_asks``), how the answers are
joined (``merge_drafts``), and a message answered end to end on a call for applications."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.answer.asks import covered, merge_drafts, split_asks
from policybot.answer.compose import Draft
from policybot.answer.understanding import understand
from policybot.records import Citation
from policybot.service import PolicyBot
from support import ROOT, ingested_bot


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        (  # a Q&A's case: the setting is written out for each ask
            "会计司问答的玻璃幕墙案例里，大厦原值多少、原定折旧年限多少年？",
            ["会计司问答的玻璃幕墙案例里，大厦原值多少？", "会计司问答的玻璃幕墙案例里，原定折旧年限多少年？"],
        ),
        (
            "机器人专项资金申报材料报送到哪个部门？联系电话是多少？",
            ["机器人专项资金申报材料报送到哪个部门？", "联系电话是多少？"],
        ),
        (  # a plan's two targets: the second ask takes the subject of the first
            "职业教育改革方案提出到2022年要建多少所高水平高职学校、多少个骨干专业（群）？",
            [
                "职业教育改革方案提出到2022年要建多少所高水平高职学校？",
                "职业教育改革方案提出到2022年要建多少个骨干专业（群）？",
            ],
        ),
        (  # a call's ratio and cap: the bare second ask is about the same project
            "数字化改造设备投资项目按什么比例补助？最高多少？",
            ["数字化改造设备投资项目按什么比例补助？", "数字化改造设备投资项目最高多少？"],
        ),
        (  # a housing measure's rent subsidy: how long, of the same subsidy
            "全日制硕士研究生租房补贴每个月多少钱，最多能领多少个月？",
            ["全日制硕士研究生租房补贴每个月多少钱？", "全日制硕士研究生租房补贴最多能领多少个月？"],
        ),
    ],
)
def test_separate_asks_are_split(question: str, asks: list[str]) -> None:
    assert [q for _label, q in split_asks(question)] == asks


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("职业院校专业目录和教材分别多久修订一次？", ["职业院校专业目录多久修订一次？", "教材多久修订一次？"]),
        ("东莞和苏州的补贴比例分别是多少？", ["东莞的补贴比例是多少？", "苏州的补贴比例是多少？"]),
    ],
)
def test_two_subjects_asked_each_are_split(question: str, asks: list[str]) -> None:
    assert [q for _label, q in split_asks(question)] == asks


@pytest.mark.parametrize(
    "question",
    [
        "科技型中小企业评价指标总分是多少，三类指标各占多少分？",  # 各: asked together
        "我们是一家电厂，一直给职工免费供电供暖，这违法吗？会怎么处罚？",  # a yes/no and a how
        "税务总局这份关于研发费用加计扣除的公告的文号是什么？哪天发布的？",  # a 文号 is the document's own
        "企业和个人分别可以享受哪些政策？",  # 分别 over a list, not a figure
        "What is the deadline and who do we contact?",
        "补助比例是多少？",
    ],
)
def test_one_ask_or_asks_together_are_not_split(question: str) -> None:
    assert split_asks(question) == []


def _draft(question: str, quote: str, chunk: str, text: str) -> Draft:
    draft = Draft(understand(question))
    draft.citations.append(Citation(1, "d", "文件", "四、报送要求", quote, None, 0.9, chunk))
    draft.add(text)
    return draft


def test_answers_are_joined_under_their_asks_with_one_numbering() -> None:
    where = _draft("报送到哪个部门？", "报送至市经信局技术进步与质量科。", "c1", "市经信局技术进步与质量科[1]")
    phone = _draft("联系电话是多少？", "联系电话：0769-22221295。", "c2", "0769-22221295[1]")
    again = _draft("联系电话是多少？", "联系电话：0769-22221295。", "c2", "同上[1]")
    merged = merge_drafts(
        Draft(understand("x")), [("报送到哪个部门", where), ("联系电话是多少", phone), ("再问", again)]
    )
    assert merged.text.startswith("报送到哪个部门：市经信局技术进步与质量科[1]")
    assert "联系电话是多少：0769-22221295[2]" in merged.text and "再问：同上[2]" in merged.text
    assert [c.id for c in merged.citations] == [1, 2] and merged.citations[1].chunk_id == "c2"
    assert covered(merged, phone) and not covered(where, phone)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    files = [ROOT / "corpus" / "dongguan-robot-fund-2016.txt", ROOT / "corpus" / "guofa-2018-42.txt"]
    assert all(Path(f).exists() for f in files)
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("asks"), files, embedder)
    return bot


def test_where_to_send_and_whom_to_call_are_both_answered(bot: PolicyBot) -> None:
    answer = bot.ask("机器人专项资金申报材料报送到哪个部门？联系电话是多少？")
    assert "技术进步与质量科" in answer.text and "0769-22221295" in answer.text, answer.text
    assert {c.doc_id for c in answer.citations} == {"dongguan-robot-fund-2016"}
