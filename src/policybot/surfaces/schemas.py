"""Wire schemas: what the CLI's ``--json`` and the HTTP API return and accept.

Kept apart from the internal dataclasses in ``records`` so the contract stays stable when the
internals change. ``AnswerOut`` is the body of ``policybot ask --json`` and ``POST /api/ask``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from policybot.eligibility.explain import condition_text, explain
from policybot.eligibility.model import Condition, ConditionResult, Measure, MeasureResult
from policybot.eligibility.profile import Profile
from policybot.genre import instructions_in
from policybot.records import Answer, Citation, Document, Fact, Hit
from policybot.surfaces.utf8 import utf8_problem

__all__ = [
    "AnswerOut",
    "CitationOut",
    "DocumentOut",
    "EligibilityIn",
    "EligibilityOut",
    "FactOut",
    "HitOut",
    "MeasureOut",
    "RejectedOut",
    "Text",
    "answer_out",
    "citation_out",
    "document_out",
    "eligibility_out",
    "fact_out",
    "hit_out",
    "measure_out",
    "utf8_problem",
]


def _check_utf8(text: str) -> str:
    problem = utf8_problem(text)
    if problem:
        raise ValueError(problem)
    return text


#: A request string that must be encodable as UTF-8 (422 otherwise, never a 500 further on).
Text = Annotated[str, AfterValidator(_check_utf8)]


class CitationOut(BaseModel):
    id: int = Field(description="the marker number used in the answer text, [1] -> 1")
    doc_id: str
    doc_title: str
    section: str = Field(description="section path, headings joined by ' › '")
    quote: str = Field(description="the sentence(s) of the source that support the answer, verbatim")
    page: int | None = Field(default=None, description="page number where the source has pages")
    score: float = Field(description="retrieval score, 0..1")
    status: str | None = Field(
        default=None, description="已废止 | 已失效 | 未生效 when the document is not in force today"
    )
    status_reason: str | None = Field(default=None, description="why, e.g. 适用期限“2016专项行动”已过")
    status_quote: str | None = Field(default=None, description="the sentence of the document the status rests on")
    status_section: str | None = Field(default=None, description="where that sentence is")


class FactOut(BaseModel):
    type: str = Field(description="deadline | target | party")
    value: str = Field(description="the time, figure or party as written, e.g. 二季度, 8万吨, 财政部")
    normalized: str | None = Field(default=None, description="comparable form, e.g. 2016-Q2")
    subject: str = Field(description="what the value is about")
    unit: str | None = None
    indicator: str | None = None
    doc_id: str
    doc_title: str
    section: str
    quote: str
    page: int | None = None


class AnswerOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "question": "科技型中小企业的职工总数不能超过多少人？",
                "answer": "500人。\n根据《科技型中小企业评价办法》 › 第二章评价指标 › 第六条："
                "“(二)职工总数不超过500人、年销售收入不超过2亿元、资产总额不超过2亿元。”[1]",
                "refused": False,
                "citations": [
                    {
                        "id": 1,
                        "doc_id": "guokefazheng-2017-115",
                        "doc_title": "科技部 财政部 国家税务总局关于印发《科技型中小企业评价办法》的通知",
                        "section": "科技型中小企业评价办法 › 第二章评价指标 › 第六条",
                        "quote": "(二)职工总数不超过500人、年销售收入不超过2亿元、资产总额不超过2亿元。",
                        "page": None,
                        "score": 1.62,
                    }
                ],
                "facts": [],
                "see_also": [],
                "mode": "extractive",
                "notes": [],
            }
        }
    )

    question: str
    answer: str = Field(description="answer text with [n] markers pointing at citations")
    refused: bool = Field(description="true when the documents do not answer the question")
    citations: list[CitationOut]
    facts: list[FactOut] = Field(default_factory=list, description="extracted facts the answer uses")
    see_also: list[CitationOut] = Field(default_factory=list, description="nearest sections, on refusal")
    mode: str = Field(default="extractive", description="extractive | llm | llm-fallback")
    notes: list[str] = Field(default_factory=list)


class HitOut(BaseModel):
    rank: int
    chunk_id: str
    doc_id: str
    doc_title: str
    section: str
    page: int | None
    score: float = Field(description="fused rank score, 0..1")
    dense_score: float | None = Field(description="cosine similarity of the dense search")
    keyword_score: float | None = Field(description="BM25 score of the keyword search")
    text: str


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    short_title: str | None
    doc_number: str | None
    issuer: str | None
    issue_date: str | None
    source: str
    format: str
    content_hash: str
    chunks: int
    pages: int | None
    planted_text: list[str] = Field(
        default_factory=list,
        description="A warning: passages that address an assistant rather than state policy; never used as an answer.",
    )


class RejectedOut(BaseModel):
    """A file of the corpus folder that was not ingested, and why."""

    source: str
    reason: str
    at: str = Field(description="when it was rejected (ISO 8601, UTC)")


def citation_out(c: Citation) -> CitationOut:
    return CitationOut(
        id=c.id,
        doc_id=c.doc_id,
        doc_title=c.doc_title,
        section=c.section,
        quote=c.quote,
        page=c.page,
        score=round(c.score, 4),
        status=c.status,
        status_reason=c.status_reason,
        status_quote=c.status_quote,
        status_section=c.status_section,
    )


def fact_out(f: Fact) -> FactOut:
    return FactOut(
        type=f.type,
        value=f.value,
        normalized=f.normalized,
        subject=f.subject,
        unit=f.unit,
        indicator=f.indicator,
        doc_id=f.doc_id,
        doc_title=f.doc_title,
        section=f.section,
        quote=f.quote,
        page=f.page,
    )


def answer_out(a: Answer) -> AnswerOut:
    return AnswerOut(
        question=a.question,
        answer=a.text,
        refused=a.refused,
        citations=[citation_out(c) for c in a.citations],
        facts=[fact_out(f) for f in a.facts],
        see_also=[citation_out(c) for c in a.see_also],
        mode=a.mode,
        notes=list(a.notes),
    )


def hit_out(h: Hit, rank: int = 0) -> HitOut:
    c = h.chunk
    return HitOut(
        rank=rank,
        chunk_id=c.id,
        doc_id=c.doc_id,
        doc_title=c.doc_title,
        section=c.section,
        page=c.page,
        score=round(h.score, 4),
        dense_score=None if h.dense_score is None else round(h.dense_score, 4),
        keyword_score=None if h.keyword_score is None else round(h.keyword_score, 4),
        text=c.text,
    )


def document_out(d: Document, chunks: int) -> DocumentOut:
    m = d.meta
    return DocumentOut(
        doc_id=m.doc_id,
        title=m.title,
        short_title=m.short_title,
        doc_number=m.doc_number,
        issuer=m.issuer,
        issue_date=m.issue_date,
        source=m.source,
        format=m.format,
        content_hash=m.content_hash,
        chunks=chunks,
        pages=len(d.page_starts) or None,
        planted_text=list(instructions_in(d.text)),
    )


# ---- eligibility ------------------------------------------------------------------------------


class EligibilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: dict[str, Any] = Field(
        description="the enterprise: attribute names (region, industry, age, revenue, revenue_growth, profit, assets, "
        "employees, rd_ratio, staff_ratio, water_use, investment, score, project_date, patent_date, credit, "
        "violation, prior_benefit, legal_person, resident, recognition) to values; figures as numbers in the "
        "base unit (万元, %, months, persons, 立方米) or as text with a unit ('1.2亿元', '8个月'); plus name, extra",
        examples=[{"region": "广东省东莞市", "revenue": "1.2亿元", "employees": 150, "credit": False}],
    )
    doc_ids: list[Text] | None = Field(default=None, description="check these documents only")
    lang: Literal["zh", "en"] = Field(default="zh", description="language of the explanations")


class ConditionOut(BaseModel):
    attribute: str = Field(description="what the condition is about (region, revenue, …; other: free text)")
    comparator: str = Field(description="≥ > ≤ < within equals not")
    condition: str = Field(description="the typed condition in words, e.g. 营业收入 ≥ 2000万元")
    number: float | None = Field(default=None, description="the threshold in the unit below")
    unit: str | None = None
    terms: list[str] = Field(default_factory=list, description="places, industries, recognitions or date windows")
    needs_person: bool = Field(description="free text the extractor could not type: to be checked by a person")
    exclusion: bool = Field(description="stated as an exclusion (失信, 违法, 已享受, a listed industry)")
    quote: str
    doc_id: str
    section: str


class CheckedConditionOut(ConditionOut):
    outcome: Literal["met", "not_met", "unknown", "manual"]
    profile_value: str | None = Field(default=None, description="the profile value it was compared with")


class SupportOut(BaseModel):
    text: str
    values: list[str]
    section: str


class MeasureOut(BaseModel):
    id: str
    doc_id: str
    doc_title: str
    name: str
    section: str
    combination: Literal["all", "any"] = Field(description="all conditions must hold, or any one of them")
    conditions: list[ConditionOut]
    support: list[SupportOut]
    deadline: str | None
    deadline_quote: str | None
    materials: list[str]


class MeasureCheckOut(BaseModel):
    id: str
    doc_id: str
    doc_title: str
    name: str
    section: str
    verdict: Literal["符合", "不符合", "需要补充信息"]
    explanation: str = Field(description="verdict first, then the deciding conditions, in the asked language")
    deciding: list[CheckedConditionOut] = Field(description="why the verdict is what it is")
    missing: list[str] = Field(description="attributes the profile should add")
    conditions: list[CheckedConditionOut]
    support: list[SupportOut]
    deadline: str | None
    materials: list[str]


class EligibilityOut(BaseModel):
    profile: dict[str, Any] = Field(description="the profile as understood, in base units")
    measures: list[MeasureCheckOut] = Field(description="best first: 符合, then 需要补充信息, then 不符合")


def condition_out(c: Condition) -> ConditionOut:
    return ConditionOut(
        attribute=c.attribute.value,
        comparator=c.comparator.value,
        condition=condition_text(c),
        number=c.number,
        unit=c.unit.value if c.unit else None,
        terms=list(c.terms),
        needs_person=c.needs_person,
        exclusion=c.exclusion,
        quote=c.quote,
        doc_id=c.doc_id,
        section=c.section,
    )


def _checked(r: ConditionResult) -> CheckedConditionOut:
    return CheckedConditionOut(
        **condition_out(r.condition).model_dump(), outcome=r.outcome.value, profile_value=r.profile_value
    )


def _support(m: Measure) -> list[SupportOut]:
    return [SupportOut(text=s.text, values=list(s.values), section=s.section) for s in m.support]


def measure_out(m: Measure) -> MeasureOut:
    return MeasureOut(
        id=m.id,
        doc_id=m.doc_id,
        doc_title=m.doc_title,
        name=m.name,
        section=m.section,
        combination=m.combination.value,
        conditions=[condition_out(c) for c in m.conditions],
        support=_support(m),
        deadline=m.deadline,
        deadline_quote=m.deadline_quote,
        materials=list(m.materials),
    )


def measure_check_out(r: MeasureResult, lang: str = "zh") -> MeasureCheckOut:
    m = r.measure
    return MeasureCheckOut(
        id=m.id,
        doc_id=m.doc_id,
        doc_title=m.doc_title,
        name=m.name,
        section=m.section,
        verdict=r.verdict.value,
        explanation=explain(r, lang),
        deciding=[_checked(x) for x in r.deciding],
        missing=[a.value for a in r.missing],
        conditions=[_checked(x) for x in r.results],
        support=_support(m),
        deadline=m.deadline,
        materials=list(m.materials),
    )


def eligibility_out(profile: Profile, results: list[MeasureResult], lang: str = "zh") -> EligibilityOut:
    return EligibilityOut(profile=profile.to_dict(), measures=[measure_check_out(r, lang) for r in results])


# ---- lifecycle: statuses, links and the calendar ------------------------------------------------


class LifecycleFactOut(BaseModel):
    kind: str = Field(description="effective | expires | repeals | partly_repealed | basis | revised | period | ...")
    value: str = Field(description="as written, e.g. 自2016年1月1日起执行")
    on: str | None = Field(default=None, description="the date it states (ISO)")
    until: str | None = Field(default=None, description="the end of a period (ISO)")
    refs: list[str] = Field(default_factory=list, description="documents it names: 《title》（文号）")
    section: str
    quote: str
    from_sidecar: bool = False


class LinkOut(BaseModel):
    kind: str = Field(description="repeals | implements | local_version | supersedes")
    source: str = Field(description="doc_id of the document that repeals/implements/supersedes")
    target: str = Field(description="doc_id of the document it applies to")


class DocStatusOut(BaseModel):
    doc_id: str
    title: str
    status: str = Field(description="已废止 | 已失效 | 现行 | 未生效")
    as_of: str
    reason: str
    effective: str | None = None
    expires: str | None = None
    replaced_by: list[str] = Field(default_factory=list)
    facts: list[LifecycleFactOut] = Field(description="the cited facts the status rests on")
    links: list[LinkOut] = Field(default_factory=list)


class CalendarEntryOut(BaseModel):
    kind: str = Field(description="deadline | window | milestone | effective | expiry")
    start: str | None = Field(description="first day (ISO); a deadline starts when its document was issued")
    end: str = Field(description="last day (ISO)")
    open: bool = Field(description="a deadline or window open on as_of")
    subject: str
    when: str = Field(description="as written, e.g. 于2016年5月20日（周五）前")
    doc_id: str
    doc_title: str
    issuer: str | None = None
    section: str
    quote: str
