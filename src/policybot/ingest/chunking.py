"""Chunking: cut each section's own text into retrievable chunks, never across sections.

A section's own text runs from the end of its heading to its first subsection. It is cut at
paragraph ends; a paragraph longer than ``max_chars`` at sentence ends (。；！？) with
``overlap_sentences`` sentences carried into the next chunk. A list item (──…) is never cut.
``Chunk.text`` is the cleaned original (what a citation quotes); ``Chunk.embed_text`` adds the
document's title, number and year and the section path (what is embedded and ranked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from policybot.records import PATH_SEP, Chunk, Document, Section

__all__ = ["ChunkSettings", "chunk_document", "embed_header", "split_sentences"]

_MD_HEADING = re.compile(r"^#{1,6}\s")
_SENTENCE = re.compile(r"[^。；！？!?;\n]*(?:[。；！？!?;]+[”’」』）)]?|\n|$)")


@dataclass(frozen=True)
class ChunkSettings:
    max_chars: int = 360
    overlap_sentences: int = 1

    def __post_init__(self) -> None:
        if self.max_chars < 50:
            raise ValueError(f"max_chars must be at least 50, got {self.max_chars}")
        if self.overlap_sentences < 0:
            raise ValueError(f"overlap_sentences must be >= 0, got {self.overlap_sentences}")

    def as_dict(self) -> dict[str, int | str]:
        return {"strategy": "section", "max_chars": self.max_chars, "overlap_sentences": self.overlap_sentences}


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    atomic: bool  # a list item: never cut, never overlapped
    barrier: bool = False  # a heading line inside the span: chunks end before it


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of ``text``, shifted by ``offset``."""
    spans = []
    for m in _SENTENCE.finditer(text):
        if m.group(0).strip():
            spans.append((offset + m.start(), offset + m.end()))
    return spans


def embed_header(doc: Document) -> str:
    """``《title》（文号）`` — what tells near-twin documents apart, kept short so it does not
    drown the chunk's own words (a long shared header flattens dense scores)."""
    meta = doc.meta
    label = f"《{meta.short_title or meta.title.strip('《》')}》"
    return f"{label}（{meta.doc_number}）" if meta.doc_number else label


def _meta_line(doc: Document) -> str:
    """Labelled metadata, embedded with the chunks of the document's first part (the notice),
    so "文号是多少" or "who issued it" finds the part that carries them."""
    m = doc.meta
    fields = [("标题", m.title), ("文号", m.doc_number), ("发文机关", m.issuer), ("成文日期", m.issue_date)]
    return " ".join(f"{k}：{v}" for k, v in fields if v)


def chunk_document(doc: Document, sections: list[Section], settings: ChunkSettings) -> list[Chunk]:
    """All chunks of ``doc`` in document order."""
    header = embed_header(doc)
    first_part = sections[0].path[:1] if sections else ()
    meta_line = _meta_line(doc)
    heads = [s for s in sections if s.kind != "item"]
    items = {s.start for s in sections if s.kind == "item"}
    chunks: list[Chunk] = []
    for i, section in enumerate(heads):
        lead = f"{header}\n{meta_line}" if section.path == first_part else header
        for own_start, own_end in _own_spans(section, heads[i + 1 :]):
            units = _units(doc.text, own_start, own_end, items, settings.max_chars)
            for start, end in _group(units, settings):
                text = doc.text[start:end].strip()
                if text:
                    chunks.append(_make_chunk(doc, section, lead, start, end, text, len(chunks)))
    chunks.sort(key=lambda c: c.start)
    return [c if c.ordinal == n else replace(c, ordinal=n) for n, c in enumerate(chunks)]


def _own_spans(section: Section, later: list[Section]) -> list[tuple[int, int]]:
    """The spans of ``section``'s text that no subsection holds: before its first subsection, and
    after its last one closes (a notice's signature and date follow its numbered parts)."""
    spans, pos = [], section.body_start
    for sub in later:
        if sub.start >= section.end:
            break
        if sub.start < section.body_start or sub.end <= pos:
            continue
        if sub.start > pos:
            spans.append((pos, sub.start))
        pos = max(pos, sub.end)
    if pos < section.end:
        spans.append((pos, section.end))
    return spans


def _units(text: str, start: int, end: int, items: set[int], max_chars: int) -> list[_Unit]:
    units: list[_Unit] = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            continue
        if _MD_HEADING.match(line):
            units.append(_Unit(line_start, line_start, True, barrier=True))  # in the path, not quoted
            continue
        if line_start in items or len(line) <= max_chars:
            units.append(_Unit(line_start, line_end, line_start in items))
        else:
            units.extend(_Unit(s, e, False) for s, e in split_sentences(line, line_start))
    return units


def _group(units: list[_Unit], settings: ChunkSettings) -> list[tuple[int, int]]:
    """Greedy packing of units into spans of at most ``max_chars`` (a single unit may exceed it)."""
    spans: list[tuple[int, int]] = []
    current: list[_Unit] = []
    for unit in units:
        if unit.barrier:
            if current:
                spans.append((current[0].start, current[-1].end))
            current = []
            continue
        if current and unit.end - current[0].start > settings.max_chars:
            spans.append((current[0].start, current[-1].end))
            carry = _overlap(current, settings.overlap_sentences)
            current = carry if carry and unit.end - carry[0].start <= settings.max_chars else []
        current.append(unit)
    if current:
        spans.append((current[0].start, current[-1].end))
    return spans


def _overlap(units: list[_Unit], n: int) -> list[_Unit]:
    """The last ``n`` sentences to repeat at the start of the next chunk, when they are
    sentences of one paragraph (paragraphs and items are not repeated)."""
    if n == 0 or len(units) < 2:
        return []
    tail = units[-n:]
    if any(u.atomic for u in tail):
        return []
    contiguous = all(b.start == a.end for a, b in zip(units[-n - 1 : -1], tail, strict=False))
    return tail if contiguous else []


def _make_chunk(doc: Document, section: Section, header: str, start: int, end: int, text: str, ordinal: int) -> Chunk:
    lead = len(doc.text[start:end]) - len(doc.text[start:end].lstrip())
    start += lead
    end = start + len(text)
    tags = [s for s in (section.tag,) if s]
    return Chunk(
        id=Chunk.make_id(doc.meta.doc_id, section.path, start, text),
        doc_id=doc.meta.doc_id,
        doc_title=doc.meta.title,
        section_path=section.path,
        text=text,
        embed_text=f"{header}\n{PATH_SEP.join(section.path)}\n{text}",
        start=start,
        end=end,
        ordinal=ordinal,
        kind=section.kind,
        page=doc.page_at(start),
        tag=tags[0] if tags else None,
    )
