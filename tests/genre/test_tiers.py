"""Scoring tables (分档评价) and the asker's ratio, on snippets of two measures of different styles:
the national 科技型中小企业评价办法 (half-width brackets, "(含)") and a municipal measure written
for the tests (full-width brackets and dashes, 以上 / 不低于 / 低于)."""

from __future__ import annotations

import pytest

from policybot.genre.tiers import asker_ratio, asks_points, tier_tables

NATIONAL = """1.科技人员指标(满分20分)。按科技人员数占企业职工总数的比例分档评价。
A. 30%(含)以上(20分)
B. 25%(含)-30%(16分)
C. 20%(含)-25%(12分)
D. 15%(含)-20%(8分)
E. 10%(含)-15%(4分)
F. 10%以下(0分)
2.研发投入指标(满分50分)。企业从(1)、(2)两项指标中选择一个指标进行评分。"""

MUNICIPAL = """（二）营业收入增长率（满分30分）。按近两年营业收入平均增长率分档评价：
A．不低于20%（30分）
B．10%（含）－20%（20分）
C．0%－10%（10分）
D．负增长（0分）"""

CLASSES = """3.科技成果指标(满分30分)。按企业拥有的知识产权类别和数量分档评价。
A. 1项及以上Ⅰ类知识产权(30分)
B. 4项及以上Ⅱ类知识产权(24分)
F.没有知识产权(0分)"""


def test_a_table_is_its_lead_line_and_lettered_tiers() -> None:
    (table,) = tier_tables(NATIONAL)
    assert table.lead.startswith("1.科技人员指标(满分20分)")
    assert [t.label for t in table.tiers] == list("ABCDEF")
    assert [t.points for t in table.tiers] == ["20分", "16分", "12分", "8分", "4分", "0分"]
    assert table.tiers[4].line == "E. 10%(含)-15%(4分)"


@pytest.mark.parametrize(
    ("value", "points"),
    [(35, "20分"), (30, "20分"), (29.9, "16分"), (11, "4分"), (10, "4分"), (9.99, "0分"), (0, "0分")],
)
def test_bounds_marked_included_belong_to_their_tier(value: float, points: str) -> None:
    (table,) = tier_tables(NATIONAL)
    tier = table.tier_for(value)
    assert tier is not None and tier.points == points


@pytest.mark.parametrize(("value", "points"), [(25, "30分"), (20, "30分"), (10, "20分"), (19.5, "20分"), (3, "10分")])
def test_full_width_tiers_and_not_lower_than(value: float, points: str) -> None:
    (table,) = tier_tables(MUNICIPAL)
    tier = table.tier_for(value)
    assert tier is not None and tier.points == points


def test_tiers_that_are_not_percentages_are_left_to_a_person() -> None:
    (table,) = tier_tables(MUNICIPAL)
    assert [t.label for t in table.tiers] == ["A", "B", "C"]  # "负增长" names no range
    assert table.tier_for(-5) is None
    assert tier_tables(CLASSES) == []  # classes and counts of property rights: no percentage


@pytest.mark.parametrize(
    ("question", "percent", "working"),
    [
        ("我们公司研发费用占销售收入的5.5%，研发投入指标能得多少分？", 5.5, ""),
        ("我们公司有200名员工，其中科技人员22人，科技人员指标能拿几分？", 11.0, "22÷200≈11%"),
        ("全公司80人，其中研发人员12人，能得几分？", 15.0, "12÷80≈15%"),
        ("增长率百分之十五，能得几分？", 15.0, ""),
        ("营业收入增长率是-5%，能拿几分？", -5.0, ""),
        ("营业收入下降3.5%，能拿几分？", -3.5, ""),
    ],
)
def test_the_askers_ratio_stated_or_worked_out(question: str, percent: float, working: str) -> None:
    ratio = asker_ratio(question)
    assert ratio is not None and ratio.percent == percent and ratio.working == working


def test_no_ratio_without_a_figure_or_with_a_part_larger_than_the_whole() -> None:
    assert asker_ratio("科技人员指标怎么打分？") is None
    assert asker_ratio("我们有20名员工，其中科技人员30人，能得几分？") is None


def test_questions_that_ask_for_points() -> None:
    assert asks_points("研发投入指标能得多少分？") and asks_points("落在哪一档？")
    assert asks_points("How many points for R&D input?")
    assert not asks_points("研发费用加计扣除比例是多少？")
