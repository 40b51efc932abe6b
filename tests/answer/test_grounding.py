"""Grounding: every figure, date and quarter of an answer must be in what it cites."""

from __future__ import annotations

import pytest

from policybot.answer.grounding import check_grounding, figures, normalize

QUOTE = "（一）进一步提升部分行业清洁生产水平，预计全年削减化学需氧量8万吨、氨氮0.7万吨。"
SCHEDULE = "──组织开展节能监察和跨区域专项督查。（三季度）"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("２０１６年３月", "2016年3月"),
        ("８万吨", "8万吨"),
        ("二〇一六年三月二十四日", "2016年3月24日"),
        ("二零一六年十二月", "2016年12月"),
        ("百分之十", "10%"),
        ("百分之三十五", "35%"),
        ("百分之0.5", "0.5%"),
        ("２０％", "20%"),
        ("三季度", "Q3"),
        ("第三季度", "Q3"),
        ("2016年第二季度", "2016年Q2"),
        ("Q3", "Q3"),
        ("q4", "Q4"),
        ("third quarter", "Q3"),
        ("Third-Quarter", "Q3"),
        ("1st quarter", "Q1"),
    ],
    ids=[
        "fw-date",
        "fw-figure",
        "cn-date",
        "cn-ling",
        "pct-ten",
        "pct-35",
        "pct-decimal",
        "fw-pct",
        "quarter",
        "di-quarter",
        "year-quarter",
        "Q3",
        "q4",
        "third-quarter",
        "Third-Quarter",
        "1st",
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_leaves_words_alone() -> None:
    assert normalize("十八届五中全会精神") == "十八届五中全会精神"
    assert normalize("绿色 制造") == "绿色制造"


def test_figures() -> None:
    assert figures("预计全年削减化学需氧量8万吨、氨氮0.7万吨[1]。") == ["8", "0.7"]
    assert figures("安排在三季度[2]") == ["Q3"]
    assert figures("二〇一六年三月二十四日印发[1][2]") == ["2016", "3", "24"]


def test_citation_markers_are_not_figures() -> None:
    assert figures("见文件[1][12]。") == []
    assert check_grounding("文件提出削减化学需氧量[3]。", [QUOTE]).ok


def test_wrong_figure_is_rejected() -> None:
    result = check_grounding("预计全年削减化学需氧量9万吨[1]。", [QUOTE])
    assert not result.ok
    assert result.unsupported == ("9",)


@pytest.mark.parametrize(
    "answer",
    [
        "预计全年削减化学需氧量8万吨[1]。",
        "根据三、主要目标，目标是削减化学需氧量8万吨、氨氮0.7万吨[1]。",
        "氨氮0.70万吨[1]",
        "削减化学需氧量８万吨[1]",
        "The target is to cut COD by 8 万吨 [1].",
    ],
    ids=["one", "both", "trailing-zero", "full-width", "english"],
)
def test_correct_figures_are_accepted(answer: str) -> None:
    assert check_grounding(answer, [QUOTE]).ok


def test_full_width_citation_markers_are_not_figures() -> None:
    assert figures("削减化学需氧量8万吨［1］") == ["8"]
    assert check_grounding("削减化学需氧量8万吨［1］", [QUOTE]).ok


def test_quarters_must_match() -> None:
    assert check_grounding("安排在第三季度[1]。", [SCHEDULE]).ok
    assert check_grounding("It is scheduled for Q3 [1].", [SCHEDULE]).ok
    assert check_grounding("It is scheduled for the third quarter [1].", [SCHEDULE]).ok
    result = check_grounding("安排在二季度[1]。", [SCHEDULE])
    assert not result.ok and result.unsupported == ("Q2",)


def test_a_figure_may_come_from_any_source() -> None:
    assert check_grounding("8万吨[1]，三季度[2]", [QUOTE, SCHEDULE]).ok
    assert not check_grounding("8万吨[1]，三季度[2]", [QUOTE]).ok


def test_a_year_not_in_the_sources_is_rejected() -> None:
    result = check_grounding("2017年削减8万吨[1]", [QUOTE])
    assert result.unsupported == ("2017",)


def test_unsupported_figures_are_listed_once() -> None:
    assert check_grounding("9万吨、9万吨、10万吨", [QUOTE]).unsupported == ("9", "10")


def test_chinese_numeral_figure_is_checked() -> None:
    """九万吨 is a figure like 9万吨: an answer saying it against a quote with 8万吨 is wrong."""
    assert not check_grounding("预计全年削减化学需氧量九万吨[1]。", [QUOTE]).ok
    assert check_grounding("预计全年削减化学需氧量八万吨[1]。", [QUOTE]).ok


@pytest.mark.parametrize(
    ("answer", "source"),
    [
        ("0.7%。\n根据…：“其中用人单位缴费费率为0.7%”[1]", "其中用人单位缴费费率为0.7%"),
        ("2.5倍。\n根据…：“不超过净资产的2.5倍”[1]", "担保金额不超过净资产的2.5倍"),
    ],
)
def test_a_decimal_leading_a_line_is_a_figure_not_list_numbering(answer: str, source: str) -> None:
    assert "0.7" in figures(answer) or "2.5" in figures(answer)
    assert check_grounding(answer, [source]).ok
    assert not check_grounding(answer.replace("0.7", "0.9").replace("2.5", "3.5"), [source]).ok
