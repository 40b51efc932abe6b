"""Claim binding: each sentence of a generated answer must be said by one passage of the sources.

``grounding.check_grounding`` asks only whether a figure occurs somewhere in the quotes. That
passes a planted figure, a year borrowed from a title ("2016万吨"), a quarter moved to another
item and two figures swapped between their subjects. Here every value is bound to its subject:

- An answer is split into claims (sentences) and each claim into parts (``，；：``).
- A figure keeps its unit (``8万吨``, ``15%``, ``Q3``); a source supports it only with the same
  number in a compatible unit.
- The figure is bound when, among the source parts, the one that best matches the words around
  it (its own part counting double, plus the part before) holds the figure, or one that holds it
  matches nearly as well. So "A削减20万吨" fails against "A削减10万吨，B削减20万吨".
- A year said as a year may also be the cited document's own year (its quarters are dated by it).
- A claim with no figure must share at least half of its content bigrams with one source
  sentence ("目标已取消" is not in any source and is dropped).

Passages are the cited documents' sentences, without titles, headings or planted instructions.
Claims with no Chinese text (an English answer) are checked on figures alone: words cannot be
compared across languages here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from policybot.answer.grounding import normalize
from policybot.answer.understanding import bigrams

__all__ = ["ClaimCheck", "bind_claims", "split_claims"]

_MARKER = re.compile(r"[\[［]\d+[\]］]")
_SENTENCE = re.compile(r"(?<=[。！？!?；;\n])")
_PART = re.compile(r"[，,；;：:、]")
_UNIT = (
    r"(?:个百分点|万亿元|亿元|万元|元|万吨|吨标准煤|吨|万千瓦|千瓦|立方米|平方米|公里"
    r"|万人|人|家|个|项|座|户|亩|倍|%|年|月|日|天)"
)
_FIGURE = re.compile(r"Q[1-4]|(\d+(?:\.\d+)?)(" + _UNIT + ")?")
_TAG = re.compile(r"[（(][^（）()]{1,16}[）)][。；;，,\s]*$")
_BRACKETED = re.compile(r"[（(][^（）()]*[）)]")
_FILLER = frozenset({"根据", "依据", "资料", "文件", "规定", "通知", "其中", "以及", "提到", "指出", "明确"})
#: A figure is bound when its best holder matches the context at least this share of the best part.
_NEARLY = 0.9
#: A claim with no figure needs this share of its bigrams in one source sentence.
_SUPPORT = 0.5


@dataclass(frozen=True)
class ClaimCheck:
    """The sentences of an answer that the sources support, and what they do not."""

    kept: tuple[str, ...]
    dropped: tuple[str, ...]
    unbound: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No figure is unbound and at least one sentence stands."""
        return not self.unbound and bool(self.kept)

    @property
    def text(self) -> str:
        return "".join(self.kept).strip()


@dataclass(frozen=True)
class _Part:
    words: frozenset[str]
    context: frozenset[str]
    figures: frozenset[tuple[str, str]]


def split_claims(text: str) -> list[str]:
    """The sentences of ``text``, each with its citation markers and final punctuation."""
    return [s for s in _SENTENCE.split(text) if s.strip()]


def _sentences(passages: Sequence[str]) -> list[str]:
    """Sentences of the passages; a tag alone after the full stop (（三季度）) stays with its sentence."""
    out: list[str] = []
    for sentence in (s for p in passages for s in split_claims(p)):
        if out and len(_words(sentence)) < 2:
            out[-1] += sentence
        else:
            out.append(sentence)
    return out


def _figures(text: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for m in _FIGURE.finditer(normalize(text)):
        if m.group(0).startswith("Q"):
            found.add((m.group(0), "季度"))
        else:
            number = m.group(1)
            number = number.rstrip("0").rstrip(".") if "." in number else number
            found.add((number, m.group(2) or ""))
    return found


def _words(text: str) -> frozenset[str]:
    plain = _FIGURE.sub(" ", normalize(_MARKER.sub("", text)))
    out = {b for b in bigrams(plain) if not b.isascii()}
    return frozenset(b for b in out if b not in _FILLER)


def _parts(sentence: str) -> list[_Part]:
    """Comma parts of a sentence (not split inside brackets: （市、区）).

    A tag that ends the sentence (a list item's （三季度）) is said of every part of it; any other
    part without words joins the part before it.
    """
    text = _MARKER.sub("", sentence).strip()
    tag = _TAG.search(text)
    shared: frozenset[tuple[str, str]] = frozenset()
    if tag and not _words(tag.group(0)) and tag.start() > 0:
        shared, text = frozenset(_figures(tag.group(0))), text[: tag.start()]
    texts: list[str] = []
    for piece in _PART.split(_BRACKETED.sub(lambda m: m.group(0).replace("、", "\u3000"), text)):
        if texts and not _words(piece):
            texts[-1] += piece
        elif piece.strip():
            texts.append(piece)
    parts, before = [], frozenset[str]()
    for piece in texts:
        words = _words(piece)
        parts.append(_Part(words, words | before, frozenset(_figures(piece)) | shared))
        before = words
    return parts


def _same(claimed: tuple[str, str], held: tuple[str, str]) -> bool:
    return claimed[0] == held[0] and (not claimed[1] or not held[1] or claimed[1] == held[1])


def _bound(figure: tuple[str, str], part: _Part, pool: Sequence[_Part], years: frozenset[str]) -> bool:
    if figure[1] == "年" and figure[0] in years:
        return True  # the year of the cited document, said as a year ("2016年第三季度")
    holders = [p for p in pool if any(_same(figure, f) for f in p.figures)]
    if not holders:
        return False
    if not part.context:
        return True
    best = max(_match(part, p) for p in pool)
    held = max(_match(part, p) for p in holders)
    return held > 0 and held >= _NEARLY * best


def _match(claim: _Part, source: _Part) -> int:
    """Shared words, those of the part itself counting twice those of the part before it."""
    return 2 * len(claim.words & source.words) + len(claim.context & source.context)


def bind_claims(answer: str, passages: Sequence[str], *, years: Collection[str] = ()) -> ClaimCheck:
    """Keep the sentences of ``answer`` that ``passages`` support; list figures bound to nothing.

    ``years`` are the cited documents' own years: a claim may date a quarter by them, and use
    them as years only ("2016年", never "2016万吨").
    """
    allowed = frozenset(years)
    sentences = _sentences(passages)
    pool = [part for s in sentences for part in _parts(s)]
    sentence_words = [_words(s) for s in sentences]
    kept: list[str] = []
    dropped: list[str] = []
    unbound: list[str] = []
    for claim in split_claims(answer):
        if not re.search(r"[\u4e00-\u9fff]", _MARKER.sub("", claim)):
            missing = [f for f in _figures(claim) if not any(_same(f, h) for p in pool for h in p.figures)]
            unbound.extend("".join(f) for f in missing)
            kept.append(claim)
            continue
        parts = _parts(claim)
        missing = [f for part in parts for f in part.figures if not _bound(f, part, pool, allowed)]
        if missing:
            unbound.extend("".join(f) for f in missing)
        elif any(part.figures for part in parts) or _supported(_words(claim), sentence_words):
            kept.append(claim)
        else:
            dropped.append(claim)
    return ClaimCheck(tuple(kept), tuple(dropped), tuple(dict.fromkeys(unbound)))


def _supported(words: frozenset[str], sentences: Sequence[frozenset[str]]) -> bool:
    if len(words) < 2:
        return True  # a bare connective ("如下：") states nothing
    return max((len(words & s) / len(words) for s in sentences), default=0.0) >= _SUPPORT
