"""Targets stated as goals ("到2020年，全国农作物耕种收综合机械化率达到70%"), for the year asked, and a
plan's goals."""

from __future__ import annotations

import re

from policybot.answer.compose import Draft, lexical_overlap
from policybot.answer.composers.base import fact_chunk, score_of, section_label, top_docs
from policybot.answer.composers.schedule import MIN_FACT
from policybot.answer.composers.sections import compose_sections, list_children, quote_sentences, section_hits
from policybot.answer.context import AnswerContext
from policybot.answer.evidence import year_fit
from policybot.records import Hit

TARGET_WORDS = re.compile(r"目标|削减|减排|target|goal|objective|reduc", re.I)


_GOAL_CONTEXT = re.compile(r"目标|预期|预计|削减|减排|到\d{4}年")


def compose_goal(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    """A target from the extracted facts, when it is stated as a goal and for the year asked."""
    if not compose_target(ctx, draft, hits):
        return False
    for fact in draft.facts:
        chunk = fact_chunk(ctx, fact)
        if chunk is None or not _GOAL_CONTEXT.search(chunk.section + chunk.text):
            return False
        if year_fit(draft.query, chunk.text, max(0, fact.start - chunk.start)) < 0:
            return False
    return True


def compose_target(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    q = draft.query
    facts = ctx.index.facts
    scored = ctx.fact_scores(q, {"target"}, top_docs(hits))
    good = [
        (s, i)
        for s, _lex, i in scored
        if s >= MIN_FACT and lexical_overlap(q, facts[i].indicator or facts[i].subject) > 0
    ]
    if not good:
        return False if q.wants_quantity else compose_goals(ctx, draft, hits)
    best_score, best = good[0]
    chosen = [facts[i] for s, i in good if s >= best_score - 0.06 and facts[i].chunk_id == facts[best].chunk_id]
    chunk = fact_chunk(ctx, chosen[0])
    if chunk is None:
        return False
    mark = draft.cite(chunk, chosen[0].quote, score_of(hits, chunk, best_score))
    what = "、".join(f.subject for f in chosen)
    label = section_label(ctx, draft, chunk)
    draft.say(f"根据{label}，目标是{what}{mark}。", f"According to {label}, the target is {what} {mark}.")
    draft.facts.extend(chosen)
    return True


def compose_goals(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    """A goal question with no figure asked: the goals section's items, else best sentences."""
    for hit in hits[:4]:
        path = hit.chunk.section_path
        for depth in range(1, len(path)):
            if "目标" in path[depth]:
                goals = path[: depth + 1]
                inside = section_hits(ctx, hits, goals)
                lead = " ".join(h.chunk.text + h.chunk.section for h in inside if h.chunk.section_path == goals)
                distinct = [g for g in draft.query.terms if not any(t in lead for t in g)]
                topical = [
                    h
                    for h in inside
                    if h.chunk.section_path != goals and any(t in h.chunk.text for g in distinct for t in g)
                ]
                if topical:
                    return quote_sentences(ctx, draft, topical, 2)
                if list_children(ctx, draft, hits, goals):
                    return True
    return compose_sections(ctx, draft, hits)
