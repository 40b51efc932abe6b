"""What a lifecycle question asks: is a document still valid, what repealed it, which one is in
force, what it implements — and the date it asks about, if it names one."""

from __future__ import annotations

import re
from datetime import date
from enum import Enum

from policybot.lifecycle.dates import parse_span

__all__ = ["LifeAsk", "asked_date", "lifecycle_ask"]


class LifeAsk(Enum):
    VALIDITY = "validity"  # 这个办法还有效吗
    REPEALER = "repealer"  # 哪个文件废止了…
    REPEALED = "repealed"  # 这个办法废止了哪个文件 / 原来的哪个文件废止了
    CURRENT = "current"  # 现行的…是哪个
    BASIS = "basis"  # …是根据哪个文件制定的
    IMPLEMENTERS = "implementers"  # …出台后，又发了哪份公告来落实
    OPEN = "open"  # 还有哪些申报窗口开着


_PATTERNS = (
    (
        LifeAsk.OPEN,
        re.compile(
            r"哪些.{0,12}(?:还能|可以|正在|仍在|还在)(?:申报|申请|报送)|(?:申报|申请)(?:窗口|期).{0,6}(?:开着|开放|未截止)"
            r"|还有哪些.{0,8}(?:窗口|截止|期限)|哪些.{0,8}(?:还没|尚未)截止"
        ),
    ),
    (
        LifeAsk.REPEALED,
        re.compile(
            r"(?:废止|取代|替代)了?(?:哪[个份些]|哪[一两几][个份]|什么)(?:旧)?(?:文件|通知|公告|规定|办法)"
            r"|(?<!被)(?:哪[个份些]|哪[一两几][个份]|什么)(?:旧|原)?(?:文件|通知|公告|规定|办法)?(?:被|同时|也|一并)?(?:废止|失效)了?\s*[？?]?\s*$"
            r"|\bwhich (?:earlier |older |previous )?(?:documents?|measures?|notices?) "
            r"(?:(?:does|did|will) (?:it|this|the)(?: [\w-]+){0,3} repeal|(?:is|are|was|were) repealed\b)",
            re.I,
        ),
    ),
    (
        LifeAsk.REPEALER,
        re.compile(
            r"(?:哪个|哪份|哪一个|哪一份|什么)(?:文件|通知|公告|规定|办法|法律|条例)?(?:废止|取代|替代)了|被(?:哪个|哪份|哪些|什么)(?:文件|通知|公告)?(?:部分)?(?:废止|取代|替代)"
        ),
    ),
    (
        LifeAsk.IMPLEMENTERS,
        re.compile(
            r"(?:哪个|哪份|哪些|哪一份|什么)(?:文件|公告|通知|办法|细则|规定)?(?:来|用来|用于)?(?:落实|贯彻|实施|执行|细化)"
            r"|(?:落实|贯彻|实施|配套)[^，。？?]{0,20}的(?:是)?(?:哪个|哪份|哪些|什么)(?:文件|公告|通知|办法|细则)"
            r"|which (?:document|announcement|notice|measures?) (?:implements?|was issued to implement)",
            re.I,
        ),
    ),
    (LifeAsk.CURRENT, re.compile(r"现行(?:有效)?的.{0,30}?(?:是哪|是什么|哪个|哪份|哪一)")),
    (
        LifeAsk.BASIS,
        re.compile(
            r"(?:根据|依据|按照)(?:哪个|哪份|哪部|什么)(?:文件|法律|上位法)?|上位法|地方版本|哪部法律的"
            r"|是哪(?:个|份|部)(?:文件|法律|法规)的(?:实施|配套|地方)"
        ),
    ),
    (
        LifeAsk.VALIDITY,
        re.compile(
            r"还有效|是否有效|有效吗|仍然有效|依然有效|还在有效期|失效了吗|是否失效|废止了吗|是否(?:已经)?废止|还能用吗|还适用吗"
            r"|现行有效吗|生效了吗|是否生效|施行了吗|还在执行吗|还管用吗|效力如何|是否现行"
            r"|still (?:valid|in force)|in force|repealed|expired"
        ),
    ),
)
_ASKED_DAY = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|(\d{4})-(\d{1,2})-(\d{1,2})")
_NOT_A_DAY = re.compile(r"《[^》]*》|[〔\[（(]\d{4}[〕\]）)]\d+号|公告\d{4}年第\d+号")


def lifecycle_ask(question: str) -> LifeAsk | None:
    return next((kind for kind, pattern in _PATTERNS if pattern.search(question)), None)


def asked_date(question: str) -> date | None:
    """The day a question asks about (截至2019年6月1日…), not dates inside titles or 文号."""
    masked = _NOT_A_DAY.sub(lambda m: " " * len(m.group(0)), question)
    m = _ASKED_DAY.search(masked)
    if not m:
        return None
    span = parse_span(m.group(0))
    return span[0] if span else None
