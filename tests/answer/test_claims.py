"""Claim binding on snippets from several documents: each value must sit with its subject."""

from __future__ import annotations

import pytest

from policybot.answer.claims import bind_claims, split_claims

# The seed's schedule (工信部节〔2016〕113号), as cleaned.
SEED = [
    "──启动绿色制造工程实施指南重点任务，发布绿色制造标准体系建设指南及绿色工厂评价导则等，开展绿色工厂试点。（二季度）",
    "──组织开展节能监察和跨区域专项督查。（三季度）",
    "（一）进一步提升部分行业清洁生产水平，预计全年削减化学需氧量8万吨、氨氮0.7万吨。",
]
# 国发〔2018〕42号: targets for 2025.
PLAN = [
    "全国农作物耕种收综合机械化率达到75%，粮棉油糖主产县（市、区）基本实现农业机械化，"
    "丘陵山区县（市、区）农作物耕种收综合机械化率达到55%。",
    "其中马铃薯种植、收获机械化率均达到45%，棉花收获机械化率达到60%。",
]
# 东莞 robot fund call: amounts and ratios.
FUND = [
    "采用股权投资方式支持已认定的广东省工业机器人骨干企业实施的重大技术创新及产业化项目，"
    "单个项目资助额度原则上不低于1000万元，且财政资金所占股份比例不超过被投资企业总股本的30%。",
    "方向2：支持我省制造业企业应用省内自主品牌工业机器人进行智能化改造，并按照机器人购置额的10%予以事后奖补。",
]
# 财税〔2015〕119号: the super deduction.
TAX = [
    "未形成无形资产计入当期损益的，按照本年度实际发生额的50%，从本年度应纳税所得额中扣除；"
    "形成无形资产的，按照无形资产成本的150%在税前摊销。"
]


@pytest.mark.parametrize(
    ("answer", "passages"),
    [
        ("绿色工厂评价导则在二季度发布[1]。", SEED),
        ("节能监察和跨区域专项督查安排在2016年第三季度[1]。", SEED),
        ("全年削减化学需氧量8万吨、氨氮0.7万吨[1]。", SEED),
        ("全国农作物耕种收综合机械化率要达到75%[1]。", PLAN),
        ("棉花收获机械化率达到60%[1]。", PLAN),
        ("单个项目资助额度原则上不低于1000万元[1]。", FUND),
        ("智能化改造按机器人购置额的10%给予事后奖补[1]。", FUND),
        ("未形成无形资产的，按实际发生额的50%加计扣除[1]。", TAX),
    ],
)
def test_values_said_of_their_own_subject_pass(answer: str, passages: list[str]) -> None:
    check = bind_claims(answer, passages, years={"2016"})
    assert check.ok, check
    assert check.text == answer


@pytest.mark.parametrize(
    ("answer", "passages", "value"),
    [
        ("绿色工厂评价导则在三季度发布[1]。", SEED, "Q3季度"),  # a quarter moved to another item
        ("棉花收获机械化率达到45%[1]。", PLAN, "45%"),  # swapped with 马铃薯
        ("丘陵山区县农作物耕种收综合机械化率达到75%[1]。", PLAN, "75%"),  # swapped with the national rate
        ("削减目标为2016万吨[1]。", SEED, "2016万吨"),  # the title's year as a tonnage
        ("形成无形资产的，按照无形资产成本的50%在税前摊销[1]。", TAX, "50%"),
        ("单个项目资助额度不低于3000万元[1]。", FUND, "3000万元"),  # invented
    ],
)
def test_values_moved_swapped_or_invented_are_unbound(answer: str, passages: list[str], value: str) -> None:
    check = bind_claims(answer, passages, years={"2016"})
    assert not check.ok
    assert value in check.unbound


def test_a_year_from_the_title_is_a_year_only() -> None:
    assert bind_claims("督查安排在2016年第三季度[1]。", SEED, years={"2016"}).ok
    assert not bind_claims("督查安排在2016年第三季度[1]。", SEED).ok


def test_statements_no_source_makes_are_dropped() -> None:
    check = bind_claims("全国农作物耕种收综合机械化率达到75%[1]。该目标已取消，不再执行[1]。", PLAN)
    assert check.ok
    assert check.kept == ("全国农作物耕种收综合机械化率达到75%[1]。",)
    assert check.dropped == ("该目标已取消，不再执行[1]。",)


def test_an_answer_of_only_unsupported_statements_is_not_ok() -> None:
    check = bind_claims("该政策已经废止[1]。", FUND)
    assert not check.ok and check.text == ""


def test_english_claims_are_checked_on_figures() -> None:
    assert bind_claims("The cap is 1000万元 per project [1].", FUND).ok
    assert "3000万元" in bind_claims("The cap is 3000万元 per project [1].", FUND).unbound


def test_split_claims_keeps_markers_and_punctuation() -> None:
    assert split_claims("甲[1]。乙；丙[2]！") == ["甲[1]。", "乙；", "丙[2]！"]
