"""Two documents written for an unseen check (2026-12-04) and never in corpus/: a provincial tax
office's 问答 (each "N.问：…？" followed by "答：…", a worked example) and a State-Council-style 指导意见
with targets for 2027 and 2030. Real ingest, the real model; the questions that failed in that check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ingested_bot

DOCS = Path(__file__).parent / "docs"
QA = ["jieneng_shebei_wenda"]
OPINION = ["zhihui_yanglao_yijian"]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    files = [DOCS / f"{d}.txt" for d in (*QA, *OPINION)]
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("round4"), files, embedder)
    return bot


def test_a_qa_is_answered_from_its_answer_not_its_question(bot: PolicyBot) -> None:
    answer = bot.ask("享受优惠需要填报哪张表？", doc_ids=QA)
    assert "A107050" in answer.text, answer.text
    assert not any(c.quote.rstrip().endswith("？") for c in answer.citations), answer.text


def test_a_carry_forward_in_tax_years(bot: PolicyBot) -> None:
    answer = bot.ask("当年不足抵免的部分可以结转几年？", doc_ids=QA)
    assert answer.text.startswith("5个纳税年度"), answer.text  # not the 10 years records are kept


def test_a_worked_examples_figure_is_no_rule(bot: PolicyBot) -> None:
    assert bot.ask("每家企业每年可抵免税额的上限是多少万元？", doc_ids=QA).refused  # 14.4万元 is the example's
    example = bot.ask("举例说明里当年可抵免税额是多少？", doc_ids=QA)
    assert "14.4万元" in example.text, example.text  # asked of the example, it answers


def test_a_when_clause_is_no_time_question(bot: PolicyBot) -> None:
    question = "How is the investment amount determined when VAT input tax has already been deducted?"
    answer = bot.ask(question, doc_ids=QA)
    assert not answer.refused and "进项税额" in answer.text, answer.text
    assert "5月31日" not in answer.text


def test_a_target_for_a_year_the_opinion_sets_none_for(bot: PolicyBot) -> None:
    assert bot.ask("到2025年底要建成多少家智慧养老院？", doc_ids=OPINION).refused
    answer = bot.ask("到2027年要建成多少家智慧养老院？", doc_ids=OPINION)
    assert answer.text.startswith("1000家"), answer.text
    assert bot.ask("2030年智慧养老院要达到多少家？", doc_ids=OPINION).text.startswith("3000家")
