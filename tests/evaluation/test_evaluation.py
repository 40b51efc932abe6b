"""The eval suite: section matching, answer scoring, gates and ``run_eval`` on the seed index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from policybot.errors import ConfigError
from policybot.evaluation.runner import (
    CORPUS_GATES,
    GATES,
    Cited,
    NaiveBaseline,
    Report,
    _answer_metrics,
    _gates,
    _score_answer,
    load_set,
    run_eval,
    section_matches,
)
from policybot.service import PolicyBot
from support import make_settings

PATH = ("绿色制造2016专项行动实施方案", "三、主要目标", "（一）进一步提升部分行业清洁生产水平")
SEED_ID = "gxb-jie-2016-113"

# -- section_matches ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expected",
    [
        "三、主要目标",
        "三、主要目标 › （一）进一步提升部分行业清洁生产水平",
        "三、主要目标 › （一）",  # each segment is a prefix
        "三、主要 › （一）进一步",
        "绿色制造2016专项行动实施方案 › 三、主要目标",
        "三、 主要目标",  # whitespace does not matter
        ["一、背景", "三、主要目标"],  # any alternative
    ],
)
def test_section_matches(expected: Any) -> None:
    assert section_matches(expected, PATH)


@pytest.mark.parametrize(
    "expected",
    [
        "一、背景",
        "主要目标",  # a segment must be a prefix, not any substring
        "绿色制造2016专项行动实施方案 › （一）进一步提升",  # runs must be contiguous
        "三、主要目标 › （一） › 更深",  # longer than the path
        "（一） › 三、主要目标",  # order matters
        ["一、背景", "五、进度安排"],
    ],
)
def test_section_does_not_match(expected: Any) -> None:
    assert not section_matches(expected, PATH)


def test_section_matches_empty_path() -> None:
    assert not section_matches("三、主要目标", ())


# -- _score_answer ---------------------------------------------------------------------------------

GOOD = [Cited(SEED_ID, [("绿色制造2016专项行动实施方案", "五、进度安排")])]
ITEM = {
    "question": "节能监察安排在什么时候？",
    "must_contain": [["三季度", "third quarter"]],
    "must_not_contain": ["二季度"],
    "doc": SEED_ID,
    "section": "五、进度安排",
}


def test_score_correct_and_cited() -> None:
    score = _score_answer(ITEM, "节能监察安排在 三季度 [1]。", False, GOOD)
    assert score == {"correct": True, "cited_ok": True, "refused": False, "wrong": [], "wrong_value": False}


def test_score_alternatives_and_case() -> None:
    assert _score_answer(ITEM, "It is in the Third Quarter [1].", False, GOOD)["correct"]


def test_score_all_must_contain_entries_are_needed() -> None:
    item = {**ITEM, "must_contain": ["8万吨", ["0.7万吨", "7000吨"]], "must_not_contain": []}
    assert _score_answer(item, "化学需氧量8万吨、氨氮0.7万吨", False, GOOD)["correct"]
    assert not _score_answer(item, "化学需氧量8万吨", False, GOOD)["correct"]


def test_score_must_not_contain_makes_it_wrong() -> None:
    score = _score_answer(ITEM, "三季度，也可能是二季度", False, GOOD)
    assert not score["correct"] and score["wrong"] == ["二季度"]


def test_score_refusing_an_answerable_question_is_wrong() -> None:
    score = _score_answer(ITEM, "三季度", True, GOOD)
    assert not score["correct"] and score["refused"]


def test_score_citation_must_be_in_the_expected_doc_and_section() -> None:
    assert _score_answer(ITEM, "三季度", False, [Cited("other-doc", GOOD[0].paths)])["cited_ok"] is False
    wrong_section = [Cited(SEED_ID, [("绿色制造2016专项行动实施方案", "四、重点工作")])]
    score = _score_answer(ITEM, "三季度", False, wrong_section)
    assert score["correct"] and score["cited_ok"] is False
    no_section = {k: v for k, v in ITEM.items() if k != "section"}
    assert _score_answer(no_section, "三季度", False, [])["cited_ok"] is None


@pytest.mark.parametrize(("refused", "correct"), [(True, True), (False, False)])
def test_score_unanswerable(refused: bool, correct: bool) -> None:
    item = {"question": "2017年的目标是什么？", "answerable": False, "must_contain": []}
    expected = {"correct": correct, "cited_ok": None, "refused": refused, "wrong_value": False}
    assert _score_answer(item, "…", refused, []) == expected


def test_wrong_value_is_a_wrong_answer_that_states_a_value() -> None:
    assert _score_answer(ITEM, "二季度", False, GOOD)["wrong_value"]  # must_not_contain
    assert _score_answer(ITEM, "安排在2016年6月", False, GOOD)["wrong_value"]  # some other figure
    assert not _score_answer(ITEM, "文件没有说", False, GOOD)["wrong_value"]  # wrong, but states no value
    assert not _score_answer(ITEM, "二季度", True, GOOD)["wrong_value"]  # a refusal is counted apart
    assert not _score_answer(ITEM, "三季度", False, GOOD)["wrong_value"]


def test_gates_skip_metrics_without_questions() -> None:
    """A set with no unanswerable question has no refusal recall to gate on; it must not fail
    the gate with a made-up 0.0 (same for deadline/target accuracy without such questions)."""
    items = [{"question": "q", "category": "deadline", "answerable": True}]
    scores = [{"correct": True, "cited_ok": True, "refused": False, "wrong_value": False}]

    answers = Report(metrics={"policybot": _answer_metrics(items, scores, [12.0])})
    assert answers.metrics["policybot"]["answer_accuracy_deadline_target"] == 1.0
    assert _gates(None, answers) == []


# -- load_set ------------------------------------------------------------------------------------


def test_load_set_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_set(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("question: just one mapping\n", "utf-8")
    with pytest.raises(ConfigError, match="list of mappings"):
        load_set(tmp_path / "bad.yaml")


def test_load_set_requires_ids(tmp_path: Path) -> None:
    """Every item needs an id (reports and rows use it); a missing one is a ConfigError at load
    time, not a KeyError in the middle of a run."""
    (tmp_path / "set.yaml").write_text(yaml.safe_dump([{"question": "节能监察安排在什么时候？"}]), "utf-8")
    with pytest.raises(ConfigError, match="id"):
        load_set(tmp_path / "set.yaml")


# -- run_eval ------------------------------------------------------------------------------------

RETRIEVAL = [
    {"id": "r1", "question": "预计全年削减多少化学需氧量？", "doc": SEED_ID, "section": "三、主要目标"},
    {"id": "r2", "question": "节能检查安排在哪个季度？", "doc": SEED_ID, "section": "五、进度安排"},
    {"id": "r3", "question": "保障措施有哪些？", "doc": SEED_ID, "section": "六、保障措施"},
]
QUESTIONS = [
    {
        "id": "q1",
        "category": "deadline",
        "question": "节能监察安排在什么时候？",
        "answerable": True,
        "must_contain": [["三季度", "third quarter"]],
        "must_not_contain": ["二季度"],
        "doc": SEED_ID,
        "section": "五、进度安排",
    },
    {
        "id": "q2",
        "category": "target",
        "question": "预计全年削减化学需氧量多少？",
        "answerable": True,
        "must_contain": ["8万吨"],
        "doc": SEED_ID,
        "section": "三、主要目标",
    },
    {
        "id": "q3",
        "category": "unanswerable",
        "question": "What is the capital of France?",
        "answerable": False,
        "must_contain": [],
    },
]


def eval_bot(root: Path, seed_workspace: Path, embedder: Any, retrieval: list[Any], questions: list[Any]) -> PolicyBot:
    """A bot over the seed index whose eval_dir holds the given sets."""
    eval_dir = root / "eval"
    eval_dir.mkdir(parents=True)
    (eval_dir / "retrieval.yaml").write_text(yaml.safe_dump(retrieval, allow_unicode=True), "utf-8")
    (eval_dir / "questions.yaml").write_text(yaml.safe_dump(questions, allow_unicode=True), "utf-8")
    bot = PolicyBot(make_settings(seed_workspace, eval_dir=eval_dir), embedder)
    bot.reload()
    return bot


@pytest.fixture(scope="module")
def passing_run(
    tmp_path_factory: pytest.TempPathFactory, seed_bot: PolicyBot, seed_workspace: Path, embedder: Any
) -> tuple[int, Path, list[str]]:
    root = tmp_path_factory.mktemp("eval-pass")
    bot = eval_bot(root, seed_workspace, embedder, RETRIEVAL, QUESTIONS)
    printed: list[str] = []
    code = run_eval(bot, "all", out_dir=root / "reports", baseline=True, enforce=True, echo=printed.append)
    return code, root / "reports", printed


def test_run_eval_passes_and_writes_reports(passing_run: tuple[int, Path, list[str]]) -> None:
    code, reports, printed = passing_run
    assert code == 0
    assert sorted(p.name for p in reports.iterdir()) == ["latest.json", "latest.md"]
    data = json.loads((reports / "latest.json").read_text("utf-8"))
    assert data["gates_failed"] == []
    retrieval = data["retrieval"]["metrics"]
    assert retrieval["questions"] == 3 and retrieval["policybot"]["hit@3"] == 1.0
    assert [r["id"] for r in data["retrieval"]["rows"]] == ["r1", "r2", "r3"]
    answers = data["answers"]["metrics"]["policybot"]
    assert answers["answer_accuracy_deadline_target"] == 1.0 and answers["refusal_recall"] == 1.0
    assert answers["citation_accuracy"] == 1.0 and answers["false_refusal_rate"] == 0.0
    assert answers["latency_ms_p50"] > 0
    markdown = (reports / "latest.md").read_text("utf-8")
    assert "## Retrieval (3 questions)" in markdown and "- all passed" in markdown
    assert printed == [markdown]


def test_naive_baseline_runs_in_the_same_eval(passing_run: tuple[int, Path, list[str]]) -> None:
    _code, reports, _printed = passing_run
    data = json.loads((reports / "latest.json").read_text("utf-8"))
    baseline = data["retrieval"]["metrics"]["baseline"]
    assert set(baseline) == {"hit@1", "hit@3", "mrr"} and 0 <= baseline["mrr"] <= 1
    assert "baseline" in data["answers"]["metrics"]
    assert all("baseline_rank" in row for row in data["retrieval"]["rows"])
    assert all("baseline_correct" in row for row in data["answers"]["rows"])


def test_naive_baseline_search_locates_sections(seed_bot: PolicyBot) -> None:
    baseline = NaiveBaseline(seed_bot, chunk_size=300, chunk_overlap=50)
    results = baseline.search("组织开展节能监察和跨区域专项督查", 3)
    assert len(results) == 3
    text, cited = results[0]
    assert "节能监察" in text.replace(" ", "").replace("\n", "") and cited.doc_id == SEED_ID
    assert any("五、进度安排" in path for path in cited.paths) or any("四、重点工作" in p for p in cited.paths)


def test_run_eval_fails_the_gate_with_a_wrong_expected_section(
    tmp_path: Path, seed_bot: PolicyBot, seed_workspace: Path, embedder: Any
) -> None:
    wrong = [{**item, "section": "一、背景"} for item in RETRIEVAL]
    bot = eval_bot(tmp_path, seed_workspace, embedder, wrong, QUESTIONS)
    out = tmp_path / "reports"
    assert run_eval(bot, "retrieval", out_dir=out, baseline=False, enforce=True, echo=lambda _t: None) == 1
    data = json.loads((out / "latest.json").read_text("utf-8"))
    assert data["answers"] is None
    assert data["gates_failed"] and data["gates_failed"][0].startswith("retrieval hit@3")
    assert str(GATES["retrieval_hit@3"]) in data["gates_failed"][0]
    markdown = (out / "latest.md").read_text("utf-8")
    assert "FAILED: retrieval hit@3" in markdown and "Missed at 3:" in markdown
    # without --check the same run reports the failure but exits 0
    assert run_eval(bot, "retrieval", out_dir=out, baseline=False, enforce=False, echo=lambda _t: None) == 0


def test_run_eval_fails_the_gate_with_a_wrong_answer_expectation(
    tmp_path: Path, seed_bot: PolicyBot, seed_workspace: Path, embedder: Any
) -> None:
    wrong = [{**QUESTIONS[0], "must_contain": ["一季度"]}, *QUESTIONS[1:]]
    bot = eval_bot(tmp_path, seed_workspace, embedder, RETRIEVAL, wrong)
    out = tmp_path / "reports"
    assert run_eval(bot, "answers", out_dir=out, baseline=False, enforce=True, echo=lambda _t: None) == 1
    data = json.loads((out / "latest.json").read_text("utf-8"))
    assert data["retrieval"] is None
    assert any(f.startswith("answer_accuracy_deadline_target 0.5") for f in data["gates_failed"])
    assert "Wrong or badly cited:" in (out / "latest.md").read_text("utf-8")


def test_corpus_gates_bound_rates_from_above_and_accuracy_from_below() -> None:
    metrics = {
        "answer_accuracy": 0.95,
        "refusal_recall": 0.96,
        "false_refusal_rate": 0.5,
        "wrong_value_rate": 0.0,
    }
    failures = _gates(None, Report(metrics={"policybot": metrics}), "corpus")
    assert failures == [f"corpus false_refusal_rate 0.5 > {CORPUS_GATES['false_refusal_rate']}"]
    good = {**metrics, "false_refusal_rate": 0.0}
    assert _gates(None, Report(metrics={"policybot": good}), "corpus") == []
    low = {**good, "answer_accuracy": 0.1}
    assert _gates(None, Report(metrics={"policybot": low}), "corpus")[0].startswith("corpus answer_accuracy 0.1 <")


def test_every_genre_has_a_floor_on_the_corpus_only() -> None:
    from policybot.evaluation.runner import GENRE_FLOOR

    metrics = {"answer_accuracy": 0.95, "refusal_recall": 0.96, "by_genre": {"call": 0.8, "plan": 0.95}}
    failures = _gates(None, Report(metrics={"policybot": metrics}), "corpus")
    assert failures == [f"corpus accuracy in genre call 0.8 < {GENRE_FLOOR}"]
    assert not any("genre" in f for f in _gates(None, Report(metrics={"policybot": metrics}), "seed"))
