"""Gradio chat: cited answers, a facts tab (table and quarter timeline) and a documents tab.

``build_ui(bot, settings)`` returns the ``gr.Blocks`` that ``server.create_app`` mounts at ``/``.
Labels are Chinese unless ``settings.ui_language == "en"``. Everything shown from the documents is
HTML-escaped; quoted figures and dates are wrapped in ``<mark>``.
"""

from __future__ import annotations

import html
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import HTTPException

from policybot.config import Settings
from policybot.errors import PolicybotError
from policybot.ingest.loading import SUPPORTED_SUFFIXES
from policybot.service import PolicyBot
from policybot.surfaces.api import (
    MAX_HISTORY,
    BotHolder,
    Guard,
    add_document,
    client_address,
    keys_match,
    list_documents,
    remove_document,
)
from policybot.surfaces.eligibility_ui import eligibility_tab
from policybot.surfaces.schemas import AnswerOut, CitationOut, FactOut, answer_out, fact_out, utf8_problem
from policybot.surfaces.ui_calendar import calendar_tab

log = logging.getLogger("policybot.ui")

__all__ = ["EXAMPLES", "UI_CSS", "build_ui", "corpus_examples", "highlight", "render_answer", "timeline_html"]

#: Example questions of the genre, shown until the corpus gives better ones (``corpus_examples``).
EXAMPLES = [
    "申报条件有哪些？",
    "申报截止日期是什么时候？",
    "这个办法什么时候开始施行？",
    "需要提交哪些申报材料？",
    "When does it take effect?",
]

# key: (中文, English)
_LABELS: dict[str, tuple[str, str]] = {
    "title": ("政策文件问答", "Policy document Q&A"),
    "intro": (
        "就已收录的政策文件提问，每个回答都注明出处章节。",
        "Ask about the indexed policy documents; every answer cites its sections.",
    ),
    "chat": ("问答", "Chat"),
    "question": ("问题", "Question"),
    "placeholder": (
        "例如：申报截止日期是什么时候？",
        "e.g. What is the application deadline?",
    ),
    "send": ("提问", "Ask"),
    "as_of": ("文件状态日期（YYYY-MM-DD，留空为今天）", "Document status as of (YYYY-MM-DD, empty: today)"),
    "bad_day": ("“{day}”不是日期，请写成 YYYY-MM-DD", "“{day}” is not a date: write YYYY-MM-DD"),
    "clear": ("清空", "Clear"),
    "examples": ("示例问题", "Example questions"),
    "sources": ("出处", "Sources"),
    "refused": ("文件未涉及", "Not covered by the documents"),
    "see_also": ("最接近的章节（仅供参考）", "Nearest sections (for reference)"),
    "facts": ("时间节点与目标", "Deadlines & targets"),
    "kind": ("类型", "Type"),
    "all": ("全部", "All"),
    "deadline": ("时间节点", "deadline"),
    "target": ("目标", "target"),
    "party": ("相关方", "party"),
    "value": ("内容", "Value"),
    "normalized": ("规范值", "Normalized"),
    "subject": ("事项", "About"),
    "section": ("出处章节", "Source section"),
    "doc": ("文件", "Document"),
    "timeline": ("按季度的时间线", "Timeline by quarter"),
    "no_dates": ("暂无时间节点", "No deadlines yet"),
    "documents": ("文件", "Documents"),
    "title_col": ("标题", "Title"),
    "number": ("文号", "Number"),
    "issuer": ("发文机关", "Issuer"),
    "date": ("日期", "Date"),
    "format": ("格式", "Format"),
    "chunks": ("分块数", "Chunks"),
    "warnings": ("提示", "Warnings"),
    "planted": ("⚠ 指令性文字，不作为答案：", "⚠ Text addressed to an assistant, never used as an answer: "),
    "admin_key": ("管理员密钥", "Admin key"),
    "upload": ("上传并索引", "Upload and index"),
    "file": ("文件（txt/md/pdf/docx/html）", "File (txt/md/pdf/docx/html)"),
    "remove": ("删除文件", "Remove document"),
    "doc_id": ("文件编号", "Document id"),
    "added": ("已添加：", "Added: "),
    "removed": ("已删除：", "Removed: "),
    "loading": ("正在加载索引，请稍候…", "Loading the index…"),
    "failed": (
        "出错了，未能回答这个问题；请稍后再试。",
        "Something went wrong; the question was not answered. Try again later.",
    ),
    "too_long": ("问题过长：最多 {n} 个字符。", "The question is too long: at most {n} characters."),
    "rate": ("提问过于频繁，请 {n} 秒后再试。", "Too many questions: try again in {n} s."),
    "bad_key": ("需要正确的管理员密钥", "A valid admin key is needed"),
    "no_admin": (
        "未配置管理员密钥（POLICYBOT_ADMIN_KEYS），不能上传或删除文件",
        "No admin keys are configured (POLICYBOT_ADMIN_KEYS): documents cannot be uploaded or removed",
    ),
    "no_file": ("请选择文件", "Choose a file"),
    "no_doc": ("请选择要删除的文件", "Choose a document"),
}
TEXT = {lang: {k: v[i] for k, v in _LABELS.items()} for i, lang in enumerate(("zh", "en"))}

UI_CSS = """
.pb-answer mark, .pb-timeline mark { background: #fde68a; color: inherit; padding: 0 .1em; }
.pb-cite { border-left: 3px solid #93c5fd; margin: .4em 0; padding: .1em .6em; }
.pb-cite summary { cursor: pointer; font-weight: 600; }
.pb-refused { border: 1px solid #f59e0b; background: #fffbeb; color: #92400e; border-radius: 6px;
  padding: .3em .6em; margin-bottom: .4em; font-weight: 600; }
.pb-quarter { display: flex; gap: .8em; align-items: flex-start; margin: .5em 0; }
.pb-quarter > b { min-width: 6em; }
.pb-bar { background: #60a5fa; height: .8em; border-radius: 3px; margin: .3em 0; }
.pb-item small { color: #6b7280; }
"""

_FIGURE = (
    r"\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?|[一二三四1-4]\s*季度|[上下]半年|年底|年内|"
    r"\d+(?:\.\d+)?\s*(?:%|％|万吨|吨|亿元|万元|元|万家|家|个|项|万|亿)?"
)


def highlight(text: str, values: Iterable[str] = ()) -> str:
    """``text`` HTML-escaped with figures, dates and the given values in ``<mark>``."""
    extra = sorted({re.escape(v) for v in values if v and v.strip()}, key=len, reverse=True)
    pattern = re.compile("|".join([*extra, _FIGURE]))
    out, last = [], 0
    for match in pattern.finditer(text):
        if not match.group(0).strip():
            continue
        out += [
            html.escape(text[last : match.start()]),
            f"<mark>{html.escape(match.group(0))}</mark>",
        ]
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _citation(ids: Sequence[int], c: CitationOut, values: Sequence[str], *, open_: bool = False) -> str:
    page = f" · p.{c.page}" if c.page else ""
    marks = "".join(f"[{i}]" for i in ids)
    return (
        f'<details class="pb-cite"{" open" if open_ else ""}><summary>{marks} {html.escape(c.doc_title)} › '
        f"{html.escape(c.section)}{page}</summary><blockquote>{highlight(c.quote, values)}"
        f"</blockquote><small>{html.escape(c.doc_id)} · {c.score:.2f}</small></details>"
    )


def _merged(cites: Sequence[CitationOut]) -> list[tuple[list[int], CitationOut]]:
    """Citations of the same quote of the same section shown once, with all their markers."""
    groups: dict[tuple[str, str, str], tuple[list[int], CitationOut]] = {}
    for c in cites:
        groups.setdefault((c.doc_id, c.section, c.quote), ([], c))[0].append(c.id)
    return list(groups.values())


_LIST_LINE = re.compile(r"^\s*(\d{1,2})[.．、]\s*(.*)$")


def _text_html(text: str) -> str:
    """The answer text as HTML: paragraphs, and numbered lines ("1. …") as an ordered list."""
    out, items = [], []
    for line in text.split("\n"):
        m = _LIST_LINE.match(line)
        if m:
            items.append(f"<li>{html.escape(m.group(2))}</li>")
            continue
        if items:
            out.append("<ol>" + "".join(items) + "</ol>")
            items = []
        if line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    if items:
        out.append("<ol>" + "".join(items) + "</ol>")
    return "".join(out)


def render_answer(out: AnswerOut, lang: str = "zh") -> str:
    """The chat message for an answer: text (lists as lists), then the citations as expandable
    quotes, the first one open; a refusal has a banner in the UI's language and its nearest sections."""
    t = TEXT[lang]
    values = [f.value for f in out.facts]
    parts = ['<div class="pb-answer">']
    if out.refused:
        parts.append(f'<div class="pb-refused">⚠ {t["refused"]}</div>')
    parts.append(_text_html(out.answer))
    cites, heading = (out.see_also, t["see_also"]) if out.refused else (out.citations, t["sources"])
    if cites:
        parts.append(f"<p><b>{heading}</b></p>")
        merged = _merged(cites)
        parts += [_citation(ids, c, values, open_=n == 0 and not out.refused) for n, (ids, c) in enumerate(merged)]
    parts.append("</div>")
    return "".join(parts)


def corpus_examples(bot: PolicyBot, limit: int = 5) -> list[str]:
    """Example questions from the loaded documents: when each takes effect or what it schedules,
    else the genre's own examples."""
    from policybot.genre import TimeKind, find_times

    out: list[str] = []
    for doc in bot.documents():
        name = (doc.meta.short_title or doc.meta.title).strip("《》")
        if any(t.kind is TimeKind.EFFECTIVE for t in find_times(doc.text)):
            out.append(f"《{name}》什么时候开始施行？")
            continue
        deadline = next((f for f in bot.facts("deadline", doc.meta.doc_id) if 4 <= len(f.subject) <= 24), None)
        if deadline is not None:
            out.append(f"“{deadline.subject}”安排在什么时候？")
    return (out + [q for q in EXAMPLES if q not in out])[:limit]


def timeline_html(facts: Sequence[FactOut], lang: str = "zh") -> str:
    """Deadlines grouped by quarter: a bar per quarter and each item with its source section."""
    t = TEXT[lang]
    quarters: dict[str, list[FactOut]] = defaultdict(list)
    for f in facts:
        if f.type == "deadline":
            quarters[f.normalized or f.value].append(f)
    if not quarters:
        return f'<div class="pb-timeline"><p>{t["no_dates"]}</p></div>'
    most = max(len(items) for items in quarters.values())
    rows = [f'<div class="pb-timeline"><h4>{t["timeline"]}</h4>']
    for quarter in sorted(quarters):
        items = quarters[quarter]
        entries = "".join(
            f'<li class="pb-item">{html.escape(f.subject)}：<mark>{html.escape(f.value)}</mark> '
            f"<small>{html.escape(f.doc_id)} › {html.escape(f.section)}</small></li>"
            for f in items
        )
        width = round(100 * len(items) / most)
        rows.append(
            f'<div class="pb-quarter"><b>{html.escape(quarter)}</b><div style="flex:1">'
            f'<div class="pb-bar" style="width:{width}%"></div><ul>{entries}</ul></div></div>'
        )
    rows.append("</div>")
    return "".join(rows)


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict) and p.get("type") == "text")


class _Handlers:
    """The UI's event handlers over the shared engine."""

    def __init__(self, holder: BotHolder, settings: Settings, guard: Guard | None = None) -> None:
        self.holder, self.settings = holder, settings
        self.guard = guard or Guard(settings)
        self.t = TEXT[settings.ui_language]

    def examples(self) -> list[str]:
        """The settings' example questions, else ones from the loaded corpus, else the genre's."""
        if self.settings.ui_examples:
            return list(self.settings.ui_examples)
        bot = self.holder.bot
        return corpus_examples(bot) if bot is not None and bot.ready else list(EXAMPLES)

    def bot(self) -> PolicyBot:
        if self.holder.bot is None:
            raise gr.Error(self.t["loading"])
        return self.holder.get()

    def ask(
        self, message: str, history: list[dict[str, Any]], as_of: str = "", request: gr.Request | None = None
    ) -> tuple[list[dict[str, Any]], str]:
        """One chat turn, under the API's limits: question length, history length, rate per client.
        ``as_of`` (YYYY-MM-DD, empty: today) is the day the cited documents' statuses are for."""
        question = (message or "").strip()
        if not question:
            return history, ""
        day = self._day(as_of)
        if len(question) > self.settings.max_question_chars:
            raise gr.Error(self.t["too_long"].format(n=self.settings.max_question_chars))
        self._count(request)
        history = history[-2 * MAX_HISTORY :]  # the oldest turns leave the chat, as in the API
        earlier = [_message_text(m) for m in history if m.get("role") == "user"]
        problem = next(filter(None, (utf8_problem(t) for t in (question, *earlier))), None)
        if problem:
            raise gr.Error(problem)
        try:
            out = answer_out(self.bot().ask(question, earlier, as_of=day))
        except PolicybotError as exc:
            raise gr.Error(exc.message) from exc
        except gr.Error:
            raise
        except Exception as exc:  # never a raw error in the chat: log it, say it plainly
            log.exception("chat question failed")
            raise gr.Error(self.t["failed"]) from exc
        reply = render_answer(out, self.settings.ui_language)
        return [
            *history,
            {"role": "user", "content": question},
            {"role": "assistant", "content": reply},
        ], ""

    def _day(self, text: str | None) -> date | None:
        text = (text or "").strip()
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            raise gr.Error(self.t["bad_day"].format(day=text[:40])) from None

    def _count(self, request: gr.Request | None) -> None:
        host = request.client.host if request is not None and request.client is not None else None
        try:
            self.guard.limiter.check(client_address(host))
        except HTTPException as exc:
            raise gr.Error(self.t["rate"].format(n=(exc.headers or {}).get("Retry-After", "60"))) from exc

    def facts(self, kind: str) -> tuple[list[list[Any]], str]:
        bot = self.holder.bot
        if bot is None or not bot.ready:
            return [], timeline_html([], self.settings.ui_language)
        facts = [fact_out(f) for f in bot.facts(kind if kind in ("deadline", "target", "party") else None)]
        rows = [[self.t[f.type], f.value, f.normalized or "", f.subject, f.section, f.doc_id] for f in facts]
        return rows, timeline_html(facts, self.settings.ui_language)

    def documents(self) -> tuple[list[list[Any]], Any]:
        bot = self.holder.bot
        docs = list_documents(bot) if bot is not None else []
        rows = [
            [
                d.doc_id,
                d.title,
                d.doc_number or "",
                d.issuer or "",
                d.issue_date or "",
                d.format,
                d.chunks,
                "\n".join(self.t["planted"] + p for p in d.planted_text),
            ]
            for d in docs
        ]
        return rows, gr.update(choices=[d.doc_id for d in docs], value=None)

    def _admin(self, key: str) -> None:
        """The API's rule: admin keys when set; with API keys but no admin keys, no writes at all."""
        if self.settings.admin_keys:
            if not keys_match(key or "", self.settings.admin_keys):
                raise gr.Error(self.t["bad_key"])
        elif self.settings.api_keys:
            raise gr.Error(self.t["no_admin"])

    def upload(self, file: str | None, key: str) -> tuple[str, list[list[Any]], Any]:
        self._admin(key)
        if not file:
            raise gr.Error(self.t["no_file"])
        path = Path(file)
        try:
            doc = add_document(self.bot(), self.settings, path.name, path.read_bytes())
        except PolicybotError as exc:
            raise gr.Error(exc.message) from exc
        return (self.t["added"] + f"{doc.doc_id} ({doc.title})", *self.documents())

    def remove(self, doc_id: str | None, key: str) -> tuple[str, list[list[Any]], Any]:
        self._admin(key)
        if not doc_id:
            raise gr.Error(self.t["no_doc"])
        try:
            removed = remove_document(self.bot(), self.settings, doc_id)
        except PolicybotError as exc:
            raise gr.Error(exc.message) from exc
        return (self.t["removed"] + ", ".join(removed.removed), *self.documents())


def build_ui(bot: PolicyBot | BotHolder, settings: Settings, guard: Guard | None = None) -> gr.Blocks:
    """The chat, facts and documents tabs over one shared engine (and the API's ``guard``)."""
    holder = bot if isinstance(bot, BotHolder) else BotHolder(bot)
    h = _Handlers(holder, settings, guard)
    private: dict[str, Any] = {"api_visibility": "private"}
    with gr.Blocks(title=f"policybot · {h.t['title']}", analytics_enabled=False) as demo:
        gr.Markdown(f"## {h.t['title']}\n{h.t['intro']}")
        with gr.Tab(h.t["chat"]):
            _chat_tab(h)
        with gr.Tab("政策日历" if settings.ui_language == "zh" else "Calendar") as calendar:
            show, cal_inputs, cal_outputs = calendar_tab(holder)  # the deadlines tab became the calendar
            with gr.Accordion(h.t["facts"], open=False, elem_id="pb-facts-panel"):
                kind, facts = _facts_tab(h)
            calendar.select(show, cal_inputs, cal_outputs, **private)
        with gr.Tab("资格自查" if settings.ui_language == "zh" else "Eligibility self-check"):
            eligibility_tab(h.bot)
        with gr.Tab(h.t["documents"]) as docs_tab:
            docs = _documents_tab(h)
            docs_tab.select(h.documents, None, docs, **private)
        demo.load(h.facts, kind, facts, **private)
        demo.load(h.documents, None, docs, **private)
    return demo


def _facts_tab(h: _Handlers) -> tuple[gr.Radio, list[Any]]:
    t = h.t
    kinds = [(t[k], k) for k in ("all", "deadline", "target", "party")]
    kind = gr.Radio(kinds, value="all", label=t["kind"])
    columns = [t[k] for k in ("kind", "value", "normalized", "subject", "section", "doc")]
    widths: list[str | int] = ["8%", "10%", "10%", "32%", "28%", "12%"]
    table = gr.Dataframe(headers=columns, interactive=False, wrap=True, label=t["facts"],
                         column_widths=widths, elem_id="pb-facts")  # fmt: skip
    timeline = gr.HTML(elem_id="pb-timeline")
    kind.change(h.facts, kind, [table, timeline], api_visibility="private")
    return kind, [table, timeline]


def _chat_tab(h: _Handlers) -> None:
    t = h.t
    chatbot = gr.Chatbot(label=t["chat"], height=520, elem_id="pb-chat", feedback_options=None, buttons=["copy"])
    with gr.Row():
        box = gr.Textbox(
            label=t["question"],
            placeholder=t["placeholder"],
            scale=5,
            elem_id="pb-question",
            max_lines=4,
        )
        send = gr.Button(t["send"], variant="primary", scale=1, elem_id="pb-send")
    gr.Examples(h.examples(), inputs=box, label=t["examples"])
    with gr.Row():
        as_of = gr.Textbox(label=t["as_of"], value="", max_lines=1, elem_id="pb-as-of", scale=2)
        clear = gr.Button(t["clear"], size="sm", scale=1)
    send.click(h.ask, [box, chatbot, as_of], [chatbot, box], api_name="ask")
    box.submit(h.ask, [box, chatbot, as_of], [chatbot, box], api_visibility="private")
    clear.click(lambda: ([], ""), None, [chatbot, box], api_visibility="private")


def _documents_tab(h: _Handlers) -> list[Any]:
    t = h.t
    columns = [
        "doc_id",
        *(t[k] for k in ("title_col", "number", "issuer", "date", "format", "chunks", "warnings")),
    ]
    docs = gr.Dataframe(headers=columns, interactive=False, wrap=True, label=t["documents"])
    key = gr.Textbox(label=t["admin_key"], type="password", visible=bool(h.settings.admin_keys))
    with gr.Row():
        with gr.Column():
            file = gr.File(label=t["file"], file_types=list(SUPPORTED_SUFFIXES), type="filepath")
            upload = gr.Button(t["upload"], variant="primary")
        with gr.Column():
            choice = gr.Dropdown(label=t["doc_id"], choices=[], value=None)
            remove = gr.Button(t["remove"], variant="stop")
    status = gr.Markdown()
    upload.click(h.upload, [file, key], [status, docs, choice], api_visibility="private")
    remove.click(h.remove, [choice, key], [status, docs, choice], api_visibility="private")
    return [docs, choice]
