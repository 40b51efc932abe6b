"""The eligibility eval set and its scoring, over measures extracted from the real corpus files."""

from __future__ import annotations

import copy

import pytest

from policybot.evaluation.eligibility import gate_failures, load_eligibility, score_eligibility
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import discover, prepare_document
from support import ROOT


@pytest.fixture(scope="module")
def measures() -> list:  # type: ignore[type-arg]
    return [m for p in discover([ROOT / "corpus"]) for m in prepare_document(p, ChunkSettings()).measures]


def test_the_set_is_large_enough_and_covers_the_cases_the_issue_names() -> None:
    data = load_eligibility(ROOT / "eval" / "eligibility.yaml")
    cases = data["cases"]
    assert len(cases) >= 60
    assert {c["verdict"] for c in cases} == {"符合", "不符合", "需要补充信息"}
    assert sum(bool(c.get("question")) for c in cases) >= 8
    assert len({c["measure"].split("#")[0] for c in cases}) >= 3


def test_the_corpus_meets_the_gates(measures: list) -> None:  # type: ignore[type-arg]
    report = score_eligibility(load_eligibility(ROOT / "eval" / "eligibility.yaml"), measures)
    assert gate_failures(report["metrics"]) == [], report["metrics"]


def test_a_false_eligible_fails_the_gate(measures: list) -> None:  # type: ignore[type-arg]
    data = copy.deepcopy(load_eligibility(ROOT / "eval" / "eligibility.yaml"))
    case = next(c for c in data["cases"] if c["verdict"] == "符合")
    case["verdict"] = "不符合"  # the check says 符合 where 不符合 is expected
    case["deciding"] = "不存在的条件"
    metrics = score_eligibility(data, measures)["metrics"]
    assert metrics["false_eligible"] == 1
    assert any("false 符合" in f for f in gate_failures(metrics))
    assert metrics["citation_accuracy"] < 1.0


def test_recall_counts_a_condition_the_extractor_misses(measures: list) -> None:  # type: ignore[type-arg]
    data = copy.deepcopy(load_eligibility(ROOT / "eval" / "eligibility.yaml"))
    data["conditions"].append({"doc": "caishui-2015-119", "attribute": "water_use", "quote": "烟草制造业"})
    report = score_eligibility(data, measures)
    assert report["metrics"]["extraction_recall"] < 1.0
    assert report["missed_conditions"] == [data["conditions"][-1]]
