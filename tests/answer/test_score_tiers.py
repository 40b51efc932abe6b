"""Points for the asker's own figure from a scoring table, on a measure never tuned on (written for
the tests: full-width brackets, 以上 / 不低于 / 低于), through real ingest and the real model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policybot.service import PolicyBot
from support import ingested_bot

DOC = Path(__file__).parent / "docs" / "innovative-sme-scoring.txt"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    bot: PolicyBot = ingested_bot(tmp_path_factory.mktemp("tiers"), [DOC], embedder)
    return bot


@pytest.mark.parametrize(
    ("question", "points", "tier", "working"),
    [
        ("我们上年度研发费用占营业收入的4.2%，研发投入强度能得多少分？", "30分", "B．3%－5%（30分）", "4.2%"),
        ("我们上年度研发费用占营业收入的5%，研发投入强度能得多少分？", "40分", "A．5%以上（40分）", "5%"),
        ("我们近两年营业收入平均增长率是20%，营业收入增长率能拿几分？", "30分", "A．不低于20%（30分）", "20%"),
        ("我们公司共有80名职工，其中研发人员12人，研发人员占比能得几分？", "20分", "B．10%－20%（20分）", "12÷80≈15%"),
    ],
)
def test_points_lead_and_the_tier_and_what_is_scored_are_quoted(
    bot: PolicyBot, question: str, points: str, tier: str, working: str
) -> None:
    answer = bot.ask(question)
    assert not answer.refused, answer.notes
    assert answer.text.startswith(f"{points}。") and working in answer.text
    quotes = [c.quote for c in answer.citations]
    assert tier in quotes and any(q.endswith("分档评价：") for q in quotes)  # the tier and what it scores


def test_english_question_finds_the_table_through_the_glossary(bot: PolicyBot) -> None:
    answer = bot.ask("Our R&D spending was 2% of operating revenue last year. How many points for R&D input?")
    assert answer.text.startswith("20分.") and "C．1%－3%（20分）" in [c.quote for c in answer.citations]


def test_a_figure_in_no_tier_is_not_given_points(bot: PolicyBot) -> None:
    answer = bot.ask("我们近两年营业收入平均增长率是-5%，营业收入增长率能拿几分？")
    assert not answer.text.startswith(("30分", "20分", "10分"))  # 负增长 is for a person to read
