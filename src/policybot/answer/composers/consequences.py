"""What follows an act that an article lists as an item: "服务机构通过关联交易套取创新券资金会受到什么处罚？"
→ the article's lead-in ("企业或者服务机构有下列行为之一的，追回已兑付资金，并视情节轻重处理："), the item
("（二）通过关联交易套取创新券资金的"), and what the article adds for the asker's kind of party
("服务机构有前款行为的，取消其服务机构登记，5年内不得重新登记。涉嫌犯罪的，依法移送司法机关处理。").

It is tried after the value composers: a penalty with a fine is answered with the fine.
"""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.composers.base import score_of, top_docs
from policybot.answer.composers.values import source_path
from policybot.answer.context import AnswerContext
from policybot.answer.understanding import bigrams
from policybot.records import Chunk

__all__ = ["Consequences"]

_ASKED = re.compile(r"处罚|后果|怎么处理|如何处理|怎样处理|法律责任|追究|penalt|consequence", re.I)
_CONSEQUENCE = re.compile(r"追回|追缴|收回|取消|罚款|处罚|移送|责令|不得|暂停|通报|纳入[^，。；]{0,8}(?:信用|失信)")
_ITEM = re.compile(r"^[（(][一二三四五六七八九十\d]+[)）]")
_FURTHER = re.compile(r"[^。；\n]*?(?:有前款|有上述|有以上|涉嫌犯罪)[^。；\n]*[。；]?")
MIN_SHARED = 3  # bigrams the item must share with the question


class Consequences:
    """The consequence an article attaches to the listed act the question describes."""

    name = "consequence"

    def accepts(self, ctx: AnswerContext) -> bool:
        return bool(_ASKED.search(ctx.query.question))

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        found = _item_and_article(ctx)
        if found is None:
            return False
        item, lead, siblings = found
        score = score_of(ctx.hits, lead, 0.0)
        quotes = [(lead, lead.text.strip()), (item, _first_line(item.text))]
        quotes += [(c, s) for c, s in _further(siblings, ctx.query.question) if s not in {q for _c, q in quotes}]
        label = source_path(ctx.document(lead.doc_id), lead.section_path)
        lines = [f"“{text}”{draft.cite(chunk, text, score)}" for chunk, text in quotes]
        zh = draft.query.lang == "zh"
        draft.add((f"根据{label}：\n" if zh else f"According to {label}:\n") + "\n".join(lines))
        return True


def _item_and_article(ctx: AnswerContext) -> tuple[Chunk, Chunk, list[Chunk]] | None:
    """The item that shares most with the question, under an article whose lead-in states a
    consequence; that lead-in's chunk; and the article's items (the item and its siblings)."""
    asked = bigrams(ctx.query.question)
    docs = top_docs(ctx.hits)
    chunks = [c for c in ctx.index.chunks if c.doc_id in docs]
    by_path: dict[tuple[str, tuple[str, ...]], Chunk] = {}
    for chunk in chunks:
        by_path.setdefault((chunk.doc_id, chunk.section_path), chunk)  # an article's first chunk
    best: tuple[int, Chunk, Chunk] | None = None
    for (doc_id, path), item in by_path.items():
        if len(path) <= 2 or not _ITEM.match(path[-1]):
            continue
        shared = len(asked & bigrams(_first_line(item.text)))
        lead = by_path.get((doc_id, path[:-1]))
        if lead is None or shared < MIN_SHARED or not _CONSEQUENCE.search(lead.text):
            continue
        if best is None or shared > best[0]:
            best = (shared, item, lead)
    if best is None:
        return None
    _shared, item, lead = best
    siblings = [c for c in chunks if c.doc_id == item.doc_id and c.section_path[:-1] == item.section_path[:-1]]
    return item, lead, siblings


def _further(siblings: list[Chunk], question: str) -> list[tuple[Chunk, str]]:
    """The article's sentences after its items that add consequences ("服务机构有前款行为的，…"), each
    ；-part for a party the question names (or every part when it names none)."""
    out: list[tuple[Chunk, str]] = []
    for chunk in siblings:
        for m in _FURTHER.finditer(chunk.text):
            part = m.group(0).strip()
            party = re.match(r"^([\u4e00-\u9fff]{2,6}?)有(?:前款|上述|以上)", part)
            if (
                party
                and party.group(1) not in question
                and any(
                    p.group(1) in question
                    for p in re.finditer(r"([\u4e00-\u9fff]{2,6}?)有(?:前款|上述|以上)", chunk.text)
                )
            ):
                continue  # "企业有前款行为的" when the question is about the 服务机构
            out.append((chunk, part))
    return out


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()
