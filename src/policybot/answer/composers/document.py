"""What a document says of itself: its 文号, date, issuer, addressees and title, cited to the line."""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.composers.base import chunk_at, score_of
from policybot.answer.context import AnswerContext
from policybot.answer.evidence import AnswerType
from policybot.records import Chunk, Document, Hit

_DOC_FIELDS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"文号|发文字号|发文号|(?:文件|通知|公告|办法|方案|意见|规定|条例)的?编号|document number|reference number",
            re.I,
        ),
        "doc_number",
    ),
    (
        re.compile(
            r"(?<!预计)(?<!将)(?:日期|哪天|哪一天|什么时候|何时).{0,4}(?:发布|印发|发的|发文|成文|签发|出台|公布)"
            r"|(?:发布|印发|发文|成文|签发|出台|公布)(?:的)?(?:日期|时间)|哪天发|发布于|印发于"
            r"|when was .*(?:issued|published|released)|date of issue|issue date|issued on",
            re.I,
        ),
        "issue_date",
    ),
    (
        re.compile(
            r"发文机关|发文单位|哪个部门|(?:哪几个|哪些|哪家|哪个)(?:部门|单位|机关)|谁"
            r"|\bwho\b|issuer|issued by|issuing|which (?:ministry|department)",
            re.I,
        ),
        "issuer",
    ),
    (re.compile(r"主送|发给|下发给|addressed|sent to", re.I), "addressee"),
    (re.compile(r"全称|全名|标题|名称|title|called", re.I), "title"),
]


def compose_document(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    q = draft.query
    doc = ctx.document(hits[0].chunk.doc_id)
    if doc is None:
        return False
    fields = [f for p, f in _DOC_FIELDS if p.search(q.question)]
    if not fields and ctx.kind is not AnswerType.OTHER:
        return False  # "正式通知预计什么时候下发" asks a date in the text, not this document's
    fields = fields or ["title"]
    names_zh = {
        "doc_number": "文号",
        "issue_date": "印发日期",
        "issuer": "发文机关",
        "addressee": "主送单位",
        "title": "标题",
    }
    names_en = {
        "doc_number": "document number",
        "issue_date": "date of issue",
        "issuer": "issuing body",
        "addressee": "addressees",
        "title": "title",
    }
    parts = []
    for field in dict.fromkeys(fields):
        value = _doc_value(doc, field)
        chunk, line = line_with(ctx, doc, value) if value else (None, "")
        if value is None or chunk is None:
            continue
        mark = draft.cite(chunk, line, score_of(hits, chunk, hits[0].score))
        parts.append(
            f"{names_zh[field]}是{value}{mark}" if q.lang == "zh" else f"the {names_en[field]} is {value} {mark}"
        )
    if not parts:
        return False
    name = doc.meta.title
    draft.add(f"{name}的" + "，".join(parts) + "。" if q.lang == "zh" else f"For {name}, " + "; ".join(parts) + ".")
    return True


def _doc_value(doc: Document, field: str) -> str | None:
    meta = doc.meta
    if field == "issue_date" and meta.issue_date:
        y, m, d = (int(x) for x in meta.issue_date.split("-"))
        return f"{y}年{m}月{d}日"
    if field == "addressee":
        line = next((ln for ln in doc.text.split("\n")[:8] if ln.endswith("：") and len(ln) < 80), None)
        return line.rstrip("：") if line else None
    return getattr(meta, field, None)


def line_with(ctx: AnswerContext, doc: Document, value: str) -> tuple[Chunk | None, str]:
    """The document line holding ``value`` and the chunk at (or right after) that line."""
    offset = 0
    value = re.sub(r"\s+", "", value)
    for line in doc.text.split("\n"):
        if value in re.sub(r"\s+", "", line):
            return chunk_at(ctx, doc, offset), line
        offset += len(line) + 1
    return None, ""
