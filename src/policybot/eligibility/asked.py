"""A profile read from how an enterprise describes itself in a question: "我们是一家刚成立8个月的
软件公司", "年营业收入1.2亿元", "150名职工", "河北", "造纸企业", "是高新技术企业", "没有失信记录"."""

from __future__ import annotations

import re

from policybot.eligibility.model import Attribute, Unit
from policybot.eligibility.places import CITY_PROVINCE, PROVINCES
from policybot.eligibility.profile import NUMERIC, Profile
from policybot.eligibility.quantities import quantity_of
from policybot.genre.units import find_values

__all__ = ["profile_from_text"]

#: attribute -> words that come before (or right after) its figure
_WORDS: list[tuple[Attribute, re.Pattern[str]]] = [
    (Attribute.AGE, re.compile(r"成立|注册|设立|经营")),
    (Attribute.RD_RATIO, re.compile(r"研发|研究开发")),
    (Attribute.STAFF_RATIO, re.compile(r"科技人员|研发人员|技术人员")),
    (Attribute.REVENUE_GROWTH, re.compile(r"增长|增速|增幅")),
    (Attribute.REVENUE, re.compile(r"收入|营收|营业额|销售额")),
    (Attribute.ASSETS, re.compile(r"资产")),
    (Attribute.PROFIT, re.compile(r"利润")),
    (Attribute.INVESTMENT, re.compile(r"投资")),
    (Attribute.EMPLOYEES, re.compile(r"职工|员工|雇员|从业人员|人员")),
    (Attribute.WATER_USE, re.compile(r"用水|取水")),
    (Attribute.SCORE, re.compile(r"得分|分值|评分")),
]
_INDUSTRY = re.compile(
    r"(?:是|为)?(?:一家|一个)?(?:[^，。,、]{0,10}?的)?(?P<v>[\u4e00-\u9fff]{2,6}?)(?:企业|公司|工厂|厂)"
)
_RECOGNITIONS = re.compile(
    r"(高新技术企业|科技型中小企业|规模以上工业企业|规上企业|专精特新[\u4e00-\u9fff]{0,6}企业|[\u4e00-\u9fff]{2,10}骨干企业)"
)
_NEGATED = re.compile(r"(?:没有|无|未|不是|并非|从未)[^，。,；]{0,6}$")


#: "去年营收1500万": money said without 元 after a money word.
_BARE_MONEY = re.compile(
    r"((?:收入|营收|营业额|销售额|资产|利润|投资)[^，。,\d]{0,4}\d+(?:\.\d+)?\s*(?:万|亿))(?![元美\d])"
)


_HALF_YEAR = re.compile(r"(\d+)\s*年半")  # "成立1年半": 18 months


def _figures(text: str) -> dict[Attribute, float]:
    text = _HALF_YEAR.sub(lambda m: f"{m.group(1)}.5年", _BARE_MONEY.sub(r"\1元", text))
    out: dict[Attribute, float] = {}
    last = 0
    for value in find_values(text):
        quantity = quantity_of(value)
        if quantity is None:
            continue
        lead, tail = text[last : value.start], text[value.end : value.end + 4]
        last = value.end
        for attribute, pattern in _WORDS:
            if NUMERIC[attribute] is quantity.unit and (pattern.search(lead[-10:]) or pattern.match(tail)):
                out.setdefault(attribute, quantity.number)
                break
        else:
            if quantity.unit is Unit.PERSON and Attribute.EMPLOYEES not in out:
                out[Attribute.EMPLOYEES] = quantity.number
    return out


def _place(text: str) -> str | None:
    for province in PROVINCES:
        if province in text:
            city = next((c for c in CITY_PROVINCE if c in text and CITY_PROVINCE[c] == province), "")
            return province + city
    return next((c for c in CITY_PROVINCE if c in text), None)


def _flags(text: str) -> dict[Attribute, bool]:
    out: dict[Attribute, bool] = {}
    for attribute, pattern in (
        (Attribute.CREDIT, r"失信"),
        (Attribute.VIOLATION, r"违法|违规|处罚|事故"),
        (Attribute.PRIOR_BENEFIT, r"享受过|已享受|获得过[^，。]{0,8}补"),
    ):
        m = re.search(pattern, text)
        if m:
            out[attribute] = not _NEGATED.search(text[max(0, m.start() - 8) : m.start()])
    return out


_DATED = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_PROJECT_EVENT = re.compile(r"开工|购置|购买|采购|买了|销售|投产|建设|安装|签订")
_PATENT_EVENT = re.compile(r"专利|知识产权|授权")


def _dates(text: str) -> dict[Attribute, str]:
    """When the asker's project started or its equipment was bought ("改造项目2023年10月开工"), and
    when its patent was granted, as an ISO day (the 1st when only the month is said)."""
    out: dict[Attribute, str] = {}
    for m in _DATED.finditer(text):
        around = text[max(0, m.start() - 8) : m.end() + 6]
        attribute = (
            Attribute.PATENT_DATE
            if _PATENT_EVENT.search(around)
            else Attribute.PROJECT_DATE
            if _PROJECT_EVENT.search(around)
            else None
        )
        month, day = int(m.group(2)), int(m.group(3) or 1)
        if attribute is not None and 1 <= month <= 12 and 1 <= day <= 31:
            out.setdefault(attribute, f"{int(m.group(1)):04d}-{month:02d}-{day:02d}")
    return out


def profile_from_text(text: str) -> Profile:
    """The attributes ``text`` states; what it does not state stays unknown."""
    texts: dict[Attribute, str] = {}
    place = _place(text)
    if place:
        texts[Attribute.REGION] = place
    m = _INDUSTRY.search(text)
    if m and not re.search(r"成立|刚|\d|个月|年|规模以上|高新技术|科技型|骨干|专精特新", m.group("v")):
        texts[Attribute.INDUSTRY] = re.sub(r"^(?:一家|一个|家|个)", "", m.group("v"))
    recognitions = tuple(dict.fromkeys(r.group(1) for r in _RECOGNITIONS.finditer(text)))
    return Profile(
        numbers=_figures(text),
        texts=texts,
        flags=_flags(text),
        dates=_dates(text),
        recognitions=recognitions or None,
    )
