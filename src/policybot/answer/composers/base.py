"""Helpers every composer shares: the document of a chunk, how a source is named, scores."""

from __future__ import annotations

from policybot.answer.compose import Draft
from policybot.answer.context import AnswerContext
from policybot.records import Chunk, Document, Fact, Hit


def section_label(ctx: AnswerContext, draft: Draft, chunk: Chunk) -> str:
    path = chunk.section_path
    section = path[1] if len(path) > 1 else path[0]
    return draft.source_label(ctx.document(chunk.doc_id), section)


def score_of(hits: list[Hit], chunk: Chunk, default: float) -> float:
    return next((h.score for h in hits if h.chunk.id == chunk.id), default)


def fact_chunk(ctx: AnswerContext, fact: Fact) -> Chunk | None:
    return ctx.by_id.get(fact.chunk_id)


def top_docs(hits: list[Hit]) -> set[str]:
    return {h.chunk.doc_id for h in hits[:3]}


def chunk_at(ctx: AnswerContext, doc: Document, offset: int) -> Chunk | None:
    """The chunk of ``doc`` holding character ``offset`` of its text (or the next one after it)."""
    chunks = sorted((c for c in ctx.index.chunks if c.doc_id == doc.meta.doc_id), key=lambda c: c.start)
    return next((c for c in chunks if c.end > offset), None)
