"""The chat answer to "我们是…，能申请吗 / 能享受什么": the same check as the API, on the profile the
question's self-description gives, against the measures of the documents retrieval found. The
answer says the verdict first, then the deciding conditions, each quoted and cited.

Registered into the composer registry on import (before the other composers).
"""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.composers import register
from policybot.answer.composers.base import score_of
from policybot.answer.context import AnswerContext
from policybot.eligibility.asked import profile_from_text
from policybot.eligibility.check import check_measures
from policybot.eligibility.explain import ATTRIBUTE_NAMES, verdict_text
from policybot.eligibility.model import MeasureResult, Outcome, Verdict
from policybot.records import Chunk

__all__ = ["EligibilityCheck", "asks_eligibility"]

_ASKS = re.compile(
    r"能(?:否|不能)?(?:申请|申报|申领|领取|享受|认定|评为|入库|获得|参评)|可以(?:申请|申报|申领|享受)|可否申|是否符合|"
    r"符合.{0,8}条件|有资格|"
    r"能享受什么|eligib|qualif",
    re.I,
)


_VALUE = re.compile(r"多少|几成|比例是")  # "按多少补": a value question, for the quote-first composers


def asks_eligibility(question: str) -> bool:
    return bool(_ASKS.search(question))


def _chunk(ctx: AnswerContext, chunk_id: str) -> Chunk | None:
    return ctx.by_id.get(chunk_id)


def _cite(ctx: AnswerContext, draft: Draft, chunk_id: str, quote: str) -> str:
    chunk = _chunk(ctx, chunk_id)
    return draft.cite(chunk, quote, score_of(ctx.hits, chunk, 0.5)) if chunk else ""


class EligibilityCheck:
    """An enterprise describing itself and asking whether it qualifies."""

    name = "eligibility"

    def accepts(self, ctx: AnswerContext) -> bool:
        q = ctx.query
        return q.lang == "zh" and bool(q.own) and asks_eligibility(q.question) and not _VALUE.search(q.question)

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        if not ctx.hits:
            return False
        top = ctx.hits[0].chunk.doc_id  # the document the question is about
        measures = [m for m in ctx.index.measures if m.doc_id == top]
        if not measures:
            return False
        checked = check_measures(measures, profile_from_text(ctx.query.own))
        # a call's 支持对象 and 申报条件 are measures of one document: the one whose conditions the
        # description meets or fails decides, not one that asks nothing the asker said
        best = next((m for m in checked if any(r.outcome in (Outcome.MET, Outcome.NOT_MET) for r in m.results)), None)
        if best is None:
            return False  # the description says nothing the conditions ask: quote them instead
        _say(ctx, draft, best)
        return bool(draft.citations)


def _say(ctx: AnswerContext, draft: Draft, result: MeasureResult) -> None:
    m = result.measure
    draft.say(f"结论：{verdict_text(result.verdict, 'zh')}。", f"Verdict: {verdict_text(result.verdict, 'en')}. ")
    doc = ctx.document(m.doc_id)
    title = (doc.meta.short_title or doc.meta.title) if doc else m.doc_title
    lead = {
        Verdict.NOT_ELIGIBLE: "不满足",
        Verdict.NEEDS_INFO: "还需要确认",
        Verdict.ELIGIBLE: "满足",
    }[result.verdict]
    draft.add(f"依据《{title.strip('《》')}》，{lead}以下条件：")
    for r in result.deciding[:4]:
        c = r.condition
        mark = _cite(ctx, draft, c.chunk_id, c.quote)
        what = ATTRIBUTE_NAMES[c.attribute][0]
        state = {
            Outcome.NOT_MET: "不满足",
            Outcome.UNKNOWN: "未说明",
            Outcome.MET: "满足",
            Outcome.MANUAL: "需人工核对",
        }
        draft.add(f"\n- {what}（{state[r.outcome]}）：“{c.quote}”{mark}")
    if result.verdict is Verdict.NEEDS_INFO and result.missing:
        draft.add("\n请补充：" + "、".join(ATTRIBUTE_NAMES[a][0] for a in result.missing) + "。")
    if result.verdict is not Verdict.NOT_ELIGIBLE and m.support:
        s = m.support[0]
        draft.add(f"\n支持：“{s.text}”{_cite(ctx, draft, s.chunk_id, s.text)}")


register(EligibilityCheck(), before="document")
