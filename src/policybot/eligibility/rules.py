"""Typing one clause of a conditions list: which attribute it constrains, how, and to what.

A clause is a piece of an item between ，；。 (``职工总数不超过500人、年销售收入不超过2亿元``).
Rules are written for the genre (申报条件 of calls, 须同时满足 articles of measures), not for a
document: place phrases (在…注册), thresholds with their comparator words (不低于 / 以上 / 不超过),
date windows, credit, violations, benefits already received and earlier recognitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policybot.eligibility.model import Attribute, Comparator, Unit
from policybot.eligibility.quantities import quantity_of
from policybot.genre.units import find_values

__all__ = ["Typed", "iso_date", "type_clause"]


@dataclass(frozen=True)
class Typed:
    attribute: Attribute
    comparator: Comparator
    number: float | None = None
    unit: Unit | None = None
    terms: tuple[str, ...] = ()
    exclusion: bool = False


#: keyword -> attribute for figures, by the unit the figure must have (first match wins)
_FIGURE_WORDS: list[tuple[Unit, re.Pattern[str], Attribute]] = [
    (Unit.PERCENT, re.compile(r"研发费用|研究开发费用|研发投入|研发经费"), Attribute.RD_RATIO),
    (Unit.PERCENT, re.compile(r"科技人员|研发人员|技术人员|新招|新招用|吸纳|录用|招用|人员"), Attribute.STAFF_RATIO),
    (Unit.PERCENT, re.compile(r"收入增长|收入增速|增长|增幅|增速"), Attribute.REVENUE_GROWTH),
    (Unit.WAN_YUAN, re.compile(r"收入|营业额|销售额|产值"), Attribute.REVENUE),
    (Unit.WAN_YUAN, re.compile(r"资产"), Attribute.ASSETS),
    (Unit.WAN_YUAN, re.compile(r"利润|纳税"), Attribute.PROFIT),
    (Unit.WAN_YUAN, re.compile(r"投资|投入"), Attribute.INVESTMENT),
    (Unit.PERSON, re.compile(r"职工|员工|从业人员|在职人员|人数|雇员"), Attribute.EMPLOYEES),
    (Unit.CUBIC_METRE, re.compile(r"用水|取水|水量"), Attribute.WATER_USE),
    (Unit.POINT, re.compile(r"分值|得分|评分|分数"), Attribute.SCORE),
]
_BEFORE = [
    (re.compile(r"(?:不超过|不高于|不大于|不多于|最高|最多|控制在)$"), Comparator.LE),
    (re.compile(r"(?:不低于|不少于|不小于|达到|至少|最低)$"), Comparator.GE),
    (re.compile(r"(?:超过|高于|大于|多于)$"), Comparator.GT),
    (re.compile(r"(?:低于|少于|小于|不足|不满|未满)$"), Comparator.LT),
]
_AFTER = [
    (re.compile(r"^[（(]?含[）)]?以上|^及以上|^以上"), Comparator.GE),
    (re.compile(r"^[（(]?含[）)]?以下|^及以下|^以下|^以内|^之内"), Comparator.LE),
]
_NUMERAL = r"[\d一二三四五六七八九十两]+"
_AGE = re.compile(
    rf"(?:注册|成立|设立|经营)(?:登记)?(?:时间|期限)?(?:须|需|应)?(?P<w>不满|未满|不足|不超过|满|已满|达到|在)?(?P<n>{_NUMERAL}(?:个月|年))"
)
_REGION = re.compile(
    r"(?:在|于)(?P<p>[\u4e00-\u9fff]{1,12}?)(?:市|省|区|县)?(?:行政区域|辖区|范围|境内|市内|内)?(?:依法)?"
    r"(?:注册|登记|设立)"
)
_REGION_AT = re.compile(r"注册地(?:址)?(?:在|位于|为)(?P<p>[\u4e00-\u9fff]{2,12}?)(?:境内|内|$|[，、])")
_PROJECT_PLACE = re.compile(
    r"(?:实施地|建设地点|项目地点|实施地点)(?:须|应)?(?:在|位于)(?P<p>[\u4e00-\u9fff]{2,10}?)(?:境内|内|$)"
)
_HOUSEHOLD = re.compile(r"(?P<p>本市|本省|[\u4e00-\u9fff]{2,6}?[省市县区])(?:户籍|户口|缴纳社会保险|缴纳社保|参保)")
_INDUSTRY = re.compile(r"(?:重点为|限于|面向|主要为|从事|属于)(?P<v>[^，。；：、]{2,40})(?:企业|行业|领域)")
_SCALE = re.compile(r"规模以上(?:工业)?企业|规上企业")
_RECOGNIZED = re.compile(
    r"(?:已|经)?(?:认定|评定|认证|备案)的(?P<v>[^，。；、（(]{2,24}?(?:企业|机构|中心))|拥有(?:有效期内)?(?P<w>[^，。；]{2,12}?)资格证书"
)
_PROFIT_POSITIVE = re.compile(r"利润(?:总额)?(?:为正|大于零|为正数)")
_CREDIT = re.compile(r"失信|信用(?:评价)?等级|社会信誉|诚实守信|诚信|信用记录|信用良好")
_VIOLATION = re.compile(r"违法|违规|事故|行政处罚|刑事处罚")
_BENEFIT = re.compile(
    r"未享受|已享受|重复申报|多头申报|重复享受|不再予以(?:补贴|支持|资助)|已获得[^，。；]{0,10}(?:补助|补贴|资助)"
)
_LEGAL = re.compile(r"独立(?:企业)?法人")
_RESIDENT = re.compile(r"居民企业")
_CHINA = re.compile(r"中国境内|中华人民共和国境内|我国境内")
_DATE = r"\d{4}年\d{1,2}月(?:\d{1,2}日)?"
_WINDOW = re.compile(rf"(?P<a>{_DATE})\s*(?:至|到|—|－|-|~)\s*(?P<b>(?:\d{{4}}年)?\d{{1,2}}月(?:\d{{1,2}}日)?)")
_DATED = re.compile(r"(?:销售|购置|采购|投产|建成|竣工|开工|实施|立项|发票|合同|授权|申请|取得)")
_PERIOD = re.compile(rf"近({_NUMERAL})年|({_NUMERAL})年(?:内|以内|来)")
_LIST_SPLIT = re.compile(r"和|及|以及|、|或者|或")


def iso_date(text: str, default_year: str | None = None, *, end: bool = False) -> str | None:
    m = re.match(r"(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?", text)
    if not m or not (m.group(1) or default_year):
        return None
    year, month = m.group(1) or default_year, int(m.group(2))
    day = int(m.group(3)) if m.group(3) else (28 if end else 1)
    return f"{year}-{month:02d}-{day:02d}"


def _clean_place(place: str, home: str | None) -> str:
    if re.fullmatch(r"[本我](?:市|省|区|县)?", place):
        return home or "本市"
    return {"莞": "东莞", "穗": "广州", "深": "深圳", "沪": "上海", "京": "北京", "津": "天津", "渝": "重庆"}.get(
        place, place
    )


def _comparator(text: str, start: int, end: int, lead: str | None = None) -> Comparator:
    """The comparator of the figure at ``start:end``: a word right after it (以上), else the last
    comparator word of ``lead`` (the text since the previous figure), else one right before it."""
    after = text[end : end + 6]
    for pattern, comparator in _AFTER:
        if pattern.search(after):
            return comparator
    before = lead if lead is not None else text[max(0, start - 6) : start]
    found = [(m.end(), c) for p, c in _BEFORE for m in re.finditer(p.pattern.rstrip("$"), before)]
    return max(found, key=lambda x: x[0])[1] if found else Comparator.EQUALS


def _figures(clause: str) -> list[Typed]:
    out: list[Typed] = []
    last = 0
    for value in find_values(clause):
        quantity = quantity_of(value)
        if quantity is None or quantity.unit is Unit.MONTH:
            continue
        lead = clause[last : value.start]
        last = value.end
        attribute = next(
            (a for unit, pattern, a in _FIGURE_WORDS if unit is quantity.unit and pattern.search(lead)), None
        )
        if attribute is None:
            continue
        comparator = _comparator(clause, value.start, value.end, lead)
        if comparator is Comparator.EQUALS:
            continue  # a figure without a comparator word is not a threshold
        out.append(Typed(attribute, comparator, quantity.number, quantity.unit))
    return out


def _age(clause: str) -> list[Typed]:
    m = _AGE.search(clause)
    if not m:
        return []
    value = next((v for v in find_values(m.group("n")) if quantity_of(v) is not None), None)
    quantity = quantity_of(value) if value else None
    if quantity is None:
        return []
    comparator = _comparator(clause, m.start("n"), m.end("n"))
    if comparator is Comparator.EQUALS:
        comparator = Comparator.GE
    return [Typed(Attribute.AGE, comparator, quantity.number, Unit.MONTH)]


def _places(clause: str, home: str | None) -> list[Typed]:
    out: list[Typed] = []
    if _CHINA.search(clause) and re.search(r"注册|登记|设立", clause):
        out.append(Typed(Attribute.REGION, Comparator.WITHIN, terms=("中国",)))
    else:
        m = _REGION.search(clause) or _REGION_AT.search(clause)
        if m:
            out.append(Typed(Attribute.REGION, Comparator.WITHIN, terms=(_clean_place(m.group("p"), home),)))
    m = _PROJECT_PLACE.search(clause)
    if m:
        out.append(Typed(Attribute.PROJECT_PLACE, Comparator.WITHIN, terms=(_clean_place(m.group("p"), home),)))
    m = _HOUSEHOLD.search(clause)
    if m:
        out.append(Typed(Attribute.HOUSEHOLD, Comparator.WITHIN, terms=(_clean_place(m.group("p"), home),)))
    return out


def _industry(clause: str) -> list[Typed]:
    m = _INDUSTRY.search(clause)
    if not m or re.search(r"规模以上|禁止|限制|淘汰|认定|骨干|的|占|人员|活动", m.group("v")):
        return []
    names = [
        re.sub(r"^(?:我市|本市|我省|本省|全市|全省)|企业$", "", p).strip() for p in _LIST_SPLIT.split(m.group("v"))
    ]
    names = [n for n in names if len(n) >= 2]
    return [Typed(Attribute.INDUSTRY, Comparator.WITHIN, terms=tuple(names))] if names else []


def _dates(clause: str) -> list[Typed]:
    m = _WINDOW.search(clause)
    if not m or not _DATED.search(clause):
        return []
    start = iso_date(m.group("a"))
    end = iso_date(m.group("b"), start[:4] if start else None, end=True)
    if not start or not end:
        return []
    attribute = Attribute.PATENT_DATE if re.search(r"专利|知识产权|授权", clause) else Attribute.PROJECT_DATE
    return [Typed(attribute, Comparator.WITHIN, terms=(start, end))]


def _records(clause: str) -> list[Typed]:
    out: list[Typed] = []
    months = None
    period = _PERIOD.search(clause)
    if period:
        value = next(iter(find_values((period.group(1) or period.group(2)) + "年")), None)
        quantity = quantity_of(value) if value else None
        months = quantity.number if quantity else None
    if _CREDIT.search(clause):
        out.append(Typed(Attribute.CREDIT, Comparator.NOT, terms=("失信",), exclusion=True))
    if _VIOLATION.search(clause):
        unit = Unit.MONTH if months else None
        out.append(Typed(Attribute.VIOLATION, Comparator.NOT, months, unit, ("违法违规",), exclusion=True))
    if _BENEFIT.search(clause):
        out.append(Typed(Attribute.PRIOR_BENEFIT, Comparator.NOT, terms=("已享受",), exclusion=True))
    return out


def _status(clause: str) -> list[Typed]:
    out: list[Typed] = []
    if _SCALE.search(clause):
        out.append(Typed(Attribute.RECOGNITION, Comparator.EQUALS, terms=("规模以上工业企业",)))
    for m in _RECOGNIZED.finditer(clause):
        name = re.sub(r"^(?:已|经)", "", m.group("v") or m.group("w") or "").strip()
        if len(name) >= 3:
            out.append(Typed(Attribute.RECOGNITION, Comparator.EQUALS, terms=(name,)))
    if _LEGAL.search(clause):
        out.append(Typed(Attribute.LEGAL_PERSON, Comparator.EQUALS, terms=("独立法人资格",)))
    if _RESIDENT.search(clause):
        out.append(Typed(Attribute.RESIDENT, Comparator.EQUALS, terms=("居民企业",)))
    if _PROFIT_POSITIVE.search(clause):
        out.append(Typed(Attribute.PROFIT, Comparator.GT, 0.0, Unit.WAN_YUAN))
    return out


def type_clause(clause: str, home: str | None = None) -> list[Typed]:
    """The typed conditions ``clause`` states ([] when none can be typed). ``home`` is the place
    本市/我市 stands for in this document."""
    out = [*_places(clause, home), *_age(clause), *_figures(clause), *_dates(clause)]
    out += [*_industry(clause), *_status(clause), *_records(clause)]
    seen: set[tuple[Attribute, Comparator, float | None, tuple[str, ...]]] = set()
    unique = []
    for typed in out:
        key = (typed.attribute, typed.comparator, typed.number, typed.terms)
        if key not in seen:
            seen.add(key)
            unique.append(typed)
    return unique
