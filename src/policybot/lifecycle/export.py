"""Calendar exports: JSON rows, CSV, and iCalendar (.ics) written with the icalendar library so
Outlook, Google and Apple calendars import it."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event

from policybot.lifecycle.calendar import CalendarEntry, EntryKind

__all__ = ["CSV_FIELDS", "entry_row", "to_csv", "to_ics"]

CSV_FIELDS = (
    "kind",
    "start",
    "end",
    "subject",
    "when",
    "doc_id",
    "doc_title",
    "issuer",
    "section",
    "quote",
    "chunk_id",
)
_KIND_ZH = {
    EntryKind.DEADLINE: "截止",
    EntryKind.WINDOW: "申报/办理期",
    EntryKind.MILESTONE: "节点",
    EntryKind.EFFECTIVE: "施行",
    EntryKind.EXPIRY: "到期",
}


def entry_row(entry: CalendarEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind.value,
        "start": entry.start.isoformat() if entry.start else None,
        "end": entry.end.isoformat(),
        "subject": entry.subject,
        "when": entry.when,
        "doc_id": entry.doc_id,
        "doc_title": entry.doc_title,
        "issuer": entry.issuer,
        "section": entry.section,
        "quote": entry.quote,
        "chunk_id": entry.chunk_id,
    }


def to_csv(entries: Sequence[CalendarEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for entry in entries:
        writer.writerow({k: ("" if v is None else v) for k, v in entry_row(entry).items()})
    return buffer.getvalue()


def _uid(entry: CalendarEntry) -> str:
    key = f"{entry.doc_id}|{entry.chunk_id}|{entry.kind.value}|{entry.when}|{entry.end}"
    return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}@policybot"


def to_ics(entries: Sequence[CalendarEntry], *, stamp: datetime | None = None) -> bytes:
    """An iCalendar file: one all-day event per entry (a deadline on its last day, a window or
    quarter over its whole range), the quote and document in the description."""
    cal = Calendar()
    cal.add("prodid", "-//policybot//policy calendar//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "政策日历 policybot")
    now = stamp or datetime.now(UTC)
    for entry in entries:
        event = Event()
        first = entry.start if entry.kind in (EntryKind.WINDOW, EntryKind.MILESTONE) and entry.start else entry.end
        event.add("uid", _uid(entry))
        event.add("dtstamp", now)
        event.add("dtstart", first)
        event.add("dtend", entry.end + timedelta(days=1))  # exclusive, as RFC 5545 wants for dates
        event.add("summary", f"【{_KIND_ZH[entry.kind]}】{entry.subject}")
        event.add("description", f"{entry.when}\n{entry.quote}\n—— {entry.doc_title} › {entry.section}")
        event.add("categories", [entry.kind.value])
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
