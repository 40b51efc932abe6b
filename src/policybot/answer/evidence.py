"""Quote-first evidence: which clauses of the documents hold what a question asks.

A question asks for a kind of answer (``AnswerType``): a ratio, an amount, a count, a period, a
date, the day something takes effect, a list, conditions, or something else. Candidate clauses
(sentences, ``；`` parts, list items) come from the retrieved chunks and from a dense search over
all clauses; each is scored on three things:

* dense similarity of the question to the clause (embedded with its headings at ingest);
* keyword overlap of the question's content terms with the clause and its section path;
* fit to the answer type: a 多少/比例 question needs a figure of a fitting unit, a 何时/施行
  question a date or a time limit.

The best fitting clauses are the answer's evidence: composers quote them verbatim and name the
values in them exactly as they are written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache

import numpy as np

from policybot.answer.compose import lexical_overlap
from policybot.answer.understanding import Query
from policybot.genre import (
    TimeKind,
    ValueKind,
    asked_role,
    cn_to_int,
    find_times,
    find_values,
    is_instruction,
    section_role,
)
from policybot.ingest.clauses import Clause
from policybot.records import Chunk, Hit

__all__ = [
    "AnswerType",
    "Evidence",
    "answer_type",
    "asked_units",
    "coverage",
    "fits",
    "rank_clauses",
    "values_for",
    "year_fit",
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


_TYPE_RULES: list[tuple[AnswerType, re.Pattern[str]]] = [
    (AnswerType.YEAR, re.compile(r"哪一年|哪年|哪个年份|什么年份|几几年|which year|what year|in what year", re.I)),
    (AnswerType.CONTACT, re.compile(r"联系电话|电话|联系人|联系方式|咨询电话|phone|contact", re.I)),
    (
        AnswerType.EFFECTIVE,
        re.compile(
            r"施行|生效|失效|开始执行|执行时间|实施时间|起执行|开始实施|开始适用|适用.*(?:年度|时间)|从(?:哪|什么)"
            r"|take effect|in(?:to)? force|into effect|effective|apply from|from what date",
            re.I,
        ),
    ),
    (AnswerType.FREQUENCY, re.compile(r"多久.{0,16}一次|多长时间.{0,16}一次|每隔|频率|频次|how often", re.I)),
    (
        AnswerType.PERIOD,
        re.compile(r"几年|多少年|多久|多长时间|几个月|多少个月|几天|多少天|期限|有效期|how long|how many years", re.I),
    ),
    (
        AnswerType.TIME,
        re.compile(
            r"什么时候|何时|哪天|几月|哪一年|哪年|日期|截止|截至|最迟|最晚|前完成|什么时间|时间要求|时间范围|哪段时间"
            r"|when|deadline|date",
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
_FIGURES = {
    AnswerType.RATIO: {ValueKind.RATIO},
    AnswerType.AMOUNT: {ValueKind.MONEY},
    AnswerType.MONEY: {ValueKind.MONEY, ValueKind.RATIO},
    AnswerType.COUNT: {ValueKind.COUNT, ValueKind.QUANTITY},
    AnswerType.SCORE: {ValueKind.SCORE},
    AnswerType.NUMBER: set(ValueKind),
    AnswerType.PERIOD: {ValueKind.DURATION},
}
_TIMES = {
    AnswerType.EFFECTIVE: {TimeKind.EFFECTIVE},
    AnswerType.TIME: {TimeKind.DEADLINE, TimeKind.WINDOW, TimeKind.DATE, TimeKind.QUARTER, TimeKind.TARGET_YEAR},
    AnswerType.YEAR: {TimeKind.DATE, TimeKind.TARGET_YEAR, TimeKind.EFFECTIVE, TimeKind.WINDOW, TimeKind.DEADLINE},
    AnswerType.PERIOD: {TimeKind.PERIOD},
    AnswerType.FREQUENCY: {TimeKind.PERIOD},
}
_DEADLINES = {TimeKind.DEADLINE, TimeKind.WINDOW}
_CHANGED_TO = re.compile(r"(放宽|提高|降低|调整|上调|下调|延长|缩短|增加|减少)(?:到|至|为)(?:多少|几)")
#: Support asked about (补贴多少, how much subsidy) is answered by a clause that gives support.
_SUPPORT_ASKED = re.compile(r"补贴|补助|奖励|资助|奖补|扶持资金|subsid|grant|funding|award", re.I)
_SUPPORT_GIVEN = re.compile(r"补贴|补助|奖励|资助|奖补|扶持|支持|给予|补偿|贴息|减免|返还|抵扣|安排|投资")
_CLOSES = re.compile(r"截止|截至|止|之前|以前|前(?:报送|提交|完成|申报)|最迟|不晚于")
#: Time kinds that answer a 何时/截止 question better than a bare date or year does.
_STRONG_TIMES = {TimeKind.DEADLINE, TimeKind.WINDOW, TimeKind.EFFECTIVE, TimeKind.QUARTER}
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_BARE_YEAR = re.compile(r"(?:\d{4}|[〇○零一二三四五六七八九]{4})年")
_ASKS_DEADLINE = re.compile(r"截止|截至|最迟|最晚|之前|以前|by when|deadline|no later", re.I)
_CONDITION = re.compile(r"应当|须|必须|符合|具备|满足|不得|不适用|可以|可按|条件|以上|以下|不低于|不超过")
_LIST_MARK = re.compile(r"、.*、|、[^，。；、与]{1,12}(?:和|及|以及)|：|包括|如下|下列")  # "X、Y和Z" lists three


def answer_type(question: str) -> AnswerType:
    """What kind of answer ``question`` asks for (the first rule that matches)."""
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
_COUNTED = re.compile(r"(?:多少|几)(?:万)?(学时|课时|小时|人|名|家|个|项|所|户|份|台|套|次|批|条|件)")
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


def asked_units(question: str) -> frozenset[str] | None:
    """The unit a 多少人 / 几家 / "how many hours" question counts in (人 and 名 alike), else None."""
    m = _COUNTED.search(question)
    if m:
        return frozenset(_SAME_UNIT.get(m.group(1), {m.group(1)}))
    en = _COUNTED_EN.search(question)
    return frozenset(_EN_UNITS[en.group(1).lower()]) if en else None


def values_for(kind: AnswerType, text: str, units: frozenset[str] | None = None) -> list[str]:
    """The values of ``text`` that answer a question of ``kind``, exactly as written, in order;
    for a count, only in ``units`` when given."""
    if kind is AnswerType.CONTACT:
        return contacts(text)
    out: list[tuple[int, str]] = []
    figures = _FIGURES.get(kind)
    if figures:
        out += [
            (v.start, v.text)
            for v in find_values(text)
            if v.kind in figures
            and (units is None or kind is not AnswerType.COUNT or v.unit in units)
            and not _VAGUE.fullmatch(v.text)
        ]
    times = _TIMES.get(kind)
    if times:
        taken = [(s, s + len(t)) for s, t in out]
        for t in find_times(text):
            if t.kind not in times or any(a < t.end and t.start < b for a, b in taken):
                continue
            if t.kind is TimeKind.PERIOD and (kind is AnswerType.FREQUENCY) != t.text.startswith("每"):
                continue  # 每年 answers 多久一次, not 几年
            if t.kind is TimeKind.DATE and _BARE_YEAR.fullmatch(t.text) and kind is not AnswerType.YEAR:
                continue  # "2016年" alone dates nothing, except for 哪一年
            out.append((t.start, t.text))
    return [text for _start, text in sorted(out)]


_PHONE = re.compile(r"(?:\d{3,4}[-－])?\d{7,8}(?:[-－转]\d{1,5})?|1[3-9]\d{9}")
_CONTACT = re.compile(r"联\s*系\s*人[:：]\s*([^。；;\n]{2,30}?)(?=[。；;，,\n]|联系电话|电话|$)")


def contacts(text: str) -> list[str]:
    """Phone numbers and named contacts of ``text``, as written."""
    found = [(m.start(), m.group(0)) for m in _PHONE.finditer(text)]
    found += [(m.start(1), m.group(1)) for m in _CONTACT.finditer(text)]
    return [t for _s, t in sorted(found)]


def fits(kind: AnswerType, text: str, units: frozenset[str] | None = None) -> bool:
    if kind is AnswerType.CONTACT:
        return bool(contacts(text))
    if kind in _FIGURES or kind in _TIMES:
        return bool(values_for(kind, text, units))
    if kind is AnswerType.CONDITION:
        return bool(_CONDITION.search(text))
    if kind is AnswerType.LIST:
        return bool(_LIST_MARK.search(text))
    return True


def _bare_heading(text: str, heading: str) -> bool:
    """Is ``text`` just its section's title ("二、申报条件")? An item that is all heading
    ("(二)职工总数不超过500人…") still says something."""
    return text.rstrip("。：:；") == heading and len(heading) < 16 and not find_values(heading)


def coverage(query: Query, text: str, identity: str = "") -> float:
    """Share of the question's required nouns and names (``Query.required``; for an English question
    its glossary terms) found in ``text`` or the document's ``identity`` (title, 文号, issuer). A
    compound of four or more characters counts when both its halves are in ``text`` itself: "能源审计"
    is not covered by a clause on 审计 in the 节约能源法."""
    groups = [(t,) for t in query.required] if query.lang == "zh" else list(query.terms)
    if not groups:
        return 1.0
    whole = text + identity
    found = sum(1 for g in groups if any(t in whole or (len(t) >= 4 and t[:2] in text and t[-2:] in text) for t in g))
    return found / len(groups)


_DOC_YEAR = re.compile(
    r"((?:19|20)\d{2})年?(?:的|版|出台的|印发的|发布的)?(?:[\u4e00-\u9fff]{0,8}?(?:方案|通知|办法|意见|规划|公告|条例|问答))"
    r"|((?:19|20)\d{2})(?: [a-z-]+){0,2} (?:plan|notice|measures|opinion|announcement|law|regulation|q&a)s?\b",
    re.I,
)


def year_fit(query: Query, text: str, start: int) -> float:
    """+0.15 when the year the question names governs the clause (in it, or the last year named
    before it in its chunk: "到2020年，…；到2025年，…"), -0.15 when another year does."""
    named = {
        m.group(1) or m.group(2) for m in _DOC_YEAR.finditer(query.question)
    }  # "the 2019 reform plan": the document's
    years = {y for y in query.numbers if _YEAR.fullmatch(f"{y}年") and y not in named}
    if not years:
        return 0.0
    end = text.find("。", start)
    own = _YEAR.findall(text[start : end if end > 0 else len(text)])
    before = _YEAR.findall(text[:start])
    governing = own or before[-1:]
    if not governing:
        return 0.0
    return 0.15 if years & set(governing) else -0.15


@dataclass(frozen=True)
class Evidence:
    """A clause chosen as evidence: its chunk, its text and how it scored."""

    clause: Clause
    chunk: Chunk
    score: float
    dense: float
    lexical: float
    fits: bool
    coverage: float = 1.0  # share of the question's required nouns in the clause, its headings or title

    @property
    def text(self) -> str:
        return self.clause.text


def rank_clauses(
    query: Query,
    kind: AnswerType,
    hits: Sequence[Hit],
    clauses: Sequence[Clause],
    chunks: Sequence[Chunk],
    similarities: Sequence[float] | np.ndarray,
    *,
    doc_weights: dict[str, float] | None = None,
    identity: dict[str, str] | None = None,
    extra_rows: Sequence[int] = (),
) -> list[Evidence]:
    """Candidate clauses of ``hits`` (and ``extra_rows`` of ``clauses``), best first.

    ``doc_weights`` favours documents the question names; ``identity`` is each document's title,
    文号 and issuer, which count towards a clause's coverage of the question's nouns."""
    chunk_score = {h.chunk.id: h.score for h in hits}
    units = asked_units(query.question)
    deadline = bool(_ASKS_DEADLINE.search(query.question))
    role = asked_role(query.question)
    wanted = {h.chunk.id for h in hits}
    rows = [c.row for c in clauses if c.chunk_id in wanted]
    rows += [r for r in extra_rows if r not in set(rows)]
    out = []
    for row in rows:
        clause = clauses[row]
        chunk = chunks[clause.chunk_row]
        if len(clause.text) < 4 or _bare_heading(clause.text, chunk.section_path[-1]) or is_instruction(clause.text):
            continue  # a title, or planted text addressing the assistant: never evidence
        dense = float(similarities[row]) if len(similarities) > row else 0.0
        base = dense + 0.25 * chunk_score.get(chunk.id, 0.0) + (doc_weights or {}).get(clause.doc_id, 0.0)
        if role is not None and any(section_role(h) is role for h in chunk.section_path[1:]):
            base += 0.15
        ident = (identity or {}).get(clause.doc_id, "")
        single = _evidence(query, kind, clause, chunk, base, dense, ident, units, deadline)
        out.append(single)
        lead_in = _lead_in(query, kind, single, clauses, chunk)
        if lead_in is not None:
            joined = replace(clause, start=lead_in.start, text=chunk.text[lead_in.start : clause.end].strip())
            both = _evidence(query, kind, joined, chunk, base - 0.05, dense, ident, units, deadline)
            if both.fits and both.coverage >= 0.5:
                out.append(both)
    if kind in _FIGURES or kind in _TIMES:
        docs = {h.chunk.doc_id for h in hits}
        near = [h for h in hits] + [Hit(c, 0.0) for c in chunks if c.doc_id in docs and c.id not in wanted]
        out += _heading_clauses(query, kind, near, clauses, doc_weights or {}, identity or {}, units, deadline)
    out.sort(key=lambda e: (-e.score, e.clause.row))
    return out


def _heading_clauses(
    query: Query,
    kind: AnswerType,
    hits: Sequence[Hit],
    clauses: Sequence[Clause],
    doc_weights: dict[str, float],
    identity: dict[str, str],
    units: frozenset[str] | None,
    deadline: bool,
) -> list[Evidence]:
    """Headings that are whole sentences with the asked value ("（三）企业应于2016年12月31日17:30前
    在网上完成预申报工作"), as clauses: the heading is in a chunk's path, not in its text. ``hits``
    are the retrieved chunks and the other chunks of their documents (scored 0)."""
    first_row: dict[str, int] = {}
    for c in clauses:
        first_row.setdefault(c.chunk_id, c.row)
    retrieved = [h.dense_score for h in hits if h.dense_score]
    typical = float(np.median(retrieved)) if retrieved else 0.0  # a heading has no vector of its own
    out, seen = [], set()
    for hit in hits:
        chunk = hit.chunk
        heading = chunk.section_path[-1] if len(chunk.section_path) > 1 else ""
        if len(heading) < 12 or heading in seen or chunk.id not in first_row or not fits(kind, heading, units):
            continue
        seen.add(heading)
        clause = Clause(first_row[chunk.id], -1, chunk.id, chunk.doc_id, 0, 0, heading)
        dense = hit.dense_score or typical
        base = dense + 0.25 * hit.score + doc_weights.get(chunk.doc_id, 0.0) - 0.05
        out.append(_evidence(query, kind, clause, chunk, base, dense, identity.get(chunk.doc_id, ""), units, deadline))
    return out


def _evidence(
    query: Query,
    kind: AnswerType,
    clause: Clause,
    chunk: Chunk,
    base: float,
    dense: float,
    identity: str,
    units: frozenset[str] | None,
    deadline: bool,
) -> Evidence:
    """``clause`` scored: ``base`` (similarity, retrieval, document and role) plus keyword overlap,
    fit to the answer type and the year the question names."""
    lex = lexical_overlap(_beyond_title(query, identity), clause.text + " ".join(chunk.section_path[1:]))
    ok = fits(kind, clause.text, units)
    times = {t.kind for t in find_times(clause.text)} if ok and kind is AnswerType.TIME else set()
    if times and deadline:  # a deadline asked ("截止时间是哪天"): "（预计1月上旬）下发后" is a date, not one
        ok = bool(times & _DEADLINES) or bool(_CLOSES.search(clause.text))
    changed = _CHANGED_TO.search(query.question)
    if ok and changed:  # "可以放宽到多少万元": the value it is changed to, not the rule it changes
        ok = bool(re.search(rf"{changed.group(1)}(?:到|至|为)\s*(?:百分之)?[\d一二三四五六七八九十两]", clause.text))
    if ok and kind is AnswerType.MONEY and _SUPPORT_ASKED.search(query.question):
        ok = bool(_SUPPORT_GIVEN.search(clause.text + chunk.section_path[-1]))  # not a revenue threshold
    score = base + 0.6 * lex
    score += (0.12 if ok else -0.25) if kind is not AnswerType.OTHER else 0.0
    if ok and kind is AnswerType.TIME:
        score += 0.08 if times & _STRONG_TIMES else 0.0
        score += 0.1 if deadline and TimeKind.DEADLINE in times else 0.0
    score += year_fit(query, chunk.text, clause.start) + _named_figures(query, clause.text)
    score += _named_label(query.question, clause.text)
    score += _bound_fit(query.question, clause.text) if ok else 0.0
    score += _defines(query.question, clause.text)
    cover = coverage(query, clause.text + " ".join(chunk.section_path), identity)
    return Evidence(clause, chunk, round(score, 6), dense, lex, ok, cover)


_FIGURE_NAMED = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|[万亿千百]?(?![号年月日])[\u4e00-\u9fff])")


def _named_figures(query: Query, text: str) -> float:
    """+0.1 when the clause holds a figure the question names with its unit ("稳定在11亿千瓦左右
    是哪一年的目标"), -0.1 when it holds none of them; 0 when the question names none (years,
    document numbers and the asker's own figures do not count)."""
    if query.lang != "zh":
        return 0.0
    named = _asked_figures(query.question.replace(query.own, "") if query.own else query.question)
    if not named:
        return 0.0
    return 0.1 if any(n in text for n in named) else -0.1


# The question's side of each score below depends on the question alone: found once per question,
# not once per candidate clause.
@lru_cache(maxsize=256)
def _asked_figures(asked: str) -> tuple[str, ...]:
    return tuple(_FIGURE_NAMED.findall(asked))


_LABEL = re.compile(
    r"([\u4e00-\u9fff]{2})\s*(\d{1,2}|[一二三四五六七八九十]{1,2})(?![\d.%年月日号万亿元个项家人名台份次期批条])"
)


def _label_number(text: str) -> int:
    return int(text) if text.isdigit() else cn_to_int(text)


@lru_cache(maxsize=256)
def _asked_labels(question: str) -> tuple[tuple[int, re.Pattern[str]], ...]:
    """The question's numbered labels: (number, the pattern of the label's stem with any number)."""
    return tuple(
        (_label_number(number), re.compile(rf"{stem}\s*(\d{{1,2}}|[一二三四五六七八九十]{{1,2}})"))
        for stem, number in _LABEL.findall(question)
    )


def _named_label(question: str, text: str) -> float:
    """+0.15 for a clause that names the numbered label the question names ("方向2企业…" → "方向2：…"),
    -0.15 for one that names the same label with another number ("方向1：…")."""
    score = 0.0
    for number, pattern in _asked_labels(question):
        found = {_label_number(n) for n in pattern.findall(text)}
        if number in found:
            score = max(score, 0.15)
        elif found:
            score = min(score, -0.15)
    return score


def _beyond_title(query: Query, identity: str) -> Query:
    """``query`` without the terms its document's title already holds: every clause of 《科技型中小企业
    评价办法》 is about 科技型中小企业, so those words cannot tell its clauses apart."""
    if not identity:
        return query
    kept = tuple(g for g in query.terms if not any(t in identity for t in g))
    return replace(query, terms=kept) if kept and len(kept) < len(query.terms) else query


_ASKS_DEFINED = re.compile(r"所称的?([\u4e00-\u9fff]{2,12}?)(?:包括|是指|指的是|指|是什么|有哪些|范围)")


_ASKS_SCOPE = re.compile(r"([\u4e00-\u9fff]{2,16}?)(?:具体)?(?:包括哪些|包含哪些|是指什么|指的是什么|指什么)")


_ASKS_MEMBERS = re.compile(
    r"哪些.{0,16}(?:属于|算|算是|列为|认定为)|(?:属于|算不算|是不是)|count as|qualify as|are (?:deemed|considered)",
    re.I,
)
_NAMES_MEMBERS = re.compile(
    r"^(?:第[一二三四五六七八九十百]+条)?\s*下列[\u4e00-\u9fff]{0,12}(?:为|属于|是|列为)[\u4e00-\u9fff]{2,16}[：:]"
)


def _defines(question: str, text: str) -> float:
    """+0.2 for the clause that defines the term a "…所称的X包括哪些" question asks about ("本法所称
    能源，是指…"), -0.1 for one that defines another ("本法所称节约能源（以下简称节能），是指…").
    Without 所称, "…的X具体包括哪些" takes the clause "X是指…" (+0.2)."""
    if _ASKS_MEMBERS.search(question) and _NAMES_MEMBERS.search(text):
        return 0.2  # "which energy users count as key units": "下列用能单位为重点用能单位："
    defines, suffixes = _asked_definition(question)
    if defines is None:
        return 0.2 if any(f in text for f in suffixes) else 0.0
    if defines.search(text):
        return 0.2
    return -0.1 if _DEFINES_ANOTHER.search(text) else 0.0  # defines another term


_DEFINES_ANOTHER = re.compile(r"所称[\u4e00-\u9fff]{2,12}?(?:[，,：:（(]|是指)")


@lru_cache(maxsize=256)
def _asked_definition(question: str) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """For ``_defines``: the pattern of the clause defining the term a 所称 question asks about, or
    (without 所称) the "X是指" texts, each tail of X of two characters or more, that define it."""
    m = _ASKS_DEFINED.search(question)
    if m:
        return re.compile(rf"所称{re.escape(m.group(1))}(?:[，,：:]|是指|包括)"), ()
    scope = _ASKS_SCOPE.search(question)
    words = scope.group(1) if scope else ""
    return None, tuple(f"{words[i:]}是指" for i in range(max(0, len(words) - 2) + 1)) if words else ()


_ASKS_MAX = re.compile(r"上限|最高|最多|不超过|封顶|\b(?:cap|maximum|at most)\b", re.I)
_ASKS_MIN = re.compile(r"下限|最低|最少|不低于|不少于|至少|\b(?:minimum|at least)\b", re.I)
_MAX_WORDS = re.compile(r"不超过|不高于|不多于|以下|以内|最高|上限|封顶|最多")
_MIN_WORDS = re.compile(r"不低于|不少于|不得少于|以上|至少|最低|下限")


def _bound_fit(question: str, text: str) -> float:
    """+0.12 when a 上限 question meets a clause that states an upper bound (不超过…), or a 下限
    question one that states a lower bound (不低于…)."""
    asks_max, asks_min = _asked_bounds(question)
    if asks_max and _MAX_WORDS.search(text):
        return 0.12
    if asks_min and _MIN_WORDS.search(text):
        return 0.12
    return 0.0


@lru_cache(maxsize=256)
def _asked_bounds(question: str) -> tuple[bool, bool]:
    return bool(_ASKS_MAX.search(question)), bool(_ASKS_MIN.search(question))


#: A clause that opens by pointing back ("此项费用总额不得超过…") takes its subject from the one before.
_ANAPHOR = re.compile(  # also a duty with no subject of its own: "每年汇算清缴期结束后应开展核查" (税务机关, before)
    r"^(?:此项|该项|上述|前款|前述|以上|这些|此类|其中|其|(?:每年|每季度|每月|每半年|同时)[^，。；]{0,12}?应"
    r"|逾期(?:不|未)|拒不|情节(?:特别)?严重|造成)"  # a penalty's next step: "…责令限期改正；逾期不改正的，处…罚款"
)
_LEADING_TIME = re.compile(r"^(?:到|至|从|自|在|于)?(?:19|20)\d{2}年")


def _lead_in(
    query: Query, kind: AnswerType, single: Evidence, clauses: Sequence[Clause], chunk: Chunk
) -> Clause | None:
    """The clause before that completes this one, in the same paragraph: when this one holds a
    fitting value but not the question's subject ("此项费用总额不得超过…10%" after the list of those
    costs), the one just before; when a 哪一年 / 何时 question meets a sentence governed by a year
    that opens an earlier one ("到2020年，…。…。…"), that one (at most three back)."""
    clause = single.clause
    if single.fits and (single.coverage >= 0.5 or not _ANAPHOR.match(clause.text)):
        return None
    if _named_figures(query, clause.text) < 0:
        return None
    if not single.fits and kind not in (AnswerType.YEAR, AnswerType.TIME):
        return None
    for back in range(1, 2 if single.fits else 4):
        row = clause.row - back
        if row < 0 or clauses[row].chunk_id != clause.chunk_id:
            return None
        previous = clauses[row]
        if "\n" in chunk.text[previous.end : clause.start]:
            return None
        if single.fits or _LEADING_TIME.match(previous.text):
            return previous
    return None
