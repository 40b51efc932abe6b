"""The 文号 of a document the text cites: "《企业会计准则解释第15号》（财会〔2021〕35号）" answers
"《企业会计准则解释第15号》的文号是什么", quoted from where the text cites it."""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.composers.base import score_of
from policybot.answer.context import AnswerContext
from policybot.genre import DOC_NUMBER
from policybot.records import Chunk

__all__ = ["CitedNumber"]

_QUOTED = re.compile(r"《([^》]{2,60})》")
_ASKS_NUMBER = re.compile(r"文号|发文字号|document number|reference number", re.I)


class CitedNumber:
    """文号 of a 《document》 that a library document cites (not one the library holds)."""

    name = "reference"

    def accepts(self, ctx: AnswerContext) -> bool:
        return bool(_ASKS_NUMBER.search(ctx.query.question)) and bool(self._cited(ctx))

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        found = []
        for name in self._cited(ctx):
            located = _citing_chunk(ctx, name)
            if located is not None:
                found.append((name, *located))
        if not found:
            return False
        parts = []
        for name, chunk, quote, number in found:
            mark = draft.cite(chunk, quote, score_of(ctx.hits, chunk, 0.0))
            parts.append((f"《{name}》的文号是{number}{mark}", f"the document number of 《{name}》 is {number} {mark}"))
        draft.say("；".join(z for z, _ in parts) + "。", "; ".join(e for _, e in parts).capitalize() + ".")
        return True

    @staticmethod
    def _cited(ctx: AnswerContext) -> list[str]:
        """The 《…》 names of the question that are not documents of the library."""
        held = {
            re.sub(r"\s+", "", t)
            for d in ctx.index.documents.values()
            for t in (d.meta.title, d.meta.short_title or "")
        }
        return [n for n in _QUOTED.findall(ctx.query.question) if re.sub(r"\s+", "", n) not in held]


def _citing_chunk(ctx: AnswerContext, name: str) -> tuple[Chunk, str, str] | None:
    """The chunk that cites 《name》 with its 文号 in brackets right after it, the sentence, the number."""
    pattern = re.compile(rf"《{re.escape(name)}》\s*[（(]([^）)]{{0,40}})[）)]")
    docs = [h.chunk.doc_id for h in ctx.hits] + list(ctx.index.documents)
    for doc_id in dict.fromkeys(docs):
        for chunk in (c for c in ctx.index.chunks if c.doc_id == doc_id):
            m = pattern.search(chunk.text)
            number = DOC_NUMBER.search(m.group(1)) if m else None
            if m and number:
                start = max(chunk.text.rfind("。", 0, m.start()) + 1, 0)
                end = chunk.text.find("。", m.end())
                return chunk, chunk.text[start : end + 1 if end >= 0 else len(chunk.text)].strip(), number.group(0)
    return None
