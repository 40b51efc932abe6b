"""Hybrid retrieval over the seed: fusion quality, filters, validation, English questions and
near-twin documents (a 2017 copy of the 2016 notice)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
import yaml

from policybot.answer.retrieval import PolicyRetriever, Retriever
from policybot.answer.understanding import understand
from policybot.errors import InvalidQuestionError
from policybot.evaluation.runner import section_matches
from policybot.records import Hit
from policybot.service import PolicyBot
from support import ROOT, SEED, make_settings

SEED_ID = "gxb-jie-2016-113"
TWIN_ID = "gxb-jie-2017-150"


class CachedQueries:
    """The real embedder, with query vectors memoised so three retrievers share them."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.cache: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.cache]
        if missing:
            for text, vector in zip(missing, self.embedder.embed_queries(missing), strict=True):
                self.cache[text] = vector
        return np.stack([self.cache[t] for t in texts])


# -- fusion --------------------------------------------------------------------------------------


def _sample() -> list[dict[str, Any]]:
    """Every eighth item of the retrieval eval set: several kinds, Chinese and English."""
    items = yaml.safe_load((ROOT / "eval" / "retrieval.yaml").read_text("utf-8"))
    return items[::8]


def test_hybrid_is_at_least_as_good_as_each_single_method(seed_bot: PolicyBot) -> None:
    embedder = CachedQueries(seed_bot.embedder)
    index = seed_bot.index
    methods = {
        "hybrid": Retriever(index, embedder),
        "dense": Retriever(index, embedder, keyword_weight=0.0),
        "keyword": Retriever(index, embedder, dense_weight=0.0),
    }
    ranks: dict[str, list[int | None]] = {name: [] for name in methods}
    for item in _sample():
        keywords = understand(item["question"], (), seed_bot.glossary).keywords
        for name, retriever in methods.items():
            hits = retriever.search(item["question"], 10, keywords=keywords)
            rank = next(
                (r for r, h in enumerate(hits, 1) if section_matches(item["section"], h.chunk.section_path)), None
            )
            ranks[name].append(rank)

    def hit3(name: str) -> float:
        return sum(1 for r in ranks[name] if r and r <= 3) / len(ranks[name])

    def mrr(name: str) -> float:
        return sum(1 / r for r in ranks[name] if r) / len(ranks[name])

    report = {name: (round(hit3(name), 3), round(mrr(name), 3)) for name in methods}
    assert hit3("hybrid") >= max(hit3("dense"), hit3("keyword")), report
    assert mrr("hybrid") >= mrr("dense"), report
    assert mrr("hybrid") >= mrr("keyword"), report


def test_fused_scores_are_in_0_1_and_sorted(seed_bot: PolicyBot) -> None:
    for question in ("节能监察安排在什么时候？", "保障措施有哪些？", "What tax incentives does the plan promise?"):
        hits = seed_bot.search(question, 10)
        assert hits
        scores = [h.score for h in hits]
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True)
        assert all(h.dense_score is None or -1.0 <= h.dense_score <= 1.0001 for h in hits)
        ids = [h.chunk.id for h in hits]
        assert len(ids) == len(set(ids))


def test_top_score_is_one_when_both_searches_rank_it_first(seed_bot: PolicyBot) -> None:
    hits = seed_bot.search("预计全年削减化学需氧量多少？", 5)
    top = hits[0]
    assert top.dense_rank == 1 and top.keyword_rank == 1
    assert top.score == pytest.approx(1.0)
    assert "8万吨" in top.chunk.text


def test_langchain_retriever_returns_cited_documents(seed_bot: PolicyBot) -> None:
    docs = PolicyRetriever(retriever=seed_bot.retriever, k=3).invoke("节能监察安排在什么时候？")
    assert len(docs) == 3
    meta = docs[0].metadata
    assert meta["doc_id"] == SEED_ID and meta["section"].endswith("五、进度安排")
    assert "节能监察" in docs[0].page_content and 0 <= meta["score"] <= 1


# -- English questions -----------------------------------------------------------------------------


def test_english_question_uses_glossary_keywords(seed_bot: PolicyBot) -> None:
    question = "When is the energy-saving inspection scheduled?"
    plain = seed_bot.retriever.search(question, 10)
    assert all(h.keyword_rank is None for h in plain)  # English words match no Chinese term

    hits = seed_bot.search(question, 5)
    assert any(h.keyword_rank is not None for h in hits)
    top = hits[0]
    assert top.keyword_rank is not None
    assert top.chunk.section_path[-1] == "五、进度安排" and "节能监察" in top.chunk.text


# -- filters and validation ------------------------------------------------------------------------


def test_k_limits_the_number_of_hits(seed_bot: PolicyBot) -> None:
    assert len(seed_bot.search("绿色制造", 1)) == 1
    assert len(seed_bot.search("绿色制造", 3)) == 3
    many = seed_bot.search("绿色制造", 100)
    assert len(many) <= len(seed_bot.index.chunks)


@pytest.mark.parametrize("k", [0, -1])
def test_retriever_rejects_k_below_one(seed_bot: PolicyBot, k: int) -> None:
    with pytest.raises(InvalidQuestionError, match="k must be"):
        seed_bot.retriever.search("绿色制造", k)


def test_policybot_search_rejects_k_zero(seed_bot: PolicyBot) -> None:
    """k=0 (e.g. ``policybot search -k 0``) must be an error, not silently the default top_k."""
    with pytest.raises(InvalidQuestionError, match="k must be"):
        seed_bot.search("绿色制造", 0)


BAD_QUERIES: dict[str, object] = {
    "empty": "",
    "blank": " \n\t ",
    "too long": "绿" * 501,
    "none": None,
    "number": 42,
    "bytes": "节能监察".encode(),
    "list": ["节能监察"],
}


@pytest.mark.parametrize("case", list(BAD_QUERIES))
def test_invalid_queries_are_refused(seed_bot: PolicyBot, case: str) -> None:
    query = BAD_QUERIES[case]
    with pytest.raises(InvalidQuestionError) as err:
        seed_bot.search(query, 3)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)
    with pytest.raises(InvalidQuestionError):
        seed_bot.ask(query)  # type: ignore[arg-type]


def test_query_at_the_length_limit_is_accepted(seed_bot: PolicyBot) -> None:
    limit = seed_bot.settings.max_question_chars
    assert seed_bot.retriever.check_query("  " + "绿" * limit + "\n") == "绿" * limit
    with pytest.raises(InvalidQuestionError, match=str(limit)):
        seed_bot.retriever.check_query("绿" * (limit + 1))


# -- near-twin documents --------------------------------------------------------------------------


def twin_text() -> str:
    """The seed as a 2017 notice: another year, number, targets and one moved deadline."""
    text = SEED.read_text("utf-8")
    text = text.replace("2016", "2017").replace("113 号", "150 号")
    text = text.replace("8万吨", "10万吨").replace("0.7万吨", "0.9万吨")
    return text.replace("督查。（三季度）", "督查。（四季度）")


@pytest.fixture(scope="module")
def twin_bot(seed_bot: PolicyBot, tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> PolicyBot:
    """The seed index plus the 2017 twin (only the twin is embedded)."""
    root = tmp_path_factory.mktemp("twins")
    shutil.copytree(seed_bot.settings.index_dir, root / "index")
    twin = root / "corpus" / f"{TWIN_ID}.txt"
    twin.parent.mkdir()
    twin.write_text(twin_text(), "utf-8")
    bot = PolicyBot(make_settings(root), embedder)
    report = bot.ingest([twin])
    assert report.added == [TWIN_ID] and report.unchanged == []
    assert {d.meta.doc_id for d in bot.documents()} == {SEED_ID, TWIN_ID}
    assert bot.index.documents[TWIN_ID].meta.doc_number == "工信部节〔2017〕150号"
    return bot


def _first_doc(hits: list[Hit]) -> str:
    return hits[0].chunk.doc_id


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("2017年什么时候发布绿色工厂评价导则？", TWIN_ID),
        ("2016年什么时候发布绿色工厂评价导则？", SEED_ID),
        ("绿色制造2017专项行动预计削减化学需氧量多少？", TWIN_ID),
        ("绿色制造2016专项行动预计削减化学需氧量多少？", SEED_ID),
        ("工信部节〔2017〕150号要求什么时候开展节能监察？", TWIN_ID),
        ("工信部节〔2016〕113号要求什么时候开展节能监察？", SEED_ID),
    ],
)
def test_year_and_number_pick_the_right_twin(twin_bot: PolicyBot, question: str, expected: str) -> None:
    hits = twin_bot.search(question, 5)
    assert _first_doc(hits) == expected, [(h.chunk.doc_id, h.chunk.section, h.score) for h in hits]


def test_doc_filter_keeps_only_that_document(twin_bot: PolicyBot) -> None:
    question = "绿色工厂评价导则什么时候发布？"
    for doc_id in (SEED_ID, TWIN_ID):
        hits = twin_bot.search(question, 8, doc_ids=[doc_id])
        assert len(hits) == 8 and {h.chunk.doc_id for h in hits} == {doc_id}
        assert all(0 <= h.score <= 1 for h in hits)
    both = twin_bot.search(question, 8, doc_ids=[SEED_ID, TWIN_ID])
    assert {h.chunk.doc_id for h in both} == {SEED_ID, TWIN_ID}
    assert twin_bot.search(question, 8, doc_ids=["no-such-doc"]) == []


def test_twin_answers_use_their_own_figures(twin_bot: PolicyBot) -> None:
    answer = twin_bot.ask("2017年预计削减化学需氧量多少？")
    assert not answer.refused and "10万吨" in answer.text
    assert {c.doc_id for c in answer.citations} == {TWIN_ID}
    answer = twin_bot.ask("2016年预计削减化学需氧量多少？")
    assert not answer.refused and "8万吨" in answer.text and "10万吨" not in answer.text
    assert {c.doc_id for c in answer.citations} == {SEED_ID}


def test_document_scoped_fact_similarities_equal_the_whole_index_ones(lifecycle_bot: PolicyBot) -> None:
    retriever = lifecycle_bot.retriever
    index = retriever.index
    question = "研发费用加计扣除的比例是多少？"
    all_facts = retriever.fact_similarities(question)
    assert len(all_facts) == len(index.facts) > 0
    for docs in ({"caishui-2015-119"}, {"sat-2015-97", "sme-promotion-law-2017"}, set(index.documents)):
        facts = retriever.fact_similarities(question, docs)
        rows = retriever.fact_rows(docs)
        assert rows == [i for i, f in enumerate(index.facts) if f.doc_id in docs]
        np.testing.assert_allclose(facts[rows], all_facts[rows], rtol=0, atol=1e-6)
        assert not np.delete(facts, rows).any() and facts[rows].min() > 0.5
