"""A question that offers alternatives ("申报材料是寄纸质的还是网上交？", "是按月还是按季度申报？"):
the answer is the clause that names one of them ("以上资料…均通过“智造东莞”平台网上提交。"), quoted,
not the list of materials or the section the question's subject names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from policybot.answer.compose import Draft
from policybot.answer.composers.base import score_of
from policybot.answer.composers.focus import MARGIN
from policybot.answer.composers.values import MIN_COVERAGE, MIN_SCORE, source_path
from policybot.answer.context import AnswerContext
from policybot.answer.evidence import Evidence
from policybot.answer.understanding import Query

__all__ = ["Choice", "options"]

#: "…是A还是B…": A after the last 是 (or the start of the clause), B up to the end of the clause.
_CHOICE = re.compile(r"(?:^|是)([^是，,；;]{1,12}?)还是([^，,。；;？?]{1,12})")
_LEADING = re.compile(r"^[由用寄交在到向从于以]")
_TRAILING = re.compile(r"[的呢吗了]+$")
_CLAUSE_END = re.compile(r"[，,；;。？?！!]")
#: How many of the best clauses are looked at for an option.
_LOOK = 8


@dataclass(frozen=True, slots=True)
class _Pick:
    evidence: Evidence
    term: str


def options(query: Query) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """What names each of the two alternatives the question offers: the words the two differ by
    ("按月申报还是按季度申报": 按月 / 按季度) and the question's content terms among them; None when
    it offers none (or an alternative names nothing a document could say: "是国家的规定，还是…")."""
    if query.lang != "zh":
        return None
    for part in _CLAUSE_END.split(query.text):
        m = _CHOICE.search(part)
        if not m:
            continue
        first, second = m.group(1), m.group(2)
        if not m.group(0).startswith("是"):
            first = first[-len(second) :]  # "项目验收由区里组织还是市里组织": 区里组织, as long as the other
        first, second = _differing(first, second)
        names = tuple(_names(core, query) for core in (first, second))
        if all(names):
            return names[0], names[1]
    return None


def _differing(first: str, second: str) -> tuple[str, str]:
    """The two alternatives without what they share at either end, and without the small words
    around them (按, 由, 的, 呢)."""
    while first[-1:] == second[-1:] and min(len(first), len(second)) > 2:
        first, second = first[:-1], second[:-1]
    while first[:1] == second[:1] and min(len(first), len(second)) > 2:
        first, second = first[1:], second[1:]
    return _core(first), _core(second)


def _core(text: str) -> str:
    return _TRAILING.sub("", _LEADING.sub("", text))


def _names(core: str, query: Query) -> tuple[str, ...]:
    terms = [t for t in query.flat_terms if len(t) >= 2 and t in core and t != "还是"]
    return tuple(dict.fromkeys([core, *terms])) if len(core) >= 2 or terms else ()


class Choice:
    """The clause that names one of the alternatives the question offers (both, when the
    documents give each its own clause)."""

    name = "choice"

    def accepts(self, ctx: AnswerContext) -> bool:
        return options(ctx.query) is not None

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        picks = _picks(ctx)
        if not picks:
            return False
        offered = options(ctx.query) or ((), ())
        names = (*offered[0], *offered[1])
        lines: list[str] = []
        leads: list[str] = []
        for pick in sorted(picks, key=lambda p: p.evidence.clause.row):
            e = pick.evidence
            quote = e.text.strip()
            mark = draft.cite(e.chunk, quote, score_of(ctx.hits, e.chunk, 0.0))
            label = source_path(ctx.document(e.chunk.doc_id), e.chunk.section_path)
            lines.append(f"{label}：“{quote}”{mark}")
            leads += _parts_with(quote, names)
        lead = "；".join(dict.fromkeys(leads))
        draft.add(f"{lead}。\n根据" + "\n".join(lines) if len(lines) == 1 else f"{lead}。依据：\n" + "\n".join(lines))
        return True


def _picks(ctx: AnswerContext) -> list[_Pick]:
    """For each alternative, the best of the leading clauses about the subject that names it; an
    alternative's clause must score near the best one's."""
    offered = options(ctx.query)
    if offered is None:
        return []
    ranked = [e for e in ctx.evidence(ctx.kind)[:_LOOK] if e.coverage >= MIN_COVERAGE and e.score >= MIN_SCORE]
    picks: list[_Pick] = []
    for terms in offered:
        found = next(((e, t) for t in terms for e in ranked if t in e.text), None)  # the whole name first
        if found is not None and all(found[0] is not p.evidence for p in picks):
            picks.append(_Pick(*found))
    if not picks:
        return []
    best = max(p.evidence.score for p in picks)
    return [p for p in picks if p.evidence.score >= best - MARGIN]


def _parts_with(text: str, names: tuple[str, ...]) -> list[str]:
    """The ，-parts of ``text`` that name an alternative, without their closing punctuation."""
    parts = [p.strip().rstrip("。；;，") for p in re.split(r"[，；]", text)]
    return [p for p in parts if any(n in p for n in names)] or [text.strip().rstrip("。；;，")]
