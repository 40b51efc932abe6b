"""Figures with units on snippets of several genres: a plan (江门 行动方案, 国发〔2018〕42号), a regulation
(株洲 管理办法, 科技型中小企业评价办法), an official Q&A (临沂 政策解读), a call (嘉兴 申报通知, 东莞) and a
local regulation (北京)."""

from __future__ import annotations

import pytest

from policybot.genre import ValueKind, find_values
from policybot.genre.units import is_phone_number


def _values(text: str) -> list[tuple[ValueKind, str, str]]:
    return [(v.kind, v.text, v.unit) for v in find_values(text)]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("全市工业企业新增分布式光伏装机容量300兆瓦；", "300兆瓦", "兆瓦"),  # 行动方案
        ("新增新能源装机2.5吉瓦", "2.5吉瓦", "吉瓦"),
        ("全国农机总动力超过10亿千瓦", "10亿千瓦", "亿千瓦"),  # 指导意见
        ("新增可再生能源装机120万千瓦", "120万千瓦", "万千瓦"),
        ("年节约用电5000万千瓦时", "5000万千瓦时", "万千瓦时"),
        ("年发电量1.2亿千瓦时", "1.2亿千瓦时", "亿千瓦时"),
        ("对年综合能源消费量5000吨标准煤以上的企业", "5000吨标准煤", "吨标准煤"),  # 行动方案
        ("全面淘汰35蒸吨/小时以下燃煤锅炉", "35蒸吨", "蒸吨"),  # 行动方案
    ],
)
def test_power_and_energy_units(text: str, value: str, unit: str) -> None:
    assert (ValueKind.QUANTITY, value, unit) in _values(text), _values(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("在市科技局门户网站公示，公示期为5个工作日。", "5个工作日"),  # 管理办法
        ("在公示结束后15个工作日内将返还资金直接拨付至企业对公账户", "15个工作日"),  # 政策解读
        ("并为其按月足额缴纳失业保险费3个月以上的企业", "3个月"),  # 政策解读
        ("顶岗实习时间一般为6个月", "6个月"),  # 国发〔2019〕4号
        ("逾期未补正的，15个自然日后视为放弃", "15个自然日"),
        ("整改期限为2周", "2周"),
    ],
)
def test_periods_keep_their_whole_unit(text: str, value: str) -> None:
    values = _values(text)
    assert [(k, t) for k, t, _u in values] == [(ValueKind.DURATION, value)], values


@pytest.mark.parametrize(
    "text",
    [
        "如有疑问，可拨打12333人社服务热线咨询。",  # 政策解读
        "咨询电话：12333人工服务时间为工作日",
        "中小企业可以通过12345市民服务热线反映诉求",  # 北京 中小企业促进条例
        "联系电话：0769-22221295",  # 东莞 机器人专项
        "市经信局技术改造处：王女士，电话：0573-82529631",  # 嘉兴 申报通知
    ],
)
def test_a_phone_number_takes_no_unit(text: str) -> None:
    assert _values(text) == [], _values(text)


def test_a_count_after_a_call_word_far_away_is_still_a_count() -> None:
    # a number not right after 电话/热线 keeps its unit
    assert (ValueKind.COUNT, "30人", "人") in _values("设立服务热线，参保职工30人以下的企业按60%返还")
    assert (ValueKind.COUNT, "500人", "人") in _values("热线座席扩充至500人")


def test_is_phone_number() -> None:
    text = "可拨打12333人社服务热线咨询"
    start = text.index("12333")
    assert is_phone_number(text, start, start + 5)
    text = "参保职工12333人"
    start = text.index("12333")
    assert not is_phone_number(text, start, start + 5)


def test_an_age_in_full_years_is_no_period_of_weeks() -> None:
    texts = [v.text for v in find_values("申请人年龄不超过45周岁，博士不超过35周岁，试用期2周。")]
    assert texts == ["2周"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("到2027年底，车桩比达到2:1，实现…", ["2:1"]),  # a plan's target
        ("市级财政按1:1比例给予配套", ["1:1"]),  # a measure's matching funds
        ("师生比不低于1：18", ["1：18"]),
        ("截止时间为2026年4月30日17:00。", []),  # a clock time is no ratio
        ("会议于9:30开始", []),
    ],
)
def test_a_ratio_of_two_numbers(text: str, found: list[str]) -> None:
    assert [v.text for v in find_values(text) if v.kind is ValueKind.RATIO] == found
