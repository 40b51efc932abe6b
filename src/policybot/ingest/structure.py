"""Structure: find the hierarchy Chinese official documents use, as spans over cleaned text.

Levels, from the top: parts (the notice, the plan it issues, 附件), 第X编/章/节, 第X条,
一、, （一）, 1. / 1、, （1）. Markdown ``#`` headings (from Markdown, DOCX and HTML sources) use
the rank of the Chinese marker they start with, or sit between parts and 一、 when they have none.
List items (──, —, •) and schedule items with time tags such as （二季度） are ``item`` sections
that keep their parent's path. Only the start of a paragraph can be a heading, so a marker quoted
inside a sentence ("依照第三条规定") never is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from policybot.genre import (
    ATTACHMENT_LIST_START,
    is_marker_line,
    is_time_tag,
    is_title_line,
    numbered,
    strip_marker,
    time_tag,
)
from policybot.genre import ITEM as _ITEM
from policybot.genre import MARKERS as _MARKERS
from policybot.genre import MD_HEADING as _MD_HEADING
from policybot.genre.markers import is_signature_line
from policybot.records import Document, Section

__all__ = ["heading_label", "is_marker_line", "is_time_tag", "parse", "time_tag"]

_SENTENCE_END = "。；！？;!?"
_ASKED = frozenset({"问", "问题", "提问", "Q", "q"})  # a Q&A item's label


def heading_label(text: str, max_chars: int = 40) -> str:
    """The label a heading paragraph contributes to a section path.

    A standalone heading is used whole; an inline one (``（一）创新机制模式。积极协调…``) up to
    its first sentence or clause end, so the path stays short.
    """
    text = text.strip()
    for i, ch in enumerate(text):
        if ch in ":：" and text[i - 1 : i].isdigit() and text[i + 1 : i + 2].isdigit():
            continue  # 17:30
        if ch in ":：" and strip_marker(text[:i]).strip() in _ASKED and text[i + 1 :].strip():
            continue  # "三、问：工伤保险费率有什么调整？": a Q&A's label is its question, not "三、问"
        if ch in _SENTENCE_END + "，,：:" and i > 0:
            return text[:i]
    return text if len(text) <= max_chars else text[:max_chars] + "…"


@dataclass
class _Para:
    start: int
    end: int
    text: str


@dataclass
class _Open:
    rank: float
    label: str
    kind: str
    start: int
    body_start: int


def _paragraphs(text: str) -> Iterator[_Para]:
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            yield _Para(offset, offset + len(line), line)
        offset += len(line) + 1


def _classify(text: str) -> tuple[str, float, str] | None:
    """Heading kind, rank and label for a paragraph, or None for body text."""
    emphasis = re.fullmatch(r"(\*\*|__)(.+?)\1", text.strip())
    if emphasis:
        text = emphasis.group(2).strip()  # a Markdown **bold** line used as a title
    md = _MD_HEADING.match(text)
    if md:
        # an explicit heading ranks by its level, whatever marker it carries, so "## 一、…"
        # closes a "### …" before it; levels rank above every marker of plain paragraphs
        inner = md.group(2).strip().strip("*_ ")
        level = len(md.group(1))
        rank = 0.0 if level == 1 else 0.5 + level / 10
        for kind, pattern, _rank in _MARKERS:
            if pattern.match(inner) and kind != "attachment":
                return kind, rank, heading_label(inner)
        return ("part", 0.0, inner) if level == 1 else ("heading", rank, inner)
    for kind, pattern, rank in _MARKERS:
        m = pattern.match(text)
        if m and kind == "attachment":
            return kind, rank, (m.group("title") or "").strip() or re.sub(r"\s+", "", text).rstrip("：:")
        if m:
            label = m.group(0).strip() if kind == "article" else heading_label(text)
            return kind, rank, label
    if is_title_line(text):
        return "part", 0.0, text
    return None


def parse(doc: Document) -> list[Section]:
    """Sections of ``doc`` in document order, each with its path, kind and span."""
    outline = _Outline(doc)
    after_attachment = False
    listing = 0  # the number of the last attachment named in a "附件：1.…" list (0: none)
    paras = list(_paragraphs(doc.text))
    for i, para in enumerate(paras):
        following = paras[i + 1].text if i + 1 < len(paras) else ""
        if is_signature_line(para.text.strip(), following.strip()):
            outline.close_headings(para.start)  # a signature belongs to its part, not the last item
        found = _classify(para.text)
        if found is not None and found[0] == "attachment" and _lists_attachments(paras, i):
            found = None  # "附件1：…" lines naming attachments that are not included
            listing = 1 if ATTACHMENT_LIST_START.search(para.text) else 0
        elif listing and numbered(para.text, listing + 1):
            found, listing = None, listing + 1  # "2.申报企业信用承诺书": the list goes on, no heading
        else:
            listing = 0
        if found is None:
            outline.body(para)
            after_attachment = False
            continue
        kind, rank, label = found
        if kind == "attachment":
            outline.open_part(label or "附件", para, force=True)
            after_attachment = not label
        elif kind == "part" and (after_attachment or outline.may_open_part() or para.text.startswith("# ")):
            outline.open_part(label, para, force=after_attachment)
            after_attachment = False
        elif kind == "part":
            outline.body(para)
        else:
            outline.heading(kind, rank, label, para)
            after_attachment = False
    outline.close_part(len(doc.text))
    outline.sections.sort(key=lambda s: (s.start, s.level))
    return outline.sections


def _lists_attachments(paras: list[_Para], i: int) -> bool:
    """Is the 附件 line at ``i`` one of a list of attachment names (followed by another 附件 line,
    a signature or the end of the text) rather than the heading of an attachment's own text?"""
    rest = [p.text.strip() for p in paras[i + 1 : i + 3]]
    if not rest:
        return True
    nxt = rest[0]
    after = rest[1] if len(rest) > 1 else ""
    titled = bool(re.search(r"[:：]\s*\S", paras[i].text))
    listed = bool(ATTACHMENT_LIST_START.search(paras[i].text)) and numbered(nxt, 2)  # "附件：1.…" then "2.…"
    return titled and (nxt.startswith("附件") or is_signature_line(nxt, after) or listed)


class _Outline:
    """The open sections while paragraphs are read; closed ones go to ``sections``."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.sections: list[Section] = []
        self.stack: list[_Open] = []
        self.part = _Open(0.0, doc.meta.title, "part", 0, 0)
        self.part_has_content = False
        self.implicit = True

    def may_open_part(self) -> bool:
        return not self.stack

    def open_part(self, label: str, para: _Para, *, force: bool) -> None:
        if not self.sections and not self.stack and not force and self.implicit:
            # the first title of the document names the part the text so far belongs to
            body = para.end + 1 if not self.part_has_content else self.part.body_start
            self.part = _Open(0.0, label, "part", self.part.start, body)
            self.implicit = False
            return
        self.implicit = False
        self.close_part(para.start)
        self.part = _Open(0.0, label, "part", para.start, para.end + 1)
        self.part_has_content = False

    def close_part(self, end: int) -> None:
        self.close_headings(end)
        self.sections.append(self._section((self.part.label,), self.part, end))

    def close_headings(self, end: int) -> None:
        while self.stack:
            self._pop(end)

    def heading(self, kind: str, rank: float, label: str, para: _Para) -> None:
        while self.stack and self.stack[-1].rank >= rank:
            self._pop(para.start)
        inline = label != re.sub(r"^#{1,6}\s+", "", para.text.strip()).strip("*_ ")
        body_start = para.start if inline else para.end + 1
        self.stack.append(_Open(rank, label, kind, para.start, body_start))
        self.part_has_content = True

    def body(self, para: _Para) -> None:
        self.part_has_content = True
        if _ITEM.match(para.text):
            node = _Open(99.0, "", "item", para.start, para.start)
            section = self._section(self._path(), node, para.end)
            self.sections.append(replace(section, tag=time_tag(para.text)))

    def _path(self) -> tuple[str, ...]:
        return (self.part.label, *(n.label for n in self.stack))

    def _pop(self, end: int) -> None:
        path = self._path()
        node = self.stack.pop()
        self.sections.append(self._section(path, node, end))

    def _section(self, path: tuple[str, ...], node: _Open, end: int) -> Section:
        return Section(
            doc_id=self.doc.meta.doc_id,
            path=path,
            level=len(path) - 1 + (1 if node.kind == "item" else 0),
            kind=node.kind,
            start=node.start,
            body_start=min(node.body_start, end),
            end=end,
            page=self.doc.page_at(node.start),
        )
