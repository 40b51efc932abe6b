"""Answers from the section of a call or a measure whose role the question asks about: the
materials to submit (申报资料), the conditions (申报条件), the contacts (联系方式), the procedure
or deadline (报送要求), the support (支持方式) — found by the heading's role, not its wording."""

from __future__ import annotations

import re

from policybot.answer.compose import Draft
from policybot.answer.composers.base import score_of
from policybot.answer.composers.sections import list_children, section_children
from policybot.answer.composers.values import source_path
from policybot.answer.context import AnswerContext
from policybot.answer.refusal import term_found
from policybot.answer.understanding import bigrams
from policybot.genre import SectionRole, asked_role, section_role
from policybot.records import Hit

__all__ = ["ROLES", "compose_role", "role_section"]

#: The roles a section answers a question by.
ROLES = frozenset(
    {SectionRole.MATERIALS, SectionRole.CONDITIONS, SectionRole.CONTACT, SectionRole.SCHEDULE, SectionRole.SUPPORT}
)
_MAX_CLAUSES = 6


def role_section(ctx: AnswerContext, role: SectionRole, hits: list[Hit]) -> tuple[str, ...] | None:
    """The first section with ``role`` in the best-ranked documents (two at most), else None; of a
    call with one such section per track ("（一）…产业化专题申报资料"), the one the question names."""
    for doc_id in list(dict.fromkeys(h.chunk.doc_id for h in hits))[:2]:
        if not _about(ctx, doc_id):
            continue  # "省级绿色工厂认定需要满足哪些条件": another call's 申报条件 are not its conditions
        chunks = sorted((c for c in ctx.index.chunks if c.doc_id == doc_id), key=lambda c: c.ordinal)
        found = [
            chunk.section_path[: depth + 1]
            for chunk in chunks
            for depth in range(1, len(chunk.section_path))
            if section_role(chunk.section_path[depth]) is role
        ]
        if found:
            return _named_among(ctx.query.question, list(dict.fromkeys(found))) or found[0]
    return None


def _about(ctx: AnswerContext, doc_id: str) -> bool:
    """Does the document mention every noun the question requires (or a synonym of it)?"""
    doc = ctx.document(doc_id)
    if doc is None:
        return False
    groups = {t: g for g in ctx.query.terms for t in g}
    return all(any(term_found(t, doc.text) for t in groups.get(r, (r,))) for r in ctx.query.required)


def _named_among(question: str, sections: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """Of the sections whose own heading shares half its words with ``question`` at least, the one
    that shares the most ("…产业化专题申报资料" over a bare "申报资料")."""
    asked = bigrams(question)
    best: tuple[int, tuple[str, ...]] | None = None
    for path in sections:
        heading = bigrams(path[-1])
        shared = len(heading & asked)
        if heading and shared / len(heading) >= 0.5 and (best is None or shared > best[0]):
            best = (shared, path)
    return best[1] if best else None


_INTRODUCES = re.compile(r"(?:下列|如下|以下)[^。：:]{0,12}[：:]$")


def _introduced_list(ctx: AnswerContext, hits: list[Hit], section: tuple[str, ...]) -> tuple[str, ...] | None:
    """Of the section's articles, the one whose lead-in ("申报企业应当同时满足下列条件：") introduces items
    of its own and shares most words with the question, when one does: its items are the answer, not
    the lead-ins of its siblings ("有下列情形之一的，不予支持：")."""
    asked = bigrams(ctx.query.question)
    best: tuple[int, tuple[str, ...]] | None = None
    for child in section_children(ctx, hits, section):
        if len(child.section_path) != len(section) + 1 or not _INTRODUCES.search(child.text.strip()):
            continue
        shared = len(bigrams(child.text) & asked)
        if shared and len(section_children(ctx, hits, child.section_path)) >= 2 and (best is None or shared > best[0]):
            best = (shared, child.section_path)
    return best[1] if best else None


def compose_role(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    """The items of the section with the asked role, else its clauses, quoted."""
    role = asked_role(ctx.query.question)
    section = role_section(ctx, role, hits) if role in ROLES else None
    if section is None or role is None:
        return False
    if role is SectionRole.SUPPORT and hits[0].chunk.section_path[: len(section)] != section:
        return False  # a law's chapter named 扶持 is not where "有资助吗" is answered when retrieval found it elsewhere
    if list_children(ctx, draft, hits, _introduced_list(ctx, hits, section) or section):
        return True
    inside = [
        c
        for c in ctx.clauses
        if ctx.index.chunks[c.chunk_row].section_path[: len(section)] == section
        and ctx.index.chunks[c.chunk_row].doc_id == hits[0].chunk.doc_id
    ][:_MAX_CLAUSES]
    if not inside:
        return False
    zh = draft.query.lang == "zh"
    lines = []
    for clause in inside:
        chunk = ctx.index.chunks[clause.chunk_row]
        mark = draft.cite(chunk, clause.text, score_of(hits, chunk, 0.0))
        lines.append(f"“{clause.text}”{mark}" if zh else f"“{clause.text}” {mark}")
    label = source_path(ctx.document(hits[0].chunk.doc_id), section)
    draft.add((f"根据{label}：\n" if zh else f"According to {label}:\n") + "\n".join(lines))
    return True
