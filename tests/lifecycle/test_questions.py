"""What a lifecycle question asks, and the date it names (not the years of titles or 文号)."""

from __future__ import annotations

from datetime import date

import pytest

from policybot.lifecycle.questions import LifeAsk, asked_date, lifecycle_ask


@pytest.mark.parametrize(
    ("question", "ask"),
    [
        ("这个办法还有效吗？", LifeAsk.VALIDITY),
        ("《北京市促进中小企业发展条例》是否有效？", LifeAsk.VALIDITY),
        ("2017年12月31日，中小企业促进法施行了吗？", LifeAsk.VALIDITY),
        ("哪个文件废止了国税发〔2008〕116号？", LifeAsk.REPEALER),
        ("财税〔2013〕70号被哪个文件废止了？", LifeAsk.REPEALER),
        ("97号公告后来被哪些公告部分废止了？", LifeAsk.REPEALER),
        ("现行的中小企业促进法是哪个？", LifeAsk.CURRENT),
        ("97号公告是根据哪个文件制定的？", LifeAsk.BASIS),
        ("北京条例是哪部法律的地方版本？", LifeAsk.BASIS),
        ("财税〔2015〕119号出台后，国家税务总局又发了哪份公告来落实？", LifeAsk.IMPLEMENTERS),
        ("落实中小企业促进法的是哪个文件？", LifeAsk.IMPLEMENTERS),
        ("Which announcement implements Circular 119?", LifeAsk.IMPLEMENTERS),
        ("2016年5月10日，还有哪些项目可以申报？", LifeAsk.OPEN),
        ("研发费用加计扣除比例是多少？", None),
        ("119号通知执行后，哪两个旧文件同时废止了？", LifeAsk.REPEALED),  # what it repeals, not what repealed it
        ("这个办法施行后，原来的哪个文件废止了？", LifeAsk.REPEALED),
        ("本办法同时废止了哪些文件？", LifeAsk.REPEALED),
        ("Which earlier measures does this regulation repeal?", LifeAsk.REPEALED),
        ("哪些条款失效了？", None),
        ("什么时候开始施行？", None),
    ],
)
def test_kinds_of_lifecycle_questions(question: str, ask: LifeAsk | None) -> None:
    assert lifecycle_ask(question) is ask


def test_the_asked_date_is_not_a_titles_or_numbers_year() -> None:
    assert asked_date("截至2024年6月30日，财税〔2015〕119号通知还有效吗？") == date(2024, 6, 30)
    assert asked_date("《绿色制造2016专项行动实施方案》还有效吗？") is None
    assert asked_date("国家税务总局公告2015年第97号还有效吗") is None
    assert asked_date("2016-05-10 还有哪些项目可以申报？") == date(2016, 5, 10)
