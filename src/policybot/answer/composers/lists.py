"""Quote-first lists: the enumerating clause about the subject and the items it introduces."""

from __future__ import annotations

from policybot.answer.compose import Draft
from policybot.answer.composers.base import score_of
from policybot.answer.composers.values import MIN_SCORE, fitting, source_path
from policybot.answer.context import AnswerContext
from policybot.answer.evidence import AnswerType
from policybot.genre import ANNOUNCES_LIST, INTRODUCES_ITEMS
from policybot.ingest.clauses import Clause
from policybot.records import Hit


def compose_list(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    """A 哪些 question: the enumerating clause about the subject, and when it introduces a list
    (``…提供下列服务：``), the items that follow it in its section."""
    q = draft.query
    ranked = fitting(ctx, q, AnswerType.LIST)
    if not ranked or ranked[0].score < MIN_SCORE:
        return False
    best = ranked[0]
    lines = [quoted(ctx, draft, best.clause, best.chunk.section_path)]
    if best.text.rstrip().endswith(("：", ":")):
        items = list(items_after(ctx, best.clause))
        if not items:
            return False
        lines += [f"{n}. " + quoted(ctx, draft, c, None) for n, c in enumerate(items, start=1)]
    elif INTRODUCES_ITEMS.search(best.text) and best.text.rstrip().endswith(("；", ";")):  # listed over ；-parts
        lines += [quoted(ctx, draft, c, None) for c in sentence_rest(ctx, best.clause)]
    elif len(best.text) <= 40 and ANNOUNCES_LIST.search(best.text):  # "(二)下列活动不适用…。"
        items = [c for c in items_after(ctx, best.clause) if c.chunk_id != best.clause.chunk_id]
        lines += [f"{n}. " + quoted(ctx, draft, c, None) for n, c in enumerate(items, start=1)]
    lead = "根据" if q.lang == "zh" else "According to "
    draft.add(lead + "\n".join(lines))
    return True


def quoted(ctx: AnswerContext, draft: Draft, clause: Clause, path: tuple[str, ...] | None) -> str:
    """``label：“clause”[n]`` (just ``“clause”[n]`` without a path)."""
    chunk = ctx.index.chunks[clause.chunk_row]
    mark = draft.cite(chunk, clause.text, score_of(ctx.hits, chunk, 0.0))
    zh = draft.query.lang == "zh"
    body = f"“{clause.text}”{mark}" if zh else f"“{clause.text}” {mark}"
    if path is None:
        return body
    label = source_path(ctx.document(chunk.doc_id), path)
    return f"{label}：{body}" if zh else f"{label}: {body}"


def items_after(ctx: AnswerContext, head: Clause, limit: int = 12) -> list[Clause]:
    """The list items following ``head`` within its section: the rest of its chunk, then the first
    clause of each sub-section chunk."""
    index = ctx.index
    section = index.chunks[head.chunk_row].section_path
    out: list[Clause] = []
    seen_chunks: set[str] = set()
    for clause in index.clauses[head.row + 1 : head.row + 200]:
        chunk = index.chunks[clause.chunk_row]
        if clause.doc_id != head.doc_id or chunk.section_path[: len(section)] != section:
            break
        if clause.chunk_id != head.chunk_id and clause.chunk_id in seen_chunks:
            continue
        seen_chunks.add(clause.chunk_id)
        out.append(clause)
        if len(out) >= limit:
            break
    return out


def sentence_rest(ctx: AnswerContext, head: Clause, limit: int = 12) -> list[Clause]:
    """The clauses after ``head`` in its chunk up to the one that ends its sentence."""
    out: list[Clause] = []
    for clause in ctx.index.clauses[head.row + 1 : head.row + 1 + limit]:
        if clause.chunk_id != head.chunk_id:
            break
        out.append(clause)
        if not clause.text.rstrip().endswith(("；", ";")):
            break
    return out
