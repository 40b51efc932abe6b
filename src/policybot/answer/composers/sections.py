"""Answers from a document's own structure: the items of a named section, the Nth item, an outline,
or the sentences that best match the question."""

from __future__ import annotations

import re
from dataclasses import replace

from policybot.answer.compose import Draft, sentences_of
from policybot.answer.composers.base import score_of, section_label, top_docs
from policybot.answer.composers.lists import compose_list
from policybot.answer.composers.values import MIN_SCORE, fitting
from policybot.answer.context import AnswerContext, document_weights
from policybot.answer.evidence import AnswerType
from policybot.answer.understanding import Query, bigrams
from policybot.genre import ANNOUNCES_LIST, INTRODUCES_ITEMS, ITEM, NEGATIVE, PERMITTED, marker_of
from policybot.records import PATH_SEP, Chunk, Hit


def compose_sections(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    """Subsections or items of the section the question names, else the best sentences."""
    if draft.query.ordinal and ordinal_item(ctx, draft, hits):
        return True
    parent = named_section(ctx, draft, hits)
    if parent is not None and list_children(ctx, draft, hits, parent):
        return True
    if parent is not None and _enumerated_in(ctx, draft, parent):
        return True
    return quote_sentences(ctx, draft, hits, 4, per_chunk=1)


def _enumerated_in(ctx: AnswerContext, draft: Draft, parent: tuple[str, ...]) -> bool:
    """A section with no sub-sections: the enumerating clause the list composer finds, when it
    lies in that section ("（一）建设集约化平台" → "…提供以下功能支撑：站点管理、…；…")."""
    ranked = fitting(ctx, draft.query, AnswerType.LIST)
    if not ranked or ranked[0].score < MIN_SCORE or ranked[0].chunk.section_path[: len(parent)] != parent:
        return False
    text = ranked[0].text
    if not (ANNOUNCES_LIST.search(text) or INTRODUCES_ITEMS.search(text) or _verb_enumerates(draft.query, text)):
        return False  # a clause that names things in passing ("在A、B等地区开展…") announces no list
    return compose_list(ctx, draft, ctx.hits)


_ASKED_VERB = re.compile(r"([\u4e00-\u9fff]{2})(?:哪些|哪几)")


def _verb_enumerates(query: Query, text: str) -> bool:
    """Does the verb the question asks with ("强化哪些方面") open an enumeration in ``text``
    ("强化大气污染物排放监测、重点企业现场检查和执法联动")? Then the clause is the list asked."""
    m = _ASKED_VERB.search(query.question)
    return m is not None and bool(re.search(rf"{m.group(1)}[^，。；、]{{1,16}}、", text))


def list_children(ctx: AnswerContext, draft: Draft, hits: list[Hit], parent: tuple[str, ...]) -> bool:
    q = draft.query
    children = section_children(ctx, hits, parent)
    if len(children) < 2:
        return False
    lines = []
    for n, chunk in enumerate(children, start=1):
        first = sentences_of(chunk)[0]
        quote = first if len(first) > 20 or len(sentences_of(chunk)) < 2 else first + sentences_of(chunk)[1]
        mark = draft.cite(chunk, quote, score_of(hits, chunk, 0.0))
        head = chunk.section_path[len(parent)] if len(chunk.section_path) > len(parent) else first
        detail = quote if quote != head and not quote.startswith(head) else quote[len(head) :].lstrip("。，；;：:")
        lines.append(f"{n}. {head}：{detail}{mark}" if detail else f"{n}. {head}{mark}")
    label = draft.source_label(ctx.document(children[0].doc_id), parent[-1])
    intro = f"根据{label}，有以下几方面：\n" if q.lang == "zh" else f"According to {label}:\n"
    draft.add(intro + "\n".join(lines))
    return True


def ordinal_item(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    """ "第三条讲了什么" after a list question: the Nth item of the section the history named."""
    q = draft.query
    parent = named_section(ctx, draft, hits, text=q.text)
    if parent is None or q.ordinal is None:
        return False
    children = section_children(ctx, hits, parent)
    if not 1 <= q.ordinal <= len(children):
        return False
    chunk = children[q.ordinal - 1]
    mark = draft.cite(chunk, chunk.text, score_of(hits, chunk, 0.0))
    lead = section_label(ctx, draft, chunk)
    head = chunk.section_path[-1]
    draft.add(
        f"根据{lead}，您问的是“{head}”：{chunk.text}{mark}"
        if q.lang == "zh"
        else f"According to {lead}, that item is “{head}”: {chunk.text} {mark}"
    )
    return True


#: Joining words that headings and questions word differently ("申报及遴选程序" / "申报和遴选"): left
#: out before comparing them.
_JOINERS = re.compile(r"[及和与的、]")


def named_section(ctx: AnswerContext, draft: Draft, hits: list[Hit], text: str | None = None) -> tuple[str, ...] | None:
    """The section whose heading the question (or ``text``) names: most of the heading's
    bigrams must be in the question's terms. Searched over the top documents' sections."""
    source = _JOINERS.sub("", text if text else draft.query.question)
    wanted = bigrams(source).union(*(bigrams(t) for g in draft.query.terms for t in g))
    negative = bool(NEGATIVE.search(source))
    if negative:  # 不能享受 names a heading 不适用…的行业 or 不得…
        wanted |= bigrams("不适用不得不允许")
    best: tuple[float, tuple[str, ...]] | None = None
    docs = top_docs(hits)
    paths = {c.section_path: c.doc_id for c in ctx.index.chunks if c.doc_id in docs}
    titles = {d: bigrams(_title(ctx, d)) for d in docs}
    for path, doc_id in paths.items():
        for depth in range(1, len(path)):
            heading = _JOINERS.sub("", re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]?", "", path[depth]))
            hb = bigrams(heading)
            score = len(hb & wanted) / len(hb) if hb else 0.0
            own = hb - titles[doc_id]  # the title's words are every section's: they tell none apart
            if own and len(own & wanted) / len(own) < 0.5:
                continue
            if negative and PERMITTED.search(heading) and not NEGATIVE.search(heading):
                score /= 2  # "哪些行业不能享受" is not answered by "允许加计扣除的…"
            if score >= 0.6 and (best is None or score > best[0]):
                best = (score, path[: depth + 1])
    return best[1] if best else None


def _title(ctx: AnswerContext, doc_id: str) -> str:
    doc = ctx.document(doc_id)
    return f"{doc.meta.title} {doc.meta.short_title or ''}" if doc else ""


def section_hits(ctx: AnswerContext, hits: list[Hit], section: tuple[str, ...]) -> list[Hit]:
    """Every chunk of ``section`` (and below) as a hit, scored as retrieval scored it (else 0)."""
    scores = {h.chunk.id: h for h in hits}
    docs = top_docs(hits)
    out = []
    for chunk in sorted(ctx.index.chunks, key=lambda c: (c.doc_id, c.ordinal)):
        if chunk.doc_id in docs and chunk.section_path[: len(section)] == section:
            out.append(scores.get(chunk.id) or Hit(chunk, 0.0))
    return out


def section_children(ctx: AnswerContext, hits: list[Hit], parent: tuple[str, ...]) -> list[Chunk]:
    docs = top_docs(hits)
    doc_id = next(
        (c.doc_id for c in ctx.index.chunks if c.doc_id in docs and c.section_path[: len(parent)] == parent),
        None,
    )
    if doc_id is None:
        return []
    out: dict[tuple[str, ...] | str, Chunk] = {}
    for chunk in sorted(ctx.index.chunks, key=lambda c: c.ordinal):
        if chunk.doc_id != doc_id or chunk.section_path[: len(parent)] != parent:
            continue
        if len(chunk.section_path) == len(parent) + 1:
            out.setdefault(chunk.section_path, chunk)
        elif len(chunk.section_path) == len(parent) and chunk.text.startswith(("──", "—")):
            for line in chunk.text.split("\n"):
                out.setdefault(line, _line_chunk(chunk, line))
    return list(out.values())


def _line_chunk(chunk: Chunk, line: str) -> Chunk:

    return replace(chunk, text=line)


def _introduced(ctx: AnswerContext, draft: Draft, hit: Hit) -> str:
    """An item "(一)企业拥有有效期内高新技术企业资格证书" means what the sentence introducing its list
    says ("…若同时符合下列条件中的一项，则可直接确认符合科技型中小企业条件："): that sentence,
    quoted and cited, when the item's parent passage ends with it."""
    path = hit.chunk.section_path
    marker = marker_of(path[-1]) if len(path) >= 3 else None
    if marker is None or not marker.startswith(("（", "(")):  # an item "(一)…", not an article or a part
        return ""
    parent = next((c for c in ctx.index.chunks if c.doc_id == hit.chunk.doc_id and c.section_path == path[:-1]), None)
    sentences = sentences_of(parent) if parent is not None else []
    if parent is None or not sentences or not sentences[-1].rstrip().endswith(("：", ":")):
        return ""
    mark = draft.cite(parent, sentences[-1], hit.score)
    return f"“{sentences[-1]}”{mark}" if draft.query.lang == "zh" else f"“{sentences[-1]}” {mark} "


def _what_follows(draft: Draft, hit: Hit, sentence: str) -> str:
    """A sentence that announces what follows ("应当按照以下公式计算：") is no answer alone, nor is the
    first ；-part of a sentence whose next part says what then happens ("复核不合格的，给予1年整改期；
    整改期满后再次复核仍不合格的，撤销其技术中心认定。"): the part after it in its passage, quoted and
    cited, when there is one (not the next item of a list, "（二）…")."""
    if not sentence.rstrip().endswith(("：", ":", "；")):
        return ""
    sentences = sentences_of(hit.chunk)
    at = sentences.index(sentence) if sentence in sentences else -1
    if at < 0 or at + 1 >= len(sentences):
        return ""
    following = sentences[at + 1]
    if sentence.rstrip().endswith("；") and any(marker_of(t) or ITEM.match(t) for t in (sentence, following)):
        return ""  # an item of a list and the next item
    if any(c.quote == following for c in draft.citations):
        return ""  # already quoted on its own
    mark = draft.cite(hit.chunk, following, hit.score)
    return f"“{following}”{mark}" if draft.query.lang == "zh" else f" “{following}” {mark}"


def quote_sentences(ctx: AnswerContext, draft: Draft, hits: list[Hit], limit: int, per_chunk: int = 2) -> bool:
    q = draft.query
    docs = [d for d in (ctx.document(x) for x in dict.fromkeys(h.chunk.doc_id for h in hits)) if d is not None]
    weights = document_weights(q, docs)
    kept = [h for h in hits if weights.get(h.chunk.doc_id, 0.0) > -0.2]  # not from what it sets aside (（不是…）)
    picked = ctx.sentences(q, kept or hits, limit, per_chunk)
    if not picked:
        return False
    top = picked[0][2]
    picked = [p for p in picked if p[2] >= top - 0.5]
    if len(picked) == 1:
        hit, sentence, _ = picked[0]
        intro = _introduced(ctx, draft, hit)
        mark = draft.cite(hit.chunk, sentence, hit.score) + _what_follows(draft, hit, sentence)
        sep = "：" if q.lang == "zh" else ": "
        lead = (
            f"根据{section_label(ctx, draft, hit.chunk)}"
            if q.lang == "zh"
            else f"According to {section_label(ctx, draft, hit.chunk)}"
        )
        draft.add(f"{lead}{sep}{intro}“{sentence}”{mark}")
        return True
    lines = []
    for n, (hit, sentence, _s) in enumerate(picked, start=1):
        cited = len(draft.citations)
        intro = _introduced(ctx, draft, hit)
        intro = intro if len(draft.citations) > cited else ""  # a list's introduction is quoted once
        mark = draft.cite(hit.chunk, sentence, hit.score) + _what_follows(draft, hit, sentence)
        where = hit.chunk.section.split(PATH_SEP)[-1]
        lines.append(
            f"{n}. {where}：{intro}“{sentence}”{mark}"
            if q.lang == "zh"
            else f"{n}. {where}: {intro}“{sentence}” {mark}"
        )
    intro = "文件中的相关内容：\n" if q.lang == "zh" else "What the documents say:\n"
    draft.add(intro + "\n".join(lines))
    return True


def compose_broad(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    """A summary: of the section the question names, else of the whole document's outline."""
    if draft.query.ordinal and ordinal_item(ctx, draft, hits):
        return True
    named = named_section(ctx, draft, hits)
    if named is not None:
        section = section_hits(ctx, hits, named)  # its sentences, not two of each chunk: "Summarize the background"
        return list_children(ctx, draft, hits, named) or quote_sentences(ctx, draft, section, 3, per_chunk=3)
    if draft.query.terms:
        return quote_sentences(ctx, draft, hits, 4)
    doc = ctx.document(hits[0].chunk.doc_id)
    if doc is None:
        return False
    q = draft.query
    chunks = sorted((c for c in ctx.index.chunks if c.doc_id == doc.meta.doc_id), key=lambda c: c.ordinal)
    tops: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        if len(chunk.section_path) >= 2:
            tops.setdefault(chunk.section_path[1], []).append(chunk)
    if not tops:
        return quote_sentences(ctx, draft, hits, 3)
    lines = []
    for heading, members in tops.items():
        first = members[0]
        mark = draft.cite(first, sentences_of(first)[0], score_of(hits, first, 0.0))
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


def compose_general(ctx: AnswerContext, draft: Draft, hits: list[Hit]) -> bool:
    return quote_sentences(ctx, draft, hits, 2)
