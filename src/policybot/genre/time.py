"""Time expressions of policy documents: dates, deadlines, windows, quarters, periods, 施行.

``find_times`` returns each expression with its kind, so an answer can say what a time is:
a date (2016年1月1日), a deadline (7月21日前, 2018年12月底前), a window (2017年8月7日至9月8日),
a quarter (二季度), a target year (到2020年), a period (三年内, 5个工作日, 有效期五年) or the start
of validity (自2016年1月1日起施行, 自发布之日起实施).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from policybot.genre.numerals import CN_NUMERALS

__all__ = ["BARE_YEAR", "CLOCK", "TIME_TAG", "TimeExpr", "TimeKind", "find_times", "is_time_tag", "time_tag"]

_N = rf"(?:\d{{1,4}}|[{CN_NUMERALS}]{{1,4}})"
_YEAR = r"(?:\d{4}|[〇○零一二三四五六七八九]{4}|\d×\d{2})年"  # 2×25年: an accounting example's year
_MD = rf"{_N}月(?:{_N}[日号])?"
#: A clock time after a date: 17:00, 17：30, 17时, 17时30分, 下午5点, 下午五点半 (截止时间为2025年7月15日17:00).
CLOCK = (
    r"\s*(?:上午|下午|中午|晚上)?\s*(?:\d{1,2}[:：]\d{2}|(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
    r"(?:时(?:\d{1,2}分|[一二三四五六七八九十]{1,3}分)?|点(?:半|\d{1,2}分|[一二三四五六七八九十]{1,3}分)?))"
)
_CLOCK = rf"(?:{CLOCK}(?![\d年月个]))?"
_WEEKDAY = r"(?:[（(](?:周|星期)[一二三四五六日天][）)])?"  # 2016年5月20日（周五）前
_DATE = (
    rf"(?:{_YEAR}(?:{_MD}|第?[{CN_NUMERALS}1-4]季度|上半年|下半年)?|{_MD})(?:底|末|中旬|上旬|下旬)?{_WEEKDAY}{_CLOCK}"
)
_RANGE_SEP = r"(?:至|到|—|－|-|~|～)"
_DAYS = r"(?:工作日|自然日|日历日)"
_PERIOD_UNIT = rf"年|个月|月|{_DAYS}|日|天|周|小时"
#: Year words without a year: 年底前, 年内, 当年, 次年, 上半年, 下半年. 年内 / 年底前 after a number are the tail of a
#: duration (三年内, 2年内, 近五年内, 一年内到期), not the deadline 年内; 次年 / 当年 are no word when the 次 / 当 ends
#: another (首次年度评估, 每次年检, 应当年满18周岁).
BARE_YEAR = re.compile(
    rf"(?<![\d{CN_NUMERALS}几多数半当每])(?:年底前|年内)"
    r"|(?<![首每再层依逐多屡数几其渐档批名席届班车场])次年"
    r"|(?<![应相适充担妥恰正])当年"
    r"|上半年|下半年"
)


class TimeKind(Enum):
    EFFECTIVE = "effective"  # 自…起施行 / 自发布之日起实施
    WINDOW = "window"  # 8月7日至9月8日
    DEADLINE = "deadline"  # 7月21日前, 2018年12月底前, 截至…
    DATE = "date"  # 2016年1月1日
    QUARTER = "quarter"  # 二季度
    TARGET_YEAR = "target_year"  # 到2020年
    PERIOD = "period"  # 三年内, 5个工作日, 有效期五年


@dataclass(frozen=True)
class TimeExpr:
    kind: TimeKind
    text: str
    start: int
    end: int


_PATTERNS: list[tuple[TimeKind, re.Pattern[str]]] = [
    (
        TimeKind.EFFECTIVE,
        re.compile(rf"自(?:{_DATE}|发布之日|印发之日|公布之日|颁布之日|发文之日)(?:起)?(?:施行|实施|执行|生效)"),
    ),
    (TimeKind.EFFECTIVE, re.compile(rf"(?:{_DATE})起(?:施行|实施|执行|生效)")),
    (TimeKind.EFFECTIVE, re.compile(r"(?:本(?:通知|办法|规定|条例|法|公告|意见|细则))?自发布之日起")),
    (  # 本公告适用于2016年度及以后年度企业所得税汇算清缴: a tax notice takes effect by tax year
        TimeKind.EFFECTIVE,
        re.compile(rf"(?:适用于|自){_YEAR}度(?:及以后年度|起)?"),
    ),
    (TimeKind.WINDOW, re.compile(rf"{_DATE}{_RANGE_SEP}{_DATE}")),
    (TimeKind.DEADLINE, re.compile(rf"(?:截至|截止(?:时间|日期)?(?:为|是|到|至)?|于|在)?{_DATE}(?:前|以前|之前)")),
    (TimeKind.DEADLINE, re.compile(rf"(?:截至|截止(?:时间|日期)?(?:为|是|到|至)?){_DATE}")),
    (TimeKind.DEADLINE, re.compile(r"(?:不迟于|不晚于|最迟(?:于|在)?)[^，。；、]{2,24}")),
    (TimeKind.DEADLINE, re.compile(r"[\u4e00-\u9fff]{2,10}(?:期)?(?:结束后|届满前|结束前)")),
    # 执行至2025年12月31日, 有效期至2027年12月31日: a date closing a span is a deadline, not the year 至2025年
    (TimeKind.DEADLINE, re.compile(rf"(?:到|至){_YEAR}{_MD}(?:底|末)?{_CLOCK}(?:止|前)?")),
    (TimeKind.TARGET_YEAR, re.compile(rf"(?:到|至){_YEAR}(?:底|末)?(?![\d{CN_NUMERALS}]{{1,2}}月)")),
    (TimeKind.QUARTER, re.compile(rf"(?:{_YEAR})?第?[{CN_NUMERALS}1-4]季度")),
    (TimeKind.DATE, re.compile(_DATE)),
    (TimeKind.DEADLINE, BARE_YEAR),
    (TimeKind.PERIOD, re.compile(rf"每(?:个)?(?:{_N})?(?:个)?(?:年度|年|季度|月|周|天|日|{_DAYS})")),
    (
        TimeKind.PERIOD,
        re.compile(
            rf"(?:有效期|执行期|近|最近)?{_N}(?:个)?(?:{_PERIOD_UNIT})"
            r"(?:(?:以内|之内|内|以上|以下)|(?=[，。；、的起后前止\s]|$))"
        ),
    ),
    (TimeKind.PERIOD, re.compile(rf"{_N}个(?:纳税|会计)?年度")),  # "在以后5个纳税年度结转抵免"
]


def find_times(text: str) -> list[TimeExpr]:
    """Non-overlapping time expressions of ``text``, most specific kind first, in text order."""
    taken: list[TimeExpr] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if m.end() - m.start() < 2:
                continue
            if any(m.start() < t.end and t.start < m.end() for t in taken):
                continue
            taken.append(TimeExpr(kind, m.group(0), m.start(), m.end()))
    return sorted(taken, key=lambda t: t.start)


_TAG_TIME = (
    rf"(?:\d{{4}}年)?(?:第?[{CN_NUMERALS}1-4]季度|上半年|下半年|年底前?|年内|全年|年中|年末前?"
    rf"|(?:\d{{1,2}}|[{CN_NUMERALS}]{{1,3}})月(?:底|份|中旬|上旬|下旬)?(?:前)?)"
)
#: A schedule item's closing time tag: ``…试点。（二季度）``.
TIME_TAG = re.compile(rf"[（(]({_TAG_TIME}(?:[-—至到~～、]{_TAG_TIME})?)[）)][。；.;]?$")


def time_tag(text: str) -> str | None:
    """The time tag closing a schedule item: ``…试点。（二季度）`` -> ``二季度``."""
    m = TIME_TAG.search(text.strip())
    return m.group(1) if m else None


def is_time_tag(text: str) -> bool:
    """Is the whole line just a time tag such as ``（二季度）``?"""
    stripped = text.strip()
    m = TIME_TAG.search(stripped)
    return m is not None and m.start() == 0
