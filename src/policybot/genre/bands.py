"""Support paid in bands of the asker's own amount: "设备投资额500万元（含）至2000万元的，按设备投资额的
8%给予补助；设备投资额2000万元（含）以上的，按设备投资额的10%给予补助。单个项目补助最高不超过500万元。"

Amounts are read in 万元. A band's lower bound is included unless the band before it included it
as its upper bound ("…（含）"); its upper bound is excluded unless marked （含） or written 以下 (which
includes it, unless the next band claims it with （含）).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = [
    "Band",
    "PerHead",
    "StatedAmount",
    "bands_in",
    "cap_after",
    "per_head",
    "single_rate",
    "stated_amount",
    "stated_count",
]

_AMOUNT = r"(\d+(?:\.\d+)?)\s*(万|亿)?元"
_BAND = re.compile(
    rf"{_AMOUNT}(（含）)?(?:(?:至|到|-|－|—|~|～)\s*{_AMOUNT}(（含）)?(?:以下)?|(以上|以下))的?[，,]?"
    r"按[^，；。]{0,30}?(\d+(?:\.\d+)?)%"
)
_CAP = re.compile(rf"最高(?:不超过|不高于|为|补助|补贴|奖励|资助|支持)?\s*{_AMOUNT}|不超过\s*{_AMOUNT}")
#: What an asker states an amount of ("设备投资1500万元", "合同金额80万元").
_BASES = "投资额|投资|营业收入|收入|销售额|合同金额|合同额|购置额|金额|费用|总额|支出"
_SAID = r"(\d+(?:\.\d+)?)\s*(?:(万|亿)元?|元)"  # an asker may leave out 元: "设备投资2000万"
_STATED = re.compile(rf"({_BASES})[^，。？?\d]{{0,6}}?{_SAID}")


def _wan(number: str, unit: str | None) -> float:
    value = float(number)
    return value * 10000 if unit == "亿" else value if unit == "万" else value / 10000


@dataclass(frozen=True)
class Band:
    """One band: the amounts it covers (万元), its ratio (%) and the text that states it."""

    low: float
    high: float | None
    low_included: bool
    high_included: bool
    percent: float
    text: str
    start: int

    def holds(self, amount: float) -> bool:
        above = amount >= self.low if self.low_included else amount > self.low
        below = self.high is None or (amount <= self.high if self.high_included else amount < self.high)
        return above and below


@dataclass(frozen=True)
class StatedAmount:
    base: str  # what the amount is of: 投资, 合同金额 …
    wan: float
    text: str  # as the asker wrote it: "1500万元"


def stated_amount(question: str) -> StatedAmount | None:
    """The amount the asker states of their own case, in 万元."""
    m = _STATED.search(question)
    if m is None:
        return None
    return StatedAmount(m.group(1), _wan(m.group(2), m.group(3)), question[m.start(2) : m.end()])


def bands_in(text: str) -> list[Band]:
    """The bands of ``text`` in order; [] unless it holds two at least."""
    out: list[Band] = []
    for m in _BAND.finditer(text):
        low = _wan(m.group(1), m.group(2))
        low_in = bool(m.group(3)) or not (out and out[-1].high_included and out[-1].high == low)
        if m.group(4):
            band = Band(low, _wan(m.group(4), m.group(5)), low_in, bool(m.group(6)), float(m.group(8)), "", m.start())
        elif m.group(7) == "以下":
            band = Band(0.0, low, True, True, float(m.group(8)), "", m.start())
        else:
            band = Band(low, None, low_in, False, float(m.group(8)), "", m.start())
        if (
            out and out[-1].high == band.low and out[-1].high_included and m.group(3)
        ):  # "50万元以下" then "50万元（含）"
            out[-1] = replace(out[-1], high_included=False)
        out.append(_with_text(band, text))
    return out if len(out) >= 2 else []


def _with_text(band: Band, text: str) -> Band:
    """The band with its own ；-part of ``text`` ("设备投资额500万元（含）至2000万元的，按…8%给予补助")."""
    start = max(text.rfind(m, 0, band.start) for m in "；：。\n") + 1
    ends = [i for i in (text.find(m, band.start) for m in "；。\n") if i >= 0]
    return Band(
        band.low, band.high, band.low_included, band.high_included, band.percent,
        text[start : min(ends) if ends else len(text)].strip(), band.start,
    )  # fmt: skip


def cap_after(text: str, start: int) -> tuple[float, str] | None:
    """The cap stated after ``start`` ("单个项目补助最高不超过500万元"): 万元 and its sentence."""
    m = _CAP.search(text, start)
    if m is None:
        return None
    number, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    begin = max(text.rfind(c, 0, m.start()) for c in "；。\n") + 1
    ends = [i for i in (text.find(c, m.end()) for c in "；。\n") if i >= 0]
    return _wan(number, unit), text[begin : min(ends) if ends else len(text)].strip()


_RATE = re.compile(r"按[^，；。]{0,16}?的\s*(\d+(?:\.\d+)?)%\s*(?:给予|予以|进行)")


def single_rate(text: str, base: str) -> Band | None:
    """One ratio of the stated amount's kind ("按设备投资额的15%给予补助"), as a band that holds every amount."""
    for m in _RATE.finditer(text):
        if base[:2] in m.group(0):
            band = _with_text(Band(0.0, None, True, False, float(m.group(1)), "", m.start()), text)
            floor = _FLOOR.search(band.text)  # "投资额在500万元以上的，按…": below it, nothing
            return replace(band, low=_wan(floor.group(1), floor.group(2))) if floor else band
    return None


_FLOOR = re.compile(rf"{_AMOUNT}(?:（含）)?以上的")


_PER_HEAD = re.compile(r"每人(?:每月)?\s*(\d+(?:\.\d+)?)\s*(万)?元")
_HEADS_CAP = re.compile(r"(?:最多|不超过|最高)[^，。；\d]{0,6}?(\d+)\s*(?:人|名)")
_COUNT = re.compile(r"(\d+)\s*(?:名|个|位)?(?:[\u4e00-\u9fff]{0,6}?)(?:毕业生|员工|职工|人员|工人|学徒|人)")


@dataclass(frozen=True)
class PerHead:
    """Support per person ("按每人1500元的标准"), with a cap on the persons counted ("最多不超过20人")."""

    yuan: float
    cap: int | None
    text: str


def per_head(text: str) -> PerHead | None:
    m = _PER_HEAD.search(text)
    if m is None:
        return None
    yuan = float(m.group(1)) * (10000 if m.group(2) else 1)
    cap = _HEADS_CAP.search(text, m.end())
    start = max(text.rfind(c, 0, m.start()) for c in "。；\n") + 1
    ends = [i for i in (text.find(c, cap.end() if cap else m.end()) for c in "。\n") if i >= 0]
    return PerHead(yuan, int(cap.group(1)) if cap else None, text[start : min(ends) if ends else len(text)].strip())


def stated_count(question: str) -> int | None:
    """The persons an asker counts ("新招8名毕业生"), or None."""
    m = _COUNT.search(question)
    return int(m.group(1)) if m else None
