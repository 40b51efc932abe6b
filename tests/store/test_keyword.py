"""The keyword index: jieba terms without function words, BM25 ranking, JSON round trip."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import docfiles
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import prepare_document
from policybot.store.keyword import KeywordIndex, term_counts, tokenize
from support import ROOT

TEXTS = [
    "发布绿色制造标准体系建设指南、绿色工厂评价导则和绿色供应链管理试点方案。",
    "预计全年削减化学需氧量8万吨、氨氮0.7万吨。筛选推广一批先进节水技术。",
    "会同财政部组织实施水泥窑协同处置城市生活垃圾示范工程建设。",
    "现将实施方案印发你们，请结合本地区实际，加强组织协调，认真贯彻落实。",
]


@pytest.fixture(scope="module")
def seed_texts() -> list[str]:
    return [c.text for c in prepare_document(docfiles.seed_path(), ChunkSettings()).chunks]


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    """Chunk texts of every document in corpus/ (the seed among them)."""
    texts: list[str] = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        texts += [c.embed_text for c in prepare_document(path, ChunkSettings()).chunks]
    return texts


def _questions() -> list[str]:
    out: list[str] = []
    for name in ("retrieval.yaml", "retrieval-corpus.yaml", "questions-corpus.yaml"):
        out += [item["question"] for item in yaml.safe_load((ROOT / "eval" / name).read_text("utf-8"))]
    return out


def _scores_from_postings(index: KeywordIndex, query: str, k: int) -> list[tuple[int, float]]:
    """BM25 as computed before the arrays were kept ready: rebuilt from the postings per query."""
    terms = set(tokenize(query))
    n = len(index)
    if not terms or n == 0:
        return []
    scores = np.zeros(n, dtype=np.float32)
    norm = index.k1 * (1 - index.b + index.b * index.doc_lengths / max(index.avgdl, 1e-9))
    for term in terms:
        plist = index.postings(term)
        if not plist:
            continue
        idf = math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
        ids = np.fromiter((p[0] for p in plist), dtype=np.int64, count=len(plist))
        tfs = np.fromiter((p[1] for p in plist), dtype=np.float32, count=len(plist))
        scores[ids] += idf * tfs * (index.k1 + 1) / (tfs + norm[ids])
    top = np.argsort(-scores)[:k]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def test_ready_arrays_score_exactly_as_the_postings_did(corpus_texts: list[str]) -> None:
    index = KeywordIndex.build(corpus_texts)
    questions = _questions()
    assert len(corpus_texts) > 200 and len(questions) > 100
    hits = 0
    for question in questions:
        got = index.search(question, 10)
        assert got == _scores_from_postings(index, question, 10), question
        hits += bool(got)
    assert hits > 0.9 * len(questions)


def test_postings_round_trip_through_the_arrays() -> None:
    index = KeywordIndex.build(TEXTS)
    assert index.postings("绿色") == [(0, 3)]
    assert index.postings("不存在的词") == []
    assert KeywordIndex(index.to_json()["postings"], [int(x) for x in index.doc_lengths]).to_json() == index.to_json()


def test_an_index_of_kept_and_new_texts_is_the_one_built_from_all_texts(corpus_texts: list[str]) -> None:
    """``counts`` gives back each text's terms, so an ingest tokenizes only the new chunks."""
    old = KeywordIndex.build(corpus_texts[:150])
    assert old.counts() == [term_counts(t) for t in corpus_texts[:150]]
    kept = [i for i in range(150) if i % 3]  # some documents removed
    combined = KeywordIndex.from_counts([old.counts()[i] for i in kept] + [term_counts(t) for t in corpus_texts[150:]])
    built = KeywordIndex.build([corpus_texts[i] for i in kept] + corpus_texts[150:])
    assert combined.to_json() == built.to_json()
    for question in _questions()[:40]:
        assert combined.search(question, 10) == built.search(question, 10), question


@pytest.mark.parametrize("text", ["你好", "您好！", "请问", "什么时候？", "有哪些", "的了吗呢", "what is the"])
def test_greetings_and_question_words_give_no_terms(text: str) -> None:
    assert tokenize(text) == []


def test_tokenize_keeps_content_words() -> None:
    terms = tokenize("什么时候发布绿色工厂评价导则？")
    assert {"发布", "绿色", "工厂", "评价", "导则"} <= set(terms)
    assert not {"什么", "时候", "什么时候"} & set(terms)
    assert all(len(t) >= 2 for t in terms)


def test_tokenize_keeps_ascii_words_and_figures() -> None:
    assert tokenize("When will the Green Factory guideline be issued?") == [
        "green",
        "factory",
        "guideline",
        "issued",
    ]
    assert "0.7" in tokenize("氨氮0.7万吨")


def test_greeting_finds_nothing() -> None:
    index = KeywordIndex.build(TEXTS)
    assert index.search("你好", 5) == []
    assert index.search("", 5) == []


def test_bm25_ranks_the_passage_with_the_query_terms_first() -> None:
    index = KeywordIndex.build(TEXTS)
    assert index.search("绿色工厂评价导则什么时候发布？", 5)[0][0] == 0
    assert index.search("预计削减多少化学需氧量？", 5)[0][0] == 1
    assert index.search("哪些工作会同财政部开展？", 5)[0][0] == 2
    hits = index.search("绿色工厂评价导则", 5)
    assert [i for i, _ in hits] == [0]
    assert all(score > 0 for _, score in hits)


def test_scores_are_sorted_and_k_is_respected(seed_texts: list[str]) -> None:
    index = KeywordIndex.build(seed_texts)
    hits = index.search("绿色制造试点示范", 3)
    assert len(hits) == 3
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)


def test_seed_chunk_with_the_guideline_ranks_first(seed_texts: list[str]) -> None:
    index = KeywordIndex.build(seed_texts)
    best = index.search("绿色工厂评价导则", 5)[0][0]
    assert "绿色工厂评价导则" in seed_texts[best]
    best = index.search("氨氮", 5)[0][0]
    assert "氨氮0.7万吨" in seed_texts[best]


def test_rarer_term_weighs_more() -> None:
    texts = ["绿色制造 绿色工厂", "绿色制造 节水技术", "绿色制造 资源综合利用"]
    index = KeywordIndex.build(texts)
    hits = dict(index.search("绿色制造 节水技术", 3))
    assert max(hits, key=hits.__getitem__) == 1
    assert hits[1] > 2 * max(hits[0], hits[2])


def test_save_and_load_give_identical_results(tmp_path: Path, seed_texts: list[str]) -> None:
    index = KeywordIndex.build(seed_texts, k1=1.2, b=0.6)
    path = tmp_path / "keyword.json"
    index.save(path)
    loaded = KeywordIndex.load(path)
    assert (loaded.k1, loaded.b, len(loaded)) == (1.2, 0.6, len(seed_texts))
    for query in ["绿色工厂评价导则", "会同财政部", "化学需氧量 氨氮", "保障措施", "你好"]:
        assert loaded.search(query, 10) == index.search(query, 10)
    assert loaded.to_json() == index.to_json()


def test_load_refuses_another_format(tmp_path: Path) -> None:
    path = tmp_path / "keyword.json"
    data = KeywordIndex.build(TEXTS).to_json()
    data["format"] = 99
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ValueError, match="format"):
        KeywordIndex.load(path)


@pytest.mark.parametrize(
    ("k1", "b"),
    [(0, 0.75), (-1, 0.75), (1.5, -0.1), (1.5, 1.01), (math.nan, 0.75)],
    ids=["k1-zero", "k1-negative", "b-negative", "b-above-one", "k1-nan"],
)
def test_constructor_validates_k1_and_b(k1: float, b: float) -> None:
    with pytest.raises(ValueError):
        KeywordIndex({}, [], k1=k1, b=b)
    with pytest.raises(ValueError):
        KeywordIndex.build(TEXTS, k1=k1, b=b)


def test_edge_values_of_b_are_allowed() -> None:
    for b in (0.0, 1.0):
        assert KeywordIndex.build(TEXTS, b=b).search("财政部", 1)[0][0] == 2


def test_empty_index() -> None:
    index = KeywordIndex.build([])
    assert len(index) == 0
    assert index.search("绿色制造", 5) == []
