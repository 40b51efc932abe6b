"""Retrieval prefers documents in force: when two retrieved passages of different documents say
the same thing and only the lower-ranked one's document is in force (on the day asked about),
that one moves up to just before the other — unless the question names a year or a document,
which asks for that text as it was.

One small, explicit re-ranking step between retrieval and composing an answer; hits keep their
own text, and the scores stay in rank order (a hit that moves up takes the score of its place).
The composers, which rank clauses of the retrieved documents on their own, get the same
preference as a document weight: ``DEMOTE`` against a document whose point an in-force one makes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from policybot.answer.understanding import Query, bigrams
from policybot.lifecycle.extract import find_references
from policybot.lifecycle.links import Lifecycle, resolve
from policybot.lifecycle.model import Status
from policybot.lifecycle.view import lifecycle_view
from policybot.records import Document, Hit
from policybot.store.files import IndexData

__all__ = [
    "DEMOTE",
    "TWIN_OVERLAP",
    "Preference",
    "names_document",
    "names_year",
    "prefer_in_force",
    "reorder",
    "same_point",
]

#: share of the shorter passage's character bigrams the other must contain to "say the same"
TWIN_OVERLAP = 0.6
#: clause-score weight against a document not in force whose point a document in force makes
DEMOTE = -0.2


@dataclass(frozen=True)
class Preference:
    """The hits in their preferred order, and document weights for ranking clauses."""

    hits: list[Hit]
    weights: dict[str, float] = field(default_factory=dict)


_YEAR = re.compile(r"(?<![\d.])(?:19|20)\d{2}(?![\d.]|\s*(?:万|亿|元|%|个|家|人|项|吨|千|百))")
_NUMBER = re.compile(r"(?<!\d)(\d{1,4})\s*号")
_SPACES = re.compile(r"[\s《》“”\"、，,]")


def names_year(question: str) -> bool:
    """Does the question name a year (2015年, 2016专项行动, 2015-12-31)?"""
    return bool(_YEAR.search(question))


def names_document(question: str, documents: Mapping[str, Document]) -> bool:
    """Does the question name a document of the corpus: by 《title》 or 文号, by its short title
    written out, or by the number of its 文号 (``119号``)?"""
    if any(resolve(ref, documents) for ref in find_references(question)):
        return True
    plain = _SPACES.sub("", question)
    numbers = set(_NUMBER.findall(plain))
    for doc in documents.values():
        m = doc.meta
        titles = [_SPACES.sub("", t) for t in (m.short_title, m.title) if t]
        if any(len(t) >= 4 and t in plain for t in titles):
            return True
        if m.doc_number and any(re.search(rf"(?<!\d){n}\s*号", m.doc_number) for n in numbers):
            return True
    return False


def same_point(a: str, b: str) -> bool:
    """Do two passages say the same thing (most of the shorter one's wording is in the other)?"""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return False
    return len(x & y) / min(len(x), len(y)) >= TWIN_OVERLAP


def reorder(hits: Sequence[Hit], in_force: Mapping[str, bool]) -> Preference:
    """``hits`` with each passage of a document in force moved up before the first passage of a
    document not in force that says the same thing. ``in_force``: doc id -> in force."""
    order: list[int] = []
    placed: set[int] = set()
    demoted: set[str] = set()
    for i, hit in enumerate(hits):
        if i in placed:
            continue
        if not in_force.get(hit.chunk.doc_id, True):
            for j in range(i + 1, len(hits)):
                twin = hits[j]
                if (
                    j not in placed
                    and twin.chunk.doc_id != hit.chunk.doc_id
                    and in_force.get(twin.chunk.doc_id, True)
                    and same_point(hit.chunk.text, twin.chunk.text)
                ):
                    order.append(j)
                    placed.add(j)
                    demoted.add(hit.chunk.doc_id)
        order.append(i)
        placed.add(i)
    weights = dict.fromkeys(sorted(demoted), DEMOTE)
    if order == list(range(len(hits))):
        return Preference(list(hits), weights)
    return Preference([replace(hits[j], score=hits[pos].score) for pos, j in enumerate(order)], weights)


def prefer_in_force(hits: list[Hit], query: Query, index: IndexData, as_of: date | None = None) -> Preference:
    """The re-ranking step of the answer chain (see the module docstring); ``as_of``: today."""
    docs = {h.chunk.doc_id for h in hits}
    if len(docs) < 2 or names_year(query.question) or names_document(query.question, index.documents):
        return Preference(hits)
    life: Lifecycle = lifecycle_view(index).lifecycle
    day = as_of or date.today()
    in_force = {d: life.status(d, day).status is Status.IN_FORCE for d in docs if d in life.documents}
    if all(in_force.values()):
        return Preference(hits)
    return reorder(hits, in_force)
