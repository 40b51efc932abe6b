"""Enterprise profiles: the common attributes, typed, plus free ones. From a mapping (JSON for
the API, YAML for the CLI, the UI form) with validation that names the wrong field, or read from
the self-description of a chat question ("成立8个月", "年营业收入1.2亿元", "150名职工", "河北", "造纸企业").

Figures are held in the base units of ``model.Unit``: 万元, %, months, persons, 立方米, points. A bare
number in a mapping is taken in that unit; a string must carry a unit of the right kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from policybot.eligibility.model import Attribute, Unit
from policybot.eligibility.quantities import Quantity, parse_quantity
from policybot.errors import ProfileError

__all__ = ["NUMERIC", "Profile", "parse_profile"]

#: numeric attributes and their unit
NUMERIC: dict[Attribute, Unit] = {
    Attribute.AGE: Unit.MONTH,
    Attribute.REVENUE: Unit.WAN_YUAN,
    Attribute.REVENUE_GROWTH: Unit.PERCENT,
    Attribute.PROFIT: Unit.WAN_YUAN,
    Attribute.ASSETS: Unit.WAN_YUAN,
    Attribute.EMPLOYEES: Unit.PERSON,
    Attribute.RD_RATIO: Unit.PERCENT,
    Attribute.STAFF_RATIO: Unit.PERCENT,
    Attribute.WATER_USE: Unit.CUBIC_METRE,
    Attribute.INVESTMENT: Unit.WAN_YUAN,
    Attribute.SCORE: Unit.POINT,
}
_SIGNED = {Attribute.PROFIT, Attribute.REVENUE_GROWTH}  # may be negative
_PERCENT_MAX = {Attribute.RD_RATIO, Attribute.STAFF_RATIO}
_TEXT = {Attribute.REGION, Attribute.PROJECT_PLACE, Attribute.HOUSEHOLD, Attribute.INDUSTRY}
_FLAGS = {Attribute.CREDIT, Attribute.VIOLATION, Attribute.PRIOR_BENEFIT, Attribute.LEGAL_PERSON, Attribute.RESIDENT}
_DATES = {Attribute.PROJECT_DATE, Attribute.PATENT_DATE}
_TRUE = {"true", "yes", "是", "有", "1"}
_FALSE = {"false", "no", "否", "无", "没有", "0"}


@dataclass(frozen=True)
class Profile:
    """What an enterprise says about itself. ``None``: not said. Flags: ``credit`` true means it is
    on a list of dishonest enterprises, ``violation`` that it had serious violations, ``prior_benefit``
    that it already received the support; ``legal_person`` / ``resident`` that it has that status."""

    name: str | None = None
    numbers: dict[Attribute, float] = field(default_factory=dict)
    texts: dict[Attribute, str] = field(default_factory=dict)
    flags: dict[Attribute, bool] = field(default_factory=dict)
    dates: dict[Attribute, str] = field(default_factory=dict)
    recognitions: tuple[str, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def said(self, attribute: Attribute) -> bool:
        return any(attribute in d for d in (self.numbers, self.texts, self.flags, self.dates)) or (
            attribute is Attribute.RECOGNITION and self.recognitions is not None
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name} if self.name else {}
        for group in (self.numbers, self.texts, self.flags, self.dates):
            out.update({a.value: v for a, v in group.items()})
        if self.recognitions is not None:
            out["recognition"] = list(self.recognitions)
        if self.extra:
            out["extra"] = dict(self.extra)
        return out


def _number(attribute: Attribute, value: Any) -> float:
    key, unit = attribute.value, NUMERIC[attribute]
    if isinstance(value, bool):
        raise ProfileError(key, "must be a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        quantity = parse_quantity(value) if not re.fullmatch(r"\s*-?\d+(?:\.\d+)?\s*", value) else None
        if quantity is None and re.fullmatch(r"\s*-?\d+(?:\.\d+)?\s*", value):
            quantity = Quantity(float(value), unit, value)
        if quantity is None:
            raise ProfileError(key, f"{value!r} is not a figure with a known unit (expected {unit.value})")
        if quantity.unit is not unit:
            raise ProfileError(key, f"{value!r} is in {quantity.unit.value}, expected {unit.value}")
        number = -quantity.number if value.strip().startswith("-") and quantity.number > 0 else quantity.number
    else:
        raise ProfileError(key, "must be a number or a figure with its unit")
    if number != number or number in (float("inf"), float("-inf")):
        raise ProfileError(key, "must be a finite number")
    if number < 0 and attribute not in _SIGNED:
        raise ProfileError(key, f"must not be negative (got {value!r})")
    if attribute in _PERCENT_MAX and number > 100:
        raise ProfileError(key, f"a share cannot exceed 100% (got {value!r})")
    return number


def _flag(attribute: Attribute, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ProfileError(attribute.value, f"must be true or false (got {value!r})")


def _date(attribute: Attribute, value: Any) -> str:
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ProfileError(attribute.value, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _text(attribute: Attribute, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise ProfileError(attribute.value, "must be a non-empty text of at most 100 characters")
    return value.strip()


def parse_profile(data: Mapping[str, Any]) -> Profile:
    """A ``Profile`` from a mapping keyed by attribute names (``revenue``, ``region``…), ``name``,
    ``recognition`` (a list) and ``extra`` (free attributes). Raises ``ProfileError`` naming the field."""
    if not isinstance(data, Mapping):
        raise ProfileError("profile", "must be a mapping of attribute names to values")
    known = {a.value: a for a in Attribute if a is not Attribute.OTHER}
    parts: dict[str, Any] = {"numbers": {}, "texts": {}, "flags": {}, "dates": {}}
    name, recognitions, extra = None, None, {}
    for key, value in data.items():
        if value is None:
            continue
        if key == "name":
            name = _text(Attribute.OTHER, value) if isinstance(value, str) else None
        elif key == "extra":
            if not isinstance(value, Mapping):
                raise ProfileError("extra", "must be a mapping of names to texts")
            extra = {str(k): str(v) for k, v in value.items()}
        elif key not in known:
            raise ProfileError(str(key), f"unknown attribute; known: {', '.join(sorted(known))}, name, extra")
        else:
            recognitions = _assign(known[key], value, parts, recognitions)
    return Profile(name, **parts, recognitions=recognitions, extra=extra)


def _assign(attribute: Attribute, value: Any, parts: dict[str, Any], recognitions: Any) -> tuple[str, ...] | None:
    if attribute in NUMERIC:
        parts["numbers"][attribute] = _number(attribute, value)
    elif attribute in _TEXT:
        parts["texts"][attribute] = _text(attribute, value)
    elif attribute in _FLAGS:
        parts["flags"][attribute] = _flag(attribute, value)
    elif attribute in _DATES:
        parts["dates"][attribute] = _date(attribute, value)
    elif attribute is Attribute.RECOGNITION:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) and i.strip() for i in items):
            raise ProfileError("recognition", "must be a list of texts (高新技术企业, 规模以上工业企业…)")
        return tuple(i.strip() for i in items)
    return recognitions
