"""The Gradio tab "资格自查": a form for the common attributes of an enterprise, and result cards —
each measure's verdict, its conditions ticked, crossed or open (each with its quote), the support
and the deadline. Everything from the documents is HTML-escaped."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from policybot.eligibility.profile import parse_profile
from policybot.errors import PolicybotError
from policybot.surfaces.schemas import CheckedConditionOut, MeasureCheckOut, eligibility_out

__all__ = ["cards_html", "eligibility_tab", "form_profile"]

#: form field -> (label, placeholder); text fields take figures with their unit
TEXT_FIELDS: dict[str, tuple[str, str]] = {
    "region": ("注册地", "如 广东省东莞市"),
    "industry": ("行业", "如 电子制造、软件、餐饮"),
    "age": ("成立时间", "如 8个月、3年"),
    "revenue": ("年营业收入", "如 1.2亿元、3000万元"),
    "revenue_growth": ("营业收入增长", "如 12%"),
    "profit": ("利润总额", "如 300万元"),
    "assets": ("资产总额", "如 8000万元"),
    "employees": ("职工人数", "如 150"),
    "rd_ratio": ("研发费用占收入比例", "如 3.5%"),
    "score": ("科技型中小企业评价得分", "如 70"),
    "project_date": ("设备购置/销售日期", "如 2016-05-10"),
}
FLAG_FIELDS: dict[str, str] = {
    "credit": "列入失信名单",
    "violation": "近年有严重违法违规",
    "prior_benefit": "已享受过同类补助",
    "legal_person": "具有独立法人资格",
    "resident": "居民企业",
}
RECOGNITIONS = ["高新技术企业", "规模以上工业企业", "科技型中小企业", "省部级以上研发机构"]
_UNSAID = "未说明"
_MARK = {"met": ("✔", "pb-met"), "not_met": ("✘", "pb-not"), "unknown": ("？", "pb-open"), "manual": ("☐", "pb-manual")}
_BADGE = {"符合": "pb-yes", "不符合": "pb-no", "需要补充信息": "pb-info"}
CSS = """
.pb-card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;margin:10px 0}
.pb-card h4{margin:0 0 6px 0}.pb-badge{padding:2px 8px;border-radius:10px;color:#fff;margin-left:8px}
.pb-yes{background:#2e7d32}.pb-no{background:#c62828}.pb-info{background:#ef6c00}
.pb-met{color:#2e7d32}.pb-not{color:#c62828}.pb-open{color:#ef6c00}.pb-manual{color:#555}
.pb-card li{margin:3px 0}.pb-quote{color:#333}
"""


def form_profile(values: dict[str, Any]) -> dict[str, Any]:
    """The profile mapping of the form: empty fields and 未说明 are left out."""
    out: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        text = str(values.get(name) or "").strip()
        if text:
            out[name] = text
    for name in FLAG_FIELDS:
        choice = values.get(name)
        if choice in ("是", "否"):
            out[name] = choice == "是"
    recognitions = values.get("recognition")
    if values.get("recognition_said"):
        out["recognition"] = list(recognitions or [])
    return out


def _condition(c: CheckedConditionOut) -> str:
    mark, cls = _MARK[c.outcome]
    have = f"（您的情况：{html.escape(c.profile_value)}）" if c.profile_value else ""
    return (
        f'<li class="{cls}">{mark} {html.escape(c.condition)}{have}<br>'
        f'<span class="pb-quote">“{html.escape(c.quote)}”</span> <small>{html.escape(c.section)}</small></li>'
    )


def _card(m: MeasureCheckOut) -> str:
    badge = f'<span class="pb-badge {_BADGE[m.verdict]}">{html.escape(m.verdict)}</span>'
    parts = [f'<div class="pb-card" data-verdict="{html.escape(m.verdict)}"><h4>{html.escape(m.name)}{badge}</h4>']
    parts.append(f"<small>{html.escape(m.doc_title)}</small><ul>")
    parts += [_condition(c) for c in m.conditions]
    parts.append("</ul>")
    if m.missing:
        parts.append(f"<p>请补充：{html.escape('、'.join(m.missing))}</p>")
    if m.support:
        parts.append("<p><b>支持：</b>" + "；".join(html.escape(s.text) for s in m.support[:3]) + "</p>")
    if m.deadline:
        parts.append(f"<p><b>申报截止：</b>{html.escape(m.deadline)}</p>")
    return "".join(parts) + "</div>"


def cards_html(measures: list[MeasureCheckOut]) -> str:
    if not measures:
        return "<p>已收录的文件中没有读到申报条件。</p>"
    return f"<style>{CSS}</style>" + "".join(_card(m) for m in measures)


def eligibility_tab(get_bot: Any) -> None:
    """The form and the result cards; ``get_bot`` returns the loaded ``PolicyBot``."""
    boxes = {
        n: gr.Textbox(label=label, placeholder=hint, elem_id=f"pb-el-{n}") for n, (label, hint) in TEXT_FIELDS.items()
    }
    flags = {
        n: gr.Radio([_UNSAID, "是", "否"], value=_UNSAID, label=label, elem_id=f"pb-el-{n}")
        for n, label in FLAG_FIELDS.items()
    }
    said = gr.Checkbox(
        label="我已勾选全部已获认定（不勾选则视为未说明）", value=False, elem_id="pb-el-recognition-said"
    )
    recognition = gr.CheckboxGroup(RECOGNITIONS, label="已获认定", elem_id="pb-el-recognition")
    check = gr.Button("检查", variant="primary", elem_id="pb-el-check")
    result = gr.HTML(elem_id="pb-el-result")
    names = [*boxes, *flags, "recognition_said", "recognition"]

    def run(*values: Any) -> str:
        try:
            profile = parse_profile(form_profile(dict(zip(names, values, strict=True))))
            results = get_bot().check_eligibility(profile)
        except PolicybotError as exc:
            raise gr.Error(exc.message) from exc
        return cards_html(eligibility_out(profile, results).measures)

    check.click(run, [*boxes.values(), *flags.values(), said, recognition], result, api_name="eligibility")
