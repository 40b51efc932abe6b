"""Loading real files of every supported type, made from the seed notice (see docfiles.py)."""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

import docfiles
from policybot.errors import DocumentError, UnsupportedFormatError
from policybot.ingest.loading import SUPPORTED_SUFFIXES, load
from policybot.records import PAGE_BREAK

KEY_STRINGS = ("工信部节〔2016〕113号", "绿色工厂评价导则", "进度安排", "（二季度）", "绿色制造")


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("docs")
    return {
        "pdf": docfiles.make_pdf(folder),
        "docx": docfiles.make_docx(folder),
        "html": docfiles.make_html(folder),
        "md": docfiles.make_markdown(folder),
        "gbk": docfiles.make_gbk_txt(folder),
    }


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def test_supported_suffixes() -> None:
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm"}


@pytest.mark.parametrize("kind", ["seed", "gbk", "pdf", "docx", "html", "md"])
def test_key_strings_survive(docs: dict[str, Path], kind: str) -> None:
    loaded = load(docfiles.seed_path() if kind == "seed" else docs[kind])
    text = _squeeze(loaded.text)
    for key in KEY_STRINGS:
        assert key in text, f"{key} missing from {kind}"


def test_seed_txt_is_kept_as_written() -> None:
    loaded = load(docfiles.seed_path())
    assert loaded.format == "txt" and loaded.hard_wrapped
    assert loaded.text == docfiles.seed_text()
    assert loaded.source == docfiles.seed_path()


def test_gbk_txt_decodes_to_the_seed(docs: dict[str, Path]) -> None:
    raw = docs["gbk"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    loaded = load(docs["gbk"])
    assert loaded.text == docfiles.seed_text()
    assert loaded.format == "txt" and loaded.hard_wrapped


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.replace("\n", "\r\n").encode("gbk"),
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        lambda t: t.encode("utf-16"),
        lambda t: t.encode("gb18030"),
    ],
    ids=["gbk-crlf", "utf8-bom", "utf16-bom", "gb18030"],
)
def test_txt_encodings_and_line_endings(tmp_path: Path, encode: Callable[[str], bytes]) -> None:
    text = "第一行\n第二行 \n\f第二页：工信部节〔2016〕113号\n"
    path = tmp_path / "notice.txt"
    path.write_bytes(encode(text))
    assert load(path).text == text


def test_pdf_pages_are_separated_by_form_feeds(docs: dict[str, Path]) -> None:
    loaded = load(docs["pdf"])
    assert loaded.format == "pdf" and loaded.hard_wrapped
    pages = loaded.text.split(PAGE_BREAK)
    assert len(pages) == len(PdfReader(docs["pdf"]).pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert page.strip().splitlines()[-1].strip() == f"- {number} -"
    assert "工信部节〔2016〕113号" in pages[0]
    assert pages[1].lstrip().startswith("绿色制造2016专项行动实施方案")
    assert "五、进度安排" in _squeeze(loaded.text)


def test_pdf_keeps_printed_line_breaks(docs: dict[str, Path]) -> None:
    lines = [line.strip() for line in _lines(load(docs["pdf"]).text) if line.strip()]
    body = [line for line in lines if len(line) > 20]
    assert len(body) > 40  # wrapped: many printed lines, none a whole long paragraph
    assert max(len(line) for line in lines) < 40
    assert "一、背景" in lines


def test_pdf_written_from_text_round_trips(tmp_path: Path) -> None:
    path = docfiles.make_pdf(tmp_path, text="第一页：绿色制造。\n第二段。\f第二页：进度安排（二季度）")
    pages = load(path).text.split(PAGE_BREAK)
    assert len(pages) == 2
    assert "第一页：绿色制造。" in pages[0] and "第二段。" in pages[0]
    assert "第二页：进度安排（二季度）" in pages[1] and pages[1].strip().endswith("- 2 -")


def test_pdf_with_only_an_owner_password_loads(tmp_path: Path) -> None:
    path = docfiles.make_encrypted_pdf(tmp_path, user_password="")
    assert "工信部节〔2016〕113号" in load(path).text


def test_docx_headings_paragraphs_and_table(docs: dict[str, Path]) -> None:
    loaded = load(docs["docx"])
    assert loaded.format == "docx" and not loaded.hard_wrapped
    lines = _lines(loaded.text)
    assert lines[0] == "# 关于印发《绿色制造2016专项行动实施方案》的通知"
    for heading in ("# 一、背景", "# 五、进度安排", "## （一）实施传统制造业绿色化改造"):
        assert heading in lines
    headings = [line for line in lines if line.startswith("#")]
    assert len(headings) == 1 + 6 + 3
    paragraphs = docfiles.seed_paragraphs()
    assert max(paragraphs, key=len) in lines  # a long paragraph stays one line
    assert "" not in lines  # empty paragraphs are skipped
    row = "二季度  会同财政部启动水泥窑协同处置城市生活垃圾示范工程建设。"
    assert row in lines  # a table row: cells joined by two spaces


def test_docx_heading_styles_by_level(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("标题", level=0)
    for level in (1, 2, 3):
        document.add_heading(f"第{level}级", level=level)
    paragraph = document.add_paragraph("第一行")
    paragraph.add_run().add_break()
    paragraph.add_run("第二行")
    document.save(str(tmp_path / "levels.docx"))
    text = load(tmp_path / "levels.docx").text
    assert _lines(text) == ["# 标题", "# 第1级", "## 第2级", "### 第3级", "第一行", "第二行"]


def test_html_drops_chrome_and_maps_headings(docs: dict[str, Path]) -> None:
    loaded = load(docs["html"])
    assert loaded.format == "html" and not loaded.hard_wrapped
    assert "SHOULD-NOT-APPEAR" not in loaded.text
    assert "font-family" not in loaded.text and "tracker" not in loaded.text
    lines = _lines(loaded.text)
    assert "# 关于印发《绿色制造2016专项行动实施方案》的通知" in lines
    assert "## 一、背景" in lines and "### （三）推进绿色制造体系试点" in lines
    assert "发文字号：" in lines and "工信部节〔2016〕113号" in lines  # td one per line
    assert "──组织开展节能监察和跨区域专项督查。（三季度）" in lines  # li
    assert max(docfiles.seed_paragraphs(), key=len) in lines  # source wrapping undone


def test_html_in_gbk_and_all_heading_levels(tmp_path: Path) -> None:
    gbk = load(docfiles.make_html(tmp_path, name="gbk.htm", encoding="gbk"))
    assert "## 五、进度安排" in _lines(gbk.text)
    page = "".join(f"<h{n}> 第{n}级\n标题 </h{n}>" for n in range(1, 7))
    page += "<!-- 注释 --><p>一<br>二</p><pre>  代码\n  块</pre><style>p{}</style>"
    (tmp_path / "levels.html").write_text(f"<html><body>{page}</body></html>", encoding="utf-8")
    lines = _lines(load(tmp_path / "levels.html").text)
    assert lines[:6] == [f"{'#' * n} 第{n}级标题" for n in range(1, 7)]
    assert lines[6:] == ["一", "二", "  代码", "  块"]


def test_markdown_is_kept_as_written(docs: dict[str, Path]) -> None:
    loaded = load(docs["md"])
    assert loaded.format == "md" and not loaded.hard_wrapped
    assert loaded.text == docs["md"].read_text(encoding="utf-8")
    assert "## 一、背景" in _lines(loaded.text)


@pytest.mark.parametrize("kind", ["gbk", "pdf", "docx", "html", "md"])
def test_raw_hash_is_the_sha256_of_the_file(docs: dict[str, Path], kind: str) -> None:
    first, second = load(docs[kind]), load(docs[kind])
    assert first.raw_hash == second.raw_hash
    assert first.raw_hash == hashlib.sha256(docs[kind].read_bytes()).hexdigest()


def test_uppercase_suffix_and_str_path(docs: dict[str, Path], tmp_path: Path) -> None:
    upper = tmp_path / "NOTICE.PDF"
    upper.write_bytes(docs["pdf"].read_bytes())
    assert load(str(upper)).format == "pdf"


# --- errors -------------------------------------------------------------------------------


def _bad_files(folder: Path, docs: dict[str, Path]) -> dict[str, tuple[Path, str]]:
    """name -> (path, words the message must contain)."""
    pdf, docx_bytes = docs["pdf"].read_bytes(), docs["docx"].read_bytes()
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    files: dict[str, tuple[bytes | None, str]] = {
        "empty.txt": (b"", "has no text"),
        "blank.md": (" \n\u3000\n\t\r\n".encode(), "has no text"),
        "blank.html": (b"<html><body><p> </p><script>x()</script></body></html>", "no text"),
        "image.txt": (png, "binary"),
        "image.md": (png, "binary"),
        "image.html": (png, "binary"),
        "garbled.txt": ("绿色".encode() + b"\x80\xff\x80abc", "encoding"),
        "controls.txt": (bytes(range(1, 32)) * 10, "binary"),
        "truncated.pdf": (pdf[: len(pdf) // 2], "not a readable PDF"),
        "fake.pdf": ("这不是PDF".encode(), "not a PDF"),
        "truncated.docx": (docx_bytes[: len(docx_bytes) // 2], "not a readable DOCX"),
        "old-word.docx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ".doc"),
        "broken-xml.docx": (None, "not a readable DOCX"),
        "emptyparas.docx": (None, "has no text"),
    }
    result = {}
    for name, (data, words) in files.items():
        path = folder / name
        if name == "broken-xml.docx":
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("[Content_Types].xml", "<Types")
        elif name == "emptyparas.docx":
            document = docx.Document()
            document.add_paragraph("  ")
            document.add_paragraph("")
            document.save(str(path))
        else:
            path.write_bytes(data or b"")
        result[name] = (path, words)
    result["scanned.pdf"] = (docfiles.make_scanned_pdf(folder), "no text layer")
    result["locked.pdf"] = (docfiles.make_encrypted_pdf(folder), "password")
    return result


def _assert_clean_error(error: DocumentError, path: Path, words: str) -> None:
    message = str(error)
    assert path.name in message and words in message
    assert "\n" not in message and "Traceback" not in message
    assert error.__cause__ is None  # no library exception chained or shown as context
    assert error.__context__ is None or error.__suppress_context__


def test_bad_documents_raise_one_line_document_errors(tmp_path: Path, docs: dict[str, Path]) -> None:
    for name, (path, words) in _bad_files(tmp_path, docs).items():
        with pytest.raises(DocumentError) as caught:
            load(path)
        assert type(caught.value) is DocumentError, name
        _assert_clean_error(caught.value, path, words)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"missing\.pdf: no such file"):
        load(tmp_path / "missing.pdf")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(DocumentError, match=r"folder\.txt is a directory"):
        load(folder)


@pytest.mark.parametrize("name", ["notice.doc", "sheet.xlsx", "README"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("绿色制造", encoding="utf-8")
    with pytest.raises(UnsupportedFormatError) as caught:
        load(path)
    message = str(caught.value)
    assert name in message and ".pdf" in message and ".docx" in message and ".htm" in message


def test_size_limit(docs: dict[str, Path]) -> None:
    size = docs["pdf"].stat().st_size
    with pytest.raises(DocumentError, match="limit") as caught:
        load(docs["pdf"], max_bytes=size - 1)
    _assert_clean_error(caught.value, docs["pdf"], f"{size:,} bytes")
    assert load(docs["pdf"], max_bytes=size).format == "pdf"
