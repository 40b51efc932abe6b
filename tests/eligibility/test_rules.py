"""Typing clauses, on snippets from several documents of the genre: the corpus's calls and measures,
and texts it does not hold (高新技术企业认定管理办法 第十一条, 创业担保贷款 and 节水 notices)."""

from __future__ import annotations

import pytest

from policybot.eligibility.model import Attribute, Comparator, Unit
from policybot.eligibility.rules import type_clause


def typed(clause: str, home: str | None = None) -> list[tuple[Attribute, Comparator, float | None, tuple[str, ...]]]:
    return [(t.attribute, t.comparator, t.number, t.terms) for t in type_clause(clause, home)]


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        # 科技型中小企业评价办法 第六条
        (
            "职工总数不超过500人、年销售收入不超过2亿元、资产总额不超过2亿元",
            [
                (Attribute.EMPLOYEES, Comparator.LE, 500.0, ()),
                (Attribute.REVENUE, Comparator.LE, 20000.0, ()),
                (Attribute.ASSETS, Comparator.LE, 20000.0, ()),
            ],
        ),
        ("企业根据科技型中小企业评价指标进行综合评价所得分值不低于60分", [(Attribute.SCORE, Comparator.GE, 60.0, ())]),
        # 东莞倍增计划 申报条件
        (
            "2015年营业收入原则上不低于2000万元、营业收入增长不低于10%、利润总额为正数",
            [
                (Attribute.REVENUE, Comparator.GE, 2000.0, ()),
                (Attribute.REVENUE_GROWTH, Comparator.GE, 10.0, ()),
                (Attribute.PROFIT, Comparator.GT, 0.0, ()),
            ],
        ),
        # 高新技术企业认定管理办法 第十一条 (not in the corpus)
        ("企业申请认定时须注册成立一年以上", [(Attribute.AGE, Comparator.GE, 12.0, ())]),
        (
            "企业从事研发和相关技术创新活动的科技人员占企业当年职工总数的比例不低于10%",
            [(Attribute.STAFF_RATIO, Comparator.GE, 10.0, ())],
        ),
        ("研究开发费用总额占同期销售收入总额的比例不低于4%", [(Attribute.RD_RATIO, Comparator.GE, 4.0, ())]),
        # a water-saving notice and a guaranteed-loan notice (not in the corpus)
        ("年用水量10万立方米以上的工业企业", [(Attribute.WATER_USE, Comparator.GE, 100000.0, ())]),
        ("新招用符合条件人员达到企业现有在职职工人数15%", [(Attribute.STAFF_RATIO, Comparator.GE, 15.0, ())]),
        ("成立不满3年的小微企业", [(Attribute.AGE, Comparator.LT, 36.0, ())]),
        # a municipal call: 注册登记 is one act
        ("注册登记满1年（2023年3月31日前注册）", [(Attribute.AGE, Comparator.GE, 12.0, ())]),
    ],
)
def test_thresholds_with_their_units_and_comparators(clause: str, expected: list[object]) -> None:
    assert typed(clause) == expected


def test_places_resolve_abbreviations_and_this_city() -> None:
    assert typed("企业在莞注册、纳税") == [(Attribute.REGION, Comparator.WITHIN, None, ("东莞",))]
    assert typed("在本市依法注册登记", home="北京") == [(Attribute.REGION, Comparator.WITHIN, None, ("北京",))]
    assert typed("项目实施地在广东境内") == [(Attribute.PROJECT_PLACE, Comparator.WITHIN, None, ("广东",))]
    china = typed("在中国境内(不包括港、澳、台地区)注册的居民企业")
    assert (Attribute.REGION, Comparator.WITHIN, None, ("中国",)) in china
    assert (Attribute.RESIDENT, Comparator.EQUALS, None, ("居民企业",)) in china


def test_status_industry_and_records() -> None:
    first = typed("项目单位在东莞市内注册、具有独立法人资格、属于规模以上工业企业")
    assert [a for a, *_ in first] == [Attribute.REGION, Attribute.RECOGNITION, Attribute.LEGAL_PERSON]
    assert typed("遴选目标重点为我市制造业企业和生产性服务业企业") == [
        (Attribute.INDUSTRY, Comparator.WITHIN, None, ("制造业", "生产性服务业"))
    ]
    assert typed("企业拥有有效期内高新技术企业资格证书") == [
        (Attribute.RECOGNITION, Comparator.EQUALS, None, ("高新技术企业",))
    ]
    violation = type_clause("项目单位近5年以来在专项审计、绩效评价、监督检查等方面出现过较为严重的违法违规情况不得申报")
    assert [(t.attribute, t.number, t.unit, t.exclusion) for t in violation] == [
        (Attribute.VIOLATION, 60.0, Unit.MONTH, True)
    ]
    assert typed("并且未享受过省财政补贴")[0][:2] == (Attribute.PRIOR_BENEFIT, Comparator.NOT)


def test_date_windows_and_untypeable_clauses() -> None:
    window = typed("项目单位机器人设备的购置时间应在2016年1月1日至2016年10月31日")
    assert window == [(Attribute.PROJECT_DATE, Comparator.WITHIN, None, ("2016-01-01", "2016-10-31"))]
    assert typed("有明确的“倍增”方案，具有强烈“倍增”意愿") == []
    assert typed("法人治理结构规范") == []
    # a figure with no comparator word is not a threshold
    assert typed("单个项目资助1000万元") == []
