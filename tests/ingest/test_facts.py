"""Facts: deadlines, targets and parties read from the document, each tied to its chunk."""

from __future__ import annotations

import re

import pytest

import docfiles
from policybot.ingest.chunking import ChunkSettings, chunk_document
from policybot.ingest.cleaning import clean_text
from policybot.ingest.facts import extract_facts, normalize_quarter
from policybot.ingest.metadata import extract_meta
from policybot.ingest.pipeline import prepare_document
from policybot.ingest.structure import parse
from policybot.records import Chunk, Document, Fact

PLAN = "绿色制造2016专项行动实施方案"


def _facts(text: str) -> tuple[Document, list[Chunk], list[Fact]]:
    cleaned = clean_text(text, hard_wrapped=False)
    meta = extract_meta(cleaned.text, doc_id="t", source="t.md", fmt="md", content_hash="h")
    doc = Document(meta, cleaned.text)
    sections = parse(doc)
    chunks = chunk_document(doc, sections, ChunkSettings())
    return doc, chunks, extract_facts(doc, sections, chunks)


def _of(facts: list[Fact], kind: str) -> list[Fact]:
    return [f for f in facts if f.type == kind]


@pytest.fixture(scope="module")
def seed() -> tuple[Document, list[Chunk], list[Fact]]:
    prepared = prepare_document(docfiles.seed_path(), ChunkSettings())
    return prepared.document, prepared.chunks, prepared.facts


# --- the seed -------------------------------------------------------------------------------


def test_seed_schedule_deadlines(seed: tuple[Document, list[Chunk], list[Fact]]) -> None:
    doc, _chunks, facts = seed
    schedule = [f for f in _of(facts, "deadline") if f.section == f"{PLAN} › 五、进度安排"]
    assert [f.value for f in schedule] == [
        "一季度",
        "一季度",
        "二季度",
        "二季度",
        "二季度",
        "三季度",
        "三季度",
    ]
    assert [f.normalized for f in schedule] == ["2016-Q1"] * 2 + ["2016-Q2"] * 3 + ["2016-Q3"] * 2
    assert schedule[0].subject == "发布实施方案，启动绿色制造专项行动"
    assert schedule[4].subject == "会同财政部启动水泥窑协同处置城市生活垃圾示范工程建设"
    assert schedule[2].subject.endswith("（2016年版）")  # the edition is not taken for the tag
    for fact in schedule:
        assert fact.quote.startswith("──") and fact.quote.endswith(f"（{fact.value}）")
        assert fact.quote in doc.text


def test_seed_has_no_other_deadlines(seed: tuple[Document, list[Chunk], list[Fact]]) -> None:
    """The years in 《…（2016-2020年）》, 《中国制造2025》 and 《实施2016年…的通知》 are titles."""
    doc, _chunks, facts = seed
    deadlines = _of(facts, "deadline")
    assert len(deadlines) == 7
    titles = [m.span() for m in re.finditer(r"《[^》]*》", doc.text)]
    for fact in deadlines:
        assert not any(a <= fact.start < b for a, b in titles), fact
        assert "2020" not in fact.value and "2025" not in fact.value


def test_seed_targets(seed: tuple[Document, list[Chunk], list[Fact]]) -> None:
    _doc, _chunks, facts = seed
    targets = {f.indicator: f for f in _of(facts, "target")}
    assert set(targets) == {"化学需氧量", "氨氮"}
    cod, nh3 = targets["化学需氧量"], targets["氨氮"]
    assert (cod.value, cod.unit) == ("8万吨", "万吨")
    assert (nh3.value, nh3.unit) == ("0.7万吨", "万吨")
    assert cod.subject == "削减化学需氧量8万吨"
    assert cod.section == f"{PLAN} › 三、主要目标 › （一）进一步提升部分行业清洁生产水平"
    assert "预计全年削减化学需氧量8万吨、氨氮0.7万吨" in cod.quote


def test_seed_parties(seed: tuple[Document, list[Chunk], list[Fact]]) -> None:
    doc, _chunks, facts = seed
    parties = _of(facts, "party")
    treasury = [f for f in parties if f.value == "财政部"]
    assert len(treasury) == doc.text.count("会同财政部") == 5
    assert all("会同财政部" in f.quote for f in treasury)
    # 会同 partners, and the bodies enumerated as "与/协调 …、…等部门/机构"
    assert {f.value for f in parties} == {
        "财政部",
        "中国工程院",
        "中国科学院",
        "发改",
        "财政",
        "环保",
        "科技",
        "产业基金",
        "投资公司",
        "政策性银行",
    }
    academies = [f for f in parties if f.value in ("中国工程院", "中国科学院")]
    assert all(f.section.endswith("（一）创新机制模式") for f in academies)


def test_seed_facts_point_at_their_chunk(seed: tuple[Document, list[Chunk], list[Fact]]) -> None:
    doc, chunks, facts = seed
    by_id = {c.id: c for c in chunks}
    for fact in facts:
        chunk = by_id[fact.chunk_id]
        assert chunk.start <= fact.start < chunk.end, fact
        assert fact.quote in chunk.text
        assert fact.section == chunk.section
        assert fact.doc_id == doc.meta.doc_id and fact.doc_title == doc.meta.title
    for fact in facts:
        if fact.type in ("target", "party"):
            assert doc.text[fact.start :].startswith(fact.value), fact
    assert [f.start for f in facts] == sorted(f.start for f in facts)


# --- written deadlines ----------------------------------------------------------------------

PLAN_TEXT = """关于印发《节能减排2016工作方案》的通知

一、主要目标

到2020年，规模以上单位工业增加值能耗下降18%。

依据《绿色制造工程实施指南（2016-2020年）》，三季度发布绿色工厂标准。

二、进度安排

──发布实施方案。（2016年二季度）

──完成评估。（第四季度）
"""


def test_dao_2020_is_a_deadline_normalised_to_the_year() -> None:
    _doc, _chunks, facts = _facts(PLAN_TEXT)
    fact = next(f for f in _of(facts, "deadline") if "2020" in f.value)
    assert fact.value == "2020年"
    assert fact.normalized == "2020"
    assert fact.quote == "到2020年，规模以上单位工业增加值能耗下降18%。"


def test_deadline_subject_is_what_is_due_not_the_date() -> None:
    _doc, _chunks, facts = _facts(PLAN_TEXT)
    fact = next(f for f in _of(facts, "deadline") if "2020" in f.value)
    assert "能耗下降18%" in fact.subject, f"subject is {fact.subject!r}"


def test_years_in_titles_are_not_deadlines() -> None:
    _doc, _chunks, facts = _facts(PLAN_TEXT)
    values = [f.value for f in _of(facts, "deadline")]
    assert values.count("2020年") == 1  # 到2020年, not 《…（2016-2020年）》
    assert "三季度" in values
    assert next(f for f in _of(facts, "deadline") if f.value == "三季度").normalized == "2016-Q3"


def test_quarter_with_year_in_a_schedule_tag() -> None:
    _doc, _chunks, facts = _facts(PLAN_TEXT)
    fact = next(f for f in _of(facts, "deadline") if f.value == "2016年二季度")
    assert fact.normalized == "2016-Q2"
    assert fact.subject == "发布实施方案"


def test_di_si_jidu_schedule_tag_is_an_item_deadline() -> None:
    _doc, _chunks, facts = _facts(PLAN_TEXT)
    fact = next(f for f in _of(facts, "deadline") if f.value == "第四季度")
    assert fact.normalized == "2016-Q4"
    assert fact.subject == "完成评估", f"subject is {fact.subject!r}"


def test_year_end_deadline_is_normalised_to_december() -> None:
    _doc, _chunks, facts = _facts("关于推进绿色工厂建设的通知\n\n一、工作要求\n\n2016年底前完成试点评估。\n")
    fact = next(f for f in _of(facts, "deadline") if f.value.startswith("2016年"))
    assert fact.normalized == "2016-12", f"{fact.value!r} -> {fact.normalized!r}"


def test_target_with_percent() -> None:
    _doc, _chunks, facts = _facts(PLAN_TEXT)
    fact = next(f for f in _of(facts, "target"))
    assert (fact.value, fact.unit) == ("18%", "%")
    assert fact.indicator is not None and "能耗" in fact.indicator


def test_hui_tong_lists_every_party() -> None:
    _doc, _chunks, facts = _facts(
        "关于推进绿色工厂建设的通知\n\n一、工作要求\n\n会同财政部、生态环境部开展试点示范。\n"
    )
    assert [f.value for f in _of(facts, "party")] == ["财政部", "生态环境部"]


@pytest.mark.parametrize(
    ("sentence", "parties"),
    [  # 北京市促进中小企业发展条例 第十一条; a municipal notice; a sentence that names no body
        ("市、区人力资源社会保障部门应当会同中小企业工作主管部门定期发布创业信息。", ["中小企业工作主管部门"]),
        ("由市经济和信息化局会同市财政局、市发展改革委组织实施。", ["市财政局", "市发展改革委"]),
        ("会同有关部门制定具体办法。", []),
    ],
)
def test_a_party_is_named_whole(sentence: str, parties: list[str]) -> None:
    _doc, _chunks, facts = _facts(f"关于做好中小企业工作的通知\n\n一、工作要求\n\n{sentence}\n")
    assert [f.value for f in _of(facts, "party")] == parties


@pytest.mark.parametrize(
    ("value", "year", "expected"),
    [
        ("二季度", 2016, "2016-Q2"),
        ("第三季度", 2016, "2016-Q3"),
        ("2017年一季度", 2016, "2017-Q1"),
        ("4季度", None, "Q4"),
        ("年底", 2016, None),
    ],
    ids=["er", "di-san", "with-year", "digit-no-year", "not-a-quarter"],
)
def test_normalize_quarter(value: str, year: int | None, expected: str | None) -> None:
    assert normalize_quarter(value, year) == expected


# --- durations, clock times, units and phone numbers (snippets of a regulation, a call, a plan, a Q&A) --------


def _doc(*lines: str) -> str:
    return "关于印发测试文件的通知\n\n一、有关要求\n\n" + "\n\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "sentence",
    [
        "（五）近三年内未发生重大安全、环保、质量事故，未被列入严重失信主体名单。",  # 株洲 管理办法
        "取消其3年内申报市级科技计划项目和补助资金的资格。",  # 株洲 管理办法
        "对弄虚作假的企业，收回已拨付资金，五年内不得申报市级财政专项资金。",  # 嘉兴 申报通知
        "对招用离校2年内未就业高校毕业生的企业给予补助。",  # 临沂 政策解读
        "企业在填报上一年及当年内未发生重大安全、重大质量事故。",  # 科技型中小企业评价办法
        "在资产负债表“一年内到期的非流动负债”项目列示。",  # 财政部会计司问答
        "2025年第四季度组织开展首次年度评估。",  # 江门 行动方案
    ],
)
def test_a_duration_or_another_words_year_is_no_deadline(sentence: str) -> None:
    _d, _chunks, facts = _facts(_doc(sentence))
    values = [f.value for f in _of(facts, "deadline")]
    assert not {"年内", "次年", "当年"} & set(values), values


def test_a_bare_year_end_is_still_a_deadline_fact() -> None:
    _d, _chunks, facts = _facts(_doc("各地要在年内完成清理工作。"))
    assert [f.value for f in _of(facts, "deadline")] == ["年内"]


def test_an_explicit_closing_time_keeps_its_clock_and_stands_for_the_window_end() -> None:
    # 嘉兴 申报通知: the window's last day and the explicit 截止 are one deadline, with its time
    _d, _chunks, facts = _facts(
        _doc(
            "网上申报时间为2025年6月10日至2025年7月15日，截止时间为2025年7月15日17:00，逾期系统将自动关闭。",
            "纸质材料报送截止时间为2025年7月18日。",
        )
    )
    deadlines = [(f.value, f.normalized) for f in _of(facts, "deadline")]
    assert deadlines == [("2025年7月15日17:00", "2025-07-15"), ("2025年7月18日", "2025-07-18")]
    first = _of(facts, "deadline")[0]
    assert "网上申报" in first.subject and "截止" in first.subject, first.subject


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("企业应于2016年12月31日17:30前在网上完成预申报工作。", "2016年12月31日17:30"),  # 东莞 倍增计划
        ("请于2025年7月15日17时前将纸质材料报送市经信局。", "2025年7月15日17时"),
        ("一次性扩岗补助政策执行至2025年12月31日。", "2025年12月31日"),  # 临沂 政策解读
        ("本方案有效期至2027年12月31日。", "2027年12月31日"),  # 江门 行动方案
    ],
)
def test_deadline_dates_are_whole(sentence: str, value: str) -> None:
    _d, _chunks, facts = _facts(_doc(sentence))
    assert [f.value for f in _of(facts, "deadline")] == [value]


@pytest.mark.parametrize(
    ("sentence", "value", "indicator"),
    [
        ("到2027年，全市工业企业新增分布式光伏装机容量300兆瓦。", "300兆瓦", "分布式光伏装机容量"),  # 江门
        ("对年综合能源消费量5000吨标准煤以上的企业开展节能诊断。", "5000吨标准煤", "年综合能源消费量"),  # 江门
        ("全年新增风电装机2.5吉瓦。", "2.5吉瓦", "风电装机"),
        ("年节约用电达到5000万千瓦时。", "5000万千瓦时", "年节约用电"),
    ],
)
def test_energy_targets(sentence: str, value: str, indicator: str) -> None:
    _d, _chunks, facts = _facts(_doc(sentence))
    targets = [(f.value, f.indicator or "") for f in _of(facts, "target")]
    assert any(v == value and indicator in i for v, i in targets), targets


@pytest.mark.parametrize(
    "sentence",
    [
        "在市科技局门户网站公示，公示期为5个工作日。",  # 株洲 管理办法
        "在公示结束后15个工作日内将返还资金拨付至企业对公账户。",  # 临沂 政策解读
        "并为其按月足额缴纳失业保险费3个月以上的企业。",  # 临沂 政策解读
        "兼职、临时聘用人员全年须在企业累计工作6个月以上。",  # 科技型中小企业评价办法
        "如有疑问，可拨打12333人社服务热线咨询。",  # 临沂 政策解读
        "咨询电话：12333人工服务时间为工作日。",
    ],
)
def test_periods_and_phone_numbers_are_no_targets(sentence: str) -> None:
    _d, _chunks, facts = _facts(_doc(sentence))
    assert _of(facts, "target") == [], [(f.value, f.subject) for f in _of(facts, "target")]
