"""``/api/status`` and ``/api/calendar``: documents' statuses on a date, and one calendar of the
corpus as JSON, CSV or an .ics file."""

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from policybot.errors import NotFoundError
from policybot.lifecycle.calendar import CalendarEntry, CalendarQuery, EntryKind
from policybot.lifecycle.links import Lifecycle
from policybot.lifecycle.model import DocStatus, LifecycleFact
from policybot.service import PolicyBot
from policybot.surfaces.schemas import CalendarEntryOut, DocStatusOut, LifecycleFactOut, LinkOut

if TYPE_CHECKING:
    from policybot.surfaces.api import BotHolder

__all__ = ["add_lifecycle_routes", "calendar_out", "status_out"]


def fact_out(f: LifecycleFact) -> LifecycleFactOut:
    return LifecycleFactOut(
        kind=f.kind.value,
        value=f.value,
        on=f.on.isoformat() if f.on else None,
        until=f.until.isoformat() if f.until else None,
        refs=[r.label for r in f.refs],
        section=f.section,
        quote=f.quote,
        from_sidecar=f.from_sidecar,
    )


def status_out(s: DocStatus, life: Lifecycle) -> DocStatusOut:
    doc = life.documents[s.doc_id]
    links = life.links_from(s.doc_id) + life.links_to(s.doc_id)
    return DocStatusOut(
        doc_id=s.doc_id,
        title=doc.meta.title,
        status=s.status.value,
        as_of=s.as_of.isoformat(),
        reason=s.reason,
        effective=s.effective.isoformat() if s.effective else None,
        expires=s.expires.isoformat() if s.expires else None,
        replaced_by=list(s.replaced_by),
        facts=[fact_out(f) for f in s.facts],
        links=[LinkOut(kind=lk.kind.value, source=lk.source, target=lk.target) for lk in links],
    )


def calendar_out(e: CalendarEntry, as_of: date) -> CalendarEntryOut:
    return CalendarEntryOut(
        kind=e.kind.value,
        start=e.start.isoformat() if e.start else None,
        end=e.end.isoformat(),
        open=e.is_open(as_of),
        subject=e.subject,
        when=e.when,
        doc_id=e.doc_id,
        doc_title=e.doc_title,
        issuer=e.issuer,
        section=e.section,
        quote=e.quote,
    )


def _check_docs(bot: PolicyBot, doc_ids: list[str]) -> None:
    known = {d.meta.doc_id for d in bot.documents()}
    unknown = [d for d in doc_ids if d not in known]
    if unknown:
        raise NotFoundError(f"unknown document(s): {', '.join(unknown)}")


_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the entries as JSON, or a CSV or iCalendar file (format=csv|ics)",
        "content": {"text/csv": {}, "text/calendar": {}},
    },
    404: {"description": "unknown document"},
}
_UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"description": "unknown document"}}


def add_lifecycle_routes(r: APIRouter, holder: "BotHolder") -> None:
    Bot = Annotated[PolicyBot, Depends(holder.dependency)]
    AsOf = Annotated[date | None, Query(description="the date statuses and open windows are for (default today)")]
    Docs = Annotated[list[str], Query(alias="doc", description="only these doc_ids (repeatable)")]

    @r.get("/status", response_model=list[DocStatusOut], summary="documents' statuses on a date", responses=_UNKNOWN)
    def status(bot: Bot, as_of: AsOf = None, doc_ids: Docs = []) -> list[DocStatusOut]:  # noqa: B006
        _check_docs(bot, doc_ids)
        life = bot.lifecycle().lifecycle
        day = as_of or date.today()
        return [status_out(s, life) for s in life.statuses(day) if not doc_ids or s.doc_id in doc_ids]

    @r.get("/calendar", response_model=list[CalendarEntryOut], summary="one calendar of the corpus", responses=_FILES)
    def calendar(
        bot: Bot,
        start: Annotated[date | None, Query(alias="from", description="entries ending on or after")] = None,
        end: Annotated[date | None, Query(alias="to", description="entries starting on or before")] = None,
        format: Literal["json", "csv", "ics"] = "json",
        open: Annotated[bool, Query(description="only deadlines and windows open on as_of")] = False,
        within_days: Annotated[int | None, Query(ge=0, le=3660, description="ending in the next N days")] = None,
        doc_ids: Docs = [],  # noqa: B006
        issuer: str | None = None,
        kind: Annotated[list[Literal["deadline", "window", "milestone", "effective", "expiry"]], Query()] = [],  # noqa: B006
        as_of: AsOf = None,
    ) -> Any:
        _check_docs(bot, doc_ids)
        day = as_of or date.today()
        query = CalendarQuery(
            start, end, day, open, within_days, tuple(doc_ids), issuer, tuple(EntryKind(k) for k in kind)
        )
        entries = bot.calendar(query)
        if format == "csv":  # the exporters import icalendar (0.1-0.3 s): at first use, not at start-up
            from policybot.lifecycle.export import to_csv

            return Response(to_csv(entries), media_type="text/csv; charset=utf-8")
        if format == "ics":
            from policybot.lifecycle.export import to_ics

            headers = {"Content-Disposition": 'attachment; filename="policybot.ics"'}
            return Response(to_ics(entries), media_type="text/calendar; charset=utf-8", headers=headers)
        return [calendar_out(e, day) for e in entries]
