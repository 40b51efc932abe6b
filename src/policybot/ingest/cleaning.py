"""Cleaning: turn loaded text into one paragraph per line without layout artefacts.

What it does, and only this:

* joins hard-wrapped lines (PDF text) back into paragraphs; in Chinese a line break inside a
  sentence is not a space, so nothing is inserted between two CJK characters;
* drops page-number lines (``- 3 -``, ``第 3 页``, a lone ``3``), blank-line runs and padding
  whitespace (full-width spaces, spaces between a CJK character and its neighbour);
* records where each page starts in the cleaned text.

It never changes a non-whitespace character of the content: numbers, 〔〕, 《》 and units stay as
they were (tests check that the non-whitespace characters survive, in order).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from policybot.genre import DOC_NUMBER, is_title_line
from policybot.ingest.structure import is_marker_line, is_time_tag
from policybot.records import PAGE_BREAK, LoadedText

__all__ = ["CleanText", "clean", "clean_text", "is_page_number_line"]

_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2500-\u257f"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[^\S\n]+|[^\S\n]+(?=[{_CJK}])")
_MULTI_SPACE = re.compile(r"[^\S\n]{2,}")
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－·•\s]*\d{1,4}[-—–－·•\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
_TERMINAL = tuple("。！？；：!?;:…")
_NEVER_STARTS = frozenset("的之了着）》」』”，。、；：！？")
_OPENERS = {"《": "》", "（": "）", "(": ")", "〔": "〕", "“": "”", "【": "】"}


@dataclass(frozen=True)
class CleanText:
    text: str
    page_starts: tuple[int, ...]


@dataclass
class _Line:
    text: str  # stripped
    page: int
    trailing_space: bool
    indented: bool = False
    after_blank: bool = False  # a blank line comes before it


def is_page_number_line(line: str) -> bool:
    """True for a line that only carries a page number (``- 3 -``, ``第3页``, ``3/12``)."""
    stripped = line.strip()
    return bool(stripped) and bool(_PAGE_NUMBER.match(stripped))


def clean(loaded: LoadedText) -> CleanText:
    """Clean a loader's output (see the module docstring)."""
    paged = loaded.format == "pdf" or PAGE_BREAK in loaded.text
    per_line = loaded.format in ("docx", "html")
    return clean_text(loaded.text, hard_wrapped=loaded.hard_wrapped, paged=paged, one_per_line=per_line)


def clean_text(text: str, *, hard_wrapped: bool, paged: bool = False, one_per_line: bool = False) -> CleanText:
    """Clean ``text``. ``hard_wrapped``: join layout line breaks (PDF text); ``one_per_line``:
    every line is a paragraph (DOCX, HTML); otherwise blank lines separate paragraphs (Markdown)."""
    lines = _split_lines(text, drop_page_numbers=hard_wrapped)
    if hard_wrapped:
        paragraphs = _unwrap(lines)
    elif one_per_line:
        paragraphs = [[ln] for ln in lines if ln.text]
    else:
        paragraphs = _blocks(lines)
    return _assemble(paragraphs, paged=paged or PAGE_BREAK in text)


def _split_lines(text: str, *, drop_page_numbers: bool = True) -> list[_Line]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[_Line] = []
    for page_no, page in enumerate(text.split(PAGE_BREAK), start=1):
        blank = False
        for raw in page.split("\n"):
            raw = raw.replace("\ufeff", "")
            stripped = raw.strip()
            if drop_page_numbers and stripped and is_page_number_line(stripped):
                continue
            indent = len(raw) - len(raw.lstrip(" \t\u3000\xa0"))
            out.append(_Line(stripped, page_no, raw != raw.rstrip(), indent >= 2, blank))
            blank = not stripped
    return out


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _unbalanced(s: str) -> bool:
    return any(s.count(o) > s.count(c) for o, c in _OPENERS.items())


def _trailing_space_convention(lines: list[_Line]) -> bool:
    """Some PDF extractors end each paragraph's last line with a space and wrapped lines with
    none. When a text follows that convention consistently it is the best signal we have."""
    content = [ln for ln in lines if ln.text]
    ended = [ln for ln in content if ln.text.endswith(("。", "；", "：", "！", "？"))]
    if len(ended) < 5:
        return False
    share_ended = sum(ln.trailing_space for ln in ended) / len(ended)
    share_all = sum(ln.trailing_space for ln in content) / len(content)
    return share_ended >= 0.8 and share_all <= 0.85


def _unwrap(lines: list[_Line]) -> list[list[_Line]]:
    content = [ln for ln in lines if ln.text]
    if not content:
        return []
    widths = sorted(_width(ln.text) for ln in content)
    full = float(widths[int(len(widths) * 0.9) - 1] if len(widths) >= 10 else max(widths))
    full = max(full, float(statistics.median(widths)))
    by_space = _trailing_space_convention(lines)
    by_indent = not by_space and _indent_convention(content, full)
    paragraphs: list[list[_Line]] = []
    for line in content:
        if paragraphs and _continues(paragraphs[-1], line, full, by_space, by_indent):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    return paragraphs


def _indent_convention(content: list[_Line], full: float) -> bool:
    """PDFs indent a paragraph's first line. When most lines after a clear paragraph end (a short
    line closing a sentence) are indented, an unindented line continues the paragraph above
    even when the line before it happens to end a sentence at the margin."""
    after_end = [b for a, b in pairwise(content) if a.text.endswith(_TERMINAL) and _width(a.text) < 0.8 * full]
    if len(after_end) < 3:
        return False
    return sum(b.indented for b in after_end) / len(after_end) >= 0.6


def _continues(paragraph: list[_Line], line: _Line, full: float, by_space: bool, by_indent: bool = False) -> bool:
    """Does ``line`` continue the paragraph whose lines so far are ``paragraph``?"""
    prev = paragraph[-1]
    joined = "".join(p.text for p in paragraph)
    if is_time_tag(line.text):
        return True  # "（二季度）" wrapped onto its own line belongs to the item above
    if _unbalanced(joined) or line.text[0] in _NEVER_STARTS:
        return True  # an open 《 or （, or a line starting with 的 / 》 / ， cannot begin a paragraph
    if is_marker_line(line.text) or line.text.startswith("#") or DOC_NUMBER.fullmatch(line.text.strip()):
        return False  # a heading, or the 文号 line under a title
    if line.after_blank and is_title_line(prev.text):
        return False  # "关于…的通知", a blank line, then "各区…：": the title is a paragraph of its own
    if by_space:
        return not prev.trailing_space
    if by_indent and not line.indented and _width(prev.text) >= 0.8 * full:
        return True
    if prev.text.endswith(_TERMINAL):
        return False
    return _width(prev.text) >= 0.8 * full


def _blocks(lines: list[_Line]) -> list[list[_Line]]:
    """Markdown/DOCX/HTML: blank lines separate paragraphs; a heading, list item or structural
    marker starts a new one; other consecutive lines are one paragraph."""
    paragraphs: list[list[_Line]] = []
    open_block = False
    for line in lines:
        if not line.text:
            open_block = False
            continue
        starts_new = (
            not open_block
            or line.text.startswith(("#", "|"))
            or is_marker_line(line.text)
            or paragraphs[-1][-1].text.startswith("#")
        )
        if starts_new:
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
        open_block = True
    return paragraphs


def _join(parts: list[str]) -> str:
    if not parts:
        return ""
    out = parts[0]
    for part in parts[1:]:
        if out and part and out[-1].isascii() and part[0].isascii() and out[-1].isalnum() and (part[0].isalnum()):
            out += " " + part  # English words wrapped across lines keep their space
        else:
            out += part
    return out


def normalize_spaces(text: str) -> str:
    """Drop whitespace next to CJK characters and collapse other runs to one space
    (a Markdown heading keeps the one space after its ``#`` marks)."""
    heading = re.match(r"^(#{1,6})\s+(?=\S)", text)
    if heading:
        return heading.group(1) + " " + normalize_spaces(text[heading.end() :])
    text = _SPACE_NEAR_CJK.sub("", text)
    return _MULTI_SPACE.sub(" ", text).strip()


def _assemble(paragraphs: list[list[_Line]], *, paged: bool) -> CleanText:
    out: list[str] = []
    page_starts: dict[int, int] = {}
    offset = 0
    for para in paragraphs:
        if out:
            offset += 1  # the "\n" between paragraphs
        pieces: list[str] = []
        for line in para:
            piece = normalize_spaces(line.text)
            if not piece:
                continue
            if line.page not in page_starts:
                page_starts[line.page] = offset + len(normalize_spaces(_join(pieces)))
            pieces.append(piece)
        text = normalize_spaces(_join(pieces)) if pieces else ""
        if not text:
            if out:
                offset -= 1
            continue
        out.append(text)
        offset += len(text)
    starts = _page_starts(page_starts) if paged else ()
    return CleanText("\n".join(out), starts)


def _page_starts(first_offsets: dict[int, int]) -> tuple[int, ...]:
    """Offsets for pages 1..N; a page with no text of its own starts where the next text does."""
    if not first_offsets:
        return ()
    last = max(first_offsets)
    starts: list[int] = []
    for page in range(last, 0, -1):
        starts.append(first_offsets.get(page, starts[-1] if starts else 0))
    starts.reverse()
    starts[0] = 0
    return tuple(starts)
