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

from policybot.records import Document, Section

__all__ = ["heading_label", "is_marker_line", "is_time_tag", "parse", "time_tag"]

_CN_NUM = "一二三四五六七八九十百零〇两"
_NUM = rf"[{_CN_NUM}]+"
_DIGITS = r"\d{1,3}"

# (kind, pattern, rank); lower rank = higher in the hierarchy.
_MARKERS: list[tuple[str, re.Pattern[str], float]] = [
    ("attachment", re.compile(r"^附件\s*\d*\s*(?:[:：]\s*(?P<title>[^。；]{1,60}))?$"), 0.0),
    ("heading", re.compile(rf"^第{_NUM}编"), 1.0),
    ("heading", re.compile(rf"^第{_NUM}章"), 2.0),
    ("heading", re.compile(rf"^第{_NUM}节"), 3.0),
    ("article", re.compile(rf"^第(?:{_NUM}|{_DIGITS})条(?![的规所中之第])"), 4.0),
    ("heading", re.compile(rf"^{_NUM}、"), 5.0),
    ("heading", re.compile(rf"^[（(]{_NUM}[）)]"), 6.0),
    ("heading", re.compile(rf"^{_DIGITS}[.、．](?!\d)"), 7.0),
    ("heading", re.compile(rf"^[（(]{_DIGITS}[）)]"), 8.0),
]
_ITEM = re.compile(r"^(?:──|—{1,2}|－－|[•·●▪◆■]|-\s|\*\s)")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_TIME = (
    rf"(?:\d{{4}}年)?(?:第?[{_CN_NUM}1-4]季度|上半年|下半年|年底前?|年内|全年|年中|年末前?"
    rf"|(?:\d{{1,2}}|[{_CN_NUM}]{{1,3}})月(?:底|份|中旬|上旬|下旬)?(?:前)?)"
)
_TIME_TAG = re.compile(rf"[（(]({_TIME}(?:[-—至到~～、]{_TIME})?)[）)][。；.;]?$")
_TITLE_SUFFIX = re.compile(
    r"(通知|方案|办法|规定|意见|细则|指南|规划|计划|决定|条例|公告|通告|纲要|导则|批复|函|报告)$"
)
_SENTENCE_END = "。；！？;!?"


def is_marker_line(text: str) -> bool:
    """Does a paragraph start with a heading, article or list-item marker?"""
    return _ITEM.match(text) is not None or any(p.match(text) for _, p, _r in _MARKERS)


def time_tag(text: str) -> str | None:
    """The time tag closing a schedule item: ``…试点。（二季度）`` -> ``二季度``."""
    m = _TIME_TAG.search(text.strip())
    return m.group(1) if m else None


def is_time_tag(text: str) -> bool:
    """Is the whole line just a time tag such as ``（二季度）``?"""
    stripped = text.strip()
    m = _TIME_TAG.search(stripped)
    return m is not None and m.start() == 0


def heading_label(text: str, max_chars: int = 40) -> str:
    """The label a heading paragraph contributes to a section path.

    A standalone heading is used whole; an inline one (``（一）创新机制模式。积极协调…``) up to
    its first sentence or clause end, so the path stays short.
    """
    text = text.strip()
    for i, ch in enumerate(text):
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


def _is_title(text: str) -> bool:
    """A standalone document or part title: short, no sentence punctuation, a document-type
    ending (通知, 方案, 办法, …)."""
    if len(text) > 60 or any(c in text for c in "。；，,："):
        return False
    return bool(_TITLE_SUFFIX.search(text.rstrip('》”"')))


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
    if _is_title(text):
        return "part", 0.0, text
    return None


def parse(doc: Document) -> list[Section]:
    """Sections of ``doc`` in document order, each with its path, kind and span."""
    outline = _Outline(doc)
    after_attachment = False
    for para in _paragraphs(doc.text):
        found = _classify(para.text)
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
        while self.stack:
            self._pop(end)
        self.sections.append(self._section((self.part.label,), self.part, end))

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
