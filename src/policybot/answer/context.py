"""What a composer is given: the understood question, what retrieval found, and read access to
the index (documents, chunks, clauses, facts) with the similarity of the question to each.

Composers read only this object; they never reach into the answerer or the retriever.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

import numpy as np

from policybot.answer.asks import split_asks
from policybot.answer.compose import best_sentences, lexical_overlap
from policybot.answer.evidence import AnswerType, Evidence, answer_type, rank_clauses
from policybot.answer.retrieval import Retriever
from policybot.answer.understanding import Query, bigrams
from policybot.genre import SET_ASIDE, self_named, title_names
from policybot.ingest.clauses import Clause
from policybot.records import Chunk, Document, Fact, Hit
from policybot.store.files import IndexData

__all__ = ["AnswerContext", "document_weights"]

_DOC_NUMBER = re.compile(r"(\d{1,4})\s*号")
#: A local document's title: 北京市促进中小企业发展条例, 关于组织实施东莞市…的通知, 广东省…办法.
_LOCAL_TITLE = re.compile(r"^(?:关于(?:组织实施|印发|开展)?)?[\u4e00-\u9fff]{2,3}(?:省|市|自治区)(?!场|民|级)")


@dataclass
class AnswerContext:
    """One question being answered. ``scope`` limits the documents (None: all of them)."""

    query: Query
    hits: list[Hit]
    retriever: Retriever
    scope: tuple[str, ...] | None = None
    missing: tuple[str, ...] = field(default=())  # question terms the documents do not mention
    as_of: date | None = None  # the day lifecycle statuses are for (None: today)
    doc_weights: dict[str, float] = field(default_factory=dict)  # added to document_weights when ranking
    _evidence: dict[tuple[AnswerType, str], list[Evidence]] = field(default_factory=dict, repr=False)
    _near: dict[str, _Near] = field(default_factory=dict, repr=False)

    # -- the index, read-only ------------------------------------------------------------------
    @property
    def index(self) -> IndexData:
        return self.retriever.index

    @property
    def by_id(self) -> dict[str, Chunk]:
        return self.retriever.by_id

    @property
    def clauses(self) -> list[Clause]:
        return self.index.clauses

    @property
    def facts(self) -> list[Fact]:
        return self.index.facts

    def document(self, doc_id: str) -> Document | None:
        return self.index.documents.get(doc_id)

    def top_documents(self, n: int = 3) -> set[str]:
        """The documents of the ``n`` best hits."""
        return {h.chunk.doc_id for h in self.hits[:n]}

    @cached_property
    def kind(self) -> AnswerType:
        """What kind of answer the question asks for (a follow-up: the conversation)."""
        q = self.query
        asked = q.question[len(q.own) :] if q.own and q.question.startswith(q.own) else q.question
        asks = split_asks(asked) if q.lang == "zh" else []
        if asks:  # "…每个月多少钱，最多能领多少个月？": the first ask's kind; the chain answers the others
            asked = asks[0][1]
        kind = answer_type(asked)  # "我们有一批期限10个月的租赁，能不能…" asks yes or no, not a period
        if kind is AnswerType.OTHER and self.query.followup:
            return answer_type(self.query.text)
        return kind

    # -- scoring -------------------------------------------------------------------------------
    def sentences(self, query: Query, hits: list[Hit], limit: int, per_chunk: int = 2) -> list[tuple[Hit, str, float]]:
        return best_sentences(query, hits, limit, per_chunk=per_chunk)

    def fact_scores(self, query: Query, kinds: set[str], docs: set[str]) -> list[tuple[float, float, int]]:
        """(score, lexical, fact index) for the facts of ``kinds`` in ``docs``, best first: the
        similarity of the question to the clause a fact was read from, plus keyword overlap."""
        sims = self.retriever.fact_similarities(query.text, docs)
        own = {d: self._without_identity(query, d) for d in docs}
        itself = self_named(query.question)
        out = []
        for i in self.retriever.fact_rows(docs):  # only the facts of ``docs`` are looked at
            fact = self.facts[i]
            if fact.type in kinds:
                subject = fact.subject
                if itself:  # "这份方案本身…": 发布《…方案》 is another document's item
                    subject = re.sub(rf"《[^》]*{re.escape(itself)}[^》]*》", "", subject)
                lex = lexical_overlap(own[fact.doc_id], f"{subject}{fact.indicator or ''}{fact.value}")
                out.append((float(sims[i]) + 0.5 * lex, lex, i))
        out.sort(key=lambda x: -x[0])
        return out

    def _without_identity(self, query: Query, doc_id: str) -> Query:
        """``query`` without the terms that only name the document (its year, 文号, issuer): they
        say nothing about which item of it is meant."""
        doc = self.document(doc_id)
        if doc is None:
            return query
        m = doc.meta
        title = "".join(x for x in (m.title, m.short_title) if x)
        identity = "".join(x for x in (m.doc_number, m.issuer, m.issue_date) if x)

        def names_document(term: str) -> bool:
            return term in identity or (any(c.isdigit() for c in term) and term in title)

        terms = tuple(g for g in query.terms if not all(names_document(t) for t in g))
        return replace(query, terms=terms)

    def evidence(self, kind: AnswerType, query: Query | None = None) -> list[Evidence]:
        """Candidate clauses for the question, best first (see ``evidence.rank_clauses``): those of
        the retrieved chunks and the 20 nearest clauses of the same documents."""
        query = query or self.query
        key = (kind, query.question)
        if key not in self._evidence:  # several composers may ask for the same ranking
            self._evidence[key] = self._rank(kind, query)
        return self._evidence[key]

    def _rank(self, kind: AnswerType, query: Query) -> list[Evidence]:
        near = self._near_clauses(query.text)
        documents = self._retrieved_documents
        return rank_clauses(
            query,
            kind,
            self.hits,
            self.clauses,
            self.index.chunks,
            near.similarities,
            doc_weights=_merged(document_weights(query, documents), self.doc_weights),
            identity={d.meta.doc_id: _identity(d) for d in documents},
            extra_rows=near.extra,
        )

    @cached_property
    def _retrieved_documents(self) -> list[Document]:
        return [d for d in (self.document(x) for x in {h.chunk.doc_id for h in self.hits}) if d is not None]

    def _near_clauses(self, text: str) -> _Near:
        """The question's similarity to every clause and the nearest clauses of the retrieved
        documents: the same for every answer kind asked of one question text, computed once."""
        if text not in self._near:
            sims = self.retriever.clause_similarities(text)  # all clauses: "nearest" is by the library's rank
            docs = {h.chunk.doc_id for h in self.hits}
            extra = [int(i) for i in sims.argsort()[::-1][:60] if self.clauses[int(i)].doc_id in docs][:20]
            self._near[text] = _Near(sims, extra)
        return self._near[text]


@dataclass(frozen=True)
class _Near:
    similarities: np.ndarray
    extra: list[int]  # the 20 nearest clauses of the retrieved documents among the library's 60 nearest


def _merged(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {d: a.get(d, 0.0) + b.get(d, 0.0) for d in a.keys() | b.keys()}


def _identity(doc: Document) -> str:
    m = doc.meta
    return " ".join(x for x in (m.title, m.short_title, m.doc_number, m.issuer) if x)


def document_weights(query: Query, documents: Sequence[Document]) -> dict[str, float]:
    """A small prior for documents the question names, by 文号 number (119号) or title words, and
    against the one it sets aside ("（不是北京条例）")."""
    said = query.text if query.followup else query.question  # a follow-up names its document earlier
    negated = " ".join(m.group(1) for m in SET_ASIDE.finditer(said))
    positive = SET_ASIDE.sub(" ", said)
    asked, against = bigrams(positive), bigrams(negated)
    numbers = set(_DOC_NUMBER.findall(positive))
    plain = re.sub(r"[\s《》“”\"]", "", positive)
    out: dict[str, float] = {}
    for doc in documents:
        m = doc.meta
        weight = 0.0
        if m.doc_number and any(re.search(rf"(?<!\d){n}号", m.doc_number) for n in numbers):
            weight += 0.3
        if any(name in plain for name in title_names(m.title, m.short_title)):
            weight += 0.3  # "中小企业促进法对…": named as a user writes it
        if any(len(p) >= 2 and p in m.title for p in query.places):
            weight += 0.3  # "北京是多少？": the local document of a place the question asks about
        elif not query.places and _LOCAL_TITLE.match(m.title):
            weight -= 0.08  # a question naming no place asks the national rule before a city's version
        title = bigrams(" ".join(x for x in (m.short_title, m.title, m.issuer, m.doc_number) if x))
        if title:
            weight += 0.15 * len(title & asked) / len(title)
            if against and len(title & against) >= max(2, 0.5 * len(against)):
                weight -= 0.3
        if weight:
            out[m.doc_id] = round(weight, 4)
    return out
