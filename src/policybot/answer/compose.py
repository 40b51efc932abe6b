"""Composing extractive answers: the words around quotes, figures and dates from the sources.

Every composer returns a ``Draft``: answer text with [n] markers and the citations they point
at, each quoting the exact sentence(s) of the source that support it. Nothing here invents a
figure: values come from extracted facts, document metadata or quoted sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from policybot.answer.understanding import Query, bigrams
from policybot.genre import is_instruction, is_question_line
from policybot.ingest.chunking import split_sentences
from policybot.records import PATH_SEP, Chunk, Citation, Document, Fact, Hit

__all__ = ["Draft", "lexical_overlap", "quarter_words", "sentences_of"]

_QUARTER_EN = {"1": "first", "2": "second", "3": "third", "4": "fourth"}


def lexical_overlap(query: Query, text: str) -> float:
    """Share of the question's content bigrams found in ``text`` (0..1)."""
    if not query.terms:
        return 0.0
    have = bigrams(text)
    total, hit = 0, 0.0
    for options, size in _term_bigrams(query.terms):
        total += size
        hit += max(len(o & have) / len(o) for o in options) * size
    return hit / total if total else 0.0


@lru_cache(maxsize=256)
def _term_bigrams(terms: tuple[tuple[str, ...], ...]) -> tuple[tuple[tuple[frozenset[str], ...], int], ...]:
    """Each term group's bigram sets and the smallest one's size: the question's side of
    ``lexical_overlap``, found once per question rather than once per fact or clause scored."""
    out = []
    for group in terms:
        options = tuple(frozenset(bigrams(t) or {t}) for t in group)
        out.append((options, min(len(o) for o in options)))
    return tuple(out)


def quarter_words(fact: Fact, lang: str) -> str:
    """``二季度`` -> ``二季度（2016年第二季度）`` or ``the second quarter of 2016 (二季度)``."""
    norm = fact.normalized or ""
    m = re.match(r"(?:(\d{4})-)?Q([1-4])$", norm)
    if not m:
        return fact.value if lang == "zh" else f"{fact.value}"
    year, q = m.groups()
    if lang == "zh":
        return f"{fact.value}（{year}年第{'一二三四'[int(q) - 1]}季度）" if year else fact.value
    when = f"the {_QUARTER_EN[q]} quarter" + (f" of {year}" if year else "")
    return f"{when} ({fact.value})"


def sentences_of(chunk: Chunk) -> list[str]:
    return [chunk.text[s:e].strip() for s, e in split_sentences(chunk.text) if chunk.text[s:e].strip()]


@dataclass
class Draft:
    """An answer under construction."""

    query: Query
    parts: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    #: figures the answer works out from the asker's own ("22÷200≈11%"), grounded by the question
    derived: list[str] = field(default_factory=list)

    def cite(self, chunk: Chunk, quote: str, score: float) -> str:
        """Marker for ``quote`` of ``chunk`` (re-using an identical earlier citation)."""
        quote = quote.strip()
        for c in self.citations:
            if c.chunk_id == chunk.id and c.quote == quote:
                return f"[{c.id}]"
        cid = len(self.citations) + 1
        score = round(min(1.0, max(0.0, score)), 6)  # a citation's score is the retrieval score, 0..1
        self.citations.append(
            Citation(cid, chunk.doc_id, chunk.doc_title, chunk.section, quote, chunk.page, score, chunk.id)
        )
        return f"[{cid}]"

    def recite(self, citation: Citation) -> int:
        """The id ``citation`` (from another draft) has in this one, added when it is new."""
        for c in self.citations:
            if c.chunk_id == citation.chunk_id and c.quote == citation.quote:
                return c.id
        self.citations.append(replace(citation, id=len(self.citations) + 1))
        return len(self.citations)

    def add(self, text: str) -> None:
        self.parts.append(text)

    def say(self, zh: str, en: str) -> None:
        """Add ``zh`` or ``en``, in the question's language."""
        self.add(zh if self.query.lang == "zh" else en)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def source_label(self, doc: Document | None, section: str) -> str:
        """《short title》 › last heading — how the answer names where it read something."""
        name = (doc.meta.short_title or doc.meta.title) if doc else ""
        last = section.split(PATH_SEP)[-1]
        name_part = f"《{name}》" if name and not name.startswith("《") else name
        if self.query.lang == "zh":
            return f"{name_part}“{last}”" if last and last != name else name_part
        return f"{name_part} ({last})" if last and last != name else name_part


_BENEFIT_ASKED = re.compile(
    r"优惠|享受什么|有什么好处|有什么支持|有什么政策|减免|抵免|怎么保护|如何保护|维权|benefit|incentive|tax break",
    re.I,
)
_BENEFIT_GIVEN = re.compile(r"抵免|减免|免征|补贴|补助|奖励|奖补|贴息|优惠|可按|给予|享受|优先安排|有权|赔偿|投诉")


def best_sentences(query: Query, hits: list[Hit], limit: int, *, per_chunk: int = 2) -> list[tuple[Hit, str, float]]:
    """The sentences of the retrieved chunks that best match the question.

    A sentence scores by the share of the question's terms it contains plus its chunk's rank
    score; at most ``per_chunk`` sentences are taken from one chunk.
    """
    scored: list[tuple[float, int, Hit, str]] = []
    benefit = bool(_BENEFIT_ASKED.search(query.question))  # "投资能享受什么优惠": the sentence granting one
    for rank, hit in enumerate(hits):
        heading = hit.chunk.section_path[-1]
        for pos, sentence in enumerate(sentences_of(hit.chunk)):
            if len(sentence) < 6 or sentence.rstrip("。：:；") == heading or is_instruction(sentence):
                continue
            if is_question_line(sentence):
                continue  # a Q&A's question restates what is asked; its answer follows it
            lex = lexical_overlap(query, sentence + hit.chunk.section)
            lex += 0.3 if benefit and _BENEFIT_GIVEN.search(sentence) else 0.0
            scored.append((lex + 0.6 * hit.score - 0.01 * pos, rank, hit, sentence))
    scored.sort(key=lambda x: (-x[0], x[1]))
    taken: dict[str, int] = {}
    out: list[tuple[Hit, str, float]] = []
    for score, _rank, hit, sentence in scored:
        if taken.get(hit.chunk.id, 0) >= per_chunk:
            continue
        taken[hit.chunk.id] = taken.get(hit.chunk.id, 0) + 1
        out.append((hit, sentence, score))
        if len(out) >= limit:
            break
    return out
