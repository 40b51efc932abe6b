"""Points in a scoring table for the asker's own figure: "研发费用占销售收入的5.5%，研发投入指标能得
多少分" → 40分, quoting the tier "B. 5%(含)-6%(40分)" and the line that says what is scored.

The table is the one of the retrieved documents whose lead line and section headings share the
most with the question; the asker's figure is a percentage they state or a part of a whole they
describe ("200名员工，其中科技人员22人": 22÷200≈11%), and the working is shown.
"""

from __future__ import annotations

from policybot.answer.compose import Draft
from policybot.answer.composers.base import score_of
from policybot.answer.composers.values import source_path
from policybot.answer.context import AnswerContext
from policybot.answer.understanding import bigrams
from policybot.genre.tiers import TierTable, asker_ratio, asks_points, tier_tables
from policybot.records import Chunk

__all__ = ["ScoreTier"]

MIN_SHARED = 3  # bigrams the table's lead and headings must share with the question


class ScoreTier:
    """The tier of a scoring table that the asker's percentage falls in."""

    name = "tier"

    def accepts(self, ctx: AnswerContext) -> bool:
        q = ctx.query.question
        return asks_points(q) and asker_ratio(q) is not None

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        ratio = asker_ratio(ctx.query.question)
        found = _best_table(ctx)
        if ratio is None or found is None:
            return False
        chunk, table = found
        tier = table.tier_for(ratio.percent)
        if tier is None:
            return False
        score = score_of(ctx.hits, chunk, 0.0)
        lead_mark = draft.cite(chunk, table.lead, score) if table.lead else ""
        mark = draft.cite(chunk, tier.line, score)
        label = source_path(ctx.document(chunk.doc_id), chunk.section_path)
        figure = ratio.working or f"{ratio.percent:g}%"
        if draft.query.lang == "zh":
            draft.add(
                f"{tier.points}。\n按所述比例（{figure}），落在这一档。根据{label}：“{table.lead}”{lead_mark}\n"
                f"“{tier.line}”{mark}"
            )
        else:
            draft.add(
                f"{tier.points}. The ratio given ({figure}) falls in this tier. According to {label}: "
                f"“{table.lead}” {lead_mark}\n“{tier.line}” {mark}"
            )
        draft.derived.append(figure)
        return True


def _best_table(ctx: AnswerContext) -> tuple[Chunk, TierTable] | None:
    """The scoring table of the hit documents that shares the most with the question."""
    asked = bigrams(ctx.query.text).union(*(bigrams(t) for group in ctx.query.terms for t in group))
    docs = dict.fromkeys(h.chunk.doc_id for h in ctx.hits)
    best: tuple[int, Chunk, TierTable] | None = None
    for chunk in (c for c in ctx.index.chunks if c.doc_id in docs):
        for table in tier_tables(chunk.text):
            shared = len(asked & bigrams(table.lead + "".join(chunk.section_path[1:])))
            if shared >= MIN_SHARED and (best is None or shared > best[0]):
                best = (shared, chunk, table)
    return (best[1], best[2]) if best else None
