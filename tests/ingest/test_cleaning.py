"""Cleaning: hard-wrapped PDF text back into one paragraph per line, nothing else changed."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import docfiles
from policybot.ingest.cleaning import CleanText, clean, clean_text, is_page_number_line
from policybot.ingest.loading import load
from policybot.records import Document, DocumentMeta

TITLE = "关于印发《绿色制造2016专项行动实施方案》的通知"
PLAN = "绿色制造2016专项行动实施方案"
NUMBER = "工信部节〔2016〕113号"
DATE = "2016年3月24日"
TOP_SECTIONS = (
    "一、背景",
    "二、指导思想",
    "三、主要目标",
    "四、重点工作",
    "五、进度安排",
    "六、保障措施",
)
KEY_LINES = {
    "title": TITLE,
    "number": NUMBER,
    "issuer": "工业和信息化部",
    "date": DATE,
    "plan": PLAN,
    **{f"top{i}": heading for i, heading in enumerate(TOP_SECTIONS, start=1)},
    "sub": "（一）实施传统制造业绿色化改造",
    "item": "──会同财政部启动水泥窑协同处置城市生活垃圾示范工程建设。（二季度）",
}

MAKERS: dict[str, Callable[[Path], Path]] = {
    "pdf": docfiles.make_pdf,
    "docx": docfiles.make_docx,
    "html": docfiles.make_html,
    "md": docfiles.make_markdown,
    "gbk": docfiles.make_gbk_txt,
}


def _squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def _bare(line: str) -> str:
    """A cleaned line without its Markdown heading/bold marks."""
    return line.lstrip("#").strip().strip("*")


@pytest.fixture(scope="module")
def raw() -> str:
    return docfiles.seed_text()


@pytest.fixture(scope="module")
def seed() -> CleanText:
    return clean(load(docfiles.seed_path()))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cleaning")
    return {kind: make(folder) for kind, make in MAKERS.items()}


# --- the seed -------------------------------------------------------------------------------


def test_seed_words_wrapped_across_lines_are_joined(raw: str, seed: CleanText) -> None:
    wrapped = [m.group(0) for m in re.finditer(r"绿\s*色\s*制\s*造", raw) if re.search(r"\s", m.group(0))]
    assert wrapped, "precondition: the raw seed splits 绿色制造 across lines"
    assert not re.search(r"绿\s+色|色\s+制|制\s+造", seed.text)
    assert seed.text.count("绿色制造") == len(re.findall(r"绿\s*色\s*制\s*造", raw))


def test_seed_key_lines_come_out_whole(raw: str, seed: CleanText) -> None:
    assert NUMBER not in raw and "113 号" in raw, "precondition: the raw number has a space"
    lines = seed.text.split("\n")
    assert lines[0] == TITLE
    assert lines[1] == NUMBER
    assert DATE in lines
    assert lines[lines.index(DATE) - 1] == "工业和信息化部"


def test_seed_non_whitespace_characters_survive_in_order(raw: str, seed: CleanText) -> None:
    assert _squeeze(seed.text) == _squeeze(raw)


def test_seed_has_no_blank_lines_or_padding(seed: CleanText) -> None:
    assert "\n\n" not in seed.text
    assert "\u3000" not in seed.text and "\f" not in seed.text
    for line in seed.text.split("\n"):
        assert line == line.strip() and line, repr(line)
        assert "  " not in line


def test_seed_is_one_paragraph_per_line(seed: CleanText) -> None:
    assert seed.text.split("\n") == docfiles.seed_paragraphs()
    assert seed.page_starts == ()


# --- page numbers, padding, wrapping ----------------------------------------------------------


@pytest.mark.parametrize("line", ["- 3 -", "— 4 —", "第3页", "第 3 页 共 12 页", "3/12", "12", "  7  "])
def test_page_number_lines_are_recognised(line: str) -> None:
    assert is_page_number_line(line)


@pytest.mark.parametrize("line", ["一、背景", "8万吨", DATE, "（二季度）", "1.", "0.7万吨", ""])
def test_content_lines_are_not_page_numbers(line: str) -> None:
    assert not is_page_number_line(line)


def test_page_number_lines_are_dropped_and_the_paragraph_rejoined() -> None:
    text = (
        "一、总体要求\n\n"
        "为推进绿色制造，现将有关事项通知如下，请各单位按照要求认真\n\n"
        "- 3 -\n\n"
        "组织实施，确保各项任务按期完成。\n\n"
        "第3页\n\n3/12\n\n12\n\n"
        "二、保障措施\n"
    )
    cleaned = clean_text(text, hard_wrapped=True).text
    assert cleaned.split("\n") == [
        "一、总体要求",
        "为推进绿色制造，现将有关事项通知如下，请各单位按照要求认真组织实施，确保各项任务按期完成。",
        "二、保障措施",
    ]


def test_full_width_spaces_and_blank_line_runs_are_removed() -> None:
    text = (
        "一、总体要求\n\n\n\n"
        "\u3000\u3000各地要加强组织领导，明确责任分工，\u3000\n\n"
        "\u3000\n\n"
        "确保各项任务落到实处。\u3000\n\n\n\u3000\n\n"
        "二、保障措施\n"
    )
    assert clean_text(text, hard_wrapped=True).text.split("\n") == [
        "一、总体要求",
        "各地要加强组织领导，明确责任分工，确保各项任务落到实处。",
        "二、保障措施",
    ]


def test_english_words_wrapped_across_lines_keep_one_space() -> None:
    body = (
        "为推进绿色制造，现将有关事项通知如下，请各单位按照要求认真\n\n"
        "组织实施，确保各项任务按期完成，并及时报送工作进展情况。\n\n"
    )
    text = (
        body
        + "请各单位按照要求认真学习领会 Green Manufacturing Action\n\n"
        + "Plan 的要求开展工作，确保各项任务按期完成并及时报送。\n\n"
        + body
    )
    cleaned = clean_text(text, hard_wrapped=True).text
    assert "Green Manufacturing Action Plan" in cleaned
    assert "ActionPlan" not in cleaned


def test_time_tag_wrapped_onto_its_own_line_joins_the_item() -> None:
    text = (
        "五、进度安排\n\n"
        "──发布《实施2016年高风险污染物削减行动的通知》。\n\n"
        "（一季度）\n\n"
        "──组织开展节能监察和跨区域专项督查。（三季度）\n"
    )
    assert clean_text(text, hard_wrapped=True).text.split("\n") == [
        "五、进度安排",
        "──发布《实施2016年高风险污染物削减行动的通知》。（一季度）",
        "──组织开展节能监察和跨区域专项督查。（三季度）",
    ]


def test_page_starts_are_recorded_and_page_at_finds_the_page() -> None:
    text = "第一页第一段。\n第一页第二段。\f第二页内容。\n- 2 -\f\f第四页内容。"
    cleaned = clean_text(text, hard_wrapped=True)
    assert cleaned.text == "第一页第一段。\n第一页第二段。\n第二页内容。\n第四页内容。"
    second, fourth = cleaned.text.index("第二页"), cleaned.text.index("第四页")
    assert cleaned.page_starts == (0, second, fourth, fourth)
    meta = DocumentMeta("d", "t", "s", "txt", "h")
    doc = Document(meta, cleaned.text, cleaned.page_starts)
    assert doc.page_at(0) == 1
    assert doc.page_at(second - 1) == 1
    assert doc.page_at(second) == 2
    assert doc.page_at(fourth) == 4  # page 3 is empty
    assert doc.page_at(len(cleaned.text) - 1) == 4
    assert Document(meta, cleaned.text).page_at(5) is None


# --- every format -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("name", list(KEY_LINES))
def test_every_format_cleans_to_the_key_lines(files: dict[str, Path], kind: str, name: str) -> None:
    key = KEY_LINES[name]
    lines = [_bare(line) for line in clean(load(files[kind])).text.split("\n")]
    assert key in lines, f"{kind}: no line {key!r}"


@pytest.mark.parametrize("kind", list(MAKERS))
def test_every_format_keeps_the_content_characters(files: dict[str, Path], kind: str) -> None:
    cleaned = _squeeze(clean(load(files[kind])).text)
    for paragraph in docfiles.seed_paragraphs():
        assert _squeeze(paragraph) in cleaned, f"{kind}: lost {paragraph[:20]!r}"


def test_pdf_pages_are_recorded(files: dict[str, Path]) -> None:
    cleaned = clean(load(files["pdf"]))
    doc = Document(DocumentMeta("d", "t", "s", "pdf", "h"), cleaned.text, cleaned.page_starts)
    assert len(cleaned.page_starts) == 5
    assert not re.search(r"^- \d+ -$", cleaned.text, re.M)
    assert doc.page_at(cleaned.text.index(NUMBER)) == 1
    assert doc.page_at(cleaned.text.index("一、背景")) == 2
    assert doc.page_at(cleaned.text.index("六、保障措施")) == 5


def test_pdf_paragraphs_match_the_source(files: dict[str, Path]) -> None:
    """A line that happens to end in 。 at the right margin does not end the paragraph when the
    next line is not indented (the PDF indents each paragraph's first line)."""
    assert clean(load(files["pdf"])).text.split("\n") == docfiles.seed_paragraphs()


# --- what is not page furniture ---------------------------------------------------------------


def test_numbers_in_html_table_cells_are_kept(tmp_path: Path) -> None:
    page = tmp_path / "table.html"
    page.write_text(
        "<html><body><h1>关于做好统计工作的通知</h1><p>削减目标如下：</p><table>"
        "<tr><td>化学需氧量（万吨）</td><td>8</td></tr><tr><td>年份</td><td>2016</td></tr>"
        "</table><p>请认真落实。</p></body></html>",
        encoding="utf-8",
    )
    loaded = load(page)
    assert "\n8\n" in loaded.text, "precondition: the loader keeps the cell"
    assert _squeeze(clean(loaded).text) == _squeeze(loaded.text)


def test_markdown_table_rows_stay_on_their_own_lines() -> None:
    text = "# 标题\n\n| 指标 | 数值 |\n|---|---|\n| 化学需氧量 | 8万吨 |\n| 氨氮 | 0.7万吨 |\n"
    lines = clean_text(text, hard_wrapped=False).text.split("\n")
    assert len([line for line in lines if line.startswith("|")]) == 4, lines


def test_the_doc_number_line_under_a_title_stays_its_own_line() -> None:
    title = "杭州市经济和信息化局关于组织申报2024年度中小企业数字化改造专项资金项目的通知"
    text = f"{title}\n杭经信〔2024〕37号\n\n各区、县（市）经信局：\n"
    lines = clean_text(text, hard_wrapped=True).text.split("\n")
    assert lines[:2] == [title, "杭经信〔2024〕37号"]


@pytest.mark.parametrize(
    ("title", "after"),
    [
        ("关于组织申报2026年度市级工业设计中心的通知", "各区工业和信息化主管部门："),
        ("某市小微企业房产税减免办法", "第一条 为减轻小微企业负担，制定本办法。"),
        ("关于印发《宁波市专精特新中小企业培育实施方案》的通知", "各区（县、市）人民政府，市直各单位："),
    ],
)
def test_a_title_followed_by_a_blank_line_is_its_own_paragraph(title: str, after: str) -> None:
    """A short text's lines are all short, so a width rule alone would take the title for a wrapped line."""
    text = f"{title}\n\n{after}\n为推动发展，现将有关事项通知如下。\n"
    lines = clean_text(text, hard_wrapped=True).text.split("\n")
    assert lines[0] == title, lines


def test_a_title_wrapped_without_a_blank_line_is_still_joined() -> None:
    text = "关于印发《宁波市专精特新中小企业培育实施方案》\n的通知\n\n各区（县、市）人民政府：\n"
    title = "关于印发《宁波市专精特新中小企业培育实施方案》的通知"
    assert clean_text(text, hard_wrapped=True).text.split("\n")[0] == title
