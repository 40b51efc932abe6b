"""One calendar across the corpus: every deadline, application window and milestone of every
document on one timeline, each with its normalised date range, its document and its citation.

Entries come from the schedule items' time tags (二季度, already extracted at ingest), from the
time expressions of the text (7月21日前, 2016年12月31日17:30前, 8月7日至9月8日, 2018年12月底前,
到2020年), and from the lifecycle (takes effect, expires).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from policybot.genre import TimeKind, find_times
from policybot.ingest.chunking import split_sentences
from policybot.lifecycle.dates import parse_span, quarter_span, year_of
from policybot.lifecycle.links import Lifecycle
from policybot.lifecycle.model import FactKind, LifecycleFact
from policybot.records import Chunk, Document, Fact

__all__ = ["CalendarEntry", "CalendarQuery", "EntryKind", "build_calendar", "closing_dates", "select", "text_calendar"]


class EntryKind(Enum):
    DEADLINE = "deadline"  # 7月21日前, 2018年12月底前
    WINDOW = "window"  # 8月7日至9月8日
    MILESTONE = "milestone"  # a schedule item's quarter, 到2020年
    EFFECTIVE = "effective"  # the document takes effect
    EXPIRY = "expiry"  # the document stops applying


@dataclass(frozen=True)
class CalendarEntry:
    """``start``..``end`` (inclusive); a deadline starts when its document was issued, if known."""

    kind: EntryKind
    doc_id: str
    doc_title: str
    issuer: str | None
    subject: str
    when: str  # as written
    start: date | None
    end: date
    quote: str
    section: str
    chunk_id: str

    def is_open(self, day: date) -> bool:
        """A deadline or window on ``day``; a deadline of an undated document counts as open
        from 1 January of its year."""
        first = self.start or self.end.replace(month=1, day=1)
        return self.kind in (EntryKind.DEADLINE, EntryKind.WINDOW) and first <= day <= self.end


@dataclass(frozen=True)
class CalendarQuery:
    """Filters; every one that is set must hold. ``within_days`` keeps entries ending in the
    next N days from ``as_of``; ``open_only`` the deadlines and windows open on ``as_of``."""

    start: date | None = None
    end: date | None = None
    as_of: date | None = None
    open_only: bool = False
    within_days: int | None = None
    doc_ids: tuple[str, ...] = ()
    issuer: str | None = None
    kinds: tuple[EntryKind, ...] = field(default=())


def select(entries: Sequence[CalendarEntry], query: CalendarQuery) -> list[CalendarEntry]:
    day = query.as_of or date.today()
    horizon = date.max
    if query.within_days is not None and (date.max - day).days > query.within_days:
        horizon = day + timedelta(days=query.within_days)
    out = []
    for e in entries:
        first = e.start or e.end
        if (query.start and e.end < query.start) or (query.end and first > query.end):
            continue
        if query.open_only and not e.is_open(day):
            continue
        if query.within_days is not None and not day <= e.end <= horizon:
            continue
        if query.doc_ids and e.doc_id not in query.doc_ids:
            continue
        if query.issuer and query.issuer not in (e.issuer or ""):
            continue
        if query.kinds and e.kind not in query.kinds:
            continue
        out.append(e)
    return out


_KINDS = {
    TimeKind.DEADLINE: EntryKind.DEADLINE,
    TimeKind.WINDOW: EntryKind.WINDOW,
    TimeKind.TARGET_YEAR: EntryKind.MILESTONE,
}
_HAS_DAY_OR_MONTH = re.compile(r"月|年底|年末|\d{4}年$|\d{4}年(?:底|末)")


def _mask(text: str) -> str:
    return re.sub(r"《[^》]*》", lambda m: " " * len(m.group(0)), text)


def _clause(sentence: str, start: int, end: int) -> str:
    left = max(sentence.rfind(c, 0, start) for c in "，。；：") + 1
    stops = [i for i in (sentence.find(c, end) for c in "，。；") if i >= 0]
    clause = sentence[left : min(stops) if stops else len(sentence)].strip(" ─—-•·（）()")
    if len(clause) <= end - start + 2 and stops:  # only the time: what follows says what is due
        rest = sentence[min(stops) + 1 :]
        cut = [i for i in (rest.find(c) for c in "。；") if i >= 0]
        clause = rest[: min(cut) if cut else len(rest)].strip() or clause
    return clause[:80]


def _doc_year(doc: Document) -> int | None:
    return year_of(doc.meta.short_title or "") or year_of(doc.meta.title) or year_of(doc.meta.issue_date or "")


def _issued(doc: Document) -> date | None:
    return date.fromisoformat(doc.meta.issue_date) if doc.meta.issue_date else None


def _text_entries(doc: Document, chunks: Sequence[Chunk]) -> list[CalendarEntry]:
    out: list[CalendarEntry] = []
    default = _doc_year(doc)
    for chunk in chunks:
        for a, b in split_sentences(chunk.text):
            sentence = chunk.text[a:b].strip()
            masked = _mask(sentence)
            context = year_of(masked) or default
            for t in find_times(masked):
                kind = _KINDS.get(t.kind)
                if kind is None or (kind is not EntryKind.MILESTONE and not _HAS_DAY_OR_MONTH.search(t.text)):
                    continue
                if "每" in masked[max(0, t.start - 3) : t.start]:
                    continue  # a yearly deadline (每年3月底前) has no one date
                entry = _entry(doc, chunk, sentence, kind, t.text, t.start, t.end, context)
                if entry is not None:
                    out.append(entry)
    return out


def _entry(
    doc: Document, chunk: Chunk, sentence: str, kind: EntryKind, text: str, a: int, b: int, year: int | None
) -> CalendarEntry | None:
    start: date | None
    if kind is EntryKind.WINDOW:
        parts = re.split(r"至|到|—|－|~|～|-(?!\d{1,2}-)", text, maxsplit=1)
        first = parse_span(parts[0], year)
        last = parse_span(parts[-1], first[0].year if first else year)
        if not first or not last or last[1] < first[0]:
            return None
        start, end = first[0], last[1]
    else:
        span = parse_span(re.sub(r"^(?:到|至)", "", text), year)
        if span is None:
            return None
        start, end = (span[0] if kind is EntryKind.MILESTONE else _issued(doc)), span[1]
        start = start if start is None or start <= end else None
    subject = _clause(sentence, a, b)
    return CalendarEntry(
        kind,
        doc.meta.doc_id,
        doc.meta.title,
        doc.meta.issuer,
        subject,
        text,
        start,
        end,
        sentence,
        chunk.section,
        chunk.id,
    )


def _schedule_entries(doc: Document, facts: Sequence[Fact], by_id: Mapping[str, Chunk]) -> list[CalendarEntry]:
    out = []
    for fact in facts:
        m = re.fullmatch(r"(\d{4})-Q([1-4])", fact.normalized or "")
        chunk = by_id.get(fact.chunk_id)
        if fact.type != "deadline" or not m or chunk is None or not re.search(rf"[（(]{fact.value}[）)]", fact.quote):
            continue  # only a schedule item's own time tag (──…（二季度）) is a milestone
        start, end = quarter_span(int(m.group(1)), int(m.group(2)))
        out.append(
            CalendarEntry(
                EntryKind.MILESTONE,
                doc.meta.doc_id,
                doc.meta.title,
                doc.meta.issuer,
                fact.subject,
                fact.value,
                start,
                end,
                fact.quote,
                fact.section,
                fact.chunk_id,
            )
        )
    return out


def closing_dates(entries: Sequence[CalendarEntry], documents: Mapping[str, Document]) -> dict[str, LifecycleFact]:
    """The last deadline or window of each call for applications (it expires with them)."""
    out: dict[str, LifecycleFact] = {}
    for e in entries:
        doc = documents.get(e.doc_id)
        if doc is None or doc.meta.genre != "call" or e.kind not in (EntryKind.DEADLINE, EntryKind.WINDOW):
            continue
        last = out.get(e.doc_id)
        if last is None or (last.until and last.until < e.end):
            out[e.doc_id] = LifecycleFact(
                FactKind.EXPIRES, e.doc_id, e.when, e.quote, e.section, e.chunk_id, until=e.end
            )
    return out


def text_calendar(
    documents: Mapping[str, Document], chunks: Sequence[Chunk], facts: Sequence[Fact]
) -> list[CalendarEntry]:
    """The entries the documents' texts and schedules give (no lifecycle entries)."""
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    by_id = {c.id: c for c in chunks}
    out: list[CalendarEntry] = []
    for doc_id, doc in documents.items():
        own = sorted(by_doc.get(doc_id, []), key=lambda c: c.start)
        entries = _schedule_entries(doc, [f for f in facts if f.doc_id == doc_id], by_id) + _text_entries(doc, own)
        seen: set[tuple[str, str, date, str]] = set()
        for e in entries:
            key = (e.chunk_id, e.when, e.end, e.quote)
            if key not in seen:
                seen.add(key)
                out.append(e)
    return out


def build_calendar(life: Lifecycle, text_entries: Sequence[CalendarEntry]) -> list[CalendarEntry]:
    """All entries, sorted by date: the texts' own and when each document takes effect or expires."""
    out = list(text_entries)
    for doc_id, doc in life.documents.items():
        on, fact = life.effective(doc_id)
        if on and fact and fact.chunk_id:
            out.append(
                _life_entry(
                    doc, EntryKind.EFFECTIVE, "施行", fact.value, on, on, fact.quote, fact.section, fact.chunk_id
                )
            )
        end, fact = life.expiry(doc_id)
        if end and fact and fact.chunk_id and fact is not life.closing.get(doc_id):
            out.append(
                _life_entry(
                    doc, EntryKind.EXPIRY, "到期", fact.value, fact.on, end, fact.quote, fact.section, fact.chunk_id
                )
            )
    out.sort(key=lambda e: (e.end, e.start or e.end, e.doc_id, e.subject))
    return out


def _life_entry(
    doc: Document,
    kind: EntryKind,
    subject: str,
    when: str,
    start: date | None,
    end: date,
    quote: str,
    section: str,
    chunk_id: str,
) -> CalendarEntry:
    name = doc.meta.short_title or doc.meta.title
    return CalendarEntry(
        kind,
        doc.meta.doc_id,
        doc.meta.title,
        doc.meta.issuer,
        f"《{name.strip('《》')}》{subject}",
        when,
        start,
        end,
        quote,
        section,
        chunk_id,
    )
