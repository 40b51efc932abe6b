"""Figures to the base unit of their kind: 1.2亿元 -> 12000 万元, 一年 -> 12 月, 3万立方米 -> 30000 立方米."""

from __future__ import annotations

import re
from dataclasses import dataclass

from policybot.eligibility.model import Unit
from policybot.genre.units import Value, ValueKind, find_values

__all__ = ["Quantity", "parse_quantity", "quantity_of", "show"]


@dataclass(frozen=True)
class Quantity:
    number: float
    unit: Unit
    text: str  # as written


def quantity_of(value: Value) -> Quantity | None:
    """``value`` in its base unit, or None for kinds a condition does not compare (counts of items)."""
    if value.amount is None:
        return None
    if value.kind is ValueKind.MONEY:
        return Quantity(value.amount / 1e4, Unit.WAN_YUAN, value.text)
    if value.kind is ValueKind.RATIO and value.unit == "%":
        return Quantity(value.amount, Unit.PERCENT, value.text)
    if value.kind is ValueKind.DURATION and value.unit == "年":
        return Quantity(round(value.amount * 12, 4), Unit.MONTH, value.text)
    if value.kind is ValueKind.COUNT and value.unit in ("人", "名"):
        return Quantity(value.amount, Unit.PERSON, value.text)
    if value.kind is ValueKind.QUANTITY and value.unit in ("立方米", "万立方米"):
        factor = 1e4 if value.unit.startswith("万") else 1.0
        return Quantity(value.amount * factor, Unit.CUBIC_METRE, value.text)
    if value.kind is ValueKind.SCORE:
        return Quantity(value.amount, Unit.POINT, value.text)
    return None


def parse_quantity(text: str) -> Quantity | None:
    """The one figure of a short text such as ``1.2亿元``, ``8个月`` or ``3.5%`` (None when it holds
    no figure with a known unit, or more than one)."""
    text = re.sub(r"\s+", "", text)
    values = [q for q in (quantity_of(v) for v in find_values(text)) if q is not None]
    return values[0] if len(values) == 1 else None


def show(number: float, unit: Unit) -> str:
    """``12000.0, WAN_YUAN`` -> ``12000万元``; months of whole years as years (``12月`` -> ``1年``)."""
    if unit is Unit.MONTH and number >= 12 and number % 12 == 0:
        return f"{int(number // 12)}年"
    text = f"{number:.4f}".rstrip("0").rstrip(".")
    return f"{text}{'个月' if unit is Unit.MONTH else unit.value}"
