"""One composer per kind of question: deadlines, targets, parties, document facts, lists,
summaries and general questions. Each fills a ``Draft`` and returns False when the sources do
not hold what the question asks (the answerer then refuses)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .compose import Draft, lexical_overlap, quarter_words, sentences_of
from .records import PATH_SEP, Chunk, Document, Fact, Hit

if TYPE_CHECKING:
    from .answering import ExtractiveAnswerer

__all__ = ["compose_for_intent"]

_MIN_FACT = 0.80  # score (cosine + 0.5 * lexical) a fact needs to be taken as the answer


def compose_for_intent(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit], missing: tuple[str, ...]) -> bool:
    composer = _COMPOSERS.get(draft.query.intent, _general)
    ok = composer(a, draft, hits)
    if ok and missing and draft.query.lang == "zh":
        draft.add(f"（文件没有专门提到：{'、'.join(missing)}。）")
    return ok


def _doc(a: ExtractiveAnswerer, doc_id: str) -> Document | None:
    return a.retriever.index.documents.get(doc_id)


def _label(a: ExtractiveAnswerer, draft: Draft, chunk: Chunk) -> str:
    path = chunk.section_path
    section = path[1] if len(path) > 1 else path[0]
    return draft.source_label(_doc(a, chunk.doc_id), section)


def _score_of(hits: list[Hit], chunk: Chunk, default: float) -> float:
    return next((h.score for h in hits if h.chunk.id == chunk.id), default)


def _fact_chunk(a: ExtractiveAnswerer, fact: Fact) -> Chunk | None:
    return a.retriever.by_id.get(fact.chunk_id)


def _docs(hits: list[Hit]) -> set[str]:
    return {h.chunk.doc_id for h in hits[:3]}


def _deadline(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    q = draft.query
    facts = a.retriever.index.facts
    scored = a.fact_scores(q, {"deadline"}, _docs(hits))
    if q.quarter:
        chosen = [facts[i] for _s, _l, i in scored if (facts[i].normalized or "").endswith(q.quarter)]
        chosen.sort(key=lambda f: f.start)
        return _list_facts(a, draft, hits, chosen, "deadline")
    if not scored or scored[0][0] < _MIN_FACT:
        return False
    best = facts[scored[0][2]]
    chunk = _fact_chunk(a, best)
    if chunk is None:
        return False
    mark = draft.cite(chunk, best.quote, _score_of(hits, chunk, scored[0][0]))
    when = quarter_words(best, q.lang)
    if q.lang == "zh":
        draft.add(f"根据{_label(a, draft, chunk)}，“{best.subject}”安排在{when}{mark}。")
    else:
        draft.add(f"According to {_label(a, draft, chunk)}, “{best.subject}” is scheduled for {when} {mark}.")
    draft.facts.append(best)
    return True


def _list_facts(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit], chosen: list[Fact], kind: str) -> bool:
    if not chosen:
        return False
    q = draft.query
    lines = []
    for n, fact in enumerate(chosen, start=1):
        chunk = _fact_chunk(a, fact)
        if chunk is None:
            continue
        mark = draft.cite(chunk, fact.quote, _score_of(hits, chunk, 0.0))
        extra = quarter_words(fact, q.lang) if kind == "deadline" else fact.value
        lines.append(f"{n}. {fact.subject}（{extra}）{mark}" if q.lang == "zh" else f"{n}. {fact.subject} — {extra} {mark}")
        draft.facts.append(fact)
    first = _fact_chunk(a, chosen[0])
    label = _label(a, draft, first) if first else ""
    head = f"根据{label}，相关安排如下：\n" if q.lang == "zh" else f"According to {label}:\n"
    draft.add(head + "\n".join(lines))
    return bool(lines)


def _target(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    q = draft.query
    facts = a.retriever.index.facts
    scored = a.fact_scores(q, {"target"}, _docs(hits))
    good = [s for s in scored if s[0] >= _MIN_FACT and (s[1] > 0 or not q.terms or q.lang == "en")]
    if not good:
        return False if q.wants_quantity else _list(a, draft, hits)
    best = good[0]
    chosen = [facts[i] for s, lex, i in good if lex >= best[1] - 1e-6 and s >= best[0] - 0.06
              and facts[i].chunk_id == facts[best[2]].chunk_id]
    chunk = _fact_chunk(a, chosen[0])
    if chunk is None:
        return False
    quote = chosen[0].quote
    mark = draft.cite(chunk, quote, _score_of(hits, chunk, best[0]))
    what = "、".join(f.subject for f in chosen)
    if q.lang == "zh":
        draft.add(f"根据{_label(a, draft, chunk)}，目标是{what}{mark}。")
    else:
        draft.add(f"According to {_label(a, draft, chunk)}, the target is {what} {mark}.")
    draft.facts.extend(chosen)
    return True


def _party(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    q = draft.query
    facts = a.retriever.index.facts
    named = {f.value for f in facts if f.type == "party" and f.value in q.question}
    if named:
        chosen = [f for f in facts if f.type == "party" and f.value in named and f.doc_id in _docs(hits)]
        seen: set[str] = set()
        unique = [f for f in chosen if not (f.quote in seen or seen.add(f.quote))]  # type: ignore[func-returns-value]
        return _list_facts(a, draft, hits, unique, "party")
    scored = a.fact_scores(q, {"party"}, _docs(hits))
    if not scored or scored[0][0] < _MIN_FACT:
        return _general(a, draft, hits)
    best = facts[scored[0][2]]
    together = [f for f in facts if f.type == "party" and f.quote == best.quote]
    chunk = _fact_chunk(a, best)
    if chunk is None:
        return False
    mark = draft.cite(chunk, best.quote, _score_of(hits, chunk, scored[0][0]))
    names = "、".join(dict.fromkeys(f.value for f in together))
    if q.lang == "zh":
        draft.add(f"根据{_label(a, draft, chunk)}，涉及{names}：“{best.subject}”{mark}。")
    else:
        draft.add(f"According to {_label(a, draft, chunk)}, this involves {names}: “{best.subject}” {mark}.")
    draft.facts.extend(together)
    return True


_DOC_FIELDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"文号|发文字号|发文号|编号|document number|reference number", re.I), "doc_number"),
    (re.compile(r"日期|哪天|哪一天|什么时候印发|何时印发|when was|date|issued on", re.I), "issue_date"),
    (re.compile(r"发文机关|发文单位|哪个部门|谁|who|issuer|issued by|which (?:ministry|department)", re.I), "issuer"),
    (re.compile(r"主送|发给|下发给|addressed|sent to", re.I), "addressee"),
]


def _document(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    q = draft.query
    doc = _doc(a, hits[0].chunk.doc_id)
    if doc is None:
        return False
    field = next((f for p, f in _DOC_FIELDS if p.search(q.question)), "title")
    value = _doc_value(doc, field)
    if not value:
        return False
    chunk, line = _line_with(a, doc, value)
    if chunk is None:
        return False
    mark = draft.cite(chunk, line, _score_of(hits, chunk, hits[0].score))
    names_zh = {"doc_number": "文号", "issue_date": "印发日期", "issuer": "发文机关", "addressee": "主送单位", "title": "标题"}
    names_en = {"doc_number": "document number", "issue_date": "date of issue", "issuer": "issuing body",
                "addressee": "addressees", "title": "title"}
    if q.lang == "zh":
        draft.add(f"该文件的{names_zh[field]}是：{value}{mark}。")
    else:
        draft.add(f"The {names_en[field]} of the document is {value} {mark}.")
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


def _line_with(a: ExtractiveAnswerer, doc: Document, value: str) -> tuple[Chunk | None, str]:
    chunks = [c for c in a.retriever.index.chunks if c.doc_id == doc.meta.doc_id]
    for chunk in sorted(chunks, key=lambda c: c.ordinal):
        for line in chunk.text.split("\n"):
            if value in line:
                return chunk, line
    return None, ""


def _list(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    """Subsections or items of the section the question names, else the best sentences."""
    q = draft.query
    parent = _named_section(draft, hits)
    if parent is not None:
        children = _children(a, hits, parent)
        if len(children) >= 2:
            lines = []
            for n, chunk in enumerate(children, start=1):
                first = sentences_of(chunk)[0]
                mark = draft.cite(chunk, first, _score_of(hits, chunk, 0.0))
                head = chunk.section_path[len(parent)] if len(chunk.section_path) > len(parent) else first
                lines.append(f"{n}. {head}{mark}")
            label = draft.source_label(_doc(a, children[0].doc_id), parent[-1])
            intro = f"根据{label}，有以下几方面：\n" if q.lang == "zh" else f"According to {label}:\n"
            draft.add(intro + "\n".join(lines))
            return True
    return _sentences(a, draft, hits, 4)


def _named_section(draft: Draft, hits: list[Hit]) -> tuple[str, ...] | None:
    best: tuple[float, tuple[str, ...]] | None = None
    for hit in hits[:4]:
        path = hit.chunk.section_path
        for depth in range(1, len(path)):
            heading = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]?", "", path[depth])
            score = lexical_overlap(draft.query, heading)
            if score >= 0.5 and (best is None or score > best[0]):
                best = (score, path[: depth + 1])
    return best[1] if best else None


def _children(a: ExtractiveAnswerer, hits: list[Hit], parent: tuple[str, ...]) -> list[Chunk]:
    doc_id = next(h.chunk.doc_id for h in hits if h.chunk.section_path[: len(parent)] == parent)
    out: dict[tuple[str, ...] | str, Chunk] = {}
    for chunk in sorted(a.retriever.index.chunks, key=lambda c: c.ordinal):
        if chunk.doc_id != doc_id or chunk.section_path[: len(parent)] != parent:
            continue
        if len(chunk.section_path) == len(parent) + 1:
            out.setdefault(chunk.section_path, chunk)
        elif len(chunk.section_path) == len(parent) and chunk.text.startswith(("──", "—")):
            for line in chunk.text.split("\n"):
                out.setdefault(line, _line_chunk(chunk, line))
    return list(out.values())


def _line_chunk(chunk: Chunk, line: str) -> Chunk:
    from dataclasses import replace

    return replace(chunk, text=line)


def _sentences(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit], limit: int) -> bool:
    q = draft.query
    picked = a.sentences(q, hits, limit)
    if not picked:
        return False
    top = picked[0][2]
    picked = [p for p in picked if p[2] >= top - 0.5]
    if len(picked) == 1:
        hit, sentence, _ = picked[0]
        mark = draft.cite(hit.chunk, sentence, hit.score)
        sep = "：" if q.lang == "zh" else ": "
        lead = f"根据{_label(a, draft, hit.chunk)}" if q.lang == "zh" else f"According to {_label(a, draft, hit.chunk)}"
        draft.add(f"{lead}{sep}“{sentence}”{mark}")
        return True
    lines = []
    for n, (hit, sentence, _s) in enumerate(picked, start=1):
        mark = draft.cite(hit.chunk, sentence, hit.score)
        where = hit.chunk.section.split(PATH_SEP)[-1]
        lines.append(f"{n}. {where}：“{sentence}”{mark}" if q.lang == "zh" else f"{n}. {where}: “{sentence}” {mark}")
    intro = "文件中的相关内容：\n" if q.lang == "zh" else "What the documents say:\n"
    draft.add(intro + "\n".join(lines))
    return True


def _broad(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    doc = _doc(a, hits[0].chunk.doc_id)
    if doc is None:
        return False
    q = draft.query
    chunks = sorted((c for c in a.retriever.index.chunks if c.doc_id == doc.meta.doc_id), key=lambda c: c.ordinal)
    tops: dict[str, Chunk] = {}
    for chunk in chunks:
        if len(chunk.section_path) >= 2:
            tops.setdefault(chunk.section_path[1], chunk)
    if not tops:
        return _sentences(a, draft, hits, 3)
    lines = []
    for heading, chunk in tops.items():
        mark = draft.cite(chunk, sentences_of(chunk)[0], _score_of(hits, chunk, 0.0))
        lines.append(f"{heading}{mark}")
    name = doc.meta.short_title or doc.meta.title
    intro = (f"《{name}》主要包括：" if q.lang == "zh" else f"《{name}》 covers: ")
    draft.add(intro + ("；".join(lines) + "。" if q.lang == "zh" else "; ".join(lines) + "."))
    return True


def _general(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    return _sentences(a, draft, hits, 2)


_COMPOSERS: dict[str, Callable[[ExtractiveAnswerer, Draft, list[Hit]], bool]] = {
    "deadline": _deadline,
    "quantity": _target,
    "target": _target,
    "party": _party,
    "document": _document,
    "list": _list,
    "broad": _broad,
    "general": _general,
}
