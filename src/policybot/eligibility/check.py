"""The check: a profile against each measure's conditions -> met / not met / unknown per
condition (free text: for a person to check), and a verdict per measure.

A measure whose conditions must all hold is 不符合 when one fails, 需要补充信息 when none fails but
one the profile does not speak to is stated, and 符合 only when every typed condition is met; a
measure satisfied by one of its conditions (中的一项) is 符合 when one is met. Never 符合 while a
stated typed condition is unknown; free-text conditions are listed for a person to check.
"""

from __future__ import annotations

from collections.abc import Iterable

from policybot.eligibility.model import (
    Attribute,
    Combination,
    Comparator,
    Condition,
    ConditionResult,
    Measure,
    MeasureResult,
    Outcome,
    Verdict,
)
from policybot.eligibility.places import industry_in, place_within
from policybot.eligibility.profile import NUMERIC, Profile
from policybot.eligibility.quantities import show

__all__ = ["check_measure", "check_measures"]

_EPSILON = 1e-9
_PLACES = {Attribute.REGION, Attribute.PROJECT_PLACE, Attribute.HOUSEHOLD}


def _compare(have: float, comparator: Comparator, want: float) -> bool | None:
    return {
        Comparator.GE: have >= want - _EPSILON,
        Comparator.GT: have > want + _EPSILON,
        Comparator.LE: have <= want + _EPSILON,
        Comparator.LT: have < want - _EPSILON,
    }.get(comparator)


def _outcome(ok: bool | None) -> Outcome:
    return Outcome.UNKNOWN if ok is None else Outcome.MET if ok else Outcome.NOT_MET


def _numeric(c: Condition, profile: Profile) -> ConditionResult:
    have = profile.numbers.get(c.attribute)
    if have is None or c.number is None:
        return ConditionResult(c, Outcome.UNKNOWN)
    return ConditionResult(c, _outcome(_compare(have, c.comparator, c.number)), show(have, NUMERIC[c.attribute]))


def _place(c: Condition, profile: Profile) -> ConditionResult:
    have = profile.texts.get(c.attribute)
    if have is None:
        return ConditionResult(c, Outcome.UNKNOWN)
    return ConditionResult(c, _outcome(place_within(have, c.terms[0]) if c.terms else None), have)


def _industry(c: Condition, profile: Profile) -> ConditionResult:
    have = profile.texts.get(Attribute.INDUSTRY)
    if have is None:
        return ConditionResult(c, Outcome.UNKNOWN)
    inside = industry_in(have, c.terms)
    ok = inside if c.comparator is not Comparator.NOT else (None if inside is None else not inside)
    return ConditionResult(c, _outcome(ok), have)


def _window(c: Condition, profile: Profile) -> ConditionResult:
    have = profile.dates.get(c.attribute)
    if have is None:
        return ConditionResult(c, Outcome.UNKNOWN)
    pairs = list(zip(c.terms[::2], c.terms[1::2], strict=False))
    return ConditionResult(c, _outcome(any(a <= have <= b for a, b in pairs)), have)


def _flag(c: Condition, profile: Profile) -> ConditionResult:
    have = profile.flags.get(c.attribute)
    if have is None:
        return ConditionResult(c, Outcome.UNKNOWN)
    bad = c.comparator is Comparator.NOT  # credit, violation, prior benefit: having it fails
    ok = (not have) if bad else have
    return ConditionResult(c, _outcome(ok), ("是" if have else "否"))


#: Short forms enterprises use for a recognition (我们是一家规上企业).
_SHORT_FORMS = {"规上企业": "规模以上工业企业", "规上工业企业": "规模以上工业企业", "规模以上企业": "规模以上工业企业"}


def _canonical(recognition: str) -> str:
    return _SHORT_FORMS.get(recognition, recognition)


def _recognition(c: Condition, profile: Profile) -> ConditionResult:
    have = profile.recognitions
    if have is None:
        return ConditionResult(c, Outcome.UNKNOWN)
    want = _canonical(c.terms[0]) if c.terms else ""
    ok = any(r == want or (len(r) >= 4 and r in want) or want in r for r in map(_canonical, have))
    return ConditionResult(c, _outcome(ok), "、".join(have) or "无")


def check_condition(c: Condition, profile: Profile) -> ConditionResult:
    if c.needs_person:
        return ConditionResult(c, Outcome.MANUAL)
    if c.attribute in NUMERIC:
        return _numeric(c, profile)
    if c.attribute in _PLACES:
        return _place(c, profile)
    if c.attribute is Attribute.INDUSTRY:
        return _industry(c, profile)
    if c.attribute in (Attribute.PROJECT_DATE, Attribute.PATENT_DATE):
        return _window(c, profile)
    if c.attribute is Attribute.RECOGNITION:
        return _recognition(c, profile)
    return _flag(c, profile)


def _verdict(measure: Measure, results: list[ConditionResult]) -> tuple[Verdict, list[ConditionResult]]:
    by = {o: [r for r in results if r.outcome is o] for o in Outcome}
    if measure.combination is Combination.ANY:
        if by[Outcome.MET]:
            return Verdict.ELIGIBLE, by[Outcome.MET][:1]
        if by[Outcome.UNKNOWN] or by[Outcome.MANUAL]:
            return Verdict.NEEDS_INFO, by[Outcome.UNKNOWN] + by[Outcome.MANUAL]
        return Verdict.NOT_ELIGIBLE, by[Outcome.NOT_MET]
    if by[Outcome.NOT_MET]:
        return Verdict.NOT_ELIGIBLE, by[Outcome.NOT_MET]
    if by[Outcome.UNKNOWN]:
        return Verdict.NEEDS_INFO, by[Outcome.UNKNOWN]
    if by[Outcome.MANUAL]:
        return Verdict.NEEDS_INFO, by[Outcome.MANUAL]  # a stated condition only a person can check
    return Verdict.ELIGIBLE, by[Outcome.MET]


def check_measure(measure: Measure, profile: Profile) -> MeasureResult:
    results = [check_condition(c, profile) for c in measure.conditions]
    verdict, deciding = _verdict(measure, results)
    return MeasureResult(measure, verdict, tuple(results), tuple(deciding))


_ORDER = {Verdict.ELIGIBLE: 0, Verdict.NEEDS_INFO: 1, Verdict.NOT_ELIGIBLE: 2}


def check_measures(measures: Iterable[Measure], profile: Profile) -> list[MeasureResult]:
    """Every measure checked, best first: 符合, then 需要补充信息 (fewest open conditions first), then 不符合."""
    results = [check_measure(m, profile) for m in measures]

    def rank(r: MeasureResult) -> tuple[int, float]:
        typed = [x for x in r.results if x.outcome is not Outcome.MANUAL] or list(r.results)
        met = sum(x.outcome is Outcome.MET for x in typed) / max(len(typed), 1)
        return _ORDER[r.verdict], -met

    return sorted(results, key=rank)
