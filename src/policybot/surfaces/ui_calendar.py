"""The chat's calendar tab (it replaces the old deadlines tab): every deadline, window and
milestone of the corpus on one chart over time — a bar from start to end, a point for a single
day — the ones open on the chosen date in green, a red line at that date; filters for open now,
the next N days, document, issuer and kind; and the entries as a table.

The chart is drawn with matplotlib (no pyplot: figures are built per request, thread-safe) and
shown by ``gr.Plot`` as an image, so it needs nothing from the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

import gradio as gr

from policybot.lifecycle.calendar import CalendarEntry, CalendarQuery, EntryKind

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    from policybot.surfaces.api import BotHolder

__all__ = ["CHART_ROWS", "OPEN_COLOR", "calendar_figure", "calendar_summary", "calendar_tab"]

_KINDS = {"deadline": "截止", "window": "窗口", "milestone": "节点", "effective": "施行", "expiry": "到期"}
OPEN_COLOR = "#2f9e44"
_CALL_COLOR = "#74a9cf"  # a deadline or window not open on the day
_EVENT_COLOR = "#868e96"  # milestones, 施行 and 到期
_DAY_COLOR = "#e03131"
_MARKERS = {EntryKind.MILESTONE: "D", EntryKind.EFFECTIVE: ">", EntryKind.EXPIRY: "X"}
#: the chart shows the first rows (earliest first); the table below it has every entry
CHART_ROWS = 40
#: CJK labels: Debian's fonts-wqy-microhei (installed by .ci/system-deps.sh), else a Noto CJK font
_CJK = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")


@cache
def _font() -> FontProperties:
    """The CJK font for labels, looked up once (matplotlib loads on the first chart, not at start-up)."""
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    installed = {x.name for x in font_manager.fontManager.ttflist}
    return FontProperties(family=next((f for f in _CJK if f in installed), "sans-serif"))


def _color(e: CalendarEntry, as_of: date) -> str:
    if e.is_open(as_of):
        return OPEN_COLOR
    return _CALL_COLOR if e.kind in (EntryKind.DEADLINE, EntryKind.WINDOW) else _EVENT_COLOR


def _label(e: CalendarEntry) -> str:
    subject = e.subject if len(e.subject) <= 22 else e.subject[:21] + "…"
    return f"[{_KINDS[e.kind.value]}] {subject}"


def calendar_figure(entries: Sequence[CalendarEntry], as_of: date) -> Figure:
    """One row per entry (the first ``CHART_ROWS``, earliest first): a bar from its start to
    its end (a point for a single day), green when open on ``as_of``, a red line at ``as_of``."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    font = _font()
    shown = sorted(entries, key=lambda e: (e.start or e.end, e.end))[:CHART_ROWS]
    fig = Figure(figsize=(11, max(2.4, 0.3 * len(shown) + 1.4)), dpi=100)
    ax = fig.add_subplot()
    if not shown:
        ax.text(0.5, 0.5, "暂无日历条目", ha="center", va="center", transform=ax.transAxes, fontproperties=font)
        ax.set_axis_off()
        return fig
    for row, e in enumerate(shown):
        color = _color(e, as_of)
        if e.start is not None and e.start < e.end:
            width = (e.end + timedelta(days=1) - e.start).days
            ax.barh(row, width, left=date2num(e.start), height=0.6, color=color, gid=f"bar-{row}")
        else:
            marker = _MARKERS.get(e.kind, "o")
            ax.plot([date2num(e.end)], [row], marker=marker, markersize=8, color=color, gid=f"point-{row}")
    ax.axvline(float(date2num(as_of)), color=_DAY_COLOR, linewidth=1.5)
    ax.set_yticks(range(len(shown)), [_label(e) for e in shown], fontproperties=font, fontsize=9)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(axis="x", color="#e9ecef")
    legend = [
        Patch(color=OPEN_COLOR, label="开放中"),
        Patch(color=_CALL_COLOR, label="截止 / 窗口"),
        Patch(color=_EVENT_COLOR, label="节点 / 施行 / 到期"),
        Line2D([0], [0], color=_DAY_COLOR, label=f"所选日期 {as_of}"),
    ]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=4, frameon=False, prop=font)
    fig.tight_layout()
    return fig


def calendar_summary(entries: Sequence[CalendarEntry], as_of: date) -> str:
    """One line above the chart: how many entries, how many open on ``as_of``."""
    n_open = sum(e.is_open(as_of) for e in entries)
    more = f"（图中显示前 {CHART_ROWS} 项，表格列出全部）" if len(entries) > CHART_ROWS else ""
    return (
        f'<div class="pb-cal-summary">截至 {as_of}：共 <b>{len(entries)}</b> 项，'
        f'<span class="pb-cal-open">开放中 <b>{n_open}</b> 项</span>{more}</div>'
    )


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
            e.issuer or "",
            e.section,
        ]
        for e in entries
    ]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()) if text and text.strip() else date.today()
    except ValueError:
        raise gr.Error(f"“{text}”不是日期（YYYY-MM-DD）") from None


def calendar_tab(holder: BotHolder) -> tuple[Any, list[Any], list[Any]]:
    """The tab's inputs and outputs, and its refresh handler (for the tab's select event)."""
    with gr.Row():
        as_of = gr.Textbox(label="日期（YYYY-MM-DD，默认今天）", value="", elem_id="pb-cal-date", scale=2)
        open_only = gr.Checkbox(label="只看开放中的窗口和截止", value=False, elem_id="pb-cal-open", scale=1)
        within = gr.Number(label="未来 N 天内截止（0 = 不限）", value=0, minimum=0, precision=0, scale=1)
        refresh = gr.Button("刷新", elem_id="pb-cal-refresh", scale=1)
    with gr.Row():
        docs = gr.Dropdown(label="文件", choices=[], value=[], multiselect=True, elem_id="pb-cal-docs", scale=3)
        issuer = gr.Dropdown(label="发文单位", choices=[], value=None, elem_id="pb-cal-issuer", scale=2)
        kinds = gr.CheckboxGroup([(v, k) for k, v in _KINDS.items()], label="类型", value=[], scale=3)
    summary = gr.HTML(elem_id="pb-cal-summary")
    chart = gr.Plot(elem_id="pb-calendar", show_label=False)
    columns = ["状态", "类型", "开始", "结束", "事项", "原文时间", "文件", "发文单位", "出处章节"]
    table = gr.Dataframe(headers=columns, interactive=False, wrap=True, label="日历", elem_id="pb-cal-table")
    gr.Markdown("导出：`/api/calendar?format=ics`（Outlook 等日历可导入）、`format=csv`、`format=json`")

    def show(
        day: str, only_open: bool, days: float | None, doc_ids: list[str] | None, who: str | None, chosen: list[str]
    ) -> tuple[Any, ...]:
        when = _day(day)
        bot = holder.bot
        if bot is None or not bot.ready:
            return calendar_summary([], when), calendar_figure([], when), [], gr.update(), gr.update()
        query = CalendarQuery(
            as_of=when,
            open_only=only_open,
            within_days=int(days) if days else None,
            doc_ids=tuple(doc_ids or ()),
            issuer=who or None,
            kinds=tuple(EntryKind(k) for k in chosen),
        )
        entries = bot.calendar(query)
        everything = bot.lifecycle().calendar
        doc_choices = sorted({(e.doc_title, e.doc_id) for e in everything}, key=lambda x: x[1])
        issuers = sorted({e.issuer for e in everything if e.issuer})
        return (
            calendar_summary(entries, when),
            calendar_figure(entries, when),
            _rows(entries, when),
            gr.update(choices=doc_choices, value=list(doc_ids or [])),
            gr.update(choices=[("（全部）", "")] + [(x, x) for x in issuers], value=who or ""),
        )

    inputs = [as_of, open_only, within, docs, issuer, kinds]
    outputs = [summary, chart, table, docs, issuer]
    refresh.click(show, inputs, outputs, api_visibility="private")
    as_of.submit(show, inputs, outputs, api_visibility="private")
    return show, inputs, outputs
