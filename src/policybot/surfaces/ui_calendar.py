"""The chat's calendar tab: every deadline, window and milestone of the corpus on one timeline
(a bar per entry, positioned by date), the ones open on the chosen date marked, with filters."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import gradio as gr

from policybot.lifecycle.calendar import CalendarEntry, CalendarQuery, EntryKind

if TYPE_CHECKING:
    from policybot.surfaces.api import BotHolder

__all__ = ["calendar_html", "calendar_tab"]

_KINDS = {"deadline": "截止", "window": "窗口", "milestone": "节点", "effective": "施行", "expiry": "到期"}
_STYLE = (
    "<style>.pb-cal{font-size:13px}.pb-cal-row{display:flex;align-items:center;margin:2px 0}"
    ".pb-cal-label{width:34%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;padding-right:6px}"
    ".pb-cal-track{position:relative;flex:1;height:14px;background:#f1f3f5;border-radius:3px}"
    ".pb-cal-bar{position:absolute;top:2px;height:10px;min-width:4px;border-radius:3px;background:#8aa4c8}"
    ".pb-cal-row.pb-open .pb-cal-bar{background:#2f9e44}.pb-cal-row.pb-open .pb-cal-label{font-weight:bold}"
    ".pb-cal-axis{display:flex;justify-content:space-between;margin-left:34%;color:#666}"
    ".pb-cal-today{position:absolute;top:-2px;bottom:-2px;width:2px;background:#e03131}</style>"
)


def calendar_html(entries: Sequence[CalendarEntry], as_of: date) -> str:
    """One row per entry: its label, and a bar from its start to its end on a shared time axis;
    rows open on ``as_of`` are green and marked 开放中, and a red line shows ``as_of``."""
    if not entries:
        return '<div class="pb-cal"><p>暂无日历条目</p></div>'
    first = min(e.start or e.end for e in entries)
    last = max(e.end for e in entries)
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return round(100 * min(max((day - first).days, 0), span) / span, 2)

    rows = [_STYLE, '<div class="pb-cal">']
    rows.append(f'<div class="pb-cal-axis"><span>{first}</span><span>{last}</span></div>')
    for e in entries:
        is_open = e.is_open(as_of)
        left, right = x(e.start or e.end), x(e.end)
        label = f"[{_KINDS[e.kind.value]}] {e.subject}"
        mark = " · 开放中" if is_open else ""
        today = f'<div class="pb-cal-today" style="left:{x(as_of)}%"></div>' if first <= as_of <= last else ""
        rows.append(
            f'<div class="pb-cal-row{" pb-open" if is_open else ""}" title="{html.escape(e.quote)}">'
            f'<div class="pb-cal-label">{html.escape(label)}{mark}</div><div class="pb-cal-track">{today}'
            f'<div class="pb-cal-bar" style="left:{left}%;width:{max(right - left, 0.5)}%"></div></div></div>'
        )
    rows.append("</div>")
    return "".join(rows)


def _rows(entries: Sequence[CalendarEntry], as_of: date) -> list[list[Any]]:
    return [
        [
            "开放中" if e.is_open(as_of) else "",
            _KINDS[e.kind.value],
            str(e.start or ""),
            str(e.end),
            e.subject,
            e.when,
            e.doc_id,
            e.section,
        ]
        for e in entries
    ]


def calendar_tab(holder: BotHolder) -> tuple[Any, list[Any], Any]:
    """The tab's inputs and outputs, and its refresh handler (for the tab's select event)."""
    with gr.Row():
        as_of = gr.Textbox(label="日期（YYYY-MM-DD，默认今天）", value="", elem_id="pb-cal-date", scale=2)
        open_only = gr.Checkbox(label="只看开放中的窗口和截止", value=False, elem_id="pb-cal-open", scale=1)
        kinds = gr.CheckboxGroup([(v, k) for k, v in _KINDS.items()], label="类型", value=[], scale=3)
        refresh = gr.Button("刷新", elem_id="pb-cal-refresh", scale=1)
    chart = gr.HTML(elem_id="pb-calendar")
    columns = ["状态", "类型", "开始", "结束", "事项", "原文时间", "文件", "出处章节"]
    table = gr.Dataframe(headers=columns, interactive=False, wrap=True, label="日历")
    gr.Markdown("导出：`/api/calendar?format=ics`（Outlook 等日历可导入）、`format=csv`、`format=json`")

    def show(day: str, only_open: bool, chosen: list[str]) -> tuple[str, list[list[Any]]]:
        try:
            when = date.fromisoformat(day.strip()) if day and day.strip() else date.today()
        except ValueError:
            raise gr.Error(f"“{day}”不是日期（YYYY-MM-DD）") from None
        bot = holder.bot
        if bot is None or not bot.ready:
            return calendar_html([], when), []
        query = CalendarQuery(as_of=when, open_only=only_open, kinds=tuple(EntryKind(k) for k in chosen))
        entries = bot.calendar(query)
        return calendar_html(entries, when), _rows(entries, when)

    inputs, outputs = [as_of, open_only, kinds], [chart, table]
    refresh.click(show, inputs, outputs, api_visibility="private")
    as_of.submit(show, inputs, outputs, api_visibility="private")
    return show, inputs, outputs
