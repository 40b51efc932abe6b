"""Saying a check's result in the asker's language: the verdict first, then the deciding
conditions with their quotes, what is missing, the support, the deadline and the materials."""

from __future__ import annotations

from policybot.eligibility.model import (
    Attribute,
    Comparator,
    Condition,
    ConditionResult,
    MeasureResult,
    Outcome,
    Verdict,
)
from policybot.eligibility.quantities import show

__all__ = ["ATTRIBUTE_NAMES", "condition_text", "explain", "verdict_text"]

#: attribute -> (Chinese, English) name
ATTRIBUTE_NAMES: dict[Attribute, tuple[str, str]] = {
    Attribute.REGION: ("注册地", "place of registration"),
    Attribute.PROJECT_PLACE: ("项目实施地", "project location"),
    Attribute.HOUSEHOLD: ("户籍/社保地", "household or social-insurance place"),
    Attribute.INDUSTRY: ("行业", "industry"),
    Attribute.AGE: ("成立时间", "time since registration"),
    Attribute.REVENUE: ("营业收入", "revenue"),
    Attribute.REVENUE_GROWTH: ("营业收入增长", "revenue growth"),
    Attribute.PROFIT: ("利润", "profit"),
    Attribute.ASSETS: ("资产总额", "total assets"),
    Attribute.EMPLOYEES: ("职工人数", "employees"),
    Attribute.RD_RATIO: ("研发费用占比", "R&D spending ratio"),
    Attribute.STAFF_RATIO: ("人员占比", "staff ratio"),
    Attribute.WATER_USE: ("年用水量", "annual water use"),
    Attribute.INVESTMENT: ("投资额", "investment"),
    Attribute.PROJECT_DATE: ("设备销售/购置时间", "project date"),
    Attribute.PATENT_DATE: ("专利时间", "patent date"),
    Attribute.SCORE: ("评价得分", "evaluation score"),
    Attribute.CREDIT: ("失信记录", "dishonesty record"),
    Attribute.VIOLATION: ("违法违规记录", "violation record"),
    Attribute.PRIOR_BENEFIT: ("已享受的补助", "support already received"),
    Attribute.RECOGNITION: ("已获认定", "earlier recognition"),
    Attribute.LEGAL_PERSON: ("独立法人资格", "independent legal person"),
    Attribute.RESIDENT: ("居民企业", "resident enterprise"),
    Attribute.OTHER: ("其他条件", "other condition"),
}
_VERDICT_EN = {
    Verdict.ELIGIBLE: "eligible",
    Verdict.NOT_ELIGIBLE: "not eligible",
    Verdict.NEEDS_INFO: "more information needed",
}
_OUTCOME_MARK = {Outcome.MET: "✔", Outcome.NOT_MET: "✘", Outcome.UNKNOWN: "？", Outcome.MANUAL: "☐"}


def verdict_text(verdict: Verdict, lang: str) -> str:
    return verdict.value if lang == "zh" else _VERDICT_EN[verdict]


def condition_text(c: Condition, lang: str = "zh") -> str:
    """``营业收入 ≥ 2000万元`` / ``注册地 within 东莞`` — the typed form of a condition."""
    name = ATTRIBUTE_NAMES[c.attribute][0 if lang == "zh" else 1]
    if c.needs_person:
        return "需人工核对" if lang == "zh" else "to be checked by a person"
    if c.number is not None and c.unit is not None:
        return f"{name} {c.comparator.value} {show(c.number, c.unit)}"
    if c.attribute in (Attribute.PROJECT_DATE, Attribute.PATENT_DATE):
        windows = " / ".join(f"{a}～{b}" for a, b in zip(c.terms[::2], c.terms[1::2], strict=False))
        return f"{name}：{windows}"
    word = {Comparator.NOT: "不属于/没有" if lang == "zh" else "not", Comparator.WITHIN: "在" if lang == "zh" else "in"}
    terms = "、".join(c.terms)
    return f"{name}：{word.get(c.comparator, '')}{terms}" if terms else name


def _line(r: ConditionResult, lang: str) -> str:
    if lang == "zh":
        have = f"（您的情况：{r.profile_value}）" if r.profile_value else ""
        return f"{_OUTCOME_MARK[r.outcome]} {condition_text(r.condition, lang)}{have}：“{r.condition.quote}”"
    have = f" (yours: {r.profile_value})" if r.profile_value else ""
    return f"{_OUTCOME_MARK[r.outcome]} {condition_text(r.condition, lang)}{have}: “{r.condition.quote}”"


def explain(result: MeasureResult, lang: str = "zh") -> str:
    """Verdict first, then the deciding conditions (quoted), missing information, support, deadline."""
    m = result.measure
    zh = lang == "zh"
    lines = [
        f"{m.name}：{verdict_text(result.verdict, lang)}" if zh else f"{m.name}: {verdict_text(result.verdict, lang)}"
    ]
    lead = {
        Verdict.NOT_ELIGIBLE: ("不满足的条件", "conditions not met"),
        Verdict.NEEDS_INFO: ("需要补充的信息", "information needed"),
        Verdict.ELIGIBLE: ("满足的条件", "conditions met"),
    }[result.verdict][0 if zh else 1]
    if result.verdict is Verdict.NEEDS_INFO and all(r.outcome is Outcome.MANUAL for r in result.deciding):
        lead = "其余条件均满足，以下条件需人工核对" if zh else "every other condition is met; a person must check these"
    lines.append(f"{lead}：" if zh else f"{lead}:")
    lines += [f"  {_line(r, lang)}" for r in result.deciding]
    if result.manual and result.verdict is not Verdict.NOT_ELIGIBLE:
        lines.append("另有需人工核对的条件：" if zh else "Also to be checked by a person:")
        lines += [f"  {_line(r, lang)}" for r in result.manual if r not in result.deciding]
    if m.support:
        lines.append(("支持：" if zh else "Support: ") + "；".join(s.text.rstrip("；;。") for s in m.support[:3]))
    if m.deadline:
        lines.append(("申报截止：" if zh else "Deadline: ") + m.deadline)
    if m.materials:
        lines.append(("申报材料：" if zh else "Materials: ") + "；".join(m.materials[:8]))
    return "\n".join(lines)
