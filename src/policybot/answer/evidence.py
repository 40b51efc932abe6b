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
from policybot.answer.clause_scores import (
    STEPS,
    beyond_title,
    bound_fit,
    defines,
    describes,
    meets_conditions,
    named_figures,
    named_label,
    other_step,
    polarity,
    value_after_term,
)
from policybot.answer.compose import lexical_overlap
from policybot.answer.understanding import Query
from policybot.genre import (
    TimeKind,
    asked_role,
    find_times,
    find_values,
    is_example,
    is_instruction,
    is_question_line,
    section_role,
)
from policybot.ingest.clauses import Clause
from policybot.records import Chunk, Hit

__all__ = [
    "FIGURE_KINDS",
    "TIME_KINDS",
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
_TERM_OF = re.compile(r"((?![几一二三四五六七八九十两半多年月个])[\u4e00-\u9fff]{2})(期限|年限|期)(?![满间内初末中])")


def _other_term(question: str, text: str) -> bool:
    """Does the question name one term (执行期限) and the clause's period belong to another of the same
    kind (留存期限, 公示期)? Each is "<two characters><期限/年限/期>"."""
    asked = {m.group(1) + m.group(2) for m in _TERM_OF.finditer(question)}
    if not asked:
        return False
    stated = {m.group(1) + m.group(2) for m in _TERM_OF.finditer(text)}
    if stated and not asked & stated:
        return True
    owners = {m.group(1) for m in _OWNED.finditer(question)} - _NO_OWNER
    return bool(owners) and bool(stated) and not any(o in text for o in owners)


#: Whose validity a question asks ("创新券有效期多长"): not a registration's ("登记有效期为3年") or the
#: measure's own ("本办法…有效期5年").
_OWNED = re.compile(r"([\u4e00-\u9fff]{2})(?:的)?(?:有效期|期限|年限)")
_NO_OWNER = frozenset({"本办", "办法", "细则", "本细", "方案", "通知", "政策", "文件", "补贴", "补助", "执行", "实施"})


_ASKS_EXAMPLE = re.compile(r"例|案例|举例|example|case", re.I)
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
    example_asked = bool(_ASKS_EXAMPLE.search(query.question))
    wanted = {h.chunk.id for h in hits}
    rows = [c.row for c in clauses if c.chunk_id in wanted]
    rows += [r for r in extra_rows if r not in set(rows)]
    rows += [r for r in _step_rows(query, kind, hits, clauses, chunks) if r not in set(rows)]
    out = []
    for row in rows:
        clause = clauses[row]
        chunk = chunks[clause.chunk_row]
        if len(clause.text) < 4 or _bare_heading(clause.text, chunk.section_path[-1]) or is_instruction(clause.text):
            continue  # a title, or planted text addressing the assistant: never evidence
        if is_question_line(clause.text) or (is_example(clause.text) and not example_asked):
            continue  # a Q&A's question is no answer; a worked example's figures are not the rule's
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


def _step_rows(
    query: Query, kind: AnswerType, hits: Sequence[Hit], clauses: Sequence[Clause], chunks: Sequence[Chunk]
) -> list[int]:
    """For the time of a step ("申报时间"), the clauses under the headings that name that step
    ("四、申报程序 › （一）企业申报") in the two best documents, found or not by retrieval."""
    if kind not in (AnswerType.TIME, AnswerType.PERIOD) or not STEPS.search(query.question):
        return []
    docs = set(list(dict.fromkeys(h.chunk.doc_id for h in hits))[:2])
    named: dict[int, bool] = {}  # chunk row -> its heading names the step (each heading looked at once)
    rows = []
    for clause in clauses:
        if clause.doc_id not in docs:
            continue
        if clause.chunk_row not in named:
            path = chunks[clause.chunk_row].section_path
            named[clause.chunk_row] = len(path) > 1 and not other_step(query, path[-1])
        if named[clause.chunk_row]:
            rows.append(clause.row)
    return rows


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
    lex = lexical_overlap(beyond_title(query, identity), clause.text + " ".join(chunk.section_path[1:]))
    ok = fits(kind, clause.text, units)
    if ok and query.measured:  # "削减多少吨氮氧化物": not the tonnes of 二氧化硫 beside it
        ok = any(t in clause.text or t in chunk.section_path[-1] for t in query.measured)
    times = {t.kind for t in find_times(clause.text)} if ok and kind is AnswerType.TIME else set()
    if times and deadline:  # a deadline asked ("截止时间是哪天"): "（预计1月上旬）下发后" is a date, not one
        ok = bool(times & _DEADLINES) or bool(_CLOSES.search(clause.text))
    actor = _PENALISED.search(query.question[len(query.own) :] if query.own else query.question)
    if ok and actor and _ASKS_PENALTY.search(query.question):  # "公共机构不按规定…的，罚款多少": its article
        ok = actor.group(1) in clause.text + chunk.text[: clause.start]
    changed = _CHANGED_TO.search(query.question)
    if ok and changed:  # "可以放宽到多少万元": the value it is changed to, not the rule it changes
        ok = bool(_CHANGED_VALUE.search(clause.text))
    timed = kind in (AnswerType.TIME, AnswerType.PERIOD)
    if ok and timed and other_step(query, clause.text + " ".join(chunk.section_path[1:])):
        ok = False  # "申报时间": not the window a recognition must fall in ("…期间首次获得认定的")
    if ok and kind is AnswerType.PERIOD:  # "执行期限是什么": not "留存期限为…10年", another term's period
        ok = not _other_term(query.question, clause.text)
    if ok and kind is AnswerType.MONEY and _SUPPORT_ASKED.search(query.question):
        ok = bool(_SUPPORT_GIVEN.search(clause.text + chunk.section_path[-1]))  # not a revenue threshold
    year = year_fit(query, chunk.text, clause.start)
    if ok and year < 0 and kind in FIGURE_KINDS:  # "到2025年底要建成多少家" is not answered by 2027's target
        ok = False
    score = base + 0.6 * lex
    score += (0.12 if ok else -0.25) if kind is not AnswerType.OTHER else 0.0
    if ok and kind is AnswerType.TIME:
        score += 0.08 if times & _STRONG_TIMES else 0.0
        score += 0.1 if deadline and TimeKind.DEADLINE in times else 0.0
    score += year + named_figures(query, clause.text)
    score += named_label(query.question, clause.text)
    score += bound_fit(query.question, clause.text) if ok else 0.0
    score += defines(query.question, clause.text)
    score += meets_conditions(query.question, chunk.section_path) + describes(query.question, clause.text)
    score += 0.1 if ok and value_after_term(query, kind, clause.text, units) else 0.0
    score += 0.1 * polarity(query, clause.text) if kind in FIGURE_KINDS else 0.0
    if ok and timed and STEPS.search(query.question) and not other_step(query, chunk.section_path[-1]):
        score += 0.05  # "（一）企业申报": the step's own heading
    cover = coverage(query, clause.text + " ".join(chunk.section_path), identity)
    return Evidence(clause, chunk, round(score, 6), dense, lex, ok, cover)


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
    if named_figures(query, clause.text) < 0:
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
