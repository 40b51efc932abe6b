"""Time expressions on snippets of several genres: a regulation (株洲 管理办法, 科技型中小企业评价办法),
a call for applications (嘉兴 申报通知, 东莞 倍增计划), a plan (江门 行动方案), an official Q&A (临沂 政策解读,
财政部会计司问答) and a law."""

from __future__ import annotations

import pytest

from policybot.genre import TimeKind, find_times


def _found(text: str) -> list[tuple[TimeKind, str]]:
    return [(t.kind, t.text) for t in find_times(text)]


# --- 1. 年内 / 年底前 as the tail of a duration -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("（五）近三年内未发生重大安全、环保、质量事故，未被列入严重失信主体名单。", "近三年内"),  # 管理办法
        ("取消其3年内申报市级科技计划项目和补助资金的资格", "3年内"),  # 管理办法
        ("对弄虚作假、骗取专项资金的企业，收回已拨付资金，五年内不得申报市级财政专项资金", "五年内"),  # 申报通知
        ("对招用毕业年度或离校2年内未就业高校毕业生、16—24岁登记失业青年", "2年内"),  # 政策解读
        ("(二)企业近五年内获得过国家级科技奖励，且在获奖单位中排在前三名；", "近五年内"),  # 评价办法
    ],
)
def test_a_number_of_years_within_is_a_period_not_the_deadline_nian_nei(text: str, period: str) -> None:
    found = _found(text)
    assert (TimeKind.PERIOD, period) in found
    assert all(t != "年内" for _k, t in found), found


def test_within_one_year_of_an_accounting_item_is_no_deadline() -> None:
    # 财政部会计司问答: 一年内到期的非流动负债
    assert all(k is not TimeKind.DEADLINE for k, _t in _found("在资产负债表“一年内到期的非流动负债”项目列示"))


@pytest.mark.parametrize(
    "text",
    [
        "各地要在年内完成清理工作。",
        "今年内完成试点评估。",
        "年底前完成政府网站集约化试点。",
    ],
)
def test_a_bare_year_end_is_still_a_deadline(text: str) -> None:
    assert any(k is TimeKind.DEADLINE and t in ("年内", "年底前") for k, t in _found(text)), _found(text)


# --- 2. 次年 / 当年 straddling two words -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2025年第四季度组织开展首次年度评估，2026年6月底前完成中期评估。",  # 行动方案
        "每次年检合格后换发证书。",
        "企业应当年满三年方可申请。",
        "按照层次年限分档补助。",
    ],
)
def test_ci_nian_and_dang_nian_across_two_words_are_no_year(text: str) -> None:
    assert all(t not in ("次年", "当年") for _k, t in _found(text)), _found(text)


def test_the_next_year_is_still_read() -> None:
    assert (TimeKind.DEADLINE, "次年") in _found("上年度资金结余于次年统筹使用。")


# --- 3. the full date wins over 至YEAR --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("一次性扩岗补助政策执行至2025年12月31日。", "至2025年12月31日"),  # 政策解读
        ("本方案自印发之日起实施，有效期至2027年12月31日。", "至2027年12月31日"),  # 行动方案
        ("阶段性降低失业保险费率政策执行期限延长至2026年12月31日", "至2026年12月31日"),
        ("试点工作到2019年6月底结束", "到2019年6月底"),
    ],
)
def test_a_span_closing_on_a_day_is_a_deadline_of_the_whole_date(text: str, deadline: str) -> None:
    found = _found(text)
    assert (TimeKind.DEADLINE, deadline) in found, found
    assert not any(k is TimeKind.TARGET_YEAR for k, _t in found), found
    assert not any(k is TimeKind.PERIOD for k, _t in found), found  # no "31日" left over


def test_a_target_year_is_still_a_target_year() -> None:
    # 指导意见 / 行动方案: 到2020年 / 到2027年, followed by what is due
    assert (TimeKind.TARGET_YEAR, "到2020年") in _found("到2020年，全国农作物耕种收综合机械化率达到70%")
    assert (TimeKind.TARGET_YEAR, "到2027年") in _found("到2027年，全市制造业绿色低碳转型取得明显成效。")


def test_a_window_is_still_a_window() -> None:
    assert _found("自2025年5月1日至2026年12月31日，对上一年度未发生工伤事故的用人单位下调20%")[0] == (
        TimeKind.WINDOW,
        "2025年5月1日至2026年12月31日",
    )


# --- 4. clock times belong to their date -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        (  # 申报通知
            "网上申报时间为2025年6月10日至2025年7月15日，截止时间为2025年7月15日17:00，逾期系统将自动关闭。",
            "截止时间为2025年7月15日17:00",
        ),
        ("截止时间为2025年7月15日17：00", "截止时间为2025年7月15日17：00"),
        ("请于2025年7月15日17时前将纸质材料报送市经信局", "于2025年7月15日17时前"),
        ("材料请于2025年7月15日下午5点前送达", "于2025年7月15日下午5点前"),
        ("企业应于2016年12月31日17:30前在网上完成预申报工作", "于2016年12月31日17:30前"),  # 倍增计划
        ("请于7月15日17:30前提交", "于7月15日17:30前"),
    ],
)
def test_a_deadline_keeps_its_clock_time(text: str, deadline: str) -> None:
    assert (TimeKind.DEADLINE, deadline) in _found(text), _found(text)


def test_a_window_and_an_explicit_closing_time_are_both_read() -> None:
    found = _found(
        "网上申报时间为2025年6月10日至2025年7月15日，截止时间为2025年7月15日17:00。"
        "纸质材料报送截止时间为2025年7月18日。"
    )
    assert [k for k, _t in found] == [TimeKind.WINDOW, TimeKind.DEADLINE, TimeKind.DEADLINE]


def test_a_number_after_a_date_is_no_clock() -> None:
    # a count right after a day is not read as an hour
    assert _found("2016年1月1日起施行") == [(TimeKind.EFFECTIVE, "2016年1月1日起施行")]
    assert (TimeKind.DATE, "2025年3月18日") in _found("2025年3月18日 株洲市科学技术局")


# --- 5. periods: 个工作日, 个月, 个自然日, 周, 日内 -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("在市科技局门户网站公示，公示期为5个工作日。", "5个工作日"),  # 管理办法
        ("由市财政局在公示期满后30日内将补助资金拨付至企业基本账户", "30日内"),  # 管理办法
        ("在公示结束后15个工作日内将稳岗返还资金拨付至企业账户", "15个工作日内"),  # 政策解读
        ("兼职、临时聘用人员全年须在企业累计工作6个月以上", "6个月以上"),  # 评价办法
        ("应在三个月内通过服务平台填报变化情况", "三个月内"),  # 评价办法
        ("逾期未补正的，15个自然日后视为放弃", "15个自然日"),
        ("整改期限为2周", "2周"),
    ],
)
def test_periods(text: str, period: str) -> None:
    assert (TimeKind.PERIOD, period) in _found(text), _found(text)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("当年不足抵免的，可以在以后5个纳税年度结转抵免。", "5个纳税年度"),  # a tax Q&A
        ("亏损可以在以后五个年度内弥补。", "五个年度"),
    ],
)
def test_tax_years_are_a_period(text: str, period: str) -> None:
    from policybot.genre import TimeKind, find_times

    assert [t.text for t in find_times(text) if t.kind is TimeKind.PERIOD] == [period]
