"""Calendar exports: the .ics round-trips through the icalendar library; the CSV through csv."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from icalendar import Calendar

from policybot.lifecycle.calendar import CalendarEntry, EntryKind
from policybot.lifecycle.export import CSV_FIELDS, to_csv, to_ics

ENTRIES = [
    CalendarEntry(
        EntryKind.DEADLINE, "dongguan", "“机器人”专项资金申报", None, "申报资料报送至市经信局",
        "于2016年5月20日（周五）前",
        date(2016, 4, 1), date(2016, 5, 20), "申报单位将申报资料一式三份于2016年5月20日（周五）前报送至市经信局。",
        "四、报送要求", "c1",
    ),
    CalendarEntry(
        EntryKind.WINDOW, "dongguan", "“机器人”专项资金申报", None, "计划购置的机器人设备", "2016年5月1日至10月31日",
        date(2016, 5, 1), date(2016, 10, 31), "2016年5月1日至10月31日计划购置的机器人设备，", "三、申报资料", "c2",
    ),
    CalendarEntry(
        EntryKind.MILESTONE, "gxb", "绿色制造2016专项行动实施方案", "工业和信息化部", "组织开展节能监察", "三季度",
        date(2016, 7, 1), date(2016, 9, 30), "──组织开展节能监察和跨区域专项督查。（三季度）", "五、进度安排", "c3",
    ),
]  # fmt: skip


def test_ics_round_trips_through_icalendar() -> None:
    data = to_ics(ENTRIES)
    cal = Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(ENTRIES)
    for event, entry in zip(events, ENTRIES, strict=True):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        first = entry.end if entry.kind is EntryKind.DEADLINE else entry.start
        assert (start, end) == (first, entry.end + timedelta(days=1))
        assert entry.subject in str(event["summary"]) and entry.quote in str(event["description"])
    assert len({str(e["uid"]) for e in events}) == len(ENTRIES)
    assert to_ics(list(reversed(ENTRIES))).count(b"BEGIN:VEVENT") == 3
    assert Calendar.from_ical(to_ics(ENTRIES)).to_ical().count(b"UID:") == 3  # re-serialises


def test_csv_round_trips() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(ENTRIES))))
    assert tuple(rows[0]) == CSV_FIELDS
    assert [(r["kind"], r["start"], r["end"]) for r in rows] == [
        ("deadline", "2016-04-01", "2016-05-20"),
        ("window", "2016-05-01", "2016-10-31"),
        ("milestone", "2016-07-01", "2016-09-30"),
    ]
    assert rows[2]["issuer"] == "工业和信息化部" and rows[0]["issuer"] == ""
