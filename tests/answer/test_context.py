"""Which documents a question names: the prior ``document_weights`` gives them when ranking."""

from __future__ import annotations

import pytest

from policybot.answer.context import AnswerContext, document_weights
from policybot.answer.evidence import AnswerType
from policybot.answer.understanding import understand
from policybot.records import Document, DocumentMeta


def _doc(doc_id: str, title: str, short: str | None = None, number: str | None = None) -> Document:
    meta = DocumentMeta(doc_id, title, f"{doc_id}.txt", "txt", "0", doc_number=number, short_title=short)
    return Document(meta, title)


NATIONAL = _doc("law", "中华人民共和国中小企业促进法")
BEIJING = _doc("bj", "北京市促进中小企业发展条例")
PLAN = _doc("plan", "国务院办公厅关于印发《政府网站集约化试点工作方案》的通知", None, "国办函〔2018〕71号")
DOCS = [NATIONAL, BEIJING, PLAN]


def test_a_law_named_without_its_prefix_is_preferred() -> None:
    weights = document_weights(understand("中小企业促进法对政府采购预留份额是怎么规定的？"), DOCS)
    assert weights["law"] > weights.get("bj", 0.0) + 0.2


def test_a_followup_keeps_the_document_the_conversation_named() -> None:
    q = understand("其中预留给小型微型企业的比例不低于多少？", ["中小企业促进法对政府采购预留份额是怎么规定的？"])
    weights = document_weights(q, DOCS)
    assert weights["law"] > weights.get("bj", 0.0) + 0.2
    alone = document_weights(understand("其中预留给小型微型企业的比例不低于多少？"), DOCS)
    assert alone.get("law", 0.0) < 0.1  # alone, it names nothing


def test_the_place_asked_about_weighs_like_a_name() -> None:
    q = understand("北京的政府采购份额是国家中小企业促进法的规定，还是北京自己定得更高？北京是多少？")
    weights = document_weights(q, DOCS)
    assert weights["bj"] >= 0.3 and weights["law"] >= 0.3  # both named: the clauses decide


def test_a_quoted_title_and_a_number_name_a_notice() -> None:
    assert document_weights(understand("《政府网站集约化试点工作方案》的试点范围是什么？"), DOCS)["plan"] >= 0.3
    assert document_weights(understand("71号文的试点范围是什么？"), DOCS)["plan"] >= 0.3
    assert document_weights(understand("试点范围是什么？"), DOCS).get("plan", 0.0) < 0.1


def test_a_question_naming_no_place_asks_the_national_rule_first() -> None:
    weights = document_weights(understand("政府采购中要给中小企业预留多大的采购份额？"), DOCS)
    assert weights.get("bj", 0.0) < 0 <= weights.get("law", 0.0)
    dongguan = _doc("dg", "关于组织实施东莞市重点企业规模与效益倍增计划”预申报的通知")
    assert document_weights(understand("东莞倍增计划预申报截止时间是哪天？"), [dongguan]).get("dg", 0.0) > 0


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("全日制硕士研究生租房补贴每个月多少钱，最多能领多少个月？", AnswerType.AMOUNT),  # not the period asked second
        ("最多能领多少个月？", AnswerType.PERIOD),
    ],
)
def test_a_message_of_several_asks_has_the_first_asks_kind(question: str, kind: AnswerType) -> None:
    from typing import cast

    from policybot.answer.retrieval import Retriever

    assert AnswerContext(understand(question), [], cast(Retriever, None)).kind is kind
