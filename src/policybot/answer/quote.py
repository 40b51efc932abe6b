"""The quote-first composer: the value exactly as the source writes it, the source, the clause.

``根据《科技型中小企业评价办法》 › 第六条：“…综合评价得分不低于60分…”`` — the lead names the values
found in the chosen clauses (``60分``), then where they are, then each clause verbatim. No frame
word is put around a value: the clause says what the value is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from policybot.answer.compose import Draft
from policybot.answer.evidence import AnswerType, Evidence, answer_type, rank_clauses, values_for
from policybot.answer.understanding import Query, bigrams
from policybot.ingest.clauses import Clause
from policybot.records import PATH_SEP, Document, Hit

if TYPE_CHECKING:
    from policybot.answer.chain import ExtractiveAnswerer

__all__ = [
    "VALUE_TYPES",
    "asked_type",
    "compose_clause",
    "compose_list",
    "compose_quote",
    "document_weights",
    "evidence_for",
]

#: Answer types whose answer is a value in a clause.
VALUE_TYPES = frozenset(
    {
        AnswerType.RATIO,
        AnswerType.AMOUNT,
        AnswerType.MONEY,
        AnswerType.FREQUENCY,
        AnswerType.COUNT,
        AnswerType.SCORE,
        AnswerType.NUMBER,
        AnswerType.PERIOD,
        AnswerType.EFFECTIVE,
        AnswerType.TIME,
    }
)
_MIN_SCORE = 0.80  # a fitting clause below this is not taken as evidence
_MIN_COVERAGE = 0.5  # share of the question's nouns a clause (with its headings) must mention
_MIN_LEXICAL = 0.3  # keyword overlap a clause needs to answer a question that asks no value
_MARGIN = 0.10  # further clauses within this of the best join it when the question asks several things
_SEVERAL = re.compile(r"又|分别|各|以及|还有|和.{0,12}(?:多少|几)|[？?].+[？?]|\bboth\b|\band\b.*\bhow\b", re.I)
_DOC_NUMBER = re.compile(r"(\d{1,4})\s*号")


def asked_type(query: Query) -> AnswerType:
    """The answer type of the question, or of the conversation it follows up."""
    kind = answer_type(query.question)
    if kind is AnswerType.OTHER and query.followup:
        return answer_type(query.text)
    return kind


def document_weights(query: Query, documents: Sequence[Document]) -> dict[str, float]:
    """A small prior for documents the question names: by 文号 number (119号) or title words."""
    asked = bigrams(query.question)
    numbers = set(_DOC_NUMBER.findall(query.question))
    out: dict[str, float] = {}
    for doc in documents:
        m = doc.meta
        weight = 0.0
        if m.doc_number and any(re.search(rf"(?<!\d){n}号", m.doc_number) for n in numbers):
            weight += 0.3
        title = bigrams(m.short_title or m.title)
        if title:
            weight += 0.15 * len(title & asked) / len(title)
        if weight:
            out[m.doc_id] = round(weight, 4)
    return out


def evidence_for(a: ExtractiveAnswerer, query: Query, kind: AnswerType, hits: list[Hit]) -> list[Evidence]:
    """The candidate clauses for ``query``, best first (see ``evidence.rank_clauses``)."""
    index = a.retriever.index
    sims = a.retriever.clause_similarities(query.text)
    scope = {h.chunk.doc_id for h in hits}
    extra = [int(i) for i in sims.argsort()[::-1][:60] if index.clauses[int(i)].doc_id in scope][:20]
    docs = [index.documents[d] for d in scope if d in index.documents]
    return rank_clauses(
        query,
        kind,
        hits,
        index.clauses,
        index.chunks,
        sims,
        doc_weights=document_weights(query, docs),
        identity={d.meta.doc_id: _identity(d) for d in docs},
        extra_rows=extra,
    )


def focus(query: Query, kind: AnswerType, text: str) -> list[str]:
    """The values of ``text`` the question asks about: of a clause with several figures, those whose
    own words (back to the previous value or clause mark) share most with the question's terms."""
    values = values_for(kind, text)
    if len(values) < 2:
        return values
    terms = {t for g in query.terms for t in g if len(t) >= 2 and not t.isdigit()}
    scored = []
    cut = 0
    for value in values:
        at = text.find(value, cut)
        if at < 0:
            continue
        start = max(cut, max(text.rfind(m, 0, at) for m in "，；。：") + 1)
        context = text[start : at + len(value)]
        scored.append((sum(1 for t in terms if t in context), value))
        cut = at + len(value)
    best = max((n for n, _v in scored), default=0)
    if best == 0:
        return values
    return [v for n, v in scored if n == best] if not _SEVERAL.search(query.question) else [v for n, v in scored if n]


def _identity(doc: Document) -> str:
    m = doc.meta
    return " ".join(x for x in (m.title, m.short_title, m.doc_number, m.issuer) if x)


def _label(doc: Document | None, path: tuple[str, ...]) -> str:
    name = (doc.meta.short_title or doc.meta.title) if doc else ""
    tail = [p for p in path[1:] if p][-2:] if len(path) > 1 else []
    title = f"《{name.strip('《》')}》" if name else ""
    return PATH_SEP.join([title, *tail]) if title else PATH_SEP.join(tail)


def _fitting(a: ExtractiveAnswerer, query: Query, kind: AnswerType, hits: list[Hit]) -> list[Evidence]:
    """Clauses with a value of the asked kind that are about the question's subject."""
    return [e for e in evidence_for(a, query, kind, hits) if e.fits and e.coverage >= _MIN_COVERAGE]


def compose_quote(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit], kind: AnswerType) -> bool:
    """Answer with the best fitting clause(s); False when no clause fits well enough."""
    q = draft.query
    ranked = _fitting(a, q, kind, hits)
    if (not ranked or ranked[0].score < _MIN_SCORE) and kind is AnswerType.EFFECTIVE:
        kind = AnswerType.TIME  # no 自…起施行 clause: the dates that are there
        ranked = _fitting(a, q, kind, hits)
    if not ranked or ranked[0].score < _MIN_SCORE:
        return False
    chosen = [ranked[0]]
    if _SEVERAL.search(q.question):
        chosen += [e for e in ranked[1:4] if e.score >= ranked[0].score - _MARGIN][:2]
    values = list(dict.fromkeys(v for e in chosen for v in focus(q, kind, e.text)))
    lines = []
    for e in sorted(chosen, key=lambda e: e.clause.row):
        mark = draft.cite(e.chunk, e.text, e.score)
        label = _label(a.retriever.index.documents.get(e.chunk.doc_id), e.chunk.section_path)
        lines.append(f"{label}：“{e.text}”{mark}" if q.lang == "zh" else f"{label}: “{e.text}” {mark}")
    lead = "、".join(values) if q.lang == "zh" else ", ".join(values)
    if q.lang == "zh":
        draft.add(f"{lead}。\n根据" + "\n".join(lines) if len(lines) == 1 else f"{lead}。依据：\n" + "\n".join(lines))
    else:
        draft.add(
            f"{lead}. According to " + "\n".join(lines) if len(lines) == 1 else f"{lead}. Sources:\n" + "\n".join(lines)
        )
    return True


def compose_list(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    """A 哪些 question: the enumerating clause about the subject, and when it introduces a list
    (``…提供下列服务：``), the items that follow it in its section."""
    q = draft.query
    ranked = _fitting(a, q, AnswerType.LIST, hits)
    if not ranked or ranked[0].score < _MIN_SCORE:
        return False
    best = ranked[0]
    lines = [_quoted(a, draft, best.clause, best.chunk.section_path, best.score)]
    if best.text.rstrip().endswith(("：", ":")):
        items = list(_items_after(a, best.clause))
        if not items:
            return False
        lines += [f"{n}. " + _quoted(a, draft, c, None, best.score) for n, c in enumerate(items, start=1)]
    lead = "根据" if q.lang == "zh" else "According to "
    draft.add(lead + "\n".join(lines))
    return True


def compose_clause(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit], kind: AnswerType) -> bool:
    """Any other question: the best clause about its subject (fitting ``kind`` where it names
    one, such as conditions), quoted with its source."""
    q = draft.query
    ranked = [e for e in _fitting(a, q, kind, hits) if e.lexical >= _MIN_LEXICAL]
    if not ranked or ranked[0].score < _MIN_SCORE:
        return False
    chosen = [ranked[0], *[e for e in ranked[1:3] if e.score >= ranked[0].score - _MARGIN / 2][:1]]
    lines = [
        _quoted(a, draft, e.clause, e.chunk.section_path, e.score) for e in sorted(chosen, key=lambda e: e.clause.row)
    ]
    draft.add(("根据" if q.lang == "zh" else "According to ") + "\n".join(lines))
    return True


def _quoted(a: ExtractiveAnswerer, draft: Draft, clause: Clause, path: tuple[str, ...] | None, score: float) -> str:
    """``label：“clause”[n]`` (just ``“clause”[n]`` without a path)."""
    chunk = a.retriever.index.chunks[clause.chunk_row]
    mark = draft.cite(chunk, clause.text, score)
    zh = draft.query.lang == "zh"
    body = f"“{clause.text}”{mark}" if zh else f"“{clause.text}” {mark}"
    if path is None:
        return body
    label = _label(a.retriever.index.documents.get(chunk.doc_id), path)
    return f"{label}：{body}" if zh else f"{label}: {body}"


def _items_after(a: ExtractiveAnswerer, head: Clause, limit: int = 12) -> list[Clause]:
    """The list items following ``head`` within its section: the rest of its chunk, then the first
    clause of each sub-section chunk."""
    index = a.retriever.index
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
