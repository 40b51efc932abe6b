"""Retrieval prefers documents in force (lifecycle/preference.py): on snippets of several
documents, and on the real index of a repealed 办法, its replacement and a real notice."""

from __future__ import annotations

from datetime import date

import pytest

from policybot.answer.understanding import understand
from policybot.lifecycle.preference import DEMOTE, names_document, names_year, prefer_in_force, reorder, same_point
from policybot.records import Chunk, Hit
from policybot.service import PolicyBot

OLD_POINT = (
    "第三条对上年度研发费用支出超过100万元的科技型中小企业，按其研发费用的10%给予补助，每家企业每年最高补助50万元。"
)
NEW_POINT = (
    "第三条对上年度研发费用支出超过100万元的科技型中小企业，按其研发费用的15%给予补助，每家企业每年最高补助80万元。"
)
OTHER = "企业研发活动中实际发生的研发费用，未形成无形资产计入当期损益的，在按规定据实扣除的基础上，按照本年度实际发生额的50%，从本年度应纳税所得额中扣除。"  # noqa: E501
ROBOT = "申报单位将申报资料一式三份（含电子版一份）于2016年5月20日（周五）前报送至市经信局技术进步与质量科。"


def _hit(doc_id: str, text: str, score: float) -> Hit:
    chunk = Chunk(f"{doc_id}-{score}", doc_id, doc_id, (doc_id,), text, text, 0, len(text), 0)
    return Hit(chunk, score)


def test_same_point_tells_twins_from_neighbours() -> None:
    assert same_point(OLD_POINT, NEW_POINT)
    assert not same_point(OLD_POINT, OTHER) and not same_point(OLD_POINT, ROBOT) and not same_point("", NEW_POINT)


def test_the_in_force_twin_moves_up_and_takes_the_score_of_its_place() -> None:
    hits = [_hit("old", OLD_POINT, 0.9), _hit("tax", OTHER, 0.8), _hit("new", NEW_POINT, 0.7)]
    preferred = reorder(hits, {"old": False, "tax": True, "new": True})
    assert [h.chunk.doc_id for h in preferred.hits] == ["new", "old", "tax"]
    assert [h.score for h in preferred.hits] == [0.9, 0.8, 0.7]
    assert preferred.hits[0].chunk.text == NEW_POINT and preferred.weights == {"old": DEMOTE}


@pytest.mark.parametrize(
    "in_force",
    [
        {"old": True, "tax": True, "new": True},  # both in force: retrieval's order stands
        {"old": False, "tax": True, "new": False},  # neither in force
        {"old": True, "tax": True, "new": False},  # the better-ranked one is the one in force
    ],
)
def test_order_stands_unless_only_the_lower_twin_is_in_force(in_force: dict[str, bool]) -> None:
    hits = [_hit("old", OLD_POINT, 0.9), _hit("tax", OTHER, 0.8), _hit("new", NEW_POINT, 0.7)]
    preferred = reorder(hits, in_force)
    assert [h.chunk.doc_id for h in preferred.hits] == ["old", "tax", "new"] and not preferred.weights


def test_a_point_the_in_force_document_does_not_make_keeps_its_place() -> None:
    hits = [_hit("robot", ROBOT, 0.9), _hit("new", NEW_POINT, 0.8)]
    assert [h.chunk.doc_id for h in reorder(hits, {"robot": False, "new": True}).hits] == ["robot", "new"]


def test_what_names_a_year_or_a_document(replacement_bot: PolicyBot) -> None:
    docs = replacement_bot.index.documents
    assert names_year("2015年的研发费用补助办法规定最高补助多少？") and names_year("截至2016-06-01")
    assert not names_year("每家企业最高补助多少？") and not names_year("补助100万元以上的企业")
    assert not names_year("营业收入不低于2000万元的企业") and not names_year("补助1950元")
    assert names_document("滨科发〔2015〕3号规定最高补助多少？", docs)
    assert names_document("《滨海市科技型中小企业研发费用补助办法》规定最高补助多少？", docs)
    assert names_document("滨海市科技型中小企业研发费用补助办法规定最高补助多少？", docs)
    assert names_document("119号通知规定的加计扣除比例是多少？", docs)
    assert not names_document("科技型中小企业研发费用补助每家企业最高补助多少？", docs)


def _order(bot: PolicyBot, question: str, as_of: date | None = None) -> list[str]:
    query = understand(question, (), bot.glossary)
    hits = bot.retriever.search(query.text, 6, keywords=query.keywords)
    return [h.chunk.doc_id for h in prefer_in_force(hits, query, bot.index, as_of).hits]


def test_the_replacement_leads_on_the_real_index(replacement_bot: PolicyBot) -> None:
    question = "科技型中小企业研发费用补助每家企业最高补助多少？"
    query = understand(question, (), replacement_bot.glossary)
    raw = [h.chunk.doc_id for h in replacement_bot.retriever.search(query.text, 6, keywords=query.keywords)]
    assert raw[0] == "binhai-rd-subsidy-2015"  # retrieval alone ranks the repealed one first
    assert _order(replacement_bot, question)[0] == "binhai-rd-subsidy-2021"
    # before the replacement took effect the 2015 办法 was the one in force
    assert _order(replacement_bot, question, date(2016, 6, 1))[0] == "binhai-rd-subsidy-2015"


@pytest.mark.parametrize(
    "question",
    ["滨科发〔2015〕3号规定每家企业最高补助多少？", "2015年的科技型中小企业研发费用补助每家企业最高补助多少？"],
)
def test_a_question_naming_the_old_document_or_its_year_keeps_it_first(
    replacement_bot: PolicyBot, question: str
) -> None:
    assert _order(replacement_bot, question)[0] == "binhai-rd-subsidy-2015"
