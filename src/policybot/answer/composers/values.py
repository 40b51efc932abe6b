"""The quote-first composer: the value exactly as the source writes it, the source, the clause.

``根据《科技型中小企业评价办法》 › 第六条：“…综合评价得分不低于60分…”`` — the lead names the values
found in the chosen clauses (``60分``), then where they are, then each clause verbatim. No frame
word is put around a value: the clause says what the value is.
"""

from __future__ import annotations

import re

from policybot.answer.clause_scores import RAISES, unnamed_raise
from policybot.answer.compose import Draft
from policybot.answer.composers.base import score_of
from policybot.answer.composers.focus import MARGIN, asks_rule, asks_several, compares, focus, narrowed
from policybot.answer.context import AnswerContext
from policybot.answer.evidence import (
    FIGURE_KINDS,
    AnswerType,
    Evidence,
    values_for,
)
from policybot.answer.understanding import Query
from policybot.records import PATH_SEP, Document, Hit

#: Answer types whose answer is a value in a clause.
VALUE_TYPES = frozenset(
    {
        AnswerType.RATIO,
        AnswerType.AMOUNT,
        AnswerType.MONEY,
        AnswerType.FREQUENCY,
        AnswerType.YEAR,
        AnswerType.CONTACT,
        AnswerType.COUNT,
        AnswerType.SCORE,
        AnswerType.NUMBER,
        AnswerType.PERIOD,
        AnswerType.EFFECTIVE,
        AnswerType.TIME,
    }
)


MIN_SCORE = 0.80  # a fitting clause below this is not taken as evidence


MIN_COVERAGE = 0.5  # share of the question's nouns a clause (with its headings) must mention


_CAP = re.compile(r"(?:最高|最多|不超过|不高于|上限为?|封顶)[^，；。]*?[0-9一二三四五六七八九十百千万]+[^，；。]*$")


_CAPPED_SUBJECT = re.compile(r"对?(?:单个|单家|单项|每个|每家|每项|每户|每年|同一)")


def _caps_it(ratio_part: str, subject: str) -> bool:
    """Whether a cap whose ，-part opens with ``subject`` bounds the ratio of ``ratio_part``: a short
    subject ("最高不超过20万元", "每户最高…"), or a longer one that names what each one gets or shares a
    word with the ratio's part ("给予补偿，单个企业年度补偿总额最高不超过200万元")."""
    if len(subject) <= 8:
        return True
    if len(subject) > 16:
        return False
    shares_a_word = any(subject[i : i + 2] in ratio_part for i in range(len(subject) - 1))
    return bool(_CAPPED_SUBJECT.match(subject)) or shares_a_word


def _with_cap(text: str, quote: str, values: list[str]) -> tuple[str, dict[str, str]]:
    """Each ratio of ``quote`` with the cap that follows it in the same sentence ("按合同金额的30%给予
    抵扣，单个企业最高不超过20万元；…提高到40%，最高不超过30万元"): the quote extended to the last cap
    when it stops before it, and each ratio's cap ("最高不超过20万元"); a ratio without its cap
    misstates it."""
    at = text.find(quote)
    if at < 0:
        return quote, {}
    caps: dict[str, str] = {}
    end = at + len(quote)
    for ratio in (v for v in values if v in quote and ("%" in v or "百分之" in v)):
        after = at + quote.find(ratio) + len(ratio)
        rest = text[after:]
        if not rest or rest[0] in "；。":
            continue
        parts = re.split(r"[，；。]", rest)
        if len(parts) < 2 or re.match(r"[^，]*[；。]", rest):
            continue  # no ，-part after it in its own clause
        nxt = parts[1]
        m = _CAP.search(nxt)
        if m and _caps_it(parts[0], nxt[: m.start()]) and not re.search(r"[；。]", rest[: len(parts[0]) + 1]):
            per_unit = nxt.lstrip().startswith("每")  # "每千瓦补贴最高不超过300元": a cap per unit, not in all
            caps[ratio] = m.group(0) if m.start() <= 8 and not per_unit else nxt.strip()  # what is capped
            end = max(end, after + len(parts[0]) + 1 + len(nxt))
    return text[at:end], caps


def _lead(values: list[str], caps: dict[str, str], zh: bool) -> str:
    """The values, each ratio with its cap: "50%，最高不超过5万元", "30%（最高不超过20万元）、40%（…）"."""
    if len(values) == 1 and values[0] in caps:
        return f"{values[0]}，{caps[values[0]]}" if zh else f"{values[0]} ({caps[values[0]]})"
    shown = [f"{v}（{caps[v]}）" if v in caps and zh else (f"{v} ({caps[v]})" if v in caps else v) for v in values]
    return "、".join(shown) if zh else ", ".join(shown)


#: A question about the value after a change ("大厦新的折旧年限", "调整后的费率").
_ASKS_NEW = re.compile(r"新的|(?:调整|变更|修改|改造|延长|提高|降低)后的")
#: A clause that sets a value as the new one, and not as what someone proposes (拟将…变更为40年).
_SETS_NEW = re.compile(
    r"^(?!.*(?:拟|打算|计划|想|申请)(?:将|把)?[^，。；]{0,20}(?:变更|调整|改|延长|提高|降低))"
    r".*(?:变更为|调整为|调整到|改为|改成|延长至|延长到|延长为|提高到|提高至|降低到|降低至|降至|新的?[^，。；]{0,12}(?:为|是))"
)


_EACH = re.compile(r"各|分别|each|respectively", re.I)
_NAMED_PARTS = re.compile(
    r"([^，。；：]{2,14}(?:、[^，。；：、]{2,10})+)(?:等)?[一二三四五六七八九十两几\d]+(?:类|项|个|种|方面|部分)"
)


def _each_named(query: Query, kind: AnswerType, ranked: list[Evidence]) -> list[Evidence]:
    """ "三类指标各占多少分？" when the best clause names the parts ("包括科技人员、研发投入、科技成果
    三类，满分100分"): for each part, the best clause that gives its value ("1.科技人员指标(满分20分)");
    none unless every part has one."""
    m = _NAMED_PARTS.search(ranked[0].text) if _EACH.search(query.question) else None
    if m is None:
        return []
    names = [n.strip() for n in m.group(1).split("、")]
    names[0] = re.split(r"包括|包含|分为|分成|为|有", names[0])[-1]
    picks = []
    for name in names:
        pick = next((e for e in ranked[1:] if name in e.text and values_for(kind, e.text)), None)
        if pick is None:
            return []
        picks.append(pick)
    return picks


_CONTACT_LABELS = ("联系人", "电话", "邮箱", "地址", "传真")


def _each_contact(query: Query, kind: AnswerType, ranked: list[Evidence]) -> list[Evidence]:
    """ "联系人和联系电话是什么": for each contact the question names, the best clause that gives it."""
    if kind is not AnswerType.CONTACT:
        return []
    asked = [label for label in _CONTACT_LABELS if label in query.question]
    picks = [next((e for e in ranked if label in e.text), None) for label in asked]
    return [e for e in picks if e is not None] if len(asked) > 1 else []


_CONTACT_KINDS = {
    "email": re.compile(r"邮箱|邮件|e-?mail", re.I),
    "phone": re.compile(r"电话|手机|热线|phone|tel", re.I),
    "person": re.compile(r"联系人|找谁|\bwho\b|contact person", re.I),
}


def _contact_kind(value: str) -> str:
    return "email" if "@" in value else "phone" if re.search(r"\d{5}", value) else "person"


def _contacts_asked(question: str, values: list[str]) -> list[str]:
    """Of the contacts found, those of the kinds the question asks ("What is the contact email?": the
    address, not the phone beside it); all when it names no kind or none of them is there."""
    asked = {k for k, pattern in _CONTACT_KINDS.items() if pattern.search(question)}
    kept = [v for v in values if _contact_kind(v) in asked]
    return kept or values


def _echoes(query: Query, value: str) -> bool:
    """Is ``value`` a figure the question itself states?"""
    digits = re.sub(r"\D", "", value)
    return bool(digits) and value in query.question


def source_path(doc: Document | None, path: tuple[str, ...]) -> str:
    name = (doc.meta.short_title or doc.meta.title) if doc else ""
    tail = [p for p in path[1:] if p][-2:] if len(path) > 1 else []
    title = f"《{name.strip('《》')}》" if name else ""
    return PATH_SEP.join([title, *tail]) if title else PATH_SEP.join(tail)


def fitting(ctx: AnswerContext, query: Query, kind: AnswerType) -> list[Evidence]:
    """Clauses with a value of the asked kind that are about the question's subject."""
    return [e for e in ctx.evidence(kind, query) if e.fits and e.coverage >= MIN_COVERAGE]


def _raise_at(text: str) -> int:
    m = RAISES.search(text)
    return m.start() if m else len(text)


def _raised_rule(q: Query, kind: AnswerType, ranked: list[Evidence]) -> list[Evidence]:
    """The clause of the same document with the rule the top clause raises for a case the question
    does not name ("对符合条件的项目，按照…的20%给予补助" before "被认定为市级智能工厂的项目，补助比例
    提高至25%"): the nearest fitting one above it with a value of the kind asked and no raise of its own."""
    top = ranked[0]
    if values_for(kind, top.text[: _raise_at(top.text)]):
        return []  # "返还标准按50%确定，对困难企业可提高到75%": the rule is in the clause itself
    rules = [
        e
        for e in ranked[1:8]
        if e.chunk.doc_id == top.chunk.doc_id
        and e.clause.row < top.clause.row
        and not unnamed_raise(q, e.text)
        and focus(q, kind, e.text)
    ]
    return [max(rules, key=lambda e: e.clause.row)] if rules else []


def compose_quote(ctx: AnswerContext, draft: Draft, hits: list[Hit], kind: AnswerType) -> bool:
    """Answer with the best fitting clause(s); False when no clause fits well enough."""
    q = draft.query
    ranked = fitting(ctx, q, kind)
    if _ASKS_NEW.search(q.question):  # "新的折旧年限应该定为多少年": only a value a clause sets as the new one
        ranked = [e for e in ranked if _SETS_NEW.search(e.text)]
    floor = MIN_SCORE - 0.1 if kind is AnswerType.EFFECTIVE else MIN_SCORE  # a 施行 article is the answer itself
    if (not ranked or ranked[0].score < floor) and kind is AnswerType.EFFECTIVE:
        kind = AnswerType.TIME  # no 自…起施行 clause: the dates that are there
        ranked = fitting(ctx, q, kind)
    if not ranked or ranked[0].score < (floor if kind is AnswerType.EFFECTIVE else MIN_SCORE):
        return False
    chosen = [ranked[0]]
    if kind in FIGURE_KINDS and unnamed_raise(q, ranked[0].text):  # the rule it raises comes first
        chosen = [*_raised_rule(q, kind, ranked), ranked[0]]
    if asks_several(q.question):
        across = compares(q.question)  # "…是国家的规定，还是北京自己定得更高？"
        chosen += [
            e
            for e in ranked[1:4]
            if e.score >= ranked[0].score - MARGIN and (across or e.chunk.doc_id == ranked[0].chunk.doc_id)
        ][:2]
        chosen += [e for e in _each_named(q, kind, ranked) if e not in chosen]
        chosen += [e for e in _each_contact(q, kind, ranked) if e not in chosen]
        chosen = [e for e in chosen if not any(e is not o and e.text in o.text for o in chosen)]  # no part twice
    if kind is AnswerType.CONTACT:  # a 联系方式 section's other lines: each contact it gives
        section = chosen[0].chunk.section_path
        chosen += [e for e in ranked[1:6] if e.chunk.section_path == section and e not in chosen][:3]
        chosen.sort(key=lambda e: e.clause.row)  # in the order the section gives them
    values = list(dict.fromkeys(v for e in chosen for v in focus(q, kind, e.text)))
    if kind is AnswerType.CONTACT:
        values = _contacts_asked(q.question, values)
    if values and all(_echoes(q, v) for v in values):
        return False  # "达到多少才算…，可以再获得10%的奖励": 10% is the asker's figure, not the answer
    lines: list[str] = []
    caps: dict[str, str] = {}
    for e in sorted(chosen, key=lambda e: e.clause.row):
        quote = e.text if asks_rule(q.question) else narrowed(q, kind, e.text, [v for v in values if v in e.text])
        if kind in (AnswerType.RATIO, AnswerType.MONEY, AnswerType.AMOUNT):
            quote, found = _with_cap(e.text, quote, values)
            caps.update({v: c for v, c in found.items() if all(c not in w for w in values)})
        mark = draft.cite(e.chunk, quote, score_of(ctx.hits, e.chunk, 0.0))
        label = source_path(ctx.document(e.chunk.doc_id), e.chunk.section_path)
        lines.append(f"{label}：“{quote}”{mark}" if q.lang == "zh" else f"{label}: “{quote}” {mark}")
    lead = _lead(values, caps, q.lang == "zh")
    if q.lang == "zh":
        draft.add(f"{lead}。\n根据" + "\n".join(lines) if len(lines) == 1 else f"{lead}。依据：\n" + "\n".join(lines))
    else:
        draft.add(
            f"{lead}. According to " + "\n".join(lines) if len(lines) == 1 else f"{lead}. Sources:\n" + "\n".join(lines)
        )
    return True
