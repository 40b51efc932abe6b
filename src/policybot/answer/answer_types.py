"""What a question asks for (``AnswerType``) and which values of a text answer it.

A question asks for a ratio, an amount, a count, a score, a period or a frequency, a year, a date
or a deadline, the day something takes effect, a contact, a list, conditions, or something else.
``values_for`` finds the values of a text that answer such a question, exactly as written, and
``fits`` says whether a text holds one.
"""

from __future__ import annotations

import re
from enum import Enum

from policybot.genre import TimeExpr, TimeKind, Value, ValueKind, find_times, find_values, unit_kind

__all__ = [
    "FIGURE_KINDS",
    "TIME_KINDS",
    "WHEN_ASKED",
    "AnswerType",
    "answer_type",
    "asked_units",
    "asks_method",
    "contacts",
    "fits",
    "values_for",
]


class AnswerType(Enum):
    RATIO = "ratio"
    AMOUNT = "amount"  # a sum of money only (多少钱, 多少亿元)
    MONEY = "money"  # support: a sum or a ratio (补贴多少)
    COUNT = "count"
    SCORE = "score"
    NUMBER = "number"  # any figure with a unit
    FREQUENCY = "frequency"  # 多久一次: 每年 / 每5年
    YEAR = "year"  # 哪一年: a year, alone or in a date
    PERIOD = "period"  # 几年 / 多久: a duration or time limit
    EFFECTIVE = "effective"  # 何时施行 / 从哪天开始执行
    TIME = "time"  # 何时 / 截止: a date, a deadline, a window, a quarter
    CONTACT = "contact"  # 联系人 / 电话
    LIST = "list"
    CONDITION = "condition"
    OTHER = "other"


#: "when" that asks a time ("When will…", "…by when", "…carried out when?"), not the "when" of a condition
#: ("How is the amount determined when VAT has been deducted?").
WHEN_ASKED = (
    r"^\W*(?:and |so |then |but )?when\b|\bby when\b|\bwhen\s*\?"
    r"|\bwhen (?:is|are|was|were|will|would|do|does|did|can|could|should|must|shall|has|have)\b"
)

_TYPE_RULES: list[tuple[AnswerType, re.Pattern[str]]] = [
    (AnswerType.YEAR, re.compile(r"哪一年|哪年|哪个年份|什么年份|几几年|which year|what year|in what year", re.I)),
    (AnswerType.CONTACT, re.compile(r"联系电话|电话|联系人|联系方式|咨询电话|邮箱|phone|contact|e-?mail", re.I)),
    (
        AnswerType.EFFECTIVE,
        re.compile(
            r"施行|生效|失效|开始执行|执行时间|实施时间|起执行|开始实施|开始适用|适用.*(?:年度|时间)|从(?:哪|什么)"
            r"|take effect|in(?:to)? force|into effect|effective|apply from|from what date",
            re.I,
        ),
    ),
    # "有效期到什么时候": the day it ends, not how long it lasts
    (AnswerType.TIME, re.compile(r"(?:到|至|截止到|截至)(?:什么时候|何时|哪天|哪一天|几月|几号)|until when", re.I)),
    (AnswerType.FREQUENCY, re.compile(r"多久.{0,16}一次|多长时间.{0,16}一次|每隔|频率|频次|how often", re.I)),
    (
        AnswerType.PERIOD,
        re.compile(
            r"几年|多少年|多久|多长时间|几个月|多少个月|几天|多少天|(?:几|多少)个?(?:工作日|自然日|周|星期)|期限|有效期"
            r"|how long|how many (?:years|working days|weeks)",
            re.I,
        ),
    ),
    (
        AnswerType.TIME,
        re.compile(
            r"什么时候|何时|几点|哪天|几月|哪一年|哪年|日期|截止|截至|最迟|最晚|前完成|什么时间|时间要求|时间范围|哪段时间"
            rf"|{WHEN_ASKED}|deadline|date",
            re.I,
        ),
    ),
    (
        AnswerType.RATIO,
        re.compile(r"比例|百分之|百分比|占比|比重|几成|比率|多大比例|percentage|ratio|share|rate|per ?cent", re.I),
    ),
    (AnswerType.SCORE, re.compile(r"多少分|几分|分数|得分|score|points", re.I)),
    (
        AnswerType.COUNT,
        re.compile(
            r"多少人|几人|人数|多少名|多少家|几家|多少个|几个|多少所|多少项|(?:多少|几)[份台套次批条件户所]|how many",
            re.I,
        ),
    ),
    (
        AnswerType.AMOUNT,
        re.compile(
            r"多少钱|多少元|多少万元|多少亿元|几万元|金额|(?:资金|基金|投资|总)规模|规模(?:有|是|为)?多[大少]"
            r"|(?:怎么|如何|怎样|会被?)(?:处罚|罚)|什么处罚|罚款(?:是|有)?多少"
            r"|how much money",
            re.I,
        ),
    ),
    (
        AnswerType.MONEY,
        re.compile(
            r"金额|多少钱|多少元|多少万|资金|补贴|补助|奖励|资助|贷款|额度|how much money|amount|subsidy|funding|grant",
            re.I,
        ),
    ),
    (
        AnswerType.NUMBER,
        re.compile(
            r"多少|多大|几|最低|最高|不超过|上限|下限|至少|最多|最少|达到|how much|minimum|maximum|at least", re.I
        ),
    ),
    (
        AnswerType.LIST,
        re.compile(r"哪些|有哪|哪几|什么样的|包括什么|包含什么|几类|几种|几项|which|what are|list", re.I),
    ),
    (
        AnswerType.CONDITION,
        re.compile(r"能否|是否|能不能|可不可以|可以.*吗|能.*吗|条件|资格|需要满足|can (?:we|i|a)|eligible", re.I),
    ),
]
_ASKS_FIGURE = re.compile(r"多少|(?<!哪)几(?![类种项方])|比例|百分|多大|how (?:much|many)|percentage", re.I)
#: A yes/no question ("有资助吗", "能不能抽贷"): names support or money without asking an amount.
_YES_NO = re.compile(r"吗[？?]?$|能不能|能否|可不可以|是否|有没有|\b(?:can|is|are|does|do)\b", re.I)
_AMOUNT_WORDS = re.compile(
    r"金额|额度|标准|上限|下限|最高|最多|最低|至少|how much|amount|minimum|maximum|at least", re.I
)
#: The value kinds that answer each figure question.
FIGURE_KINDS = {
    AnswerType.RATIO: {ValueKind.RATIO},
    AnswerType.AMOUNT: {ValueKind.MONEY},
    AnswerType.MONEY: {ValueKind.MONEY, ValueKind.RATIO},
    AnswerType.COUNT: {ValueKind.COUNT, ValueKind.QUANTITY},
    AnswerType.SCORE: {ValueKind.SCORE},
    AnswerType.NUMBER: set(ValueKind),
    AnswerType.PERIOD: {ValueKind.DURATION},
}
#: The time kinds that answer each time question.
TIME_KINDS = {
    AnswerType.EFFECTIVE: {TimeKind.EFFECTIVE},
    AnswerType.TIME: {TimeKind.DEADLINE, TimeKind.WINDOW, TimeKind.DATE, TimeKind.QUARTER, TimeKind.TARGET_YEAR},
    AnswerType.YEAR: {TimeKind.DATE, TimeKind.TARGET_YEAR, TimeKind.EFFECTIVE, TimeKind.WINDOW, TimeKind.DEADLINE},
    AnswerType.PERIOD: {TimeKind.PERIOD},
    AnswerType.FREQUENCY: {TimeKind.PERIOD},
}
#: A span that counts from an event is a time ("在服务完成后30日内", "自收到申请之日起20个工作日内").
_RELATIVE = re.compile(r"(?:后|之日起|起)\s*$")


def _from_event(text: str, t: TimeExpr) -> tuple[int, str]:
    """A relative time with its event: "服务完成后30日内", not "30日内"."""
    head = text[max(0, t.start - 12) : t.start]
    cut = max(head.rfind(c) for c in "在于自，,：:；") + 1
    start = t.start - len(head) + cut
    return start, text[start : t.end]


_BARE_YEAR = re.compile(r"(?:\d{4}|[〇○零一二三四五六七八九]{4})年")
_CONDITION = re.compile(r"应当|须|必须|符合|具备|满足|不得|不适用|可以|可按|条件|以上|以下|不低于|不超过")
_LIST_MARK = re.compile(r"、.*、|、[^，。；、与]{1,12}(?:和|及|以及)|：|包括|如下|下列")  # "X、Y和Z" lists three


#: A question about how something is worked out ("How is the investment amount determined…", "如何确定"):
#: the rule, not a figure.
_ASKS_METHOD = re.compile(
    r"^\W*how (?:is|are|was|were|should|do|does) .{0,60}?\b(?:determined|calculated|computed|defined)\b", re.I
)


def asks_method(question: str) -> bool:
    return bool(_ASKS_METHOD.search(question))


def answer_type(question: str) -> AnswerType:
    """What kind of answer ``question`` asks for (the first rule that matches)."""
    if asks_method(question):
        return AnswerType.OTHER
    kinds = [t for t, pattern in _TYPE_RULES if pattern.search(question)]
    if kinds and kinds[0] is AnswerType.MONEY and not _asks_amount(question):  # 资金 names the fund
        kinds = [t for t in kinds if t not in (AnswerType.MONEY, AnswerType.NUMBER)]
    if AnswerType.LIST in kinds and not _ASKS_FIGURE.search(question):
        timed = [
            t for t in kinds if t in (AnswerType.YEAR, AnswerType.EFFECTIVE, AnswerType.TIME, AnswerType.FREQUENCY)
        ]
        return timed[0] if timed else AnswerType.LIST  # 哪些专项资金 lists funds; 多少资金 asks an amount
    return kinds[0] if kinds else AnswerType.OTHER


def _asks_amount(question: str) -> bool:
    return bool(_ASKS_FIGURE.search(question) or _AMOUNT_WORDS.search(question))


_VAGUE = re.compile(r"一(?:批|些|类|项|种)")  # "支持一批项目": no figure
_COUNTED = re.compile(
    r"(?:多少|几)(?:万)?个(人|名)(?!员)|(?:多少|几)(?:万)?(学时|课时|小时|人|名|家|个|项|所|户|份|台|套|次|批|条|件)"
)  # "几个人" counts 人, not 个
_HOURS = {"小时", "学时", "课时"}
_SAME_UNIT = {"人": {"人", "名"}, "名": {"人", "名"}, "小时": _HOURS, "学时": _HOURS, "课时": _HOURS}


_COUNTED_EN = re.compile(r"how many (hours|days|people|persons|employees|enterprises|companies|firms|projects)", re.I)
_EN_UNITS = {
    "hours": _HOURS,
    "days": {"天", "日"},
    "people": {"人", "名"},
    "persons": {"人", "名"},
    "employees": {"人", "名"},
    "enterprises": {"家", "户"},
    "companies": {"家", "户"},
    "firms": {"家", "户"},
    "projects": {"个", "项"},
}


_MEASURED = re.compile(r"(?:多少|几)((?:万|亿)?(?:吨标准煤|吨|千瓦时|千瓦|兆瓦|吉瓦|立方米|平方米|亩|公顷|公里|元))")


def asked_units(question: str) -> frozenset[str] | None:
    """The unit a 多少人 / 几家 / "how many hours" question counts in (人 and 名 alike), or the unit a
    多少吨标准煤 / 多少万元 question measures in, else None."""
    m = _COUNTED.search(question)
    if m:
        unit = m.group(1) or m.group(2)
        return frozenset(_SAME_UNIT.get(unit, {unit}))
    measured = _MEASURED.search(question)
    if measured:
        return frozenset({measured.group(1)})
    en = _COUNTED_EN.search(question)
    return frozenset(_EN_UNITS[en.group(1).lower()]) if en else None


def values_for(kind: AnswerType, text: str, units: frozenset[str] | None = None) -> list[str]:
    """The values of ``text`` that answer a question of ``kind``, exactly as written, in order;
    for a count, only in ``units`` when given."""
    if kind is AnswerType.CONTACT:
        return contacts(text)
    out: list[tuple[int, str]] = []
    figures = FIGURE_KINDS.get(kind)
    if figures:
        out += [
            (v.start, v.text)
            for v in find_values(text)
            if v.kind in figures and (units is None or _in_units(kind, v, units)) and not _VAGUE.fullmatch(v.text)
        ]
    times = TIME_KINDS.get(kind)
    if kind is AnswerType.TIME and times is not None:  # "服务完成后30日内": a time relative to an event
        times = times | {TimeKind.PERIOD}
    if times:
        taken = [(s, s + len(t)) for s, t in out]
        for t in find_times(text):
            if t.kind not in times or any(a < t.end and t.start < b for a, b in taken):
                continue
            if t.kind is TimeKind.PERIOD and (kind is AnswerType.FREQUENCY) != t.text.startswith("每"):
                continue  # 每年 answers 多久一次, not 几年
            if kind is AnswerType.TIME and t.kind is TimeKind.PERIOD and not _RELATIVE.search(text[: t.start]):
                continue
            if t.kind is TimeKind.DATE and _BARE_YEAR.fullmatch(t.text) and kind is not AnswerType.YEAR:
                continue  # "2016年" alone dates nothing, except for 哪一年
            out.append(
                _from_event(text, t) if t.kind is TimeKind.PERIOD and kind is AnswerType.TIME else (t.start, t.text)
            )
    return [text for _start, text in sorted(out)]


def _in_units(kind: AnswerType, value: Value, units: frozenset[str]) -> bool:
    """A count in the units counted; a measure in the kind of unit asked ("多少吨标准煤每万元" is
    not answered by "下降10%")."""
    if kind is AnswerType.COUNT:
        return value.unit in units
    measures = {unit_kind(u) for u in units} - {None, ValueKind.COUNT}
    return not measures or value.kind in measures


_PHONE = re.compile(r"(?:\d{3,4}[-－])?\d{7,8}(?:[-－转]\d{1,5})?|1[3-9]\d{9}")
_CONTACT = re.compile(r"联\s*系\s*人[:：]\s*([^。；;\n]{2,30}?)(?=[。；;，,\n]|联系电话|电话|$)")


#: A name right before a phone label, unlabelled ("装备工业处：陈晓峰，联系电话：0598-6231457").
_NAMED_BEFORE_PHONE = re.compile(r"[：:]\s*([\u4e00-\u9fff]{2,3})[，,、\s]\s*(?:联系)?(?:电话|手机)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def contacts(text: str) -> list[str]:
    """Phone numbers, e-mail addresses and named contacts of ``text``, as written."""
    emails = [(m.start(), m.group(0)) for m in _EMAIL.finditer(text)]
    found = [
        (m.start(), m.group(0))
        for m in _PHONE.finditer(text)
        if not any(s <= m.start() < s + len(e) for s, e in emails)
    ]
    found += emails
    found += [(m.start(1), m.group(1)) for m in _CONTACT.finditer(text)]
    found += [
        (m.start(1), m.group(1)) for m in _NAMED_BEFORE_PHONE.finditer(text) if m.group(1) not in dict(found).values()
    ]
    return [t for _s, t in sorted(found)]


def fits(kind: AnswerType, text: str, units: frozenset[str] | None = None) -> bool:
    if kind is AnswerType.CONTACT:
        return bool(contacts(text))
    if kind in FIGURE_KINDS or kind in TIME_KINDS:
        return bool(values_for(kind, text, units))
    if kind is AnswerType.CONDITION:
        return bool(_CONDITION.search(text))
    if kind is AnswerType.LIST:
        return bool(_LIST_MARK.search(text))
    return True
