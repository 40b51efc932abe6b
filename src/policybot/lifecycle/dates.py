"""Dates as policy documents write them, made comparable: 2016年1月1日, 2016-01-01, 二〇一六年,
month ends (12月底), quarters (三季度), years (到2020年), and a month-day without a year, which
takes the year of its context."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from policybot.genre import CN_NUMERALS, cn_to_int

__all__ = ["add_years", "month_end", "parse_date", "parse_span", "quarter_span", "year_of"]

_N = rf"(\d{{1,4}}|[{CN_NUMERALS}]{{1,4}})"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YMD = re.compile(rf"(?:(\d{{4}}|[〇○零一二三四五六七八九]{{4}})\s*年)?\s*(?:{_N}\s*月(?:\s*{_N}\s*[日号])?)?(底|末)?")
_QUARTER = re.compile(rf"(?:(\d{{4}})年)?第?([{CN_NUMERALS}1-4])季度")


def _num(text: str) -> int:
    return int(text) if text.isdigit() else cn_to_int(text)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_years(day: date, years: int) -> date:
    """``day`` plus ``years`` (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def quarter_span(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    return first, month_end(year, 3 * quarter)


def year_of(text: str) -> int | None:
    """The first four-digit year in ``text`` (1949–2099)."""
    m = re.search(r"(19[5-9]\d|20\d{2})", text)
    return int(m.group(1)) if m else None


def parse_span(text: str, default_year: int | None = None) -> tuple[date, date] | None:
    """The first and last day ``text`` names: a day is one day, a month or a year its whole
    length, a quarter its three months; ``default_year`` completes a month-day without a year."""
    m = _ISO.search(text)
    if m:
        day = _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return (day, day) if day else None
    q = _QUARTER.search(text)
    if q:
        year = int(q.group(1)) if q.group(1) else default_year
        return quarter_span(year, _num(q.group(2))) if year else None
    for m in _YMD.finditer(text):
        if not (m.group(1) or m.group(2)):
            continue
        year = _num(m.group(1)) if m.group(1) else default_year
        if year is None or not 1900 < year < 2200:
            return None
        if not m.group(2):
            return date(year, 1, 1), date(year, 12, 31)
        month = _num(m.group(2))
        if not 1 <= month <= 12:
            return None
        if m.group(3) and not m.group(4):
            day = _safe(year, month, _num(m.group(3)))
            return (day, day) if day else None
        return date(year, month, 1), month_end(year, month)
    return None


def parse_date(text: str, default_year: int | None = None) -> date | None:
    """The last day of what ``text`` names (a deadline "2018年12月底前" is 2018-12-31)."""
    span = parse_span(text, default_year)
    return span[1] if span else None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def day_before(day: date) -> date:
    return day - timedelta(days=1)
