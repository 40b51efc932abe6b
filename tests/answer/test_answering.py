"""End-to-end answers over the seed index: right figure, right section, verbatim quotes,
grounded text, refusals with "see also", and the JSON contract."""

from __future__ import annotations

from typing import Any

import pytest

from policybot.answer.grounding import check_grounding, normalize
from policybot.records import Answer
from policybot.service import PolicyBot
from policybot.surfaces.schemas import answer_out

SCHEDULE = "五、进度安排"
TARGETS = "三、主要目标"

ANSWERABLE = [
    # (question, history, expected figure, section the citation must be in, text in the quote)
    ("节能监察安排在什么时候？", (), "三季度", SCHEDULE, "节能监察"),
    ("什么时候发布绿色工厂评价导则？", (), "二季度", SCHEDULE, "绿色工厂评价导则"),
    ("预计全年削减化学需氧量多少？", (), "8万吨", TARGETS, "化学需氧量8万吨"),
    ("那氨氮呢？", ("预计全年削减化学需氧量多少？",), "0.7万吨", TARGETS, "氨氮0.7万吨"),
    ("When is the energy-saving inspection scheduled?", (), "third quarter", SCHEDULE, "节能监察"),
    # the plan itself, not the other 实施方案 its schedule names (发布《京津冀…实施方案》, 三季度)
    ("这份实施方案本身计划在哪个季度发布？", (), "一季度", SCHEDULE, "发布实施方案"),
]

UNANSWERABLE = [
    "2017年的目标是什么？",
    "新能源汽车补贴标准是多少？",
    "What is the capital of France?",
    "绿色工厂评价导则的具体评价指标有哪些？",
    "2016年要削减多少吨汞？",  # 汞 is named, with no tonnage: the tonnes of 化学需氧量 are not its
    "How many tonnes of mercury will be cut in 2016?",
    "企业申报绿色工厂的截止日期是什么时候？",  # the plan has a schedule, but no 申报
]

OTHERS = [  # more question types, for the quote and grounding properties
    ("保障措施有哪些？", ()),
    ("重点工作包括哪几项？", ()),
    ("这份通知的文号是多少？", ()),
    ("这份文件的主要内容是什么？", ()),
    ("会同哪个部门启动绿色制造试点示范？", ()),
    ("二季度要完成哪些工作？", ()),
    ("What tax incentives does the plan promise?", ()),
]


@pytest.fixture(scope="module")
def answers(seed_bot: PolicyBot) -> dict[str, Answer]:
    """Every question of this module asked once."""
    asked = [(q, h) for q, h, *_ in ANSWERABLE] + [(q, ()) for q in UNANSWERABLE] + OTHERS
    return {q: seed_bot.ask(q, h) for q, h in asked}


@pytest.mark.parametrize(
    ("question", "history", "figure", "section", "quoted"), ANSWERABLE, ids=[q for q, *_ in ANSWERABLE]
)
def test_answer_has_figure_section_and_quote(
    answers: dict[str, Answer], question: str, history: tuple[str, ...], figure: str, section: str, quoted: str
) -> None:
    answer = answers[question]
    assert not answer.refused, answer.text
    assert figure in answer.text
    assert "[1]" in answer.text
    first = answer.citations[0]
    assert first.id == 1 and first.doc_id == "gxb-jie-2016-113"
    assert section in first.section.split(" › ")
    assert quoted in first.quote
    # the quoted line itself holds the figure (as the document writes it)
    assert normalize(figure.replace("third quarter", "三季度")) in normalize(first.quote)
    assert answer.facts and not answer.see_also


def test_deadline_answers_give_no_other_quarter(answers: dict[str, Answer]) -> None:
    assert "二季度" not in answers["节能监察安排在什么时候？"].text
    text = answers["什么时候发布绿色工厂评价导则？"].text
    assert "三季度" not in text and "一季度" not in text


def test_followup_is_about_ammonia_not_cod(answers: dict[str, Answer]) -> None:
    answer = answers["那氨氮呢？"]
    assert "氨氮" in answer.text and "8万吨" not in answer.text


@pytest.mark.parametrize("question", ["How many tonnes of ammonia nitrogen will be cut?", "全年削减多少万吨氨氮？"])
def test_the_tonnes_of_the_substance_asked(seed_bot: PolicyBot, question: str) -> None:
    answer = seed_bot.ask(question)
    assert "0.7万吨" in answer.text and "8万吨" not in answer.text.split("“")[0], answer.text


def test_year_of_the_plan_does_not_change_the_deadline(seed_bot: PolicyBot) -> None:
    """Naming the plan's own year (every item of it is "2016") must still find 节能监察:
    the year alone must not pull in the one schedule item that happens to contain 2016."""
    answer = seed_bot.ask("2016年什么时候开展节能监察？")
    assert not answer.refused
    assert "三季度" in answer.text and "一季度" not in answer.text, answer.text
    assert "节能监察" in answer.citations[0].quote


def test_document_number_in_question_does_not_change_the_deadline(seed_bot: PolicyBot) -> None:
    answer = seed_bot.ask("工信部节〔2016〕113号要求什么时候开展节能监察？")
    assert not answer.refused
    assert "三季度" in answer.text and "二季度" not in answer.text, answer.text


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_unanswerable_is_refused_with_see_also(answers: dict[str, Answer], question: str) -> None:
    answer = answers[question]
    assert answer.refused, answer.text
    assert answer.citations == () and answer.facts == ()
    assert 1 <= len(answer.see_also) <= 3
    assert all(c.doc_id == "gxb-jie-2016-113" and c.quote for c in answer.see_also)
    assert [c.id for c in answer.see_also] == list(range(1, len(answer.see_also) + 1))
    assert any(n.startswith("refusal:") for n in answer.notes)
    # nothing made up: no figure the question did not bring in
    assert "万吨" not in answer.text and "季度" not in answer.text


def test_refusals_speak_the_question_language(answers: dict[str, Answer]) -> None:
    assert "现有文件中没有" in answers["2017年的目标是什么？"].text
    assert answers["What is the capital of France?"].text.startswith("The documents do not cover this")


def test_every_quote_is_verbatim_from_its_document(seed_bot: PolicyBot, answers: dict[str, Answer]) -> None:
    documents = seed_bot.index.documents
    checked = 0
    for question, answer in answers.items():
        for citation in (*answer.citations, *answer.see_also):
            assert citation.quote, question
            assert citation.quote in documents[citation.doc_id].text, (question, citation.quote)
            chunk = seed_bot.retriever.by_id[citation.chunk_id]
            assert chunk.doc_id == citation.doc_id and chunk.section == citation.section
            checked += 1
    assert checked >= 15


def test_answers_are_grounded_in_what_they_cite(answers: dict[str, Answer]) -> None:
    """Every figure of an answer is in its quotes or in the title/section it names."""
    for question, answer in answers.items():
        if answer.refused:
            continue
        assert answer.citations, question
        sources = [c.quote for c in answer.citations] + [c.doc_title + c.section for c in answer.citations]
        result = check_grounding(answer.text, sources)
        assert result.ok, (question, result.unsupported, answer.text)
        markers = {int(m) for m in __import__("re").findall(r"\[(\d+)\]", answer.text)}
        assert markers == {c.id for c in answer.citations}, (question, answer.text)


def test_other_question_types_are_answered(answers: dict[str, Answer]) -> None:
    for question, _history in OTHERS:
        assert not answers[question].refused, (question, answers[question].text)
    assert "工信部节〔2016〕113号" in answers["这份通知的文号是多少？"].text
    assert "财政部" in answers["会同哪个部门启动绿色制造试点示范？"].text


def test_ordinal_followup_names_the_item(seed_bot: PolicyBot) -> None:
    """After a list question, 第三条讲了什么 is the third 保障措施. The answer says 第3项; the
    grounding check must not refuse it because "3" is not in the quote."""
    answer = seed_bot.ask("第三条讲了什么？", ["保障措施有哪些？"])
    assert not answer.refused, answer.notes
    assert "加大政策支持" in answer.text
    assert "（三）加大政策支持" in answer.citations[0].section


KEYS = {"question", "answer", "refused", "citations", "facts", "see_also", "mode", "notes"}
CITATION_KEYS = {"id", "doc_id", "doc_title", "section", "quote", "page", "score"}
CITATION_KEYS |= {"status", "status_reason", "status_quote", "status_section"}  # lifecycle, when not in force


@pytest.mark.parametrize("question", ["节能监察安排在什么时候？", "What is the capital of France?"])
def test_json_contract(answers: dict[str, Answer], question: str) -> None:
    data: dict[str, Any] = answer_out(answers[question]).model_dump()
    assert set(data) == KEYS
    assert data["question"] == question and data["mode"] == "extractive"
    assert isinstance(data["refused"], bool) and isinstance(data["notes"], list)
    for citation in data["citations"] + data["see_also"]:
        assert set(citation) == CITATION_KEYS
        assert 0.0 <= citation["score"] <= 1.0 + 1e-6
    if data["refused"]:
        assert data["citations"] == [] and data["see_also"]
    else:
        assert data["citations"] and data["see_also"] == []
        assert {"type", "value", "normalized", "subject", "quote"} <= set(data["facts"][0])


def test_ask_gives_what_the_langchain_chain_gives(seed_bot: PolicyBot) -> None:
    """``ask`` calls the chain's steps directly (the runnable's bookkeeping costs 1-2 ms a
    question); the runnable, still there for composing, answers the same."""
    from policybot.answer.chain import Asked, ExtractiveAnswerer

    answerer = seed_bot.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    items = [(q, h) for q, h, *_ in ANSWERABLE] + [(q, ()) for q in UNANSWERABLE] + OTHERS
    for question, history in items:
        assert answerer.ask(question, history) == answerer.chain.invoke(Asked(question, tuple(history)))


def test_an_answer_ranks_the_clauses_against_the_question_once(
    seed_bot: PolicyBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Composers ask the context for evidence of several answer kinds: the clause similarities,
    the nearest clauses and the document weights are computed once per question, and each ranking
    is the one a context of its own gives."""
    from policybot.answer.context import AnswerContext
    from policybot.answer.evidence import AnswerType
    from policybot.answer.understanding import understand

    retriever = seed_bot.retriever
    calls: list[str] = []
    original = retriever.clause_similarities

    def counting(query: str) -> Any:
        calls.append(query)
        return original(query)

    monkeypatch.setattr(retriever, "clause_similarities", counting)
    query = understand("节能监察安排在什么时候？", (), seed_bot.glossary)
    hits = retriever.search(query.text, 6, keywords=query.keywords)
    ctx = AnswerContext(query, hits, retriever)
    kinds = [AnswerType.TIME, AnswerType.OTHER, AnswerType.YEAR, AnswerType.LIST]
    ranked = [ctx.evidence(kind) for kind in kinds]
    assert len(calls) == 1 and ranked[0]
    for kind, ranking in zip(kinds, ranked, strict=True):
        assert ranking == AnswerContext(query, hits, retriever).evidence(kind)
