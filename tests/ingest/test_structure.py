"""Structure: parts, numbered headings, articles, Markdown headings and schedule items."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import docfiles
from policybot.ingest.cleaning import clean, clean_text
from policybot.ingest.loading import load
from policybot.ingest.metadata import extract_meta
from policybot.ingest.structure import heading_label, is_time_tag, parse, time_tag
from policybot.records import Document, Section

NOTICE = "关于印发《绿色制造2016专项行动实施方案》的通知"
PLAN = "绿色制造2016专项行动实施方案"
TOP_SECTIONS = [
    "一、背景",
    "二、指导思想",
    "三、主要目标",
    "四、重点工作",
    "五、进度安排",
    "六、保障措施",
]
_TOP = re.compile(r"^[一二三四五六七八九十]+、")

MAKERS: dict[str, Callable[[Path], Path]] = {
    "pdf": docfiles.make_pdf,
    "docx": docfiles.make_docx,
    "html": docfiles.make_html,
    "md": docfiles.make_markdown,
    "gbk": docfiles.make_gbk_txt,
}


def _document(text: str, *, markdown: bool = False) -> Document:
    cleaned = clean_text(text, hard_wrapped=not markdown)
    meta = extract_meta(cleaned.text, doc_id="t", source="t", fmt="md" if markdown else "txt", content_hash="h")
    return Document(meta, cleaned.text, cleaned.page_starts)


def _from_file(path: Path) -> tuple[Document, list[Section]]:
    loaded = load(path)
    cleaned = clean(loaded)
    meta = extract_meta(cleaned.text, doc_id="t", source=str(path), fmt=loaded.format, content_hash="h")
    doc = Document(meta, cleaned.text, cleaned.page_starts)
    return doc, parse(doc)


def _parts(sections: list[Section]) -> list[str]:
    return [s.heading for s in sections if s.kind == "part"]


def _top_headings(sections: list[Section]) -> list[str]:
    return [s.heading for s in sections if s.kind == "heading" and _TOP.match(s.heading)]


def _children(sections: list[Section], parent: str) -> list[Section]:
    return [s for s in sections if s.kind == "heading" and len(s.path) >= 2 and s.path[-2] == parent]


def _squeezed(path: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(re.sub(r"\s", "", p) for p in path)


@pytest.fixture(scope="module")
def seed() -> tuple[Document, list[Section]]:
    return _from_file(docfiles.seed_path())


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("structure")
    return {kind: make(folder) for kind, make in MAKERS.items()}


# --- the seed -------------------------------------------------------------------------------


def test_seed_parts_are_the_notice_and_the_plan(seed: tuple[Document, list[Section]]) -> None:
    doc, sections = seed
    assert _parts(sections) == [NOTICE, PLAN]
    notice, plan = (s for s in sections if s.kind == "part")
    assert notice.start == 0 and notice.end <= plan.start
    assert doc.text[plan.start :].startswith(PLAN)
    assert plan.end == len(doc.text)


def test_seed_six_top_sections_in_order(seed: tuple[Document, list[Section]]) -> None:
    doc, sections = seed
    assert _top_headings(sections) == TOP_SECTIONS
    for section in sections:
        if section.kind == "heading" and section.heading in TOP_SECTIONS:
            assert section.path == (PLAN, section.heading)
            assert doc.text[section.start : section.body_start].strip() == section.heading


@pytest.mark.parametrize(("parent", "count"), [("三、主要目标", 3), ("四、重点工作", 3), ("六、保障措施", 4)])
def test_seed_subsections(seed: tuple[Document, list[Section]], parent: str, count: int) -> None:
    children = _children(seed[1], parent)
    assert [c.heading[:3] for c in children] == ["（一）", "（二）", "（三）", "（四）"][:count]
    assert all(c.path[:2] == (PLAN, parent) for c in children)


def test_seed_inline_subsection_label_stops_at_first_clause(
    seed: tuple[Document, list[Section]],
) -> None:
    labels = [c.heading for c in _children(seed[1], "六、保障措施")]
    assert labels == [
        "（一）创新机制模式",
        "（二）形成工作合力",
        "（三）加大政策支持",
        "（四）强化监督管理",
    ]


def test_seed_schedule_items_carry_their_quarter(seed: tuple[Document, list[Section]]) -> None:
    doc, sections = seed
    items = [s for s in sections if s.kind == "item"]
    assert [s.tag for s in items] == [
        "一季度",
        "一季度",
        "二季度",
        "二季度",
        "二季度",
        "三季度",
        "三季度",
    ]
    schedule = next(s for s in sections if s.heading == "五、进度安排")
    for item in items:
        assert item.path == (PLAN, "五、进度安排")
        assert schedule.body_start <= item.start < item.end <= schedule.end
        text = doc.text[item.start : item.end]
        assert text.startswith("──") and text.endswith(f"（{item.tag}）") and "\n" not in text


def test_seed_spans_nest(seed: tuple[Document, list[Section]]) -> None:
    _doc, sections = seed
    for section in sections:
        assert section.start <= section.body_start <= section.end
        parents = [s for s in sections if s.kind != "item" and s.path == section.path[:-1]]
        if section.kind != "part" and section.kind != "item":
            assert any(p.start <= section.start and section.end <= p.end for p in parents), section.path


# --- every format ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MAKERS))
def test_every_format_finds_the_six_top_sections(files: dict[str, Path], kind: str) -> None:
    _doc, sections = _from_file(files[kind])
    assert _top_headings(sections) == TOP_SECTIONS
    for parent, count in [("三、主要目标", 3), ("四、重点工作", 3), ("六、保障措施", 4)]:
        assert len(_children(sections, parent)) == count, f"{kind}: {parent}"
    assert len([s for s in sections if s.kind == "item" and s.tag]) == 7


@pytest.mark.parametrize("kind", list(MAKERS))
def test_every_format_finds_the_notice_and_the_plan(files: dict[str, Path], kind: str) -> None:
    _doc, sections = _from_file(files[kind])
    assert _parts(sections) == [NOTICE, PLAN]
    for section in sections:
        if section.kind == "heading" and section.heading in TOP_SECTIONS:
            assert section.path[0] == PLAN, f"{kind}: {section.path}"


# --- cross-references and regulations ------------------------------------------------------

REGULATION = """绿色工厂管理办法

第一章 总则

第一条 为了规范绿色工厂管理，制定本办法。

第二条 本办法适用于各类工业企业。

依照第三条规定，企业应当提交材料。

第三条规定的材料包括申请表和评价报告。

第二章 申报与评价

第三条 企业申报绿色工厂，应当提交申请表。

第四条 评价机构应当按照第三条的规定开展评价。
"""


def test_regulation_gets_chapter_and_article_paths() -> None:
    sections = parse(_document(REGULATION, markdown=True))
    articles = [_squeezed(s.path) for s in sections if s.kind == "article"]
    assert articles == [
        ("绿色工厂管理办法", "第一章总则", "第一条"),
        ("绿色工厂管理办法", "第一章总则", "第二条"),
        ("绿色工厂管理办法", "第二章申报与评价", "第三条"),
        ("绿色工厂管理办法", "第二章申报与评价", "第四条"),
    ]
    chapters = [s for s in sections if s.kind == "heading"]
    assert [len(s.path) for s in chapters] == [2, 2]


def test_cross_reference_is_never_a_heading() -> None:
    doc = _document(REGULATION, markdown=True)
    sections = parse(doc)
    for section in sections:
        assert "依照" not in section.heading and "规定" not in section.heading
    second = next(s for s in sections if s.heading == "第二条")
    own = doc.text[second.start : second.end]
    assert "依照第三条规定" in own and "第三条规定的材料" in own


def test_cross_reference_in_a_hard_wrapped_sentence_is_not_a_heading() -> None:
    text = "一、总体要求\n\n企业应当按照本办法\n\n第三条规定的程序提交材料。\n\n二、保障措施\n\n加强领导。\n"
    sections = parse(_document(text))
    assert _top_headings(sections) == ["一、总体要求", "二、保障措施"]
    assert [s for s in sections if s.kind == "article"] == []


# --- Markdown -------------------------------------------------------------------------------

MARKDOWN = """# 绿色园区建设指南

引言段落。

## 总体要求

总体要求正文。

### 基本原则

原则正文。

## 一、建设内容

建设内容正文。

（一）基础设施

设施正文。
"""


def test_markdown_headings_nest_by_level() -> None:
    sections = parse(_document(MARKDOWN, markdown=True))
    paths = [s.path for s in sections if s.kind in ("part", "heading")]
    assert ("绿色园区建设指南",) in paths
    assert ("绿色园区建设指南", "总体要求") in paths
    assert ("绿色园区建设指南", "总体要求", "基本原则") in paths


def test_markdown_heading_body_starts_after_the_heading_line() -> None:
    doc = _document(MARKDOWN, markdown=True)
    for section in parse(doc):
        if section.kind == "heading" and section.heading in ("总体要求", "基本原则"):
            assert not doc.text[section.body_start :].startswith("#"), section.path


def test_markdown_level_two_heading_closes_a_level_three_one() -> None:
    sections = parse(_document(MARKDOWN, markdown=True))
    content = next(s for s in sections if s.heading == "一、建设内容")
    assert content.path == ("绿色园区建设指南", "一、建设内容")
    infra = next(s for s in sections if s.heading == "（一）基础设施")
    assert infra.path == ("绿色园区建设指南", "一、建设内容", "（一）基础设施")


def test_markdown_level_one_heading_starts_a_part_after_sections() -> None:
    text = "# 绿色园区建设指南\n\n## 总体要求\n\n总体要求正文。\n\n# 附录\n\n附录正文。\n"
    doc = _document(text, markdown=True)
    sections = parse(doc)
    assert _parts(sections) == ["绿色园区建设指南", "附录"]
    requirements = next(s for s in sections if s.heading == "总体要求")
    assert "附录正文" not in doc.text[requirements.start : requirements.end]


# --- attachments ----------------------------------------------------------------------------

NOTICE_WITH_ATTACHMENTS = """关于开展绿色工厂评价的通知

一、工作要求

请按附件要求申报。

附件：绿色工厂申请表

企业名称、地址、联系人。

附件2

绿色工厂评价办法

一、适用范围

适用于工业企业。
"""


def test_attachment_marker_starts_a_new_part() -> None:
    doc = _document(NOTICE_WITH_ATTACHMENTS, markdown=True)
    sections = parse(doc)
    parts = [s for s in sections if s.kind == "part"]
    assert parts[0].heading == "关于开展绿色工厂评价的通知"
    assert "绿色工厂申请表" in _parts(sections)
    assert "绿色工厂评价办法" in _parts(sections)
    notice = parts[0]
    assert "企业名称" not in doc.text[notice.start : notice.end]
    scope = next(s for s in sections if s.heading == "一、适用范围")
    assert scope.path == ("绿色工厂评价办法", "一、适用范围")
    first = next(s for s in sections if s.heading == "一、工作要求")
    assert first.path == ("关于开展绿色工厂评价的通知", "一、工作要求")


def test_untitled_attachments_keep_their_numbers() -> None:
    text = (
        "关于开展绿色工厂评价的通知\n\n一、工作要求\n\n请按附件要求申报。\n\n"
        "附件1\n\n申报材料清单如下。\n\n附件2\n\n企业承诺书内容。\n"
    )
    parts = _parts(parse(_document(text, markdown=True)))
    assert len(parts) == 3
    assert len(set(parts)) == 3, f"attachment parts cannot be told apart: {parts}"


# --- time tags and labels -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("──发布实施方案，启动绿色制造专项行动。（一季度）", "一季度"),
        ("──开展督查。（2016年二季度）", "2016年二季度"),
        ("──完成评估。（6月底前）", "6月底前"),
        ("──发布目录（2016年版）。", None),
        ("──发布《国家鼓励的有毒有害原料（产品）替代品目录》", None),
        ("──完成评估。（第四季度）", "第四季度"),
        ("──开展督查。（年底前）", "年底前"),
    ],
    ids=["quarter", "year-quarter", "month", "edition", "title", "di-quarter", "year-end"],
)
def test_time_tag(text: str, tag: str | None) -> None:
    assert time_tag(text) == tag


def test_is_time_tag_only_for_a_whole_tag_line() -> None:
    assert is_time_tag("（二季度）")
    assert is_time_tag(" （三季度） ")
    assert not is_time_tag("──启动试点。（三季度）")
    assert not is_time_tag("（一）创新机制模式")


def test_heading_label() -> None:
    assert heading_label("（一）创新机制模式。积极协调中国工程院等机构。") == "（一）创新机制模式"
    assert heading_label("一、背景") == "一、背景"
    assert heading_label("一、" + "长" * 60).endswith("…")


@pytest.mark.parametrize(
    ("heading", "label"),
    [
        (
            "三、问：工伤保险费率有什么调整？",
            "三、问：工伤保险费率有什么调整",
        ),  # a Q&A leaflet: the question is the label
        ("一、问：失业保险费率降低后是多少？单位和个人各缴多少？", "一、问：失业保险费率降低后是多少"),
        ("第五条 申请：企业应当于每年3月底前提交。", "第五条 申请"),  # an article's own title stays short
        ("附件1：申请表", "附件1"),
    ],
)
def test_a_question_and_answer_item_is_labelled_by_its_question(heading: str, label: str) -> None:
    assert heading_label(heading) == label


def test_a_numbered_list_of_attachment_names_stays_in_the_text() -> None:
    text = (
        "关于组织开展奖励申报工作的通知\n\n八、联系方式\n\n联系人：刘晓，联系电话：0791-86123456。\n\n"
        "附件：1.奖励申报书\n\n2.申报企业信用承诺书\n\n3.区（县）推荐企业汇总表\n\n江州市工业和信息化局\n\n2025年7月15日\n"
    )
    doc = _document(text, markdown=True)
    sections = parse(doc)
    contact = next(s for s in sections if s.heading == "八、联系方式")
    body = doc.text[contact.body_start : contact.end]
    assert "2.申报企业信用承诺书" in body and "3.区（县）推荐企业汇总表" in body  # not empty headings
    assert not any(s.heading.startswith(("1.", "2.", "3.")) for s in sections)
