"""Clauses: the units an answer quotes.

A clause is a sentence of a chunk, a ``；`` part of a long sentence, or a list item with its time
tag; a database's note in 【…】 is one clause, however many sentences it has. Clauses are derived
from chunks deterministically (so the index stores only their vectors, in this order) and each is
embedded with the heading it sits under, so "第七条" or "二、申报条件" help the question find it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from policybot.genre import ITEM
from policybot.records import Chunk

__all__ = ["Clause", "clause_embed_text", "split_clauses"]

_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』）)】]?|\n|$)")
_LONG = 90  # a sentence longer than this is split at its ；
_MIN = 6  # a piece shorter than this joins its neighbour


@dataclass(frozen=True)
class Clause:
    """``chunk.text[start:end]`` is the clause; ``row`` its position among all clauses of the index."""

    row: int
    chunk_row: int
    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    is_item: bool = False


def _pieces(text: str) -> Iterable[tuple[int, int, bool]]:
    for m in _SENTENCE.finditer(text):
        raw = m.group(0)
        if not raw.strip():
            continue
        start = m.start() + (len(raw) - len(raw.lstrip()))
        end = m.start() + len(raw.rstrip())
        item = bool(ITEM.match(text[start:end]))
        if item or end - start <= _LONG or "；" not in text[start:end]:
            yield start, end, item
            continue
        cut = start
        for part in re.finditer(r"[^；]*(?:；|$)", text[start:end]):
            if not part.group(0):
                continue
            e = start + part.end()
            if e - cut >= _MIN or e == end:
                yield cut, e, False
                cut = e
        if cut < end:
            yield cut, end, False


def _open_note(text: str) -> bool:
    return text.count("【") > text.count("】")


def split_clauses(chunks: Iterable[Chunk], first_row: int = 0) -> list[Clause]:
    """The clauses of ``chunks`` in order (``row`` counting from ``first_row``)."""
    out: list[Clause] = []
    for chunk_row, chunk in enumerate(chunks):
        merged: list[tuple[int, int, bool]] = []
        for start, end, item in _pieces(chunk.text):
            if merged and _open_note(chunk.text[merged[-1][0] : merged[-1][1]]):
                merged[-1] = (merged[-1][0], end, merged[-1][2])  # "【注：根据…。根据…。】" is one note
            elif merged and not item and not merged[-1][2] and end - start < _MIN:
                merged[-1] = (merged[-1][0], end, False)
            else:
                merged.append((start, end, item))
        for start, end, item in merged:
            text = chunk.text[start:end].strip()
            if text:
                out.append(Clause(first_row + len(out), chunk_row, chunk.id, chunk.doc_id, start, end, text, item))
    return out


def clause_embed_text(clause: Clause, chunk: Chunk) -> str:
    """What is embedded for a clause: the two nearest headings above it, then the clause."""
    heading = " ".join(chunk.section_path[-2:]) if len(chunk.section_path) > 1 else chunk.section_path[0]
    return f"{heading}：{clause.text}"
