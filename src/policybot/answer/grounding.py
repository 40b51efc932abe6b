"""Grounding: every number, date and quarter in an answer must appear in what it cites.

Both sides are normalised first: full-width digits and letters to ASCII, Chinese numerals to
digits (二〇一六年 -> 2016年, 百分之十 -> 10%, 三季度 / 第三季度 / Q3 / third quarter -> Q3).
An answer that fails is not shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["GroundingResult", "check_grounding", "figures", "normalize"]

_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN = "〇零一二两三四五六七八九十百千"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_QUARTER = re.compile(r"第?([1-4])季度|\bQ([1-4])\b|\b(first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter", re.I)
_MARKER = re.compile(r"\[\d+\]|^\s*\d{1,2}[.、．](?!\d)\s*", re.M)  # citation markers and list numbering
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _cn_to_int(text: str) -> int:
    """Chinese numeral to int: 十二 -> 12, 二十四 -> 24, 一百零五 -> 105, 二〇一六 -> 2016."""
    if all(c in _DIGIT for c in text):
        return int("".join(str(_DIGIT[c]) for c in text))
    total, current = 0, 0
    for ch in text:
        if ch in _DIGIT:
            current = _DIGIT[ch]
        elif ch in _UNIT:
            total += (current or 1) * _UNIT[ch]
            current = 0
    return total + current


def normalize(text: str) -> str:
    """Canonical text for comparing figures (see module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"百分之([\d.]+|[" + _CN + "]+)", lambda m: f"{_num(m.group(1))}%", text)
    text = re.sub(r"([" + _CN + r"]{2,})(?=年)", lambda m: str(_cn_to_int(m.group(1))), text)
    text = re.sub(r"([" + _CN + r"]{1,3})(?=[月日])", lambda m: str(_cn_to_int(m.group(1))), text)
    text = re.sub(r"([一二三四])(?=季度)", lambda m: str(_DIGIT[m.group(1)]), text)
    text = re.sub(
        r"([" + _CN + r"]+)(?=(?:万|亿)?(?:吨|元|个|家|项|座|人|户|亩|千瓦|%|个百分点))",
        lambda m: str(_cn_to_int(m.group(1))),
        text,
    )
    text = re.sub(r"([" + _CN + r"]+)(?=[万亿])", lambda m: str(_cn_to_int(m.group(1))), text)
    text = _QUARTER.sub(lambda m: f"Q{m.group(1) or m.group(2) or _ORDINALS[m.group(3).lower()]}", text)
    return re.sub(r"\s+", "", text)


def _num(token: str) -> str:
    return token if token[0].isdigit() else str(_cn_to_int(token))


def figures(text: str) -> list[str]:
    """The numbers and quarters in ``text`` (citation markers and list numbers left out)."""
    norm = normalize(_MARKER.sub("", unicodedata.normalize("NFKC", text)))
    found = re.findall(r"Q[1-4]", norm)
    for m in _NUMBER.finditer(re.sub(r"Q[1-4]", "", norm)):
        found.append(m.group(0))
    return found


@dataclass(frozen=True)
class GroundingResult:
    ok: bool
    unsupported: tuple[str, ...]


def check_grounding(answer: str, sources: Iterable[str]) -> GroundingResult:
    """Is every figure of ``answer`` present in at least one of ``sources``?"""
    pool = normalize("\n".join(sources))
    pool_numbers = set(_NUMBER.findall(re.sub(r"Q[1-4]", "", pool)))
    pool_quarters = set(re.findall(r"Q[1-4]", pool))
    missing = []
    for fig in figures(answer):
        if fig.startswith("Q"):
            if fig not in pool_quarters:
                missing.append(fig)
        elif fig not in pool_numbers and _strip(fig) not in {_strip(n) for n in pool_numbers}:
            missing.append(fig)
    return GroundingResult(not missing, tuple(dict.fromkeys(missing)))


def _strip(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number
