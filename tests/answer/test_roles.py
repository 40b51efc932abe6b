"""The section a question's role points at (``composers/roles.py``) on a municipal regulation whose
chapters are named like roles (第二章创业扶持, 第三章资金支持): retrieval decides between them."""

from __future__ import annotations

from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ROOT, ingested_bot


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    doc = ROOT / "corpus" / "beijing-sme-regulation-2020.txt"
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("roles"), [doc], embedder)
    return bot


def test_support_asked_is_answered_where_retrieval_found_it_not_by_a_chapter_named_support(bot: PolicyBot) -> None:
    answer = bot.ask("我们是北京一家专精特新中小企业，每年申请和维持发明专利花费不少，有资助吗？")
    assert "知识产权部门" in answer.text and "第二章创业扶持" not in answer.text, answer.text
    assert answer.citations[0].section.endswith("第三十七条")


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    docs = [ROOT / "corpus" / "gxb-jie-2016-113.txt", ROOT / "corpus" / "dongguan-robot-fund-2016.txt"]
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("roles-two"), docs, embedder)
    return bot


def test_another_calls_conditions_do_not_answer_a_subject_it_never_mentions(two: PolicyBot) -> None:
    answer = two.ask("绿色工厂认定需要满足哪些条件？")
    assert all(c.doc_id != "dongguan-robot-fund-2016" for c in answer.citations), answer.text
    robot = two.ask("机器人专项资金申报需要满足哪些条件？")  # the call's own subject: its 申报条件
    assert not robot.refused and "二、申报条件" in robot.citations[0].section, robot.citations[0].section
