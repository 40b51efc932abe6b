"""Profiles from mappings (JSON/YAML) with validation naming the field, and from chat questions."""

from __future__ import annotations

import pytest

from policybot.eligibility.asked import profile_from_text
from policybot.eligibility.model import Attribute
from policybot.eligibility.profile import parse_profile
from policybot.errors import ProfileError


def test_units_are_converted_to_the_base_unit() -> None:
    p = parse_profile(
        {"revenue": "1.2亿元", "age": "8个月", "water_use": "3万立方米", "rd_ratio": "3.5%", "employees": 150}
    )
    assert p.numbers == {
        Attribute.REVENUE: 12000.0,
        Attribute.AGE: 8.0,
        Attribute.WATER_USE: 30000.0,
        Attribute.RD_RATIO: 3.5,
        Attribute.EMPLOYEES: 150.0,
    }
    assert parse_profile({"age": "两年"}).numbers[Attribute.AGE] == 24.0
    assert parse_profile({"profit": "-50万元"}).numbers[Attribute.PROFIT] == -50.0  # a loss is allowed


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"revenue": -5}, "revenue", "negative"),
        ({"revenue": "5吨"}, "revenue", "unit"),
        ({"age": "5万元"}, "age", "expected 月"),
        ({"turnover": 5}, "turnover", "unknown attribute"),
        ({"credit": "maybe"}, "credit", "true or false"),
        ({"project_date": "2016-13-01"}, "project_date", "not a date"),
        ({"rd_ratio": "150%"}, "rd_ratio", "100%"),
        ({"recognition": [1]}, "recognition", "list of texts"),
        ({"employees": True}, "employees", "number"),
    ],
)
def test_bad_profiles_name_the_field(data: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ProfileError) as exc:
        parse_profile(data)
    assert exc.value.field == field and exc.value.status_code == 422
    assert words in exc.value.message and field in exc.value.message


def test_a_profile_read_from_a_question() -> None:
    p = profile_from_text(
        "我们是河北的一家造纸企业，年营业收入1.2亿元，有150名职工，研发费用占比3.5%，成立8个月，没有失信记录，"
    )
    assert p.texts == {Attribute.REGION: "河北", Attribute.INDUSTRY: "造纸"}
    assert p.numbers == {
        Attribute.REVENUE: 12000.0,
        Attribute.EMPLOYEES: 150.0,
        Attribute.RD_RATIO: 3.5,
        Attribute.AGE: 8.0,
    }
    assert p.flags == {Attribute.CREDIT: False}
    water = profile_from_text("我们年用水量3万立方米，")
    assert water.numbers == {Attribute.WATER_USE: 30000.0}
    assert profile_from_text("我们在东莞，是高新技术企业，").recognitions == ("高新技术企业",)
    assert not profile_from_text("我们是一家公司，").said(Attribute.REVENUE)
    spoken = profile_from_text("我们公司成立1年半，去年营收1500万，")  # money said without 元
    assert spoken.numbers[Attribute.REVENUE] == 1500.0 and spoken.numbers[Attribute.AGE] == 18.0
    assert profile_from_text("我们有1500万用户，").numbers == {}  # 万 of no money word is no revenue


@pytest.mark.parametrize(
    ("text", "attribute", "day"),
    [
        ("我们是海宁的一家规上企业，改造项目2023年10月开工，设备投资500万元", Attribute.PROJECT_DATE, "2023-10-01"),
        ("我们2024年3月15日购置了8台工业机器人", Attribute.PROJECT_DATE, "2024-03-15"),
        ("我们的发明专利2022年6月授权", Attribute.PATENT_DATE, "2022-06-01"),
    ],
)
def test_a_stated_project_or_patent_date_is_read(text: str, attribute: Attribute, day: str) -> None:
    assert profile_from_text(text).dates == {attribute: day}


def test_a_date_that_dates_nothing_asked_is_not_read() -> None:
    assert profile_from_text("我们公司2015年成立，2023年营业收入3000万元").dates == {}


def test_a_short_form_of_a_recognition_meets_the_full_name() -> None:
    from policybot.eligibility.check import _recognition
    from policybot.eligibility.model import Comparator, Condition, Outcome

    condition = Condition(
        Attribute.RECOGNITION,
        Comparator.EQUALS,
        "且为规模以上工业企业",
        "",
        "d",
        "二、申报条件",
        "c",
        0,
        terms=("规模以上工业企业",),
    )
    assert _recognition(condition, profile_from_text("我们是一家规上企业")).outcome is Outcome.MET
    assert _recognition(condition, profile_from_text("我们是一家高新技术企业")).outcome is Outcome.NOT_MET
