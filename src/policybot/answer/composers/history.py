"""When a law was adopted, revised or amended: from its record of passage under the title.

``1997年11月1日。根据《中华人民共和国节约能源法》：“1997年11月1日第八届…会议通过”`` — the step the
question names (通过 / 修订 / 修正), the first or the latest one when it asks for one, each line
quoted as written.
"""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.composers.base import chunk_at, score_of
from policybot.answer.context import AnswerContext
from policybot.answer.evidence import AnswerType
from policybot.genre import Enactment, EnactmentKind, asked_enactment, enactments
from policybot.records import Document

__all__ = ["EnactmentHistory"]

_FIRST = re.compile(r"最早|最初|首次|第一次|原来|当初|originally|first", re.I)
_LAST = re.compile(r"最近|最新|最后|现行|latest|most recent|last", re.I)
#: steps that stand in for the one asked when the law has none of it
_NEAREST = {
    EnactmentKind.REVISED: (EnactmentKind.REVISED, EnactmentKind.AMENDED),
    EnactmentKind.AMENDED: (EnactmentKind.AMENDED, EnactmentKind.REVISED),
    EnactmentKind.ADOPTED: (EnactmentKind.ADOPTED, EnactmentKind.PROMULGATED),
    EnactmentKind.PROMULGATED: (EnactmentKind.PROMULGATED, EnactmentKind.ADOPTED),
}


class EnactmentHistory:
    """通过 / 修订 / 修正: the dates and meetings of a law's passage."""

    name = "history"

    def accepts(self, ctx: AnswerContext) -> bool:
        if ctx.kind not in (AnswerType.TIME, AnswerType.YEAR, AnswerType.OTHER):
            return False  # 施行 is the lifecycle's; 修订了哪些内容 asks for content, 比例 a figure
        return bool(asked_enactment(ctx.query.text)) and self._document(ctx) is not None

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        doc = self._document(ctx)
        if doc is None:
            return False
        chosen = _select(ctx.query.question, enactments(doc.text))
        if not chosen:
            return False
        lines = []
        for record in chosen:
            chunk = chunk_at(ctx, doc, record.start)
            if chunk is None:
                return False
            mark = draft.cite(chunk, record.line, score_of(ctx.hits, chunk, ctx.hits[0].score))
            lines.append(f"“{record.line}”{mark}")
        name = f"《{(doc.meta.short_title or doc.meta.title).strip('《》')}》"
        dates = [r.date for r in chosen]
        draft.say(
            f"{'、'.join(dates)}。\n根据{name}：" + "\n".join(lines),
            f"{', '.join(dates)}. According to {name}: " + "\n".join(lines),
        )
        return True

    @staticmethod
    def _document(ctx: AnswerContext) -> Document | None:
        """The best-ranked document of the hits that has a record of passage."""
        for doc_id in dict.fromkeys(h.chunk.doc_id for h in ctx.hits[:3]):
            doc = ctx.document(doc_id)
            if doc is not None and enactments(doc.text):
                return doc
        return None


def _select(question: str, records: list[Enactment]) -> list[Enactment]:
    """The records of the steps the question names; the first or latest when it asks for one."""
    chosen: list[Enactment] = []
    for kind in asked_enactment(question):
        for candidate in _NEAREST[kind]:
            found = [r for r in records if r.kind is candidate]
            if found:
                pick = found[:1] if _FIRST.search(question) else found[-1:] if _LAST.search(question) else found
                chosen += [r for r in pick if r not in chosen]
                break
    return sorted(chosen, key=lambda r: r.start)
