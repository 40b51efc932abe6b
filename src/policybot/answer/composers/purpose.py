"""The document a document acts on: "这个办法是为了贯彻落实哪个文件？" is answered with the 《title》 the
text puts right after that verb ("为贯彻落实《国家创新驱动发展战略纲要》，…"), quoted where it stands."""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.composers.base import score_of
from policybot.answer.composers.values import source_path
from policybot.answer.context import AnswerContext
from policybot.records import Chunk

__all__ = ["ActedOn", "acted_verb"]

#: "为了深入实施哪个文件", "贯彻落实哪份文件", "围绕哪个规划": the verb, then which document.
_ASKS = re.compile(
    r"([\u4e00-\u9fff]{2})(?:的是)?哪(?:个|份|部|一个|一份|项)(?:文件|规划|纲要|战略|法律|政策|指南|方案|意见|决定|通知)"
)
#: Verbs the lifecycle composer answers from its own facts (根据 / 依据 / 废止 / 修订 …).
_LIFECYCLE = frozenset({"根据", "依据", "按照", "废止", "修订", "修改", "替代", "取代"})


def acted_verb(question: str) -> str | None:
    """The verb a which-document question asks about ("为了深入实施哪个文件" -> 实施), else None."""
    m = _ASKS.search(question)
    return m.group(1) if m and m.group(1) not in _LIFECYCLE else None


class ActedOn:
    """The 《document》 a text names right after the verb the question asks with."""

    name = "acted-on"

    def accepts(self, ctx: AnswerContext) -> bool:
        return ctx.query.lang == "zh" and acted_verb(ctx.query.question) is not None

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        verb = acted_verb(ctx.query.question) or ""
        found = _naming(ctx, re.compile(rf"{verb}\s*《([^》]{{2,60}})》"))
        if found is None:
            return False
        chunk, quote, titles = found
        mark = draft.cite(chunk, quote, score_of(ctx.hits, chunk, 0.0))
        label = source_path(ctx.document(chunk.doc_id), chunk.section_path)
        named = "、".join("《" + re.sub(r"\s+", "", t) + "》" for t in titles)
        draft.add(f"{named}。\n根据{label}：“{quote}”{mark}")
        return True


def _naming(ctx: AnswerContext, pattern: re.Pattern[str]) -> tuple[Chunk, str, list[str]] | None:
    """The first sentence, in the retrieved documents (best first), where ``pattern`` names a
    document: its chunk, the sentence, and the titles it names that way."""
    docs = dict.fromkeys([h.chunk.doc_id for h in ctx.hits] + list(ctx.scope or ()))
    for doc_id in docs:
        for chunk in sorted((c for c in ctx.index.chunks if c.doc_id == doc_id), key=lambda c: c.ordinal):
            m = pattern.search(chunk.text)
            if m is None:
                continue
            start = max(chunk.text.rfind(mark, 0, m.start()) for mark in "。\n") + 1
            end = chunk.text.find("。", m.end())
            sentence = chunk.text[start : end + 1 if end >= 0 else len(chunk.text)].strip()
            return chunk, sentence, [t for t in pattern.findall(sentence)]
    return None
