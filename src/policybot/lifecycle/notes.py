"""Status notes next to citations: when an answer cites a document that is repealed, expired or
not yet in force, the citation carries that status with the cited fact it rests on, the answer
says so beside the citation marks, and names and cites the document that replaced it — with what
that one says on the same point — when the corpus has it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Protocol

from policybot.answer.compose import Draft, lexical_overlap, sentences_of
from policybot.answer.understanding import bigrams
from policybot.lifecycle.extract import find_references
from policybot.lifecycle.links import resolve
from policybot.lifecycle.model import DocStatus, FactKind, Status
from policybot.lifecycle.view import lifecycle_view
from policybot.records import Chunk, Hit
from policybot.store.files import IndexData

__all__ = ["add_status_notes", "as_of_words", "status_reason"]

_STATUS_EN = {
    Status.REPEALED: "repealed",
    Status.EXPIRED: "no longer in force",
    Status.NOT_YET: "not yet in force",
    Status.IN_FORCE: "in force",
}


class _Searcher(Protocol):
    @property
    def index(self) -> IndexData: ...

    @property
    def by_id(self) -> dict[str, Chunk]: ...

    def search(self, query: str, k: int, *, doc_ids: list[str] | None = None, keywords: str = "") -> list[Hit]: ...


def status_reason(status: DocStatus, names: dict[str, str]) -> str:
    """Why a document is not in force, in words taken from the facts."""
    fact = next((f for f in status.facts if f.until), status.facts[0] if status.facts else None)
    if status.status is Status.REPEALED and status.replaced_by:
        return f"已被{'、'.join(names.get(d, d) for d in status.replaced_by)}废止或替代"
    if fact is None:
        return ""
    if status.status is Status.EXPIRED:
        if fact.until and "至" in fact.value:  # "2016年4月1日至2016年10月31日": only its end matters here
            return f"适用期限至{fact.until.year}年{fact.until.month}月{fact.until.day}日，已过"
        return f"适用期限“{fact.value}”已过"
    if status.status is Status.NOT_YET and fact.kind is FactKind.EFFECTIVE:
        return f"文件规定“{fact.value}”"
    return f"“{fact.value}”"


def as_of_words(day: date | None, lang: str = "zh") -> str:
    """``今天`` / ``today``, or the day asked about (``2020年11月1日`` / ``2020-11-01``)."""
    if day is None or day == date.today():
        return "今天" if lang == "zh" else "today"
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def add_status_notes(draft: Draft, searcher: _Searcher, day: date | None = None) -> list[str]:
    """Mark the citations of documents not in force on ``day`` (default today) and say so in the
    answer; returns machine-readable notes (``status: doc_id 已失效``)."""
    zh_day, en_day = as_of_words(day), as_of_words(day, "en")
    day = day or date.today()
    life = lifecycle_view(searcher.index).lifecycle
    names = {d: _name(doc.meta.short_title or doc.meta.title) for d, doc in life.documents.items()}
    out: list[str] = []
    for doc_id in list(dict.fromkeys(c.doc_id for c in draft.citations)):
        if doc_id not in life.documents:
            continue
        status = life.status(doc_id, day)
        if status.status is Status.IN_FORCE:
            continue
        reason = status_reason(status, names)
        fact = next((f for f in status.facts if f.chunk_id), None)
        draft.citations = [
            replace(
                c,
                status=status.status.value,
                status_reason=reason,
                status_quote=fact.quote if fact else None,
                status_section=fact.section if fact else None,
            )
            if c.doc_id == doc_id
            else c
            for c in draft.citations
        ]
        out.append(f"status: {doc_id} {status.status.value}")
        if f"{names[doc_id]}{status.status.value}" in draft.text:
            continue  # a lifecycle answer that already states it (and names the replacement)
        ids = "".join(f"[{c.id}]" for c in draft.citations if c.doc_id == doc_id)
        draft.say(
            f"\n（注意：{ids}所引{names[doc_id]}截至{zh_day}{status.status.value}：{reason}。）",
            f"\n(Note: {ids} cite {names[doc_id]}, which is {_STATUS_EN[status.status]} as of {en_day} "
            f"({status.status.value}: {reason}).)",
        )
        for newer in status.replaced_by:
            _say_newer(draft, searcher, doc_id, newer, names)
    return out


def _name(title: str) -> str:
    return f"《{title.strip('《》')}》"


def _say_newer(draft: Draft, searcher: _Searcher, old: str, newer: str, names: dict[str, str]) -> None:
    """Quote the clause of ``newer`` that best makes the point the answer cited ``old`` for: the
    sentence sharing most wording with the cited quotes and the question, not the clause that
    repeals ``old`` (it names the old document, not the point)."""
    point = "".join(c.quote for c in draft.citations if c.doc_id == old)
    hits = searcher.search(point or draft.query.text, 4, doc_ids=[newer], keywords=draft.query.keywords)
    wanted = bigrams(point)
    best: tuple[float, Hit, str] | None = None
    for rank, hit in enumerate(hits):
        for sentence in sentences_of(hit.chunk):
            if len(sentence) < 6 or _names(sentence, old, searcher.index):
                continue
            have = bigrams(sentence)
            share = len(have & wanted) / max(1, min(len(have), len(wanted)))
            score = share + lexical_overlap(draft.query, sentence) - 0.01 * rank
            if best is None or score > best[0]:
                best = (score, hit, sentence)
    if best is None:
        return
    _score, hit, sentence = best
    mark = draft.cite(hit.chunk, sentence, hit.score)
    draft.say(
        f"\n（现行的{names[newer]}在这一点上规定：“{sentence}”{mark}）",
        f"\n(On this point {names[newer]}, in force, says: “{sentence}”{mark})",
    )


def _names(sentence: str, doc_id: str, index: IndexData) -> bool:
    return any(resolve(ref, index.documents) == doc_id for ref in find_references(sentence))
