"""The check on measures extracted from real text: unit and period conversion, threshold edges,
ANY lists, and never 符合 while a stated condition is unknown."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from test_conditions_extract import HIGH_TECH

from policybot.eligibility.check import check_measure, check_measures
from policybot.eligibility.explain import explain
from policybot.eligibility.model import Attribute, Measure, Outcome, Verdict
from policybot.eligibility.profile import parse_profile
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import prepare_document

FULL = {"age": "2年", "staff_ratio": "12%", "rd_ratio": "5%", "violation": False}


@pytest.fixture(scope="module")
def high_tech(tmp_path_factory: pytest.TempPathFactory) -> Measure:
    path = tmp_path_factory.mktemp("doc") / "high-tech.txt"
    path.write_text(HIGH_TECH, "utf-8")
    (m,) = prepare_document(path, ChunkSettings()).measures
    return m


def verdict(measure: Measure, **changes: object) -> tuple[Verdict, list[Attribute]]:
    """The verdict on the measure's typed conditions (its free-text ones left out)."""
    typed = replace(measure, conditions=tuple(c for c in measure.conditions if not c.needs_person))
    result = check_measure(typed, parse_profile({**FULL, **changes}))
    return result.verdict, [r.condition.attribute for r in result.deciding]


def test_free_text_left_to_a_person_is_never_eligible(high_tech: Measure) -> None:
    """Every typed condition met, but a stated one only a person can check: 需要补充信息, naming it."""
    result = check_measure(high_tech, parse_profile(FULL))
    assert result.verdict is Verdict.NEEDS_INFO
    assert result.manual and all(r.condition.needs_person for r in result.manual)
    assert list(result.deciding) == list(result.manual)
    assert "其余条件均满足，以下条件需人工核对" in explain(result)
    assert verdict(high_tech) == (Verdict.ELIGIBLE, [Attribute.AGE, Attribute.STAFF_RATIO, Attribute.RD_RATIO,
                                                      Attribute.VIOLATION])  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected", "deciding"),
    [
        ({"age": "11个月"}, Verdict.NOT_ELIGIBLE, Attribute.AGE),  # 11 months against 一年以上
        ({"age": "12个月"}, Verdict.ELIGIBLE, None),
        ({"age": "8个月"}, Verdict.NOT_ELIGIBLE, Attribute.AGE),
        ({"rd_ratio": "3.9%"}, Verdict.NOT_ELIGIBLE, Attribute.RD_RATIO),  # 3.9% against 4%
        ({"rd_ratio": "4%"}, Verdict.ELIGIBLE, None),
        ({"rd_ratio": 3.5}, Verdict.NOT_ELIGIBLE, Attribute.RD_RATIO),
        ({"staff_ratio": "9.99%"}, Verdict.NOT_ELIGIBLE, Attribute.STAFF_RATIO),
        ({"violation": True}, Verdict.NOT_ELIGIBLE, Attribute.VIOLATION),
    ],
)
def test_thresholds_and_conversions(
    high_tech: Measure, changes: dict[str, object], expected: Verdict, deciding: Attribute | None
) -> None:
    got, why = verdict(high_tech, **changes)
    assert got is expected
    if deciding is not None:
        assert why == [deciding]


def test_never_eligible_while_a_stated_condition_is_unknown(high_tech: Measure) -> None:
    for attribute in FULL:
        data = {k: v for k, v in FULL.items() if k != attribute}
        result = check_measure(high_tech, parse_profile(data))
        assert result.verdict is Verdict.NEEDS_INFO, attribute
        assert [r.outcome for r in result.deciding] == [Outcome.UNKNOWN]
        assert result.missing == (Attribute(attribute),)


def test_a_failed_condition_outweighs_unknown_ones(high_tech: Measure) -> None:
    result = check_measure(high_tech, parse_profile({"age": "6个月"}))
    assert result.verdict is Verdict.NOT_ELIGIBLE


def test_any_of_a_list_and_ranking() -> None:
    root = Path(__file__).resolve().parents[2]
    first, second = prepare_document(root / "corpus" / "guokefazheng-2017-115.txt", ChunkSettings()).measures
    assert check_measure(second, parse_profile({"recognition": ["高新技术企业"]})).verdict is Verdict.ELIGIBLE
    assert check_measure(second, parse_profile({"recognition": []})).verdict is Verdict.NEEDS_INFO
    ranked = check_measures([first, second], parse_profile({"recognition": ["高新技术企业"], "employees": 900}))
    assert [r.verdict for r in ranked] == [Verdict.ELIGIBLE, Verdict.NOT_ELIGIBLE]
    region = check_measure(first, parse_profile({"region": "香港"}))
    assert region.verdict is Verdict.NOT_ELIGIBLE and region.deciding[0].condition.attribute is Attribute.REGION
