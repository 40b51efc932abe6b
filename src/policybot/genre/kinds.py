"""Genres of policy documents, read from the title and the text's own structure.

A sidecar's ``genre`` wins; otherwise the title's last words decide (…申报通知 is a call, …办法 a
regulation), and a text made of 第X条 articles is a regulation whatever its title says.
"""

from __future__ import annotations

import re
from enum import Enum

__all__ = ["Genre", "detect_genre"]


class Genre(Enum):
    PLAN = "plan"  # 实施方案 / 工作方案 / 规划 / 行动计划
    OPINION = "opinion"  # 指导意见 / 若干意见
    REGULATION = "regulation"  # 法 / 条例 / 办法 / 规定 / 细则: 第X条 articles
    NOTICE = "notice"  # 通知 / 公告 setting out a policy (tax notices, announcements)
    CALL = "call"  # 申报通知 / 申报指南 / 申报条件及要求
    QA = "qa"  # 问答 / 解读
    OTHER = "other"

    @classmethod
    def parse(cls, value: str | None) -> Genre | None:
        if not value:
            return None
        try:
            return cls(value.strip().lower())
        except ValueError:
            return None


_RULES: list[tuple[Genre, re.Pattern[str]]] = [
    (Genre.CALL, re.compile(r"申报|申请指南|征集|遴选|预申报|申报条件|项目指南|组织实施.*(?:计划|项目).*通知")),
    (Genre.QA, re.compile(r"问答|答记者问|解读|释义")),
    (Genre.REGULATION, re.compile(r"(?:法|条例|办法|规定|细则|规则|准则)》?(?:（[^）]*）)?(?:的通知)?$")),
    (Genre.OPINION, re.compile(r"意见》?(?:的通知)?$")),
    (Genre.PLAN, re.compile(r"(?:方案|规划|计划|纲要|行动)》?(?:的通知)?$")),
    (Genre.NOTICE, re.compile(r"(?:通知|公告|通告|决定)$")),
]
_ARTICLE = re.compile(r"^第[一二三四五六七八九十百零〇两\d]+条", re.M)


def detect_genre(title: str, text: str = "") -> Genre:
    """The genre of a document from its title and, failing that, its text."""
    squashed = re.sub(r"\s+", "", title)
    for genre, pattern in _RULES:
        if pattern.search(squashed):
            return genre
    if len(_ARTICLE.findall(text)) >= 5:
        return Genre.REGULATION
    return Genre.OTHER
