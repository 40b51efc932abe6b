"""Typed records of eligibility: conditions read from the documents, the measures they belong to,
and the outcome of checking an enterprise against them.

Quantities are stored in one base unit per kind: money in 万元, ratios in %, durations in months,
counts of people in 人, water in 立方米, scores in 分.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "Attribute",
    "Combination",
    "Comparator",
    "Condition",
    "ConditionResult",
    "Measure",
    "MeasureResult",
    "Outcome",
    "Support",
    "Unit",
    "Verdict",
]


class Attribute(Enum):
    """What a condition is about (and what a profile can say)."""

    REGION = "region"  # where the enterprise is registered
    PROJECT_PLACE = "project_place"  # where the project is carried out
    HOUSEHOLD = "household"  # 户籍 / 社保 place of a person
    INDUSTRY = "industry"
    AGE = "age"  # time since registration
    REVENUE = "revenue"
    REVENUE_GROWTH = "revenue_growth"
    PROFIT = "profit"
    ASSETS = "assets"
    EMPLOYEES = "employees"
    RD_RATIO = "rd_ratio"  # R&D spending / revenue
    STAFF_RATIO = "staff_ratio"  # tech (or newly hired) staff / all staff
    WATER_USE = "water_use"  # annual water use
    INVESTMENT = "investment"
    PROJECT_DATE = "project_date"  # when the project's equipment was bought or sold
    PATENT_DATE = "patent_date"
    SCORE = "score"  # a self-evaluation score
    CREDIT = "credit"  # on a list of dishonest enterprises / bad credit rating
    VIOLATION = "violation"  # serious violations or accidents in the stated period
    PRIOR_BENEFIT = "prior_benefit"  # already received this or an overlapping subsidy
    RECOGNITION = "recognition"  # earlier recognition: 高新技术企业, 规模以上工业企业, 骨干企业…
    LEGAL_PERSON = "legal_person"  # 具有独立法人资格
    RESIDENT = "resident"  # 居民企业
    OTHER = "other"  # free text: needs checking by a person


class Comparator(Enum):
    GE = "≥"
    GT = ">"
    LE = "≤"
    LT = "<"
    WITHIN = "within"  # a place within a region, a date within a window
    EQUALS = "equals"  # has / is (a recognition, a status)
    NOT = "not"  # is not / has not (an industry list, a violation, a benefit)


class Unit(Enum):
    WAN_YUAN = "万元"
    PERCENT = "%"
    MONTH = "月"
    PERSON = "人"
    CUBIC_METRE = "立方米"
    POINT = "分"


class Combination(Enum):
    ALL = "all"  # every condition must hold (须同时满足)
    ANY = "any"  # one of them is enough (符合下列条件中的一项)


class Outcome(Enum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"  # the profile does not say
    MANUAL = "manual"  # free text: needs checking by a person


class Verdict(Enum):
    ELIGIBLE = "符合"
    NOT_ELIGIBLE = "不符合"
    NEEDS_INFO = "需要补充信息"


@dataclass(frozen=True)
class Condition:
    """One condition as the document states it. ``number`` is in ``unit`` (see module docstring);
    ``terms`` holds places, industries, recognitions, or a window's ISO start and end dates."""

    attribute: Attribute
    comparator: Comparator
    quote: str  # the clause as written
    item: str  # the whole item (或 article sentence) the clause comes from
    doc_id: str
    section: str
    chunk_id: str
    start: int
    number: float | None = None
    unit: Unit | None = None
    terms: tuple[str, ...] = ()
    exclusion: bool = False  # stated as an exclusion (失信, 违法, 已享受, a listed industry)

    @property
    def needs_person(self) -> bool:
        return self.attribute is Attribute.OTHER

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            attribute=self.attribute.value,
            comparator=self.comparator.name,
            unit=self.unit.name if self.unit else None,
            terms=list(self.terms),
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Condition:
        values = dict(data)
        values["attribute"] = Attribute(values["attribute"])
        values["comparator"] = Comparator[values["comparator"]]
        values["unit"] = Unit[values["unit"]] if values.get("unit") else None
        values["terms"] = tuple(values.get("terms") or ())
        return cls(**values)


@dataclass(frozen=True)
class Support:
    """What a measure gives: an amount, a ratio, a cap or a per-item rate, as written."""

    text: str  # the sentence
    values: tuple[str, ...]  # the figures as written (1000万元, 30%)
    section: str
    chunk_id: str


@dataclass(frozen=True)
class Measure:
    """A set of conditions stated together (a 申报条件 section, a 须同时满足 article), with what
    the document says about support, the deadline and the materials."""

    id: str
    doc_id: str
    doc_title: str
    name: str
    section: str
    combination: Combination
    conditions: tuple[Condition, ...]
    support: tuple[Support, ...] = ()
    deadline: str | None = None
    deadline_quote: str | None = None
    materials: tuple[str, ...] = ()

    @property
    def exclusions(self) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if c.exclusion)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "name": self.name,
            "section": self.section,
            "combination": self.combination.value,
            "conditions": [c.to_dict() for c in self.conditions],
            "support": [asdict(s) | {"values": list(s.values)} for s in self.support],
            "deadline": self.deadline,
            "deadline_quote": self.deadline_quote,
            "materials": list(self.materials),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measure:
        return cls(
            id=data["id"],
            doc_id=data["doc_id"],
            doc_title=data["doc_title"],
            name=data["name"],
            section=data["section"],
            combination=Combination(data["combination"]),
            conditions=tuple(Condition.from_dict(c) for c in data["conditions"]),
            support=tuple(Support(**(s | {"values": tuple(s["values"])})) for s in data.get("support", [])),
            deadline=data.get("deadline"),
            deadline_quote=data.get("deadline_quote"),
            materials=tuple(data.get("materials", [])),
        )


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    outcome: Outcome
    profile_value: str | None = None  # what the profile said, as compared (None: nothing)


@dataclass(frozen=True)
class MeasureResult:
    measure: Measure
    verdict: Verdict
    results: tuple[ConditionResult, ...]
    deciding: tuple[ConditionResult, ...] = field(default=())  # why the verdict is what it is

    @property
    def missing(self) -> tuple[Attribute, ...]:
        return tuple(dict.fromkeys(r.condition.attribute for r in self.results if r.outcome is Outcome.UNKNOWN))

    @property
    def manual(self) -> tuple[ConditionResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.MANUAL)
