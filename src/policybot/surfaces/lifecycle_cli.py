"""``policybot status`` and ``policybot calendar``: statuses on a date, and the corpus calendar
as a table, JSON, CSV or an .ics file. Both read the index only (no model load)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policybot.config import Settings

if TYPE_CHECKING:  # loaded by the commands that use them: other commands start without FAISS
    from policybot.lifecycle.view import LifecycleView

__all__ = ["ENTRY_KINDS", "add_lifecycle_commands", "iso_day"]

#: ``lifecycle.calendar.EntryKind``'s values (a test keeps them equal): the parser is built by every
#: command, and the calendar module imports the whole genre layer
ENTRY_KINDS = ("deadline", "window", "milestone", "effective", "expiry")


def iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def _view(settings: Settings) -> LifecycleView:
    from policybot.lifecycle.view import lifecycle_view
    from policybot.store import open_store

    store = open_store(settings)
    try:
        return lifecycle_view(store.load())
    finally:
        store.close()


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.surfaces.lifecycle_routes import status_out

    life = _view(settings).lifecycle
    day = args.as_of or date.today()
    statuses = [s for s in life.statuses(day) if not args.doc or s.doc_id in args.doc]
    if args.json:
        print(json.dumps([status_out(s, life).model_dump() for s in statuses], ensure_ascii=False, indent=2))
        return 0
    for s in statuses:
        cited = s.facts[0].quote if s.facts else ""
        print(f"{s.doc_id}\t{s.status.value}\t{s.reason}\t{cited[:60]}")
    return 0


def cmd_calendar(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.lifecycle.calendar import CalendarQuery, EntryKind, select
    from policybot.lifecycle.export import entry_row, to_csv, to_ics

    day = args.as_of or date.today()
    kinds = tuple(EntryKind(k) for k in args.kind or ())
    query = CalendarQuery(args.start, args.end, day, args.open, args.within, tuple(args.doc or ()), args.issuer, kinds)
    entries = select(_view(settings).calendar, query)
    if args.format == "ics":
        _write(args.output, to_ics(entries))
    elif args.format == "csv":
        _write(args.output, to_csv(entries).encode("utf-8"))
    elif args.format == "json":
        rows: list[dict[str, Any]] = [{**entry_row(e), "open": e.is_open(day)} for e in entries]
        _write(args.output, json.dumps(rows, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    else:
        lines = []
        for e in entries:
            span = f"{e.start}~{e.end}" if e.start and e.start != e.end else f"{e.end}"
            mark = " [open]" if e.is_open(day) else ""
            lines.append(f"{span}\t{e.kind.value}{mark}\t{e.subject}\t{e.doc_id} › {e.section}")
        _write(args.output, ("\n".join(lines) + "\n").encode("utf-8") if lines else b"no entries\n")
    return 0


def _write(output: str | None, data: bytes) -> None:
    if output:
        Path(output).write_bytes(data)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def add_lifecycle_commands(sub: Any) -> None:
    s = sub.add_parser("status", help="each document's status (已废止/已失效/现行/未生效) on a date, cited")
    s.add_argument("--as-of", type=iso_day, help="the date (YYYY-MM-DD, default today)")
    s.add_argument("--doc", action="append", help="only this document id (repeatable)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)
    s = sub.add_parser("calendar", help="every deadline, window and milestone of the corpus")
    s.add_argument("--open", action="store_true", help="only deadlines and windows open on --as-of")
    s.add_argument("--within", type=int, metavar="DAYS", help="only entries ending in the next DAYS days")
    s.add_argument("--from", dest="start", type=iso_day, help="entries ending on or after (YYYY-MM-DD)")
    s.add_argument("--to", dest="end", type=iso_day, help="entries starting on or before (YYYY-MM-DD)")
    s.add_argument("--as-of", type=iso_day, help="the date 'open' and 'within' count from (default today)")
    s.add_argument("--doc", action="append", help="only this document id (repeatable)")
    s.add_argument("--issuer", help="only documents whose issuer contains this")
    s.add_argument("--kind", action="append", choices=ENTRY_KINDS)
    s.add_argument("--format", choices=["table", "json", "csv", "ics"], default="table")
    s.add_argument("-o", "--output", help="write to this file instead of stdout")
    s.set_defaults(func=cmd_calendar)
