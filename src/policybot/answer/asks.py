"""A message that asks several things ("大厦原值多少、原定折旧年限多少年？", "报送到哪个部门？联系电话是
多少？") as separate asks, each with the words that set it up.

The chain answers the whole message first. Only when an ask is a figure, date, contact or body of
its own that the whole answer does not quote is it answered on its own, and the answers are joined.
"""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.evidence import AnswerType, answer_type
from policybot.answer.understanding import required_terms

__all__ = ["covered", "merge_drafts", "split_asks"]

#: What an ask of its own asks for: a value, a time, a contact, or a body (哪个部门 / 哪个城市).
_OWN_KINDS = frozenset(
    {
        AnswerType.RATIO,
        AnswerType.AMOUNT,
        AnswerType.MONEY,
        AnswerType.COUNT,
        AnswerType.SCORE,
        AnswerType.NUMBER,
        AnswerType.FREQUENCY,
        AnswerType.YEAR,
        AnswerType.PERIOD,
        AnswerType.TIME,
        AnswerType.EFFECTIVE,
        AnswerType.CONTACT,
    }
)
_ASKS = re.compile(r"多少|多大|多长|多久|几|哪|什么|何时|吗|是否|能否|有没有")
_BODY = re.compile(r"哪(?:个|些|家)(?:部门|单位|机关|城市|地区|省|市)|报送(?:到|至)哪")
_PIECE = re.compile(r"[^，、；？?。]+[，、；？?。]?")
_TOGETHER = re.compile(r"分别|各(?:自|占|是)?|以及|和.{0,8}(?:多少|几)")


def _asks_own(piece: str) -> bool:
    return answer_type(piece) in _OWN_KINDS or bool(_BODY.search(piece))


_EACH = re.compile(
    r"(?P<head>^|[，；。？?])(?P<a>[^，；。？?和与及]{2,20})(?:和|与|及)(?P<b>[^，；。？?和与及]{2,12})分别(?P<ask>[^，；。？?]+)"
)


def _each(question: str) -> list[tuple[str, str]]:
    """ "职业院校专业目录和教材分别多久修订一次？": one ask per subject, when each is a figure or time."""
    m = _EACH.search(question)
    if m is None or not _asks_own(m.group("ask")):
        return []
    a, b, ask = m.group("a"), m.group("b"), m.group("ask")
    if "的" in b:  # "东莞和苏州的补贴比例": what follows 的 belongs to both
        a += b[b.index("的") :]
    before, after = question[: m.start("a")], question[m.end("ask") :].lstrip("？?。")
    return [(f"{x}{ask}", f"{before}{x}{ask}？{after}") for x in (a, b)]


def split_asks(question: str) -> list[tuple[str, str]]:
    """The asks of ``question`` when it asks two or more figures, dates, contacts or bodies in
    separate clauses; each is written out with the clauses before the first ask that set it up
    ("会计司问答的玻璃幕墙案例里，"). ``[]`` for a question that asks one thing, asks together
    ("分别", "各"), or mixes in a yes/no or a how ("这违法吗？会怎么处罚？"). Each ask comes as
    (the ask as the message wrote it, the question to answer it by)."""
    if re.search(r"[a-zA-Z]{3,}", question):
        return []
    if "分别" in question:
        return _each(question)
    pieces = [p.strip() for p in _PIECE.findall(question) if p.strip()]
    setup: list[str] = []
    asks: list[str] = []
    for piece in pieces:
        if not _ASKS.search(piece):
            if asks:
                asks[-1] += piece  # "…多少，其中…": a clause after an ask belongs to it
            else:
                setup.append(piece)
            continue
        asks.append(piece)
    if len(asks) < 2 or any(_TOGETHER.search(a) or not _asks_own(a) for a in asks):
        return []
    lead = "".join(setup)
    own = [re.sub(r"[，、；。？?]$", "", a) for a in asks]
    first = _ASKS.search(own[0])
    subject = own[0][: first.start()] if first else ""  # "…到2022年要建" of "…要建多少所…、多少个…"
    bare = _PREPOSITION.sub("", subject)  # "…设备投资项目按什么比例补助？最高多少？": 最高多少 of that project
    heads = ["", *(subject if _ASKS.match(a) else bare if _subjectless(a) else "" for a in own[1:])]
    return [(a, f"{lead}{head}{a}？") for head, a in zip(heads, own, strict=True)]


_PREPOSITION = re.compile(r"(?:按照|按|依照|对于|对|给予|给|为|是|的|每个?[月年人户家])$")


def _subjectless(ask: str) -> bool:
    """Does an ask name no thing of its own ("最高多少", "最多能领多少个月")?"""
    return not required_terms(ask)


def covered(whole: Draft, part: Draft) -> bool:
    """Does ``whole`` already quote what ``part`` answers from (its first citation's passage), and say
    the part's answer in its own first sentence ("自2025年3月1日起施行" does not say 有效期3年)?"""
    if not part.citations:
        return True
    first = part.citations[0]
    quoted = any(
        c.chunk_id == first.chunk_id and (first.quote in c.quote or c.quote in first.quote) for c in whole.citations
    )
    lead = _lead(part.text)
    return quoted and bool(re.search(rf"(?<![\d.]){re.escape(lead)}", _unquoted(whole.text)))  # not 5年 of 2025年


def _lead(text: str) -> str:
    """The answer a draft leads with: its first sentence, before its first quote, without marks."""
    return _unquoted(re.split(r"[。\n]|(?:根据|依据)[《：:]", text, maxsplit=1)[0]).strip()


def _unquoted(text: str) -> str:
    """``text`` without its quotes and citation marks: what the answer says in its own words."""
    return re.sub(r"\[\d+\]", "", re.sub(r"“[^”]*”", "", text))


def merge_drafts(query_draft: Draft, parts: list[tuple[str, Draft]]) -> Draft:
    """One draft of the answers to each ask, in order, each under the ask it answers, with the
    citations renumbered (an identical quote is cited once)."""
    out = Draft(query_draft.query)
    for ask, part in parts:
        text = _renumbered(part.text, {c.id: out.recite(c) for c in part.citations})
        out.add(("\n\n" if out.parts else "") + f"{ask}：{text}")
        out.facts += part.facts
        out.derived += part.derived
    return out


def _renumbered(text: str, mapping: dict[int, int]) -> str:
    return re.sub(r"\[(\d+)\]", lambda m: f"[{mapping.get(int(m.group(1)), int(m.group(1)))}]", text)
