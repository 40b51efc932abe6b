"""Metadata: document number, issuer, issue date and titles; sidecar overrides."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import docfiles
from policybot.errors import DocumentError
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.cleaning import clean
from policybot.ingest.loading import load
from policybot.ingest.metadata import (
    SIDECAR_FIELDS,
    apply_sidecar,
    extract_meta,
    read_sidecar,
    sidecar_path,
)
from policybot.ingest.pipeline import prepare_document
from policybot.records import DocumentMeta


def _meta(text: str) -> DocumentMeta:
    return extract_meta(text, doc_id="t", source="t.txt", fmt="txt", content_hash="h")


def _signed(date_line: str, issuer: str = "工业和信息化部办公厅") -> str:
    return (
        "关于开展2016年绿色工厂评价工作的通知\n工信厅节函〔2016〕5号\n"
        f"各有关单位：\n请认真组织实施。\n{issuer}\n{date_line}"
    )


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    target = tmp_path / "gxb-jie-2016-113.txt"
    shutil.copy(docfiles.seed_path(), target)
    return target


# --- from the text ----------------------------------------------------------------------------


def test_seed_metadata() -> None:
    loaded = load(docfiles.seed_path())
    meta = extract_meta(clean(loaded).text, doc_id="seed", source="s", fmt="txt", content_hash=loaded.raw_hash)
    assert meta.doc_number == "工信部节〔2016〕113号"
    assert meta.issuer == "工业和信息化部"
    assert meta.issue_date == "2016-03-24"
    assert meta.title == "关于印发《绿色制造2016专项行动实施方案》的通知"
    assert meta.short_title == "绿色制造2016专项行动实施方案"
    assert meta.doc_id == "seed" and meta.content_hash == loaded.raw_hash


def test_seed_metadata_through_prepare_document() -> None:
    meta = prepare_document(docfiles.seed_path(), ChunkSettings()).document.meta
    assert meta.doc_id == "gxb-jie-2016-113"
    assert (meta.doc_number, meta.issuer, meta.issue_date) == (
        "工信部节〔2016〕113号",
        "工业和信息化部",
        "2016-03-24",
    )


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("二〇一六年三月二十四日", "2016-03-24"),
        ("二零一六年十二月三十一日", "2016-12-31"),
        ("二〇一六年十月一日", "2016-10-01"),
        ("二〇二〇年二月二十日", "2020-02-20"),
        ("2016年3月24日", "2016-03-24"),
        ("2016 年 3 月 24 日", "2016-03-24"),
        ("二○一六年三月二十四日", "2016-03-24"),  # ○ (U+25CB), as many published PDFs write it
    ],
    ids=["cn", "cn-ling", "cn-shi", "cn-ershi", "arabic", "arabic-spaced", "cn-white-circle"],
)
def test_issue_dates(line: str, iso: str) -> None:
    meta = _meta(_signed(line))
    assert meta.issue_date == iso
    assert meta.issuer == "工业和信息化部办公厅"
    assert meta.doc_number == "工信厅节函〔2016〕5号"


def test_an_impossible_date_is_not_an_issue_date() -> None:
    assert _meta(_signed("2016年2月30日")).issue_date is None


def test_a_date_inside_a_sentence_is_not_the_issue_date() -> None:
    meta = _meta("关于开展评价工作的通知\n各有关单位：\n请于2016年5月1日前报送材料。\n工业和信息化部\n2016年3月24日")
    assert meta.issue_date == "2016-03-24"


def test_short_title_when_the_title_names_its_issuer_first() -> None:
    meta = _meta(
        "国务院关于印发《“十三五”节能减排综合工作方案》的通知\n国发〔2016〕74号\n请认真贯彻执行。\n国务院\n2016年12月20日"
    )
    assert meta.title == "国务院关于印发《“十三五”节能减排综合工作方案》的通知"
    assert meta.doc_number == "国发〔2016〕74号"
    assert meta.issuer == "国务院"
    assert meta.short_title == "“十三五”节能减排综合工作方案"


def test_no_short_title_for_a_plain_notice() -> None:
    meta = _meta(_signed("2016年3月24日"))
    assert meta.title == "关于开展2016年绿色工厂评价工作的通知"
    assert meta.short_title is None


# --- sidecars ---------------------------------------------------------------------------------


def test_json_sidecar_overrides(seed_copy: Path) -> None:
    sidecar = seed_copy.with_name("gxb-jie-2016-113.meta.json")
    sidecar.write_text(json.dumps({"doc_id": "green-2016", "issuer": "工业和信息化部节能与综合利用司"}), "utf-8")
    assert sidecar_path(seed_copy) == sidecar
    meta = prepare_document(seed_copy, ChunkSettings()).document.meta
    assert meta.doc_id == "green-2016"
    assert meta.issuer == "工业和信息化部节能与综合利用司"
    assert meta.doc_number == "工信部节〔2016〕113号"  # not overridden: read from the text
    assert meta.issue_date == "2016-03-24"


@pytest.mark.parametrize("suffix", [".meta.yaml", ".meta.yml"])
def test_yaml_sidecar_overrides(seed_copy: Path, suffix: str) -> None:
    sidecar = seed_copy.with_name("gxb-jie-2016-113" + suffix)
    sidecar.write_text("title: 绿色制造2016专项行动实施方案\nissue_date: 2016-03-25\ndoc_number: null\n", "utf-8")
    meta = prepare_document(seed_copy, ChunkSettings()).document.meta
    assert meta.title == "绿色制造2016专项行动实施方案"
    assert meta.issue_date == "2016-03-25"  # a YAML date comes back as ISO text
    assert meta.doc_number == "工信部节〔2016〕113号"  # null means "no override"


def test_editing_a_sidecar_changes_the_content_hash(seed_copy: Path) -> None:
    plain = prepare_document(seed_copy, ChunkSettings()).document.meta.content_hash
    seed_copy.with_name("gxb-jie-2016-113.meta.json").write_text('{"issuer": "某司"}', "utf-8")
    assert prepare_document(seed_copy, ChunkSettings()).document.meta.content_hash != plain


def test_empty_sidecar_changes_nothing(tmp_path: Path) -> None:
    sidecar = tmp_path / "x.meta.yaml"
    sidecar.write_text("", "utf-8")
    meta = _meta(_signed("2016年3月24日"))
    assert apply_sidecar(meta, read_sidecar(sidecar)) == meta


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.meta.json", '{"doc_id": "a", "author": "b"}', "author"),
        ("x.meta.yaml", "titel: 错别字\n", "titel"),
        ("x.meta.json", '{"doc_id": "a",', "cannot read"),
        ("x.meta.yaml", "title: [unclosed\n", "cannot read"),
        ("x.meta.yaml", "- a\n- b\n", "mapping"),
        ("x.meta.json", '"just a string"', "mapping"),
    ],
    ids=[
        "json-unknown",
        "yaml-unknown",
        "json-malformed",
        "yaml-malformed",
        "yaml-list",
        "json-string",
    ],
)
def test_bad_sidecar_is_a_document_error_naming_the_file(tmp_path: Path, name: str, content: str, message: str) -> None:
    sidecar = tmp_path / name
    sidecar.write_text(content, "utf-8")
    with pytest.raises(DocumentError, match=message) as info:
        read_sidecar(sidecar)
    assert name in str(info.value)


def test_unknown_sidecar_key_names_the_allowed_ones(tmp_path: Path) -> None:
    sidecar = tmp_path / "x.meta.json"
    sidecar.write_text('{"author": "b"}', "utf-8")
    with pytest.raises(DocumentError) as info:
        read_sidecar(sidecar)
    assert all(field in str(info.value) for field in SIDECAR_FIELDS)


def test_bad_sidecar_fails_prepare_document(seed_copy: Path) -> None:
    seed_copy.with_name("gxb-jie-2016-113.meta.json").write_text('{"publisher": "x"}', "utf-8")
    with pytest.raises(DocumentError, match=r"gxb-jie-2016-113\.meta\.json"):
        prepare_document(seed_copy, ChunkSettings())


def test_non_utf8_sidecar_is_a_document_error(tmp_path: Path) -> None:
    sidecar = tmp_path / "x.meta.yaml"
    sidecar.write_bytes("title: 绿色制造\n".encode("gbk"))
    with pytest.raises(DocumentError, match=r"x\.meta\.yaml"):
        read_sidecar(sidecar)


@pytest.mark.parametrize(
    ("value", "iso"),
    [("2016年3月24日", "2016-03-24"), ("2016/3/24", "2016-03-24"), ("soon", None)],
    ids=["cn-date", "slashes", "word"],
)
def test_sidecar_issue_date_must_be_iso(tmp_path: Path, value: str, iso: str | None) -> None:
    """``issue_date`` is ISO everywhere downstream (``embed_header`` slices the year, answers
    split it on "-"): a sidecar value is normalised to ISO or refused, never passed on as is."""
    sidecar = tmp_path / "x.meta.json"
    sidecar.write_text(json.dumps({"issue_date": value}, ensure_ascii=False), "utf-8")
    try:
        overrides = read_sidecar(sidecar)
    except DocumentError as exc:
        assert "x.meta.json" in str(exc)
        return
    assert overrides["issue_date"] == iso, f"non-ISO issue_date {overrides['issue_date']!r} accepted"


def test_a_cited_documents_number_is_not_the_documents_own() -> None:
    from policybot.ingest.metadata import extract_meta

    qa = (
        "财政部会计司2025年4月17日企业会计准则实施问答（4个）\n一、固定资产准则实施问答\n答：\n"
        "按照《企业会计准则第4号——固定资产》（财会〔2006〕3号，以下简称固定资产准则）并参考应用指南。\n"
    )
    assert extract_meta(qa, doc_id="q", source="q.txt", fmt="txt", content_hash="h").doc_number is None
    notice = "财政部 国家税务总局 科技部关于完善研究开发费用税前加计扣除政策的通知\n财税〔2015〕119号\n各省…：\n"
    assert (
        extract_meta(notice, doc_id="n", source="n.txt", fmt="txt", content_hash="h").doc_number == "财税〔2015〕119号"
    )


def test_a_numbered_announcements_own_number_is_its_doc_number() -> None:
    head = (
        "国家税务总局湖南省税务局公告2025年第2号\n\n关于制造业中小企业房产税和城镇土地使用税减征有关事项的公告\n为支持…"
    )
    meta = extract_meta(head, doc_id="d", source="d.txt", fmt="txt", content_hash="h")
    assert meta.doc_number == "国家税务总局湖南省税务局公告2025年第2号"
    cited = "某市关于落实研发费用加计扣除政策的通知\n根据国家税务总局公告2015年第97号，现就有关事项通知如下。"
    assert extract_meta(cited, doc_id="d", source="d.txt", fmt="txt", content_hash="h").doc_number is None


@pytest.mark.parametrize(
    ("signature", "issuer"),
    [
        # as cleaning leaves them: the full-width space between two issuers is gone
        ("江澜省科学技术厅江澜省财政厅", "江澜省科学技术厅 江澜省财政厅"),  # a province's joint 办法
        ("云溪市工业和信息化局云溪市财政局", "云溪市工业和信息化局 云溪市财政局"),  # a city's joint call
        ("临川市人民政府办公室", "临川市人民政府办公室"),
        ("财政部 国家税务总局 科技部", "财政部 国家税务总局 科技部"),
    ],
)
def test_joint_issuers_stay_apart(signature: str, issuer: str) -> None:
    meta = _meta(
        f"关于开展2025年度专项资金申报工作的通知\n各有关单位：\n现将有关事项通知如下。\n{signature}\n2025年4月8日"
    )
    assert meta.issuer == issuer


def test_a_qa_title_and_signers_on_a_line_each() -> None:
    meta = _meta(
        "东江省人力资源和社会保障厅\n东江省财政厅\n国家税务总局东江省税务局\n"
        "关于小微企业阶段性降费和缓缴社会保险费政策的问答\n东人社函〔2025〕47号\n1.问：哪些单位可以享受？\n答：小微企业。\n"
        "东江省人力资源和社会保障厅\n东江省财政厅\n国家税务总局东江省税务局\n2025年2月18日"
    )
    assert meta.title == "关于小微企业阶段性降费和缓缴社会保险费政策的问答"  # not its first issuer line
    assert meta.issuer == "东江省人力资源和社会保障厅 东江省财政厅 国家税务总局东江省税务局"  # every signer
