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
from functools import lru_cache

import numpy as np

from policybot.answer.answer_types import (
    FIGURE_KINDS,
    TIME_KINDS,
    AnswerType,
    answer_type,
    asked_units,
    contacts,
    fits,
    values_for,
)
from policybot.answer.compose import lexical_overlap
from policybot.answer.understanding import Query
from policybot.genre import (
    TimeKind,
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
    "contacts",
    "coverage",
    "fits",
    "rank_clauses",
    "values_for",
    "year_fit",
]


_DEADLINES = {TimeKind.DEADLINE, TimeKind.WINDOW}
#: Who a penalty question is about: "公共机构不按规定进行能源审计的" -> 公共机构.
_PENALISED = re.compile(
    r"^([\u4e00-\u9fff]{2,10}?(?:机构|单位|企业|公司|部门|机关|组织|个人))(?:不|未|违反|没有|拒不|擅自|无正当理由)"
)
_ASKS_PENALTY = re.compile(r"罚|处罚|处分|法律责任|penalt|fine", re.I)
_CHANGE = r"(?:放宽|提高|降低|调整|上调|下调|延长|缩短|增加|减少|改|变更|改变)"
_CHANGED_TO = re.compile(rf"({_CHANGE})(?:到|至|为|成)(?:多少|几)")
_CHANGED_VALUE = re.compile(rf"{_CHANGE}(?:到|至|为|成)\s*(?:百分之)?[\d一二三四五六七八九十两]")
#: Support asked about (补贴多少, how much subsidy) is answered by a clause that gives support.
_SUPPORT_ASKED = re.compile(r"补贴|补助|奖励|资助|奖补|扶持资金|subsid|grant|funding|award", re.I)
_SUPPORT_GIVEN = re.compile(r"补贴|补助|奖励|资助|奖补|扶持|支持|给予|补偿|贴息|减免|返还|抵扣|安排|投资")
_CLOSES = re.compile(r"截止|截至|止|之前|以前|前(?:报送|提交|完成|申报)|最迟|不晚于")
#: Time kinds that answer a 何时/截止 question better than a bare date or year does.
_STRONG_TIMES = {TimeKind.DEADLINE, TimeKind.WINDOW, TimeKind.EFFECTIVE, TimeKind.QUARTER}
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_ASKS_DEADLINE = re.compile(r"截止|截至|最迟|最晚|之前|以前|by when|deadline|no later", re.I)


def _bare_heading(text: str, heading: str) -> bool:
    """Is ``text`` just its section's title ("二、申报条件")? An item that is all heading
    ("(二)职工总数不超过500人…") still says something."""
    return text.rstrip("。：:；") == heading and len(heading) < 16 and not find_values(heading)


def coverage(query: Query, text: str, identity: str = "") -> float:
    """Share of the question's required nouns and names (``Query.required``; for an English question
    its glossary terms) found in ``text`` or the document's ``identity`` (title, 文号, issuer). A
    compound of four or more characters counts when both its halves are in ``text`` itself: "能源审计"
    is not covered by a clause on 审计 in the 节约能源法."""
    if query.lang == "zh":  # each noun with its synonyms (补贴: 补助, 奖补 …)
        groups = [next((g for g in query.terms if t in g), (t,)) for t in query.required]
    else:
        groups = list(query.terms)
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
    if kind in FIGURE_KINDS or kind in TIME_KINDS:
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
    actor = _PENALISED.search(query.question[len(query.own) :] if query.own else query.question)
    if ok and actor and _ASKS_PENALTY.search(query.question):  # "公共机构不按规定…的，罚款多少": its article
        ok = actor.group(1) in clause.text + chunk.text[: clause.start]
    changed = _CHANGED_TO.search(query.question)
    if ok and changed:  # "可以放宽到多少万元": the value it is changed to, not the rule it changes
        ok = bool(_CHANGED_VALUE.search(clause.text))
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
    score += _meets_conditions(query.question, chunk.section_path) + _describes(query.question, clause.text)
    score += 0.1 if ok and _value_after_term(query, kind, clause.text, units) else 0.0
    cover = coverage(query, clause.text + " ".join(chunk.section_path), identity)
    return Evidence(clause, chunk, round(score, 6), dense, lex, ok, cover)


_SATISFY = re.compile(r"满足|符合|具备|达到")
_CONDITIONS_HEADING = re.compile(r"^(?!.*(?:资料|材料)).*(?:条件|资格)")


def _meets_conditions(question: str, path: tuple[str, ...]) -> float:
    """+0.05 for a clause under a conditions heading (二、申报条件) when the question asks what must be
    satisfied ("设备需要满足哪些技术特征"): a materials list (申报资料要求) says what to hand in, not that."""
    if not _SATISFY.search(question):
        return 0.0
    return 0.05 if any(_CONDITIONS_HEADING.search(h) for h in path[1:]) else 0.0


_ASKS_FEATURES = re.compile(r"特征|特点|性能|参数|技术要求|属性|what (?:kind|type)|features|characteristics", re.I)
_DESCRIBING = re.compile(r"属于|具有|具备|是指|指的是|应为")


def _describes(question: str, text: str) -> float:
    """+0.05 for a clause that says what a thing is ("机器人设备属于…、具有三轴及三轴以上…的操作机") when
    the question asks what it must be like (哪些技术特征)."""
    return 0.05 if _ASKS_FEATURES.search(question) and _DESCRIBING.search(text) else 0.0


_FIGURE_NAMED = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|[万亿千百]?(?![号年月日])[\u4e00-\u9fff])")


def _value_after_term(query: Query, kind: AnswerType, text: str, units: frozenset[str] | None) -> bool:
    """Does a value of the asked kind follow one of the question's nouns at once ("原值10亿元",
    "折旧年限35年")? Such a clause states that value of that thing, not merely names both."""
    if kind not in FIGURE_KINDS:
        return False
    values = values_for(kind, text, units)
    terms = [t for t in (*query.required, *(g[0] for g in query.terms)) if len(t) >= 2 and not t.isdigit()]
    for term in dict.fromkeys(terms):
        for m in re.finditer(re.escape(term), text):
            after = text[m.end() : m.end() + 4 + max((len(v) for v in values), default=0)]
            if any(after.lstrip("为是达约：: ").startswith(v) for v in values):
                return True
    return False


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
