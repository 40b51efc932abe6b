"""Who takes part: the parties named in a clause ("会同财政部"), cited."""

from __future__ import annotations

from policybot.answer.compose import Draft, lexical_overlap
from policybot.answer.composers.base import fact_chunk, score_of, section_label, top_docs
from policybot.answer.composers.schedule import MIN_FACT, list_facts
from policybot.answer.composers.sections import compose_general
from policybot.answer.context import AnswerContext
from policybot.answer.evidence import AnswerType, Evidence
from policybot.answer.understanding import Query
from policybot.records import Hit


def compose_party(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    q = draft.query
    facts = ctx.index.facts
    named = {f.value for f in facts if f.type == "party" and f.value in q.question}
    if named:
        chosen = [f for f in facts if f.type == "party" and f.value in named and f.doc_id in top_docs(hits)]
        seen: set[str] = set()
        unique = [f for f in chosen if not (f.quote in seen or seen.add(f.quote))]  # type: ignore[func-returns-value]
        return list_facts(ctx, draft, hits, unique, "party")
    scored = ctx.fact_scores(q, {"party"}, top_docs(hits))
    if not scored or scored[0][0] < MIN_FACT:
        return compose_general(ctx, draft, hits)
    best = facts[scored[0][2]]
    clause = _better_clause(ctx, q, best.quote)
    if clause is not None:  # "由哪些部门负责解释": the 解释 article, not the parties of another one
        mark = draft.cite(clause.chunk, clause.text, score_of(hits, clause.chunk, clause.score))
        label = section_label(ctx, draft, clause.chunk)
        draft.say(f"根据{label}：“{clause.text}”{mark}", f"According to {label}: “{clause.text}” {mark}")
        return True
    together = [f for f in facts if f.type == "party" and f.quote == best.quote]
    chunk = fact_chunk(ctx, best)
    if chunk is None:
        return False
    mark = draft.cite(chunk, best.quote, score_of(hits, chunk, scored[0][0]))
    names = "、".join(dict.fromkeys(f.value for f in together))
    label = section_label(ctx, draft, chunk)
    draft.say(
        f"根据{label}，涉及{names}：“{best.subject}”{mark}。",
        f"According to {label}, this involves {names}: “{best.subject}” {mark}.",
    )
    draft.facts.extend(together)
    return True


def _better_clause(ctx: AnswerContext, query: Query, quote: str) -> Evidence | None:
    """The best clause for the question when it matches the question's words clearly better than
    the clause the best party fact was read from (a party named there may be beside the point)."""
    ranked = ctx.evidence(AnswerType.OTHER, query)
    if not ranked:
        return None
    top = ranked[0]
    return top if top.lexical >= lexical_overlap(query, quote) + 0.25 and top.text != quote else None
