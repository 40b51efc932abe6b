"""Scoring tables (分档评价) of recognition and evaluation measures, and the asker's own ratio.

A scoring table is a lead line ("按科技人员数占企业职工总数的比例分档评价。") and lettered tiers
of a percentage range with their points::

    A. 30%(含)以上(20分)
    B. 25%(含)-30%(16分)
    F. 10%以下(0分)

A bound marked (含), or opening a range "a-b", or bounding "以上 / 不低于", includes its number;
"以下 / 低于 / 不足" and the upper end of a range without (含) exclude it, so 10% falls in
"10%(含)-15%" and not in "10%以下". Tiers whose range is not a percentage (knowledge-property
classes, counts of items) are not read here: they need a person or a rule of their own.

The asker's figure is a percentage they state ("研发费用占销售收入的5.5%") or a part of a whole
("200名员工，其中科技人员22人" → 22 ÷ 200 = 11%).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policybot.genre.numerals import normalize

__all__ = ["AskerRatio", "Tier", "TierTable", "asker_ratio", "asks_points", "tier_tables"]

_TIER = re.compile(
    r"^\s*([A-Ha-h])\s*[.．、]\s*(?P<range>.+?)\s*[（(]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[）)]\s*[。；;]?\s*$"
)
_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*(?P<incl>[（(]\s*含\s*[）)])?")
_RANGE_SEP = re.compile(r"\s*(?:-|－|—|–|~|～|至|到)\s*")
_ABOVE = re.compile(r"及?以上|不低于|不少于|≥|>=")
_ASKER_PCT = re.compile(r"(?P<neg>-|−|负|下降|减少)?\s*(\d+(?:\.\d+)?)\s*%")
_BELOW = re.compile(r"以下|低于|不足|不到|<|＜")
_ASKS = re.compile(r"多少分|几分|得分|哪一?档|打几分|what score|how many points", re.I)
_WHOLE_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*[名个位人家项]?[^，,。；;？?]{0,12}[，,、]?\s*其中[^，,。；;？?\d]{0,12}(\d+(?:\.\d+)?)"
)


@dataclass(frozen=True)
class Tier:
    """One lettered tier: its percentage range and points, and its line as written."""

    label: str
    low: float | None
    low_included: bool
    high: float | None
    high_included: bool
    points: str  # as written: "4分"
    line: str

    def holds(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_included)):
            return False
        return not (self.high is not None and (value > self.high or (value == self.high and not self.high_included)))


@dataclass(frozen=True)
class TierTable:
    """The lines before the tiers (what is scored, verbatim) and the tiers, in order."""

    lead: str
    tiers: tuple[Tier, ...]

    def tier_for(self, value: float) -> Tier | None:
        return next((t for t in self.tiers if t.holds(value)), None)


@dataclass(frozen=True)
class AskerRatio:
    """The asker's percentage, and how it was reached ("22÷200≈11%"), empty when stated."""

    percent: float
    working: str = ""


def _tier(line: str) -> Tier | None:
    m = _TIER.match(line)
    if not m:
        return None
    text = normalize(m.group("range"))
    bounds = list(_PCT.finditer(text))
    if not bounds or len(bounds) > 2:
        return None
    first = float(bounds[0].group(1))
    points = f"{m.group('points')}分"
    if len(bounds) == 2:
        if not _RANGE_SEP.fullmatch(text[bounds[0].end() : bounds[1].start()]):
            return None
        second = float(bounds[1].group(1))
        return Tier(m.group(1).upper(), first, True, second, bool(bounds[1].group("incl")), points, line.strip())
    rest = text[bounds[0].end() :]
    if _ABOVE.match(rest.strip()) or _ABOVE.search(text[: bounds[0].start()]):
        return Tier(m.group(1).upper(), first, True, None, False, points, line.strip())
    if _BELOW.match(rest.strip()) or _BELOW.search(text[: bounds[0].start()]):
        return Tier(m.group(1).upper(), None, False, first, bool(bounds[0].group("incl")), points, line.strip())
    return None


def tier_tables(text: str) -> list[TierTable]:
    """The scoring tables of ``text``: runs of at least two tier lines with their lead line."""
    tables: list[TierTable] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        run: list[Tier] = []
        j = i
        while j < len(lines) and (t := _tier(lines[j])) is not None:
            run.append(t)
            j += 1
        if len(run) >= 2:
            lead = next((ln.strip() for ln in reversed(lines[:i]) if ln.strip()), "")
            tables.append(TierTable(lead, tuple(run)))
        i = max(j, i + 1)
    return tables


def asks_points(question: str) -> bool:
    """Does the question ask how many points (分) something scores?"""
    return bool(_ASKS.search(question))


def asker_ratio(question: str) -> AskerRatio | None:
    """The percentage the asker gives, or the part-of-a-whole ratio they describe."""
    text = normalize(question)
    pct = _ASKER_PCT.search(text)
    if pct:
        return AskerRatio(-float(pct.group(2)) if pct.group("neg") else float(pct.group(2)))
    m = _WHOLE_PART.search(text)
    if not m:
        return None
    whole, part = float(m.group(1)), float(m.group(2))
    if whole <= 0 or part > whole:
        return None
    percent = round(100 * part / whole, 2)
    return AskerRatio(percent, f"{_plain(part)}÷{_plain(whole)}≈{_plain(percent)}%")


def _plain(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")
