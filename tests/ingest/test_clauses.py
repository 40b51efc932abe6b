"""Clauses, the units answers quote: sentences, ；-parts of long sentences, items, and 【…】 notes."""

from __future__ import annotations

from policybot.ingest.clauses import split_clauses
from policybot.records import Chunk


def _chunk(text: str) -> Chunk:
    return Chunk("c", "d", "文件", ("文件", "一、"), text, text, 0, len(text), 0)


def test_a_database_note_is_one_clause() -> None:
    note = (
        "【注：根据《国家税务总局公告2017年第40号》本文件第一条自2017年11月8日起同时废止。"
        "根据《国家税务总局公告2019年第41号》本文件第五条废止。】"
    )
    text = "企业应按规定归集研发费用。" + note + "本公告适用于2016年度及以后年度。"
    clauses = [c.text for c in split_clauses([_chunk(text)])]
    assert clauses == ["企业应按规定归集研发费用。", note, "本公告适用于2016年度及以后年度。"]


def test_sentences_and_long_semicolon_parts_are_clauses() -> None:
    long = (
        "违反本法规定，无偿向本单位职工提供能源或者对能源消费实行包费制的，由管理节能工作的部门责令限期改正；"
        "逾期不改正的，处五万元以上二十万元以下罚款，并由有关部门依法对直接负责的主管人员和其他直接责任人员给予处分。"
    )
    clauses = [c.text for c in split_clauses([_chunk("第七十七条。" + long)])]
    assert clauses[-2].endswith("责令限期改正；") and clauses[-1].startswith("逾期不改正的")
    assert [c.row for c in split_clauses([_chunk(long)], first_row=5)] == [5, 6]
