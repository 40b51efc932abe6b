"""Which attachments a document lists ("附件1：自主研发“研发支出”辅助账 …", usually at its end): the
附件 lines of the document asked about, each quoted and cited. What an attachment contains is another
question (``refusal._attachment_only``): the library holds the text, not the attachments."""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.composers.base import chunk_at
from policybot.answer.context import AnswerContext
from policybot.genre import ATTACHMENT_LIST_START, NUMBERED_LINE, numbered
from policybot.records import Document

__all__ = ["Attachments"]

_ASKS = re.compile(
    r"(?:哪些|哪几个|几个|什么)附件|附件(?:有|是|包括)(?:哪些|什么)|附件清单|附件列表"
    r"|(?:which|what) attachments|list of attachments",
    re.I,
)
_LINE = re.compile(r"^附件\s*(\d+)\s*[：:]\s*(\S.*)$")


class Attachments:
    """The 附件 lines of the document the question is about."""

    name = "attachments"

    def accepts(self, ctx: AnswerContext) -> bool:
        return bool(_ASKS.search(ctx.query.question)) and bool(ctx.hits)

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        doc = ctx.document(ctx.hits[0].chunk.doc_id)
        listed = attachment_lines(doc) if doc is not None else []
        if doc is None or not listed:
            return False
        zh = draft.query.lang == "zh"
        lines = []
        for offset, line in listed:
            chunk = chunk_at(ctx, doc, offset)
            if chunk is None or line not in chunk.text:
                continue  # a line no passage holds is not quoted
            mark = draft.cite(chunk, line, 1.0)
            lines.append(f"“{line}”{mark}" if zh else f"“{line}” {mark}")
        if not lines:
            return False
        name = doc.meta.short_title or doc.meta.title
        lead = f"《{name}》列出的附件：\n" if zh else f"《{name}》 lists these attachments:\n"
        draft.add(lead + "\n".join(lines))
        return True


def attachment_lines(doc: Document) -> list[tuple[int, str]]:
    """(offset, line) of each 附件N： line, the first time each number is listed, or of each line of a
    "附件：1.…" / "2.…" / "3.…" list."""
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    offset, listing = 0, 0
    raws = doc.text.split("\n")
    for i, raw in enumerate(raws):
        line = raw.strip()
        m = _LINE.match(line) or ATTACHMENT_LIST_START.match(line)
        if m is not None and m.re is ATTACHMENT_LIST_START and not numbered(_next_line(raws, i), 2):
            m = None  # "附件：1.申请表" alone names one attachment by its list number, not a list
        if m is None and listing and numbered(line, listing + 1):
            m = NUMBERED_LINE.match(line)
        listing = int(m.group(1)) if m and (listing or m.re is ATTACHMENT_LIST_START) else 0
        if m and m.group(1) not in seen:
            seen.add(m.group(1))
            out.append((offset + raw.find(line), line))
        offset += len(raw) + 1
    return out


def _next_line(lines: list[str], i: int) -> str:
    """The first non-empty line after line ``i``."""
    return next((r.strip() for r in lines[i + 1 :] if r.strip()), "")
