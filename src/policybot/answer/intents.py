"""One composer per kind of question: deadlines, targets, parties, document facts, lists,
summaries and general questions. Each fills a ``Draft`` and returns False when the sources do
not hold what the question asks (the answerer then refuses)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from policybot.answer.compose import Draft, lexical_overlap, quarter_words, sentences_of
from policybot.answer.evidence import AnswerType, year_fit
from policybot.answer.quote import VALUE_TYPES, asked_type, compose_list, compose_quote
from policybot.answer.understanding import bigrams
from policybot.records import PATH_SEP, Chunk, Document, Fact, Hit

if TYPE_CHECKING:
    from policybot.answer.chain import ExtractiveAnswerer

__all__ = ["compose_for_intent"]

_MIN_FACT = 0.80  # score (cosine + 0.5 * lexical) a fact needs to be taken as the answer


def compose_for_intent(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit], missing: tuple[str, ...]) -> bool:
    """Fill ``draft`` with the first composer that can answer: for a question asking a value, the
    extracted facts only where they are what is asked (a schedule's quarter, a plan's 目标), else
    the quote-first composer; other questions by their intent."""
    q = draft.query
    kind = asked_type(q)
    composers: list[Callable[[ExtractiveAnswerer, Draft, list[Hit]], bool]] = []
    if q.intent == "document":
        composers.append(_document)
    elif kind in VALUE_TYPES:
        if q.intent == "deadline":
            composers.append(_scheduled)
        elif q.intent in ("quantity", "target") and _TARGET_WORDS.search(q.text):
            composers.append(_goal)
    if kind in VALUE_TYPES:
        composers.append(lambda a_, d_, h_: compose_quote(a_, d_, h_, kind))
    elif kind is AnswerType.LIST and q.intent not in ("document", "broad"):
        own = _COMPOSERS.get(q.intent, _general)
        if q.quarter:  # a schedule's items by their time tags, or nothing
            composers.append(own)
        elif q.intent == "party" or _named_section(a, draft, hits) is not None:
            composers += [own, compose_list]
        else:
            composers += [compose_list, own]
    else:
        composers.append(_COMPOSERS.get(q.intent, _general))
    for composer in composers:
        trial = Draft(q)
        if composer(a, trial, hits) and trial.citations:
            draft.parts, draft.citations, draft.facts = trial.parts, trial.citations, trial.facts
            if missing and q.lang == "zh":
                draft.add(f"（文件没有专门提到：{'、'.join(missing)}。）")
            return True
    return False


_TARGET_WORDS = re.compile(r"目标|削减|减排|target|goal|objective|reduc", re.I)
_GOAL_CONTEXT = re.compile(r"目标|预期|预计|削减|减排|到\d{4}年")


def _goal(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    """A target from the extracted facts, when it is stated as a goal and for the year asked."""
    if not _target(a, draft, hits):
        return False
    for fact in draft.facts:
        chunk = _fact_chunk(a, fact)
        if chunk is None or not _GOAL_CONTEXT.search(chunk.section + chunk.text):
            return False
        if year_fit(draft.query, chunk.text, max(0, fact.start - chunk.start)) < 0:
            return False
    return True


def _scheduled(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    """A deadline from a schedule item's own time tag (``──…（二季度）``), else nothing."""
    return _deadline(a, draft, hits) and all(re.search(r"Q[1-4]$", f.normalized or "") for f in draft.facts)


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
        return _list_facts(a, draft, hits, sorted(chosen, key=lambda f: f.start), "deadline")
    if q.superlative:
        dated = [facts[i] for _s, _l, i in scored if facts[i].normalized]
        if dated:
            pick = max if q.superlative == "latest" else min
            edge = pick(f.normalized or "" for f in dated)
            chosen = [f for f in dated if f.normalized == edge]
            return _list_facts(a, draft, hits, sorted(chosen, key=lambda f: f.start), "deadline")
    if not scored or scored[0][0] < _MIN_FACT:
        return False
    best = scored[0]
    picks = [facts[best[2]]]
    if q.several:
        picks += [facts[i] for s, lex, i in scored[1:4] if s >= best[0] - 0.15 and lex >= 0.3]
    if len(picks) > 1:
        return _list_facts(a, draft, hits, sorted(picks, key=lambda f: f.start), "deadline")
    fact = picks[0]
    chunk = _fact_chunk(a, fact)
    if chunk is None:
        return False
    mark = draft.cite(chunk, fact.quote, _score_of(hits, chunk, best[0]))
    when = quarter_words(fact, q.lang)
    if q.lang == "zh":
        draft.add(f"根据{_label(a, draft, chunk)}，“{fact.subject}”安排在{when}{mark}。")
    else:
        draft.add(f"According to {_label(a, draft, chunk)}, “{fact.subject}” is scheduled for {when} {mark}.")
    draft.facts.append(fact)
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
        lines.append(
            f"{n}. {fact.subject}（{extra}）{mark}" if q.lang == "zh" else f"{n}. {fact.subject} — {extra} {mark}"
        )
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
    good = [
        (s, i)
        for s, _lex, i in scored
        if s >= _MIN_FACT and lexical_overlap(q, facts[i].indicator or facts[i].subject) > 0
    ]
    if not good:
        return False if q.wants_quantity else _goals(a, draft, hits)
    best_score, best = good[0]
    chosen = [facts[i] for s, i in good if s >= best_score - 0.06 and facts[i].chunk_id == facts[best].chunk_id]
    chunk = _fact_chunk(a, chosen[0])
    if chunk is None:
        return False
    mark = draft.cite(chunk, chosen[0].quote, _score_of(hits, chunk, best_score))
    what = "、".join(f.subject for f in chosen)
    if q.lang == "zh":
        draft.add(f"根据{_label(a, draft, chunk)}，目标是{what}{mark}。")
    else:
        draft.add(f"According to {_label(a, draft, chunk)}, the target is {what} {mark}.")
    draft.facts.extend(chosen)
    return True


def _goals(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    """A goal question with no figure asked: the goals section's items, else best sentences."""
    for hit in hits[:4]:
        path = hit.chunk.section_path
        for depth in range(1, len(path)):
            if "目标" in path[depth]:
                goals = path[: depth + 1]
                inside = _section_hits(a, hits, goals)
                lead = " ".join(h.chunk.text + h.chunk.section for h in inside if h.chunk.section_path == goals)
                distinct = [g for g in draft.query.terms if not any(t in lead for t in g)]
                topical = [
                    h
                    for h in inside
                    if h.chunk.section_path != goals and any(t in h.chunk.text for g in distinct for t in g)
                ]
                if topical:
                    return _sentences(a, draft, topical, 2)
                if _list_children(a, draft, hits, goals):
                    return True
    return _list(a, draft, hits)


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
    (re.compile(r"日期|哪天|哪一天|什么时候|何时|when was|\bdate\b|issued on|\bwhen\b", re.I), "issue_date"),
    (
        re.compile(
            r"发文机关|发文单位|哪个部门|谁|\bwho\b|issuer|issued by|issuing|which (?:ministry|department)", re.I
        ),
        "issuer",
    ),
    (re.compile(r"主送|发给|下发给|addressed|sent to", re.I), "addressee"),
    (re.compile(r"全称|全名|标题|名称|title|called", re.I), "title"),
]


def _document(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    q = draft.query
    doc = _doc(a, hits[0].chunk.doc_id)
    if doc is None:
        return False
    fields = [f for p, f in _DOC_FIELDS if p.search(q.question)] or ["title"]
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
        chunk, line = _line_with(a, doc, value) if value else (None, "")
        if value is None or chunk is None:
            continue
        mark = draft.cite(chunk, line, _score_of(hits, chunk, hits[0].score))
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


def _line_with(a: ExtractiveAnswerer, doc: Document, value: str) -> tuple[Chunk | None, str]:
    """The document line holding ``value`` and the chunk at (or right after) that line."""
    offset = 0
    for line in doc.text.split("\n"):
        if value in line:
            chunks = sorted((c for c in a.retriever.index.chunks if c.doc_id == doc.meta.doc_id), key=lambda c: c.start)
            owner = next((c for c in chunks if c.end > offset), None)
            return owner, line
        offset += len(line) + 1
    return None, ""


def _list(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    """Subsections or items of the section the question names, else the best sentences."""
    if draft.query.ordinal and _ordinal_item(a, draft, hits):
        return True
    parent = _named_section(a, draft, hits)
    if parent is not None and _list_children(a, draft, hits, parent):
        return True
    return _sentences(a, draft, hits, 4, per_chunk=1)


def _list_children(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit], parent: tuple[str, ...]) -> bool:
    q = draft.query
    children = _children(a, hits, parent)
    if len(children) < 2:
        return False
    lines = []
    for n, chunk in enumerate(children, start=1):
        first = sentences_of(chunk)[0]
        quote = first if len(first) > 20 or len(sentences_of(chunk)) < 2 else first + sentences_of(chunk)[1]
        mark = draft.cite(chunk, quote, _score_of(hits, chunk, 0.0))
        head = chunk.section_path[len(parent)] if len(chunk.section_path) > len(parent) else first
        detail = quote if quote != head and not quote.startswith(head) else quote[len(head) :].lstrip("。，")
        lines.append(f"{n}. {head}：{detail}{mark}" if detail else f"{n}. {head}{mark}")
    label = draft.source_label(_doc(a, children[0].doc_id), parent[-1])
    intro = f"根据{label}，有以下几方面：\n" if q.lang == "zh" else f"According to {label}:\n"
    draft.add(intro + "\n".join(lines))
    return True


def _ordinal_item(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit]) -> bool:
    """ "第三条讲了什么" after a list question: the Nth item of the section the history named."""
    q = draft.query
    parent = _named_section(a, draft, hits, text=q.text)
    if parent is None or q.ordinal is None:
        return False
    children = _children(a, hits, parent)
    if not 1 <= q.ordinal <= len(children):
        return False
    chunk = children[q.ordinal - 1]
    mark = draft.cite(chunk, chunk.text, _score_of(hits, chunk, 0.0))
    lead = _label(a, draft, chunk)
    head = chunk.section_path[-1]
    draft.add(
        f"根据{lead}，您问的是“{head}”：{chunk.text}{mark}"
        if q.lang == "zh"
        else f"According to {lead}, that item is “{head}”: {chunk.text} {mark}"
    )
    return True


def _named_section(
    a: ExtractiveAnswerer, draft: Draft, hits: list[Hit], text: str | None = None
) -> tuple[str, ...] | None:
    """The section whose heading the question (or ``text``) names: most of the heading's
    bigrams must be in the question's terms. Searched over the top documents' sections."""
    source = text if text else draft.query.question
    wanted = bigrams(source).union(*(bigrams(t) for g in draft.query.terms for t in g))
    best: tuple[float, tuple[str, ...]] | None = None
    docs = _docs(hits)
    paths = dict.fromkeys(c.section_path for c in a.retriever.index.chunks if c.doc_id in docs)
    for path in paths:
        for depth in range(1, len(path)):
            heading = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]?", "", path[depth])
            hb = bigrams(heading)
            score = len(hb & wanted) / len(hb) if hb else 0.0
            if score >= 0.6 and (best is None or score > best[0]):
                best = (score, path[: depth + 1])
    return best[1] if best else None


def _section_hits(a: ExtractiveAnswerer, hits: list[Hit], section: tuple[str, ...]) -> list[Hit]:
    """Every chunk of ``section`` (and below) as a hit, scored as retrieval scored it (else 0)."""
    scores = {h.chunk.id: h for h in hits}
    docs = _docs(hits)
    out = []
    for chunk in sorted(a.retriever.index.chunks, key=lambda c: (c.doc_id, c.ordinal)):
        if chunk.doc_id in docs and chunk.section_path[: len(section)] == section:
            out.append(scores.get(chunk.id) or Hit(chunk, 0.0))
    return out


def _children(a: ExtractiveAnswerer, hits: list[Hit], parent: tuple[str, ...]) -> list[Chunk]:
    docs = _docs(hits)
    doc_id = next(
        (c.doc_id for c in a.retriever.index.chunks if c.doc_id in docs and c.section_path[: len(parent)] == parent),
        None,
    )
    if doc_id is None:
        return []
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


def _sentences(a: ExtractiveAnswerer, draft: Draft, hits: list[Hit], limit: int, per_chunk: int = 2) -> bool:
    q = draft.query
    picked = a.sentences(q, hits, limit, per_chunk)
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
    """A summary: of the section the question names, else of the whole document's outline."""
    if draft.query.ordinal and _ordinal_item(a, draft, hits):
        return True
    named = _named_section(a, draft, hits)
    if named is not None:
        return _list_children(a, draft, hits, named) or _sentences(a, draft, _section_hits(a, hits, named), 3)
    if draft.query.terms:
        return _sentences(a, draft, hits, 4)
    doc = _doc(a, hits[0].chunk.doc_id)
    if doc is None:
        return False
    q = draft.query
    chunks = sorted((c for c in a.retriever.index.chunks if c.doc_id == doc.meta.doc_id), key=lambda c: c.ordinal)
    tops: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        if len(chunk.section_path) >= 2:
            tops.setdefault(chunk.section_path[1], []).append(chunk)
    if not tops:
        return _sentences(a, draft, hits, 3)
    lines = []
    for heading, members in tops.items():
        first = members[0]
        mark = draft.cite(first, sentences_of(first)[0], _score_of(hits, first, 0.0))
        subs = list(dict.fromkeys(c.section_path[2] for c in members if len(c.section_path) > 2))
        inner = (
            ("（" + "；".join(subs) + "）") if subs and q.lang == "zh" else (f" ({'; '.join(subs)})" if subs else "")
        )
        lines.append(f"{heading}{inner}{mark}")
    name = doc.meta.short_title or doc.meta.title
    sep = "\n"
    intro = f"《{name}》主要包括：" if q.lang == "zh" else f"《{name}》 covers: "
    draft.add(intro + sep + sep.join(lines))
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
