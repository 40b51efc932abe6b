"""Plain typed records that pass between the pipeline stages.

loading -> ``LoadedText``; cleaning + metadata -> ``Document``; structure -> ``Section``;
chunking -> ``Chunk``; retrieval -> ``Hit``; answering -> ``Answer`` with ``Citation`` and ``Fact``.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "PATH_SEP",
    "Answer",
    "Chunk",
    "Citation",
    "Document",
    "DocumentMeta",
    "Fact",
    "Hit",
    "LoadedText",
    "Section",
    "content_hash",
]

#: Separator used when a section path is shown as text.
PATH_SEP = " › "

#: Page break marker inside loaded and cleaned text (as pdftotext writes it).
PAGE_BREAK = "\f"


def content_hash(data: bytes | str) -> str:
    """SHA-256 hex digest of bytes or UTF-8 text."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class LoadedText:
    """What a loader returns: text with ``\\f`` between pages and optional ``#`` heading lines.

    ``hard_wrapped`` is true for sources whose line breaks come from page layout (PDF, plain
    text extracted from PDF): cleaning then joins wrapped lines. Markdown, DOCX and HTML keep
    one paragraph per line and mark headings with ``#`` (level = number of ``#``).
    """

    text: str
    source: Path
    format: str
    hard_wrapped: bool
    raw_hash: str


@dataclass(frozen=True)
class DocumentMeta:
    doc_id: str
    title: str
    source: str
    format: str
    content_hash: str
    doc_number: str | None = None
    issuer: str | None = None
    issue_date: str | None = None  # ISO 8601 (YYYY-MM-DD) when known
    short_title: str | None = None  # the 《…》 title a notice issues, when there is one
    genre: str | None = None  # plan, opinion, regulation, notice, call, qa (see ``genre``)
    provenance: str | None = None  # where the text came from (sidecar)
    source_url: str | None = None
    # lifecycle overrides from the sidecar (ISO dates; replaced_by: a doc_id, 文号 or title)
    effective_date: str | None = None
    expiry_date: str | None = None
    repealed_date: str | None = None
    replaced_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Document:
    """A cleaned document: ``text`` has no layout artefacts; ``page_starts[i]`` is the offset
    where page ``i + 1`` begins (empty when the source has no pages)."""

    meta: DocumentMeta
    text: str
    page_starts: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i + 1
            else:
                break
        return max(page, 1)


@dataclass(frozen=True)
class Section:
    """A node of the document's own hierarchy with its span in ``Document.text``.

    ``path`` holds the headings from the top (part title) down to this section's own heading.
    ``body_start`` is where the text after the heading begins. ``kind`` is one of
    ``part``, ``heading``, ``article``, ``item`` or ``preamble``. ``tag`` is a time tag such as
    ``二季度`` carried by a schedule item.
    """

    doc_id: str
    path: tuple[str, ...]
    level: int
    kind: str
    start: int
    body_start: int
    end: int
    page: int | None = None
    tag: str | None = None

    @property
    def heading(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def path_text(self) -> str:
        return PATH_SEP.join(self.path)


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit. ``text`` is the original cleaned text (what is quoted);
    ``embed_text`` adds the document title and section path (what is embedded and ranked)."""

    id: str
    doc_id: str
    doc_title: str
    section_path: tuple[str, ...]
    text: str
    embed_text: str
    start: int
    end: int
    ordinal: int
    kind: str = "text"
    page: int | None = None
    tag: str | None = None

    @property
    def section(self) -> str:
        return PATH_SEP.join(self.section_path)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section_path"] = list(self.section_path)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        values = dict(data)
        values["section_path"] = tuple(values["section_path"])
        return cls(**values)

    @staticmethod
    def make_id(doc_id: str, section_path: tuple[str, ...], start: int, text: str) -> str:
        key = "\x1f".join([doc_id, PATH_SEP.join(section_path), str(start), text])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    dense_score: float | None = None
    keyword_score: float | None = None
    dense_rank: int | None = None
    keyword_rank: int | None = None


@dataclass(frozen=True)
class Fact:
    """A dated or quantified item extracted from a document, with where it came from.

    ``type`` is ``deadline``, ``target`` or ``party``. ``value`` is the time, figure or party as
    written; ``normalized`` a comparable form (``2016-Q2``, ``80000 吨``) where one exists.
    """

    type: str
    value: str
    subject: str
    doc_id: str
    doc_title: str
    section: str
    quote: str
    chunk_id: str
    start: int
    normalized: str | None = None
    unit: str | None = None
    indicator: str | None = None
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    id: int
    doc_id: str
    doc_title: str
    section: str
    quote: str
    page: int | None
    score: float
    chunk_id: str = ""
    # when the cited document is not in force today: its status, why, and the cited fact it rests on
    status: str | None = None
    status_reason: str | None = None
    status_quote: str | None = None
    status_section: str | None = None


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    refused: bool = False
    facts: tuple[Fact, ...] = ()
    see_also: tuple[Citation, ...] = ()
    mode: str = "extractive"
    notes: tuple[str, ...] = field(default=())
