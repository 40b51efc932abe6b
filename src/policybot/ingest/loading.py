"""Loading: read a .txt, .md, .pdf, .docx or .html file into a ``LoadedText``.

What each format gives (the cleaning stage relies on it):

* txt: the decoded text (UTF-8, UTF-8 with BOM, UTF-16 with BOM, else GB18030/GBK) with its
  line breaks and form feeds as in the file; ``hard_wrapped=True``.
* pdf: each page's text in layout mode (one line per printed line), pages joined by ``\\f``;
  ``hard_wrapped=True``.
* docx: one paragraph per line; ``Title`` and ``Heading N`` paragraphs become ``#`` lines;
  a table row becomes one line with its cells joined by two spaces; ``hard_wrapped=False``.
* html/htm: one block (p, li, div, td, …) per line, h1–h6 as ``#`` lines; script, style, nav,
  header and footer dropped; ``hard_wrapped=False``.
* md/markdown: the text as it is; ``hard_wrapped=False``.

Line endings are normalised to ``\\n`` in every format. Anything that goes wrong raises
``DocumentError`` (or ``UnsupportedFormatError``) with one line naming the file; no library
exception escapes.
"""

from __future__ import annotations

import codecs
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from policybot.errors import DocumentError, UnsupportedFormatError
from policybot.records import PAGE_BREAK, LoadedText, content_hash

if TYPE_CHECKING:
    from bs4 import Tag
    from docx.document import Document as DocxDocument
    from docx.oxml.xmlchemy import BaseOxmlElement
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from pypdf import PageObject

__all__ = ["DEFAULT_MAX_BYTES", "FORMATS", "MAX_DOCX_XML_BYTES", "SUPPORTED_SUFFIXES", "import_parsers", "load"]


def import_parsers() -> None:
    """Import the PDF, DOCX and HTML libraries (about 0.2 s, 0.5 s on a busy box). Each parser
    imports its own at first use, so a server that reads no file never imports them; the sandbox
    calls this before it forks, so that the children of an ingest do not import them one by one."""
    import bs4  # noqa: F401
    import docx  # noqa: F401
    import pypdf  # noqa: F401


log = logging.getLogger(__name__)

#: The format each supported file suffix is read as.
FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(FORMATS)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_HARD_WRAPPED = frozenset({"txt", "pdf"})
_NEWLINES = re.compile(r"\r\n?|[\v\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # all but \t \n \v \f \r
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_HTML_SPACE = re.compile(rf"(?P<cjk>(?<=[{_CJK}])\s*\n\s*(?=[{_CJK}]))|\s+")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_GB_LABELS = frozenset({"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030"})
_CONTAINERS = frozenset({"sdt", "sdtContent", "customXml"})
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD = re.compile(r"[^\W_]")  # a letter, digit or CJK character
#: A DOCX's XML parts may inflate to this much in all; a zip bomb is refused before parsing.
MAX_DOCX_XML_BYTES = 64 * 1024 * 1024


def load(path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Read one document. Raises ``DocumentError`` / ``UnsupportedFormatError``."""
    path = Path(path)
    fmt = _check_path(path)
    data = _read(path, max_bytes)
    if not data:
        raise DocumentError(f"{path.name} has no text (the file is empty)")
    text = _normalise(_LOADERS[fmt](data, path.name))
    if not text.strip():
        raise DocumentError(f"{path.name} has no text")
    if not _WORD.search(text):
        raise DocumentError(f"{path.name} has no text (only punctuation and spaces)")
    return LoadedText(
        text=text,
        source=path,
        format=fmt,
        hard_wrapped=fmt in _HARD_WRAPPED,
        raw_hash=content_hash(data),
    )


def check_file(path: Path) -> str:
    """The format of ``path``; raises the error ``load`` would for a missing or unsupported file."""
    return _check_path(path)


def _check_path(path: Path) -> str:
    if not path.exists():
        raise DocumentError(f"{path}: no such file")
    if path.is_dir():
        raise DocumentError(f"{path} is a directory, not a document file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        shown = path.suffix or "(no suffix)"
        hint = "; save it as .docx" if path.suffix.lower() in (".doc", ".wps") else ""
        raise UnsupportedFormatError(
            f"{path.name}: unsupported file type {shown}; supported: " + ", ".join(SUPPORTED_SUFFIXES) + hint
        )
    return fmt


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(_too_big(path.name, size, max_bytes))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(f"{path.name} cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise DocumentError(_too_big(path.name, len(data), max_bytes))
    return data


def _too_big(name: str, size: int, limit: int) -> str:
    return f"{name} is {_size(size)}, over the limit of {_size(limit)} for one document"


def _size(n: int) -> str:
    mib = 1024 * 1024
    return f"{n / mib:.1f} MiB" if n >= 10 * mib else f"{n:,} bytes"


def _normalise(text: str) -> str:
    """``\\n`` line endings; stray control characters (not tab or form feed) removed."""
    return _CONTROLS.sub("", _NEWLINES.sub("\n", text))


def _why(exc: BaseException) -> str:
    """A short, one-line reason from a library exception."""
    first = (str(exc).strip().splitlines() or [""])[0][:120]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


# --- plain text ---------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, "utf-16", name)
    if b"\x00" in data:
        raise DocumentError(f"{name} looks like a binary file, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_as(data, "gb18030", name).lstrip("\ufeff")
    if len(_CONTROLS.findall(text)) > max(4, len(text) // 100):
        raise DocumentError(f"{name} looks like a binary file, not text")
    return text


def _decode_as(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise DocumentError(f"{name} is not text in a known encoding (UTF-8, UTF-16, GBK/GB18030)") from None


# --- PDF ----------------------------------------------------------------------------------


def _pdf_text(data: bytes, name: str) -> str:
    if b"%PDF-" not in data[:1024]:
        raise DocumentError(f"{name} is not a PDF file (no %PDF- header)")
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{name} is password-protected; remove the password first")
        pages = [_page_text(page) for page in reader.pages]
    except DocumentError:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        raise DocumentError(f"{name} is encrypted and cannot be read ({_why(exc)})") from None
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        log.debug("pypdf failed on %s", name, exc_info=True)
        raise DocumentError(f"{name} is not a readable PDF ({_why(exc)})") from None
    if not any(ch.isalpha() for page in pages for ch in page):
        raise DocumentError(f"{name} has no text layer (a scanned PDF?); OCR is not supported")
    return PAGE_BREAK.join(pages)


def _page_text(page: PageObject) -> str:
    """One page in layout mode (lines as printed); plain mode if layout mode fails."""
    try:
        text = page.extract_text(extraction_mode="layout")
    except Exception:  # layout mode is stricter about odd fonts and matrices
        log.debug("layout extraction failed; using plain mode", exc_info=True)
        text = page.extract_text()
    return (text or "").replace(PAGE_BREAK, "\n")


# --- DOCX ---------------------------------------------------------------------------------


def _docx_text(data: bytes, name: str) -> str:
    if data.startswith(_OLE_MAGIC):
        raise DocumentError(f"{name} is an old-style Word .doc or a password-protected file; save it as .docx")
    _check_zip(data, name)
    import docx

    try:
        document = docx.Document(BytesIO(data))
        lines = list(_docx_lines(document))
    except Exception as exc:  # python-docx raises zip, XML and key errors on damaged files
        log.debug("python-docx failed on %s", name, exc_info=True)
        raise DocumentError(f"{name} is not a readable DOCX file ({_why(exc)})") from None
    return "\n".join(lines)


def _check_zip(data: bytes, name: str, limit: int = MAX_DOCX_XML_BYTES) -> None:
    """Refuse a DOCX whose XML would inflate past ``limit``, from the sizes in the zip directory."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentError(f"{name} is not a readable DOCX file ({_why(exc)})") from None
    inflated = sum(i.file_size for i in infos if not i.filename.startswith("word/media/"))
    if inflated > limit:
        raise DocumentError(
            f"{name} inflates to {_size(inflated)} of XML, over the limit of {_size(limit)}; "
            "it is refused as a likely zip bomb"
        )


def _docx_lines(document: DocxDocument) -> Iterator[str]:
    from docx.oxml.table import CT_Tbl
    from docx.oxml.text.paragraph import CT_P
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for element in _body_elements(document.element.body):
        if isinstance(element, CT_P):
            yield from _paragraph_lines(Paragraph(element, document))
        elif isinstance(element, CT_Tbl):
            yield from _table_lines(Table(element, document))


def _body_elements(parent: BaseOxmlElement) -> Iterator[BaseOxmlElement]:
    """Paragraphs and tables in document order, including those inside content controls."""
    from docx.oxml.table import CT_Tbl
    from docx.oxml.text.paragraph import CT_P
    from docx.oxml.xmlchemy import BaseOxmlElement

    for child in parent.iterchildren():
        if isinstance(child, CT_P | CT_Tbl):
            yield child
        elif isinstance(child, BaseOxmlElement) and _local(child.tag) in _CONTAINERS:
            yield from _body_elements(child)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _paragraph_lines(paragraph: Paragraph) -> Iterator[str]:
    parts = [part.strip() for part in paragraph.text.split("\n") if part.strip()]
    if not parts:
        return
    level = _heading_level(paragraph)
    if level:
        yield "#" * level + " " + " ".join(parts)
    else:
        yield from parts


def _heading_level(paragraph: Paragraph) -> int | None:
    """1 for ``Title``, N for ``Heading N`` (or a style based on one; Chinese names too)."""
    style = paragraph.style
    for _ in range(5):
        if style is None:
            return None
        name = (style.name or "").strip().lower()
        if name in ("title", "标题"):
            return 1
        match = re.fullmatch(r"(?:heading|标题)\s*([1-6])", name)
        if match:
            return int(match.group(1))
        style = style.base_style
    return None


def _table_lines(table: Table) -> Iterator[str]:
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:  # a merged cell is listed once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            if text:
                cells.append(text.replace("\n", " "))
        if cells:
            yield "  ".join(cells)


# --- HTML ---------------------------------------------------------------------------------

_DROPPED = ["script", "style", "nav", "header", "footer", "noscript", "template", "head"]
_BLOCKS = frozenset(
    {"p", "div", "li", "td", "th", "tr", "table", "ul", "ol", "dl", "dt", "dd", "hr", "body"}
    | {"section", "article", "main", "aside", "blockquote", "form", "fieldset", "address"}
    | {"figure", "figcaption", "caption", "center"}
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


def _html_text(data: bytes, name: str) -> str:
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DocumentError(f"{name} looks like a binary file, not HTML (it contains NUL bytes)")
    declared = _CHARSET.search(data[:4096])
    gb = declared is not None and declared.group(1).decode("ascii", "ignore").lower() in _GB_LABELS
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(data, "lxml", from_encoding="gb18030" if gb else None)
        for tag in soup(_DROPPED):
            tag.decompose()
        lines = _HtmlLines()
        lines.walk(soup)
        lines.flush()
    except Exception as exc:  # BeautifulSoup rarely fails; never let it escape
        log.debug("BeautifulSoup failed on %s", name, exc_info=True)
        raise DocumentError(f"{name} is not readable HTML ({_why(exc)})") from None
    return "\n".join(lines.lines)


class _HtmlLines:
    """Walks the tree: one line per block, ``#`` lines for headings, text kept in order."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._buffer: list[str] = []

    def flush(self) -> None:
        text = _HTML_SPACE.sub(_space, "".join(self._buffer)).strip()
        if text:
            self.lines.append(text)
        self._buffer = []

    def walk(self, node: Tag) -> None:
        from bs4 import NavigableString, Tag

        for child in node.children:
            if isinstance(child, Tag):
                self._tag(child)
            elif type(child) is NavigableString:  # not comments, CDATA or doctypes
                self._buffer.append(str(child))

    def _tag(self, tag: Tag) -> None:
        name = tag.name
        if name in _HEADINGS:
            self.flush()
            text = _HTML_SPACE.sub(_space, tag.get_text()).strip()
            if text:
                self.lines.append("#" * _HEADINGS[name] + " " + text)
        elif name == "br":
            self.flush()
        elif name == "pre":
            self.flush()
            lines = tag.get_text().splitlines()
            self.lines.extend(line.rstrip() for line in lines if line.strip())
        elif name in _BLOCKS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)


def _space(match: re.Match[str]) -> str:
    """A line break between two CJK characters vanishes (as browsers render it); other
    whitespace runs become one space."""
    return "" if match.group("cjk") is not None else " "


# --- dispatch -----------------------------------------------------------------------------

_LOADERS: dict[str, Callable[[bytes, str], str]] = {
    "txt": _decode,
    "md": _decode,
    "pdf": _pdf_text,
    "docx": _docx_text,
    "html": _html_text,
}
