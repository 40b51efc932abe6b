"""Figures with units: amounts of money, ratios, counts, physical quantities, durations.

``find_values`` returns each figure as the source writes it (``50%``, ``百分之五十``, ``200万元``,
``500人``, ``2亿元``, ``10亿千瓦``), with its kind and the number in a comparable form
(``Value.amount`` in the unit's base: yuan, percent, persons, years).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from policybot.genre.numerals import CN_NUMERALS, to_number

__all__ = ["QUANTITY_UNITS", "Value", "ValueKind", "find_values", "is_phone_number", "unit_kind"]


class ValueKind(Enum):
    MONEY = "money"
    RATIO = "ratio"
    COUNT = "count"
    QUANTITY = "quantity"
    DURATION = "duration"
    SCORE = "score"


_MONEY = {"元": 1, "万元": 1e4, "亿元": 1e8, "千元": 1e3, "百万元": 1e6}
_RATIO = ("%", "％", "个百分点", "倍", "成")
_COUNT = (
    "人",
    "名",
    "家",
    "个",
    "项",
    "所",
    "户",
    "座",
    "条",
    "次",
    "批",
    "类",
    "级",
    "种",
    "件",
    "台",
    "套",
    "位",
    "份",
    "学时",
    "课时",
    "小时",
)
#: Physical quantities; power and energy as plans and energy notices write them (300兆瓦, 2.5吉瓦, 120万千瓦,
#: 5000万千瓦时, 1.2亿千瓦时, 35蒸吨).
QUANTITY_UNITS = (
    "万吨",
    "吨",
    "千瓦时",
    "万千瓦时",
    "亿千瓦时",
    "兆瓦时",
    "吉瓦时",
    "度电",
    "万千瓦",
    "亿千瓦",
    "千瓦",
    "兆瓦",
    "吉瓦",
    "蒸吨",
    "千伏安",
    "兆伏安",
    "立方米",
    "万立方米",
    "平方米",
    "亩",
    "万亩",
    "公顷",
    "公里",
    "千米",
    "吨标准煤",
    "万吨标准煤",
)
_DURATION = {
    "年": 1.0,
    "个月": 1 / 12,
    "月": 1 / 12,
    "日": 1 / 365,
    "天": 1 / 365,
    "周": 7 / 365,
    "工作日": 1 / 250,
    "个工作日": 1 / 250,
    "自然日": 1 / 365,
    "个自然日": 1 / 365,
    "日历日": 1 / 365,
    "个小时": 1 / 8760,
    "个纳税年度": 1.0,  # "可以在以后5个纳税年度结转抵免"
    "个会计年度": 1.0,
    "个年度": 1.0,
}
_SCORE = ("分",)

_NUM = rf"(?:\d+(?:[.,]\d+)*|[{CN_NUMERALS}]+(?:[万亿][{CN_NUMERALS}]*)?)"
_UNITS = sorted(
    [*_MONEY, *_RATIO, *_COUNT, *QUANTITY_UNITS, *_DURATION, *_SCORE, "万人", "万家", "万户", "万个"],
    key=len,
    reverse=True,
)
_UNIT_RE = "|".join(map(re.escape, _UNITS))
_VALUE = re.compile(
    rf"(?P<pct>百分之(?P<pn>{_NUM}))|(?P<n>{_NUM})\s*(?P<big>[万亿](?![元吨千立亩人家户个]))?(?P<unit>{_UNIT_RE})(?!岁)"
    r"|(?P<pair>(?<![\d:：.])\d{1,3}(?:\.\d+)?\s*[:：]\s*\d{1,3}(?:\.\d+)?(?![\d:：]))"
)  # 45周岁 is an age, not 45 weeks
#: "车桩比达到2:1", "按1:1比例配套": a ratio of two numbers, not a clock time ("4月30日17:00").
_PAIR_OF = re.compile(r"(?:比|比例|配比|按)[^，。；\d]{0,6}$")


@dataclass(frozen=True)
class Value:
    kind: ValueKind
    text: str  # as written
    start: int
    end: int
    amount: float | None  # in the unit's base (yuan, percent, persons, years); None if unreadable
    unit: str


def unit_kind(unit: str) -> ValueKind | None:
    u = unit.lstrip("万亿")
    if unit in _MONEY or u in _MONEY:
        return ValueKind.MONEY
    if unit in _RATIO:
        return ValueKind.RATIO
    if unit in QUANTITY_UNITS:
        return ValueKind.QUANTITY
    if unit in _DURATION:
        return ValueKind.DURATION
    if unit in _SCORE:
        return ValueKind.SCORE
    if unit in _COUNT or u in _COUNT:
        return ValueKind.COUNT
    return None


def _scale(unit: str, big: str | None) -> tuple[float, str]:
    factor = {"万": 1e4, "亿": 1e8}.get(big or "", 1.0)
    if unit in _MONEY:
        return factor * _MONEY[unit], "元"
    if unit in ("%", "％"):
        return factor, "%"
    if unit in _DURATION:
        return factor * _DURATION[unit], "年"
    if unit.startswith("万") and unit[1:] in _COUNT:
        return factor * 1e4, unit[1:]
    return factor, unit


_CALL_WORDS = re.compile(r"(?:电话|热线|拨打|致电|传真|手机|号码|座机|来电|呼叫)[^，。；;,\d]{0,6}$")
_PHONE_DIGITS = re.compile(r"\d{3,4}[-－]\d{7,8}|0\d{2,3}\d{7,8}|1[3-9]\d{9}|1\d{4}|9\d{4}|\d{7,8}")
_NOT_A_UNIT = re.compile(r"人社|人力|人民|人才|台办")


def is_phone_number(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` a phone or hotline number ("咨询电话：0573-82529631", "拨打12333人社服务热线")?
    Such a number takes no unit from the words after it."""
    number = text[start:end].strip()
    if not re.fullmatch(r"[\d\-－]+", number):
        return False
    if _NOT_A_UNIT.match(text, end) and len(number) >= 5:
        return True  # 12333人社服务热线, 12345人民热线
    return bool(_CALL_WORDS.search(text[max(0, start - 12) : start])) and bool(_PHONE_DIGITS.fullmatch(number))


def find_values(text: str) -> list[Value]:
    """Figures with units in ``text``, in order. Ordinals (第三条) and years (2016年) are not values."""
    out: list[Value] = []
    for m in _VALUE.finditer(text):
        if m.group("pair"):
            if _PAIR_OF.search(text[max(0, m.start() - 10) : m.start()]):
                out.append(Value(ValueKind.RATIO, m.group(0), m.start(), m.end(), None, ":"))
            continue
        if m.group("pct"):
            n = to_number(m.group("pn"))
            out.append(Value(ValueKind.RATIO, m.group(0), m.start(), m.end(), n, "%"))
            continue
        number, unit = m.group("n"), m.group("unit")
        if is_phone_number(text, m.start("n"), m.end("n")):
            continue  # 咨询电话12333, 拨打12333人社服务热线: a number to call, not 12333人
        before = text[max(0, m.start() - 1) : m.start()]
        if before == "第" or (unit == "年" and re.fullmatch(r"\d{4}", number)):
            continue  # 第三条, 2016年
        if unit == "年" and re.search(r"\d\s*[×xX]\s*$", text[: m.start()]):
            continue  # 2×24年: an accounting example's year, not 24 years
        if unit in ("月", "日") and re.search(r"\d{4}年$|月$", text[: m.start()]):
            continue  # part of a date
        if unit == "月" or (unit == "日" and re.match(r"[前后起止至]|以前|之前", text[m.end() :])):
            continue  # 3月底前, 12月31日前: a date, not a duration (durations say 个月, 日内, 天)
        kind = unit_kind(unit)
        if kind is None:
            continue
        n = to_number(number)
        factor, base = _scale(unit, m.group("big"))
        out.append(Value(kind, m.group(0), m.start(), m.end(), None if n is None else n * factor, base))
    return out
