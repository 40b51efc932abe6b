"""A law's or regulation's record of passage: the lines under its title that say when it was
adopted, revised and amended ("1997年11月1日第八届全国人民代表大会常务委员会第二十八次会议通过",
"…第二次修正"), in the order they are written, which is the order they happened."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = ["Enactment", "EnactmentKind", "asked_enactment", "enactments"]


class EnactmentKind(Enum):
    ADOPTED = "adopted"  # 通过
    REVISED = "revised"  # 修订: the whole text revised
    AMENDED = "amended"  # 修正: amended by a decision
    PROMULGATED = "promulgated"  # 公布


_WORDS = {"通过": EnactmentKind.ADOPTED, "修订": EnactmentKind.REVISED, "修正": EnactmentKind.AMENDED}
_WORDS |= {"公布": EnactmentKind.PROMULGATED}
#: a record opens a line, or follows the record before it on a line that cleaning joined
_LINE = re.compile(
    r"(?:^|(?<=通过|修订|修正|公布)|(?<=[）)]))[（(]?\s*((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)"
    r"[^。\n]{0,120}?(通过|修订|修正|公布)(?:[）)])?",
    re.M,
)
#: how a question names each step ("通过首贷服务中心" is a preposition, "哪天通过的" the step)
_ASKED = {
    EnactmentKind.ADOPTED: re.compile(r"通过(?=的|了|[，。？?]|$)|制定的|颁布|\b(?:adopted|enacted|passed)\b", re.I),
    EnactmentKind.REVISED: re.compile(r"修订(?=的|了|[，。？?]|$)|版本|\b(?:revised|revision)\b", re.I),
    EnactmentKind.AMENDED: re.compile(r"修正|修改(?=的|了|[，。？?]|$)|\b(?:amended|amendment)\b", re.I),
}


@dataclass(frozen=True)
class Enactment:
    kind: EnactmentKind
    date: str  # as written: 1997年11月1日
    line: str  # the whole line, verbatim
    start: int  # offset of the line in the text


def enactments(text: str, head: int = 1500) -> list[Enactment]:
    """The record-of-passage lines near the top of ``text`` (its first ``head`` characters)."""
    return [
        Enactment(_WORDS[m.group(2)], m.group(1), m.group(0).strip(), m.start()) for m in _LINE.finditer(text[:head])
    ]


def asked_enactment(question: str) -> list[EnactmentKind]:
    """The steps of a law's passage the question asks about, in the order of passage."""
    return [kind for kind, pattern in _ASKED.items() if pattern.search(question)]
