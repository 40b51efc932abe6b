"""Support worked out for the asker's own amount: "我们的技改项目设备投资1500万元，能拿多少补助？" →
120万元, quoting the band it falls in ("设备投资额500万元（含）至2000万元的，按设备投资额的8%给予补助")
and the cap ("单个项目补助最高不超过500万元"), with the working shown (1500万元×8%=120万元).

The bands are those of the best retrieved passage that has bands of that amount's kind (the
question's base word, 投资 or 合同金额, in the band's own text or just before it).
"""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.composers.base import score_of
from policybot.answer.composers.values import source_path
from policybot.answer.context import AnswerContext
from policybot.genre.bands import (
    Band,
    StatedAmount,
    bands_in,
    cap_after,
    per_head,
    single_rate,
    stated_amount,
    stated_count,
)
from policybot.records import Chunk

__all__ = ["BandedSupport"]

_ASKS_AMOUNT = re.compile(r"多少|几万|how much", re.I)
_SUPPORT = re.compile(r"补助|补贴|奖励|资助|奖补|支持|扶持|能补|补多少|subsid|grant|award", re.I)


class BandedSupport:
    """The support of the band the asker's stated amount falls in, worked out."""

    name = "banded"

    def accepts(self, ctx: AnswerContext) -> bool:
        q = ctx.query.question
        stated = stated_amount(q) is not None or stated_count(q) is not None
        return bool(_ASKS_AMOUNT.search(q) and _SUPPORT.search(q)) and stated

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        stated = stated_amount(ctx.query.question)
        found = _banded(ctx, stated) if stated else None
        if stated is None or found is None:
            return _per_head(ctx, draft)
        if found[1] is None:
            return _outside(ctx, draft, stated, found[0], found[2])
        chunk, band, cap = found
        amount = round(stated.wan * band.percent / 100, 4)
        final = min(amount, cap[0]) if cap else amount
        score = score_of(ctx.hits, chunk, 0.0)
        working = f"{stated.text}×{_num(band.percent)}%={_num(amount)}万元"
        label = source_path(ctx.document(chunk.doc_id), chunk.section_path)
        first = cap[1] if cap and band.text in cap[1] else band.text  # the cap in the band's own part: once
        quotes = f"“{first}”{draft.cite(chunk, first, score)}"
        if cap and cap[1] not in first:
            quotes += f"\n“{cap[1]}”{draft.cite(chunk, cap[1], score)}"
        capped = cap is not None and amount > cap[0]
        if draft.query.lang == "zh":
            limit = f"，超过上限，按最高{_num(cap[0])}万元" if capped and cap else ""
            draft.add(
                f"{_num(final)}万元。按所述{stated.base}{stated.text}计算：{working}{limit}。\n根据{label}：\n{quotes}"
            )
        else:
            limit = f", above the cap of {_num(cap[0])}万元" if capped and cap else ""
            draft.add(f"{_num(final)}万元 ({working}{limit}). According to {label}:\n{quotes}")
        draft.derived += [working, f"{_num(final)}万元", stated.text]
        return True


_Found = tuple[Chunk, Band, tuple[float, str] | None] | tuple[Chunk, None, Band]


def _banded(ctx: AnswerContext, stated: StatedAmount) -> _Found | None:
    """The first retrieved chunk with bands of the stated amount's kind (or one ratio of it: "按设备
    投资额的15%给予补助"), the band the amount falls in and the cap after the bands."""
    for hit in ctx.hits[:6]:
        text = hit.chunk.text
        bands = [b for b in bands_in(text) if stated.base[:2] in text[max(0, b.start - 30) : b.start + len(b.text)]]
        single = None if bands else single_rate(text, stated.base)
        rules = [single] if single else bands
        if not rules:
            continue
        band = next((b for b in rules if b.holds(stated.wan)), None)
        if band is None:  # under the rule's floor: no support, and the rule says so
            return hit.chunk, None, rules[0]
        return hit.chunk, band, cap_after(text, band.start if single else bands[-1].start)
    return None


def _outside(ctx: AnswerContext, draft: Draft, stated: StatedAmount, chunk: Chunk, rule: Band) -> bool:
    """The stated amount is under the rule's lowest band: said, with the rule quoted."""
    mark = draft.cite(chunk, rule.text, score_of(ctx.hits, chunk, 0.0))
    label = source_path(ctx.document(chunk.doc_id), chunk.section_path)
    if draft.query.lang == "zh":
        draft.add(f"按所述{stated.base}{stated.text}，不在补助范围内。根据{label}：\n“{rule.text}”{mark}")
    else:
        draft.add(f"{stated.text} is below what the rule supports. According to {label}:\n“{rule.text}” {mark}")
    draft.derived.append(stated.text)
    return True


def _per_head(ctx: AnswerContext, draft: Draft) -> bool:
    """Support per person for the persons the asker counts ("新招8名毕业生" × "按每人1500元"), capped."""
    count = stated_count(ctx.query.question)
    for hit in ctx.hits[:6] if count else []:
        rule = per_head(hit.chunk.text)
        if rule is None or count is None:
            continue
        heads = min(count, rule.cap) if rule.cap else count
        total = heads * rule.yuan
        working = f"{heads}人×{_num(rule.yuan)}元={_num(total)}元"
        capped = f"（按最多{rule.cap}人计）" if rule.cap and count > rule.cap else ""
        mark = draft.cite(hit.chunk, rule.text, score_of(ctx.hits, hit.chunk, 0.0))
        label = source_path(ctx.document(hit.chunk.doc_id), hit.chunk.section_path)
        if draft.query.lang == "zh":
            draft.add(f"{_num(total)}元。按所述{count}人计算：{working}{capped}。\n根据{label}：\n“{rule.text}”{mark}")
        else:
            draft.add(f"{_num(total)}元 ({working}). According to {label}:\n“{rule.text}” {mark}")
        draft.derived += [working, f"{_num(total)}元", f"{count}人"]
        return True
    return False


def _num(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")
