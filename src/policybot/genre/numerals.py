"""Chinese numerals and the canonical form figures are compared in.

``normalize`` makes full-width digits ASCII and writes Chinese numerals as digits
(二〇一六年 -> 2016年, 百分之十 -> 10%, 五百人 -> 500人, 三季度 / 第三季度 / Q3 / third quarter -> Q3),
and drops whitespace. Grounding, refusal and the value finders all compare in this form.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CN_NUMERALS", "cn_to_int", "normalize", "to_number"]

_DIGIT = dict(zip("〇○零一二两三四五六七八九", (0, 0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
#: Characters that make up a Chinese numeral (without 万/亿).
CN_NUMERALS = "〇○零一二两三四五六七八九十百千"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_QUARTER = re.compile(r"第?([1-4])季度|\bQ([1-4])\b|\b(first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter", re.I)
_CN = f"[{CN_NUMERALS}]"
_COUNTED = (
    r"(?:万|亿)?(?:吨|元|个|家|项|座|人|名|户|亩|所|条|次|倍|千瓦|兆瓦|吉瓦|%|个百分点"
    r"|年|个月|月|日|天|周|工作日|自然日|分|岁|级|类|批)"
)


def cn_to_int(text: str) -> int:
    """Chinese numeral to int: 十二 -> 12, 二十四 -> 24, 一百零五 -> 105, 二〇一六 -> 2016, 两万 -> 20000."""
    if text and all(c in _DIGIT for c in text):
        return int("".join(str(_DIGIT[c]) for c in text))
    total, section, current = 0, 0, 0
    for ch in text:
        if ch in _DIGIT:
            current = _DIGIT[ch]
        elif ch in _UNIT:
            section += (current or 1) * _UNIT[ch]
            current = 0
        elif ch in _BIG:
            total += (section + current or 1) * _BIG[ch]
            section, current = 0, 0
    return total + section + current


def _num(token: str) -> str:
    return token if token[0].isdigit() else str(cn_to_int(token))


def normalize(text: str) -> str:
    """Canonical text for comparing figures (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(rf"百分之([\d.]+|{_CN}+)", lambda m: f"{_num(m.group(1))}%", text)
    text = re.sub(rf"({_CN}{{2,}})(?=年)", lambda m: str(cn_to_int(m.group(1))), text)
    text = re.sub(rf"({_CN}{{1,3}})(?=[月日])", lambda m: str(cn_to_int(m.group(1))), text)
    text = re.sub(r"([一二三四])(?=季度)", lambda m: str(_DIGIT[m.group(1)]), text)
    text = re.sub(rf"(?<![第{CN_NUMERALS}])({_CN}+)(?={_COUNTED})", lambda m: str(cn_to_int(m.group(1))), text)
    text = re.sub(rf"(?<![第{CN_NUMERALS}])({_CN}+)(?=[万亿])", lambda m: str(cn_to_int(m.group(1))), text)
    text = _QUARTER.sub(lambda m: f"Q{m.group(1) or m.group(2) or _ORDINALS[m.group(3).lower()]}", text)
    return re.sub(r"\s+", "", text)


def to_number(token: str) -> float | None:
    """``"1.2"`` -> 1.2, ``"五百"`` -> 500.0, ``"两"`` -> 2.0; None when it is not a numeral."""
    token = unicodedata.normalize("NFKC", token).replace(",", "")
    try:
        return float(token)
    except ValueError:
        pass
    if token and all(c in _DIGIT or c in _UNIT or c in _BIG for c in token):
        return float(cn_to_int(token))
    return None
