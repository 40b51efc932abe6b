"""Which document a document acts on ("为了深入实施哪个文件"): the 《title》 the text names right after
the verb asked, on a plan's notice (the seed) and a regulation's notice written for this test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.answer.composers.purpose import acted_verb
from policybot.service import PolicyBot
from support import ingested_bot

NOTICE = """科技部 财政部 国家税务总局关于印发《科技型企业评价办法》的通知
各省、自治区、直辖市科技厅（委、局）：
为贯彻落实《国家创新驱动发展战略纲要》，加大对科技型企业的精准支持力度，按照《深化科技体制改革实施方案》要求，研究制定了《科技型企业评价办法》，现印发给你们，请遵照执行。
科技型企业评价办法
第一条 为推动大众创业、万众创新，根据有关规定，制定本办法。
第二条 本办法自印发之日起施行。
"""


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("开展这次专项行动是为了深入实施哪个文件？", "实施"),
        ("这个办法是为了贯彻落实哪份文件？", "落实"),
        ("按照哪个方案的要求制定的？", None),  # 按照: the lifecycle composer's 根据-facts answer it
        ("哪个文件废止了这个办法？", None),
        ("补贴标准是多少？", None),
    ],
)
def test_the_verb_a_which_document_question_asks_with(question: str, verb: str | None) -> None:
    assert acted_verb(question) == verb


def test_the_plan_says_which_document_it_implements(seed_bot: PolicyBot) -> None:
    answer = seed_bot.ask("开展这次专项行动是为了深入实施哪个文件？")
    assert answer.text.startswith("《中国制造2025》"), answer.text
    assert "为深入实施《中国制造" in answer.citations[0].quote


def test_a_notice_names_the_document_it_carries_out(tmp_path: Path, embedder: Any) -> None:
    (tmp_path / "src").mkdir()
    doc = tmp_path / "src" / "kj-notice.txt"
    doc.write_text(NOTICE, encoding="utf-8")
    bot = ingested_bot(tmp_path / "ws", [doc], embedder)
    answer = bot.ask("这个办法是为了贯彻落实哪个文件？", doc_ids=["kj-notice"])
    assert answer.text.startswith("《国家创新驱动发展战略纲要》"), answer.text
    assert "深化科技体制改革实施方案" not in answer.text.split("\n")[0]  # 按照…要求 is another relation
    assert bot.ask("这个办法是为了深入推进哪个文件？", doc_ids=["kj-notice"]).text.split("\n")[0] != (
        "《国家创新驱动发展战略纲要》。"
    )  # no 推进《…》 in the text: not this composer's answer
