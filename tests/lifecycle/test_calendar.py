"""One calendar across the corpus: entries from schedule tags, deadlines, windows and target
years of several real documents, their normalised ranges, and the filters."""

from __future__ import annotations

from datetime import date

import pytest

from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import prepare_document
from policybot.lifecycle.calendar import (
    CalendarEntry,
    CalendarQuery,
    EntryKind,
    build_calendar,
    closing_dates,
    select,
    text_calendar,
)
from policybot.lifecycle.links import build_lifecycle
from policybot.records import Chunk, Document, Fact
from support import ROOT

NAMES = ("dongguan-robot-fund-2016", "dongguan-doubling-2016", "guobanhan-2018-71", "gxb-jie-2016-113", "guofa-2018-42")
NAMES += ("caishui-2015-119", "guokefazheng-2017-115")


@pytest.fixture(scope="module")
def entries() -> list[CalendarEntry]:
    documents: dict[str, Document] = {}
    chunks: list[Chunk] = []
    facts: list[Fact] = []
    for name in NAMES:
        prepared = prepare_document(ROOT / "corpus" / f"{name}.txt", ChunkSettings())
        documents[name] = prepared.document
        chunks += prepared.chunks
        facts += prepared.facts
    found = text_calendar(documents, chunks, facts)
    life = build_lifecycle(documents, chunks, closing_dates(found, documents))
    return build_calendar(life, found)


def _find(entries: list[CalendarEntry], doc: str, when: str) -> CalendarEntry:
    return next(e for e in entries if e.doc_id == doc and when in e.when)


def test_deadlines_windows_quarters_and_target_years_are_normalised(entries: list[CalendarEntry]) -> None:
    deadline = _find(entries, "dongguan-robot-fund-2016", "2016年5月20日")
    assert (deadline.kind, deadline.end) == (EntryKind.DEADLINE, date(2016, 5, 20))
    window = _find(entries, "dongguan-robot-fund-2016", "2016年5月1日至10月31日")  # the year carries over
    assert (window.kind, window.start, window.end) == (EntryKind.WINDOW, date(2016, 5, 1), date(2016, 10, 31))
    month_end = _find(entries, "guobanhan-2018-71", "2018年12月底前")
    assert (month_end.start, month_end.end) == (date(2018, 10, 27), date(2018, 12, 31))  # from the issue date
    quarter = _find(entries, "gxb-jie-2016-113", "三季度")
    assert (quarter.kind, quarter.start, quarter.end) == (EntryKind.MILESTONE, date(2016, 7, 1), date(2016, 9, 30))
    target = _find(entries, "guofa-2018-42", "到2025年")
    assert target.end == date(2025, 12, 31)
    effective = _find(entries, "caishui-2015-119", "自2016年1月1日起执行")
    assert effective.kind is EntryKind.EFFECTIVE


def test_every_entry_is_cited_and_dated_in_order(entries: list[CalendarEntry]) -> None:
    assert all(e.chunk_id and e.quote and (e.start is None or e.start <= e.end) for e in entries)
    assert [e.end for e in entries] == sorted(e.end for e in entries)
    assert not any(e.doc_id == "dongguan-doubling-2016" and e.when == "三季度" for e in entries)  # 前三季度财务报表
    assert not any("3月底前" in e.when for e in entries)  # 每年3月底前 is yearly, not one date


def test_filters(entries: list[CalendarEntry]) -> None:
    day = date(2016, 5, 10)
    open_now = select(entries, CalendarQuery(as_of=day, open_only=True))
    assert {e.doc_id for e in open_now} == {"dongguan-robot-fund-2016"}
    assert date(2016, 5, 20) in {e.end for e in open_now}  # the undated call's deadline
    assert all(e.is_open(day) for e in open_now)
    soon = select(entries, CalendarQuery(as_of=day, within_days=15))
    assert [e.end for e in soon] == [date(2016, 5, 20)]
    by_issuer = select(entries, CalendarQuery(issuer="国务院办公厅"))
    assert by_issuer and {e.doc_id for e in by_issuer} == {"guobanhan-2018-71"}
    ranged = select(entries, CalendarQuery(start=date(2019, 1, 1), end=date(2019, 12, 31)))
    assert ranged and all(e.end >= date(2019, 1, 1) and (e.start or e.end) <= date(2019, 12, 31) for e in ranged)
    only = select(entries, CalendarQuery(doc_ids=("gxb-jie-2016-113",), kinds=(EntryKind.MILESTONE,)))
    assert len(only) >= 7 and all(e.kind is EntryKind.MILESTONE for e in only)
