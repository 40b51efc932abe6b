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
from policybot.genre.bands import Band, StatedAmount, bands_in, cap_after, stated_amount
from policybot.records import Chunk

__all__ = ["BandedSupport"]

_ASKS_AMOUNT = re.compile(r"多少|几万|how much", re.I)
_SUPPORT = re.compile(r"补助|补贴|奖励|资助|奖补|支持|扶持|subsid|grant|award", re.I)


class BandedSupport:
    """The support of the band the asker's stated amount falls in, worked out."""

    name = "banded"

    def accepts(self, ctx: AnswerContext) -> bool:
        q = ctx.query.question
        return bool(_ASKS_AMOUNT.search(q) and _SUPPORT.search(q)) and stated_amount(q) is not None

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        stated = stated_amount(ctx.query.question)
        found = _banded(ctx, stated) if stated else None
        if stated is None or found is None:
            return False
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
        draft.derived += [working, f"{_num(final)}万元"]
        return True


def _banded(ctx: AnswerContext, stated: StatedAmount) -> tuple[Chunk, Band, tuple[float, str] | None] | None:
    """The first retrieved chunk with bands of the stated amount's kind, the band the amount falls in
    and the cap after the bands."""
    for hit in ctx.hits[:6]:
        text = hit.chunk.text
        bands = [b for b in bands_in(text) if stated.base[:2] in text[max(0, b.start - 30) : b.start + len(b.text)]]
        band = next((b for b in bands if b.holds(stated.wan)), None)
        if band is not None:
            return hit.chunk, band, cap_after(text, bands[-1].start)
    return None


def _num(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")
