"""Bounded parsing: zip bombs, memory and time limits, text with no words, and linear cost in lines."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from policybot.errors import DocumentError, UnsupportedFormatError
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.loading import MAX_DOCX_XML_BYTES
from policybot.ingest.pipeline import prepare_document
from policybot.ingest.sandbox import ParseLimits, load_bounded

_MIB = 1024 * 1024
_CT = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
_PARA = "<w:p><w:r><w:t>a</w:t></w:r></w:p>"


def _docx_of(path: Path, paragraphs: int) -> Path:
    body = "".join(
        (
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>',
            _PARA * paragraphs,
            "</w:body></w:document>",
        )
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CT)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", body)
    return path


def test_a_docx_that_inflates_past_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = _docx_of(tmp_path / "bomb.docx", (MAX_DOCX_XML_BYTES + 8 * _MIB) // len(_PARA))
    assert bomb.stat().st_size < 2 * _MIB  # small on disk, huge inflated
    started = time.perf_counter()
    with pytest.raises(DocumentError, match=r"bomb\.docx inflates to .* zip bomb"):
        load_bounded(bomb)
    assert time.perf_counter() - started < 5  # refused from the zip directory, never parsed


def test_a_small_docx_of_the_same_shape_is_read(tmp_path: Path) -> None:
    loaded = load_bounded(_docx_of(tmp_path / "small.docx", 50))
    assert loaded.format == "docx" and loaded.text.count("a") == 50


def test_a_reader_over_its_memory_limit_is_stopped_with_a_clear_error(tmp_path: Path) -> None:
    """Run in a fresh interpreter: the budget is on top of what the parent has mapped, and a parent
    that has run a long test session has freed heap a child can reuse without new mappings."""
    big = tmp_path / "big.txt"
    big.write_text("节能减排。\n" * (40 * _MIB // 16), encoding="utf-8")  # 40 MiB: read, decoded, copied
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from policybot.errors import DocumentError\n"
        "from policybot.ingest.sandbox import ParseLimits, load_bounded\n"
        "roomy = 600.0  # time is not what this test limits\n"
        "try:\n"
        "    load_bounded(Path(sys.argv[1]), ParseLimits(memory_bytes=64 * 2**20, seconds=roomy))\n"
        "except DocumentError as exc:\n"
        "    print('refused:', exc.message)\n"
        "print('default:', load_bounded(Path(sys.argv[1]), ParseLimits(seconds=roomy)).text[:4])\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(big)], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("refused: big.txt could not be read within 64 MiB of memory"), run.stdout
    assert lines[1] == "default: 节能减排"  # the default memory reads it


def test_a_reader_over_its_time_limit_is_stopped(tmp_path: Path) -> None:
    doc = tmp_path / "slow.txt"
    doc.write_text("节能减排。\n" * 200_000, encoding="utf-8")
    with pytest.raises(DocumentError, match=r"slow\.txt took more than 0\.001s to read"):
        load_bounded(doc, ParseLimits(seconds=0.001))


@pytest.mark.parametrize("text", ["。，、\n——……\n", "  \n\t\n", "【】《》（）\n＊＊＊"])
def test_text_with_no_words_is_refused(tmp_path: Path, text: str) -> None:
    doc = tmp_path / "marks.txt"
    doc.write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError, match=r"marks\.txt has no text"):
        load_bounded(doc)


def test_errors_keep_their_type(tmp_path: Path) -> None:
    (tmp_path / "setup.exe").write_bytes(b"MZ" + bytes(64))
    with pytest.raises(UnsupportedFormatError):
        load_bounded(tmp_path / "setup.exe")
    with pytest.raises(DocumentError, match="no such file"):
        load_bounded(tmp_path / "missing.txt")


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        ParseLimits(seconds=0)
    with pytest.raises(ValueError):
        ParseLimits(memory_bytes=1024)


def _prepare_seconds(path: Path) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        prepare_document(path, ChunkSettings())
        best = min(best, time.perf_counter() - started)
    return best


def test_reading_is_linear_in_the_number_of_lines(tmp_path: Path) -> None:
    """40,000 short lines cost about ten times 4,000 (it was quadratic: 34 s for 40,000)."""
    sizes = {}
    for n in (4_000, 40_000):
        path = tmp_path / f"lines-{n}.txt"
        path.write_text("\n".join(f"第{i}行：企业节能改造项目。" for i in range(n)), encoding="utf-8")
        sizes[n] = _prepare_seconds(path)
    ratio = sizes[40_000] / sizes[4_000]
    assert ratio < 15, f"10x the lines took {ratio:.1f}x the time ({sizes})"
