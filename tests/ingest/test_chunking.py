"""Chunking: chunks stay inside one section, quote the cleaned text and have stable ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

import docfiles
from policybot.ingest.chunking import ChunkSettings, chunk_document, embed_header, split_sentences
from policybot.ingest.cleaning import clean, clean_text
from policybot.ingest.loading import load
from policybot.ingest.metadata import extract_meta
from policybot.ingest.structure import parse
from policybot.records import PATH_SEP, Chunk, Document, Section
from support import ROOT

MAKERS: dict[str, Callable[[Path], Path]] = {
    "seed": lambda _folder: docfiles.seed_path(),
    "pdf": docfiles.make_pdf,
    "docx": docfiles.make_docx,
    "html": docfiles.make_html,
    "md": docfiles.make_markdown,
}
SENTENCE_ENDS = tuple("。；！？")


def _document(text: str) -> Document:
    cleaned = clean_text(text, hard_wrapped=False)
    meta = extract_meta(cleaned.text, doc_id="t", source="t.md", fmt="md", content_hash="h")
    return Document(meta, cleaned.text, cleaned.page_starts)


def _from_file(path: Path) -> Document:
    loaded = load(path)
    cleaned = clean(loaded)
    meta = extract_meta(cleaned.text, doc_id=path.stem, source=str(path), fmt=loaded.format, content_hash="h")
    return Document(meta, cleaned.text, cleaned.page_starts)


def _chunks(doc: Document, settings: ChunkSettings | None = None) -> tuple[list[Section], list[Chunk]]:
    sections = parse(doc)
    return sections, chunk_document(doc, sections, settings or ChunkSettings())


def _own_spans(sections: list[Section]) -> list[tuple[Section, int, int]]:
    """Each non-item section with its own span: from its start to its first subsection."""
    heads = sorted((s for s in sections if s.kind != "item"), key=lambda s: (s.start, s.level))
    spans = []
    for i, section in enumerate(heads):
        end = section.end
        for later in heads[i + 1 :]:
            if later.start >= section.body_start:
                end = min(end, later.start)
                break
        spans.append((section, section.start, end))
    return spans


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("chunking")
    return {kind: make(folder) for kind, make in MAKERS.items()}


@pytest.fixture(scope="module")
def seed() -> tuple[Document, list[Section], list[Chunk]]:
    doc = _from_file(docfiles.seed_path())
    sections, chunks = _chunks(doc)
    return doc, sections, chunks


# --- invariants, on the seed in every format ------------------------------------------------


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("max_chars", [60, 360])
def test_chunk_text_is_its_span_of_the_document(files: dict[str, Path], kind: str, max_chars: int) -> None:
    doc = _from_file(files[kind])
    _sections, chunks = _chunks(doc, ChunkSettings(max_chars=max_chars))
    assert chunks
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip() and chunk.text
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("max_chars", [60, 360])
def test_no_chunk_crosses_a_section(files: dict[str, Path], kind: str, max_chars: int) -> None:
    doc = _from_file(files[kind])
    sections, chunks = _chunks(doc, ChunkSettings(max_chars=max_chars))
    spans = _own_spans(sections)
    for chunk in chunks:
        owners = [s for s, a, b in spans if a <= chunk.start and chunk.end <= b and s.path == chunk.section_path]
        assert owners, f"{kind}: {chunk.section} [{chunk.start}:{chunk.end}] lies in no section of its own"
        inner = [s for s in sections if s.kind != "item" and chunk.start < s.start < chunk.end]
        assert not inner, f"{kind}: chunk {chunk.ordinal} contains the heading {inner[0].heading!r}"


@pytest.mark.parametrize("kind", list(MAKERS))
def test_schedule_items_are_never_cut(files: dict[str, Path], kind: str) -> None:
    doc = _from_file(files[kind])
    sections, chunks = _chunks(doc, ChunkSettings(max_chars=60))
    items = [s for s in sections if s.kind == "item"]
    assert len(items) >= 7
    for item in items:
        holders = [c for c in chunks if c.start <= item.start and item.end <= c.end]
        assert holders, f"{kind}: item {doc.text[item.start : item.end][:20]!r} is cut"


@pytest.mark.parametrize("kind", ["docx", "html", "md"])
def test_chunks_do_not_quote_heading_lines(files: dict[str, Path], kind: str) -> None:
    """A standalone heading is in the chunk's path; its ``#`` line is not quoted as text."""
    doc = _from_file(files[kind])
    _sections, chunks = _chunks(doc)
    quoted = [c.text.split("\n")[0] for c in chunks if any(ln.startswith("#") for ln in c.text.split("\n"))]
    assert not quoted, f"{kind}: {len(quoted)} chunks quote heading lines, e.g. {quoted[:3]}"


def test_every_seed_paragraph_is_in_some_chunk(
    seed: tuple[Document, list[Section], list[Chunk]],
) -> None:
    doc, sections, chunks = seed
    headings = {s.heading for s in sections if s.kind != "item"}
    for paragraph in doc.text.split("\n"):
        if paragraph in headings:
            continue  # a standalone heading lives in the path, not in the text
        assert any(paragraph in c.text for c in chunks), paragraph[:20]


def test_seed_chunks_follow_the_sections(seed: tuple[Document, list[Section], list[Chunk]]) -> None:
    _doc, _sections, chunks = seed
    plan = "绿色制造2016专项行动实施方案"
    by_path = {c.section_path for c in chunks}
    assert (plan, "五、进度安排") in by_path
    assert (plan, "六、保障措施", "（四）强化监督管理") in by_path
    schedule = [c for c in chunks if c.section_path == (plan, "五、进度安排")]
    assert sum(c.text.count("──") for c in schedule) == 7


# --- long sections --------------------------------------------------------------------------


def _long_text(n: int = 15) -> tuple[str, str]:
    sentences = [
        f"第{i}项要求各地加强绿色制造工作并按期报送进展情况{'；' if i % 3 == 0 else '。'}" for i in range(1, n + 1)
    ]
    paragraph = "".join(sentences)
    text = f"关于推进绿色制造的通知\n\n一、总体要求\n\n{paragraph}\n\n二、保障措施\n\n加强组织领导。\n"
    return text, paragraph


def test_long_section_is_split_at_sentence_ends_with_overlap() -> None:
    text, paragraph = _long_text()
    settings = ChunkSettings(max_chars=100, overlap_sentences=1)
    assert len(paragraph) > 3 * settings.max_chars
    doc = _document(text)
    _sections, chunks = _chunks(doc, settings)
    parts = [c for c in chunks if c.section_path[-1] == "一、总体要求"]
    assert len(parts) >= 4
    for chunk in parts:
        assert chunk.text.endswith(SENTENCE_ENDS)
        assert len(chunk.text) <= settings.max_chars
        assert chunk.text[0] == "第", "a chunk starts at a sentence start"
    for before, after in pairwise(parts):
        last = split_sentences(before.text)[-1]
        first = split_sentences(after.text)[0]
        assert before.text[last[0] : last[1]] == after.text[first[0] : first[1]]
        assert after.start == before.start + last[0]
    assert parts[0].start == doc.text.index(paragraph)
    assert parts[-1].end == doc.text.index(paragraph) + len(paragraph)


@pytest.mark.parametrize("overlap", [0, 2])
def test_overlap_setting_is_honoured(overlap: int) -> None:
    text, paragraph = _long_text()
    doc = _document(text)
    _sections, chunks = _chunks(doc, ChunkSettings(max_chars=120, overlap_sentences=overlap))
    parts = [c for c in chunks if c.section_path[-1] == "一、总体要求"]
    assert len(parts) >= 3
    for before, after in pairwise(parts):
        shared = doc.text[after.start : before.end] if after.start < before.end else ""
        assert len(split_sentences(shared)) == overlap
    if overlap == 0:
        assert "".join(c.text for c in parts) == paragraph


def test_an_item_longer_than_max_chars_stays_whole() -> None:
    item = "──" + "发布实施方案并开展评估工作，" * 8 + "完成。（二季度）"
    text = f"关于推进绿色制造的通知\n\n一、进度安排\n\n{item}\n\n──启动试点。（三季度）\n"
    doc = _document(text)
    _sections, chunks = _chunks(doc, ChunkSettings(max_chars=60))
    assert len(item) > 60
    assert any(c.text == item for c in chunks)
    assert any(c.text == "──启动试点。（三季度）" for c in chunks)


def test_short_paragraphs_are_packed_without_overlap() -> None:
    paragraphs = [f"第{i}段加强组织领导。" for i in range(1, 9)]
    text = "关于推进绿色制造的通知\n\n一、总体要求\n\n" + "\n\n".join(paragraphs) + "\n"
    doc = _document(text)
    _sections, chunks = _chunks(doc, ChunkSettings(max_chars=50, overlap_sentences=1))
    parts = [c for c in chunks if c.section_path[-1] == "一、总体要求"]
    assert len(parts) >= 2
    assert "\n".join(c.text for c in parts) == "\n".join(paragraphs)


# --- embed text and ids ---------------------------------------------------------------------


def test_embed_text_has_title_number_and_section_path(
    seed: tuple[Document, list[Section], list[Chunk]],
) -> None:
    doc, _sections, chunks = seed
    header = embed_header(doc)
    # short on purpose: title (with its year) and number tell near-twins apart
    assert "《绿色制造2016专项行动实施方案》" in header and "工信部节〔2016〕113号" in header
    assert len(header) < 50
    for chunk in chunks:
        assert chunk.doc_title == doc.meta.title
        assert chunk.embed_text.startswith(header)
        assert PATH_SEP.join(chunk.section_path) in chunk.embed_text
        assert chunk.embed_text.startswith(header)
        assert chunk.embed_text.endswith(chunk.text)


def test_chunk_ids_are_stable_across_runs(
    seed: tuple[Document, list[Section], list[Chunk]],
) -> None:
    _doc, _sections, chunks = seed
    again = _chunks(_from_file(docfiles.seed_path()))[1]
    assert [c.id for c in again] == [c.id for c in chunks]
    assert [c.to_dict() for c in again] == [c.to_dict() for c in chunks]
    assert Chunk.from_dict(chunks[3].to_dict()) == chunks[3]


def test_chunk_id_changes_with_content_but_not_elsewhere(
    seed: tuple[Document, list[Section], list[Chunk]],
) -> None:
    doc, _sections, chunks = seed
    edited = replace(doc, text=doc.text.replace("8万吨", "9万吨"))
    new = _chunks(edited)[1]
    assert len(new) == len(chunks)
    changed = [old.id != fresh.id for old, fresh in zip(chunks, new, strict=True)]
    assert sum(changed) == 1
    assert "9万吨" in new[changed.index(True)].text


def test_chunk_id_changes_with_position(seed: tuple[Document, list[Section], list[Chunk]]) -> None:
    doc, _sections, chunks = seed
    number = "工信部节〔2016〕113号"
    moved = replace(doc, text=doc.text.replace(number, number + "\n（此件公开发布）", 1))
    new = _chunks(moved)[1]
    old_last, new_last = chunks[-1], new[-1]
    assert old_last.text == new_last.text and old_last.section_path == new_last.section_path
    assert old_last.id != new_last.id
    assert Chunk.make_id("d", ("a",), 0, "x") != Chunk.make_id("d", ("b",), 0, "x")


def test_chunk_pages_come_from_the_document(files: dict[str, Path]) -> None:
    doc = _from_file(files["pdf"])
    _sections, chunks = _chunks(doc)
    assert all(c.page == doc.page_at(c.start) for c in chunks)
    assert {c.page for c in chunks} == {1, 2, 3, 4, 5}
    assert next(c for c in chunks if c.section_path[-1] == "（四）强化监督管理").page == 5


# --- settings -------------------------------------------------------------------------------


def test_chunk_settings_validate() -> None:
    assert ChunkSettings().as_dict() == {
        "strategy": "section",
        "max_chars": 360,
        "overlap_sentences": 1,
    }
    ChunkSettings(max_chars=50, overlap_sentences=0)
    with pytest.raises(ValueError, match="max_chars"):
        ChunkSettings(max_chars=49)
    with pytest.raises(ValueError, match="overlap_sentences"):
        ChunkSettings(overlap_sentences=-1)


def test_split_sentences() -> None:
    text = "第一句。第二句；“第三句！”第四句"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "第一句。",
        "第二句；",
        "“第三句！”",
        "第四句",
    ]
    assert split_sentences("甲。乙。", offset=10) == [(10, 12), (12, 14)]


@pytest.mark.parametrize(
    "name",
    ["dongguan-doubling-2016", "caishui-2015-119", "guofa-2019-4", "energy-conservation-law-2018", "sat-2015-97"],
)
def test_every_sentence_of_a_corpus_document_is_in_some_chunk(name: str) -> None:
    """Text after a part's last numbered section (a notice's signature and date) is not lost."""
    doc = _from_file(ROOT / "corpus" / f"{name}.txt")
    sections, chunks = _chunks(doc)
    headings = {s.heading for s in sections if s.kind != "item"}
    sentences = [
        doc.text[a:b].strip()
        for line_start, line in _lines(doc.text)
        if line.strip() and line not in headings
        for a, b in split_sentences(line, line_start)
    ]
    missing = [s for s in sentences if s and all(s not in c.text for c in chunks)]
    assert not missing, missing[:3]
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out
