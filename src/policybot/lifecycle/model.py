"""Typed records of a document's life: when it takes effect, how long it is valid, what it
repeals or implements, how it links to other documents of the corpus, and its status on a date."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

__all__ = [
    "DocStatus",
    "FactKind",
    "LifecycleFact",
    "Link",
    "LinkKind",
    "Reference",
    "Status",
    "normalize_number",
]


class Status(Enum):
    """Whether a document applies on a date (the words official databases use)."""

    REPEALED = "已废止"
    EXPIRED = "已失效"
    IN_FORCE = "现行"
    NOT_YET = "未生效"


class FactKind(Enum):
    EFFECTIVE = "effective"  # 自…起施行, 自发布之日起实施, 执行时间, 生效日期
    EXPIRES = "expires"  # 有效期X年, 执行期限至…
    REPEALS = "repeals"  # 同时废止《…》（文号）
    PARTLY_REPEALED = "partly_repealed"  # 【注：根据《…》（文号）本文件第X条…废止/失效】
    BASIS = "basis"  # 根据《…》 … 制定 / 现就…
    REVISED = "revised"  # 2017年9月1日 …会议修订 / 第一次修正
    PERIOD = "period"  # 2016 专项行动; 到2020年
    REPEALED = "repealed"  # sidecar 废止日期
    REPLACED_BY = "replaced_by"  # sidecar 被…替代
    ISSUED = "issued"  # no 施行 date written: the document as issued (its title, cited)


class LinkKind(Enum):
    REPEALS = "repeals"  # A repeals B
    IMPLEMENTS = "implements"  # A implements B (根据《B》)
    LOCAL_VERSION = "local_version"  # A is the local version of national B
    SUPERSEDES = "supersedes"  # A is a later revision of B, or replaces it (sidecar)


_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "【": "〔", "】": "〕", "（": "〔", "）": "〕", "(": "〔", ")": "〕"})


def normalize_number(number: str) -> str:
    """文号 in one spelling: no spaces, 〔〕 brackets (``财税[2015] 119号`` -> ``财税〔2015〕119号``)."""
    return re.sub(r"\s+", "", number).translate(_BRACKETS)


@dataclass(frozen=True)
class Reference:
    """Another document as a text names it: by 《title》, by 文号, or both."""

    title: str | None = None
    number: str | None = None

    @property
    def label(self) -> str:
        parts = [f"《{self.title}》" if self.title else "", f"（{self.number}）" if self.number else ""]
        return "".join(parts)


@dataclass(frozen=True)
class LifecycleFact:
    """One lifecycle statement of a document, with where it was read (a sidecar has no chunk).

    ``on`` is the ISO date it states (the start of validity, the expiry, the repeal); ``until``
    the end of a period; ``refs`` the documents it names.
    """

    kind: FactKind
    doc_id: str
    value: str
    quote: str
    section: str = ""
    chunk_id: str = ""
    start: int = -1
    on: date | None = None
    until: date | None = None
    refs: tuple[Reference, ...] = ()
    from_sidecar: bool = False


@dataclass(frozen=True)
class Link:
    """``source`` relates to ``target`` (a corpus document id) as ``kind`` says, because of ``fact``."""

    kind: LinkKind
    source: str
    target: str
    fact: LifecycleFact


@dataclass(frozen=True)
class DocStatus:
    """The status of a document on ``as_of``, the facts it rests on, and what replaced it."""

    doc_id: str
    status: Status
    as_of: date
    reason: str
    facts: tuple[LifecycleFact, ...] = ()
    replaced_by: tuple[str, ...] = field(default=())
    effective: date | None = None
    expires: date | None = None
