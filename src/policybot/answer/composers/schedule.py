"""Deadlines from extracted facts: a schedule item's own time tag (``──…（二季度）``), the items of
a quarter, the latest or earliest of a schedule."""

from __future__ import annotations

import re

from policybot.answer.compose import Draft, quarter_words
from policybot.answer.composers.base import fact_chunk, score_of, section_label, top_docs
from policybot.answer.context import AnswerContext
from policybot.records import Fact, Hit

MIN_FACT = 0.80  # score (cosine + 0.5 * lexical) a fact needs to be taken as the answer


def compose_scheduled(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    """A deadline from a schedule item's own time tag (``──…（二季度）``), else nothing."""
    return compose_deadline(ctx, draft, hits) and all(re.search(r"Q[1-4]$", f.normalized or "") for f in draft.facts)


def compose_deadline(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    q = draft.query
    facts = ctx.index.facts
    scored = ctx.fact_scores(q, {"deadline"}, top_docs(hits))
    if q.quarter:
        chosen = [facts[i] for _s, _l, i in scored if (facts[i].normalized or "").endswith(q.quarter)]
        return list_facts(ctx, draft, hits, sorted(chosen, key=lambda f: f.start), "deadline")
    if q.superlative:
        dated = [facts[i] for _s, _l, i in scored if facts[i].normalized]
        if dated:
            pick = max if q.superlative == "latest" else min
            edge = pick(f.normalized or "" for f in dated)
            chosen = [f for f in dated if f.normalized == edge]
            return list_facts(ctx, draft, hits, sorted(chosen, key=lambda f: f.start), "deadline")
    if not scored or scored[0][0] < MIN_FACT:
        return False
    best = scored[0]
    picks = [facts[best[2]]]
    if q.several:
        picks += [facts[i] for s, lex, i in scored[1:4] if s >= best[0] - 0.15 and lex >= 0.3]
    if len(picks) > 1:
        return list_facts(ctx, draft, hits, sorted(picks, key=lambda f: f.start), "deadline")
    fact = picks[0]
    chunk = fact_chunk(ctx, fact)
    if chunk is None:
        return False
    mark = draft.cite(chunk, fact.quote, score_of(hits, chunk, best[0]))
    when = quarter_words(fact, q.lang)
    label = section_label(ctx, draft, chunk)
    draft.say(
        f"根据{label}，“{fact.subject}”安排在{when}{mark}。",
        f"According to {label}, “{fact.subject}” is scheduled for {when} {mark}.",
    )
    draft.facts.append(fact)
    return True


def list_facts(ctx: AnswerContext, draft: Draft, hits: list[Hit], chosen: list[Fact], kind: str) -> bool:
    if not chosen:
        return False
    q = draft.query
    lines = []
    for n, fact in enumerate(chosen, start=1):
        chunk = fact_chunk(ctx, fact)
        if chunk is None:
            continue
        mark = draft.cite(chunk, fact.quote, score_of(hits, chunk, 0.0))
        extra = quarter_words(fact, q.lang) if kind == "deadline" else fact.value
        lines.append(
            f"{n}. {fact.subject}（{extra}）{mark}" if q.lang == "zh" else f"{n}. {fact.subject} — {extra} {mark}"
        )
        draft.facts.append(fact)
    first = fact_chunk(ctx, chosen[0])
    label = section_label(ctx, draft, first) if first else ""
    head = f"根据{label}，相关安排如下：\n" if q.lang == "zh" else f"According to {label}:\n"
    draft.add(head + "\n".join(lines))
    return bool(lines)
