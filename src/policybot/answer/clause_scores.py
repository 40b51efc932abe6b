"""How one clause's score moves for one question, beyond similarity, keywords and type: a
conditions heading for what must be satisfied, a clause saying what a thing is for its features,
a figure or a label (第三项, 2.) the question names, the value right after the noun asked, the
definition asked, and a floor or a ceiling asked. ``evidence.rank_clauses`` adds them up."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from policybot.answer.answer_types import FIGURE_KINDS, AnswerType, values_for
from policybot.answer.understanding import Query, bigrams
from policybot.genre import cn_to_int

__all__ = [
    "RAISES",
    "STEPS",
    "beyond_title",
    "bound_fit",
    "defines",
    "describes",
    "meets_conditions",
    "named_figures",
    "named_label",
    "other_step",
    "polarity",
    "unnamed_raise",
    "value_after_term",
]


_SATISFY = re.compile(r"满足|符合|具备|达到")
_CONDITIONS_HEADING = re.compile(r"^(?!.*(?:资料|材料)).*(?:条件|资格)")


def meets_conditions(question: str, path: tuple[str, ...]) -> float:
    """+0.05 for a clause under a conditions heading (二、申报条件) when the question asks what must be
    satisfied ("设备需要满足哪些技术特征"): a materials list (申报资料要求) says what to hand in, not that."""
    if not _SATISFY.search(question):
        return 0.0
    return 0.05 if any(_CONDITIONS_HEADING.search(h) for h in path[1:]) else 0.0


_ASKS_FEATURES = re.compile(r"特征|特点|性能|参数|技术要求|属性|what (?:kind|type)|features|characteristics", re.I)
_DESCRIBING = re.compile(r"属于|具有|具备|是指|指的是|应为")


def describes(question: str, text: str) -> float:
    """+0.05 for a clause that says what a thing is ("机器人设备属于…、具有三轴及三轴以上…的操作机") when
    the question asks what it must be like (哪些技术特征)."""
    return 0.05 if _ASKS_FEATURES.search(question) and _DESCRIBING.search(text) else 0.0


_FIGURE_NAMED = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|[万亿千百]?(?![号年月日])[\u4e00-\u9fff])")


#: Words between a noun and its value ("规模突破500亿元", "总量超过10万吨", "原值10亿元").
_LINK = re.compile(r"^(?:为|是|达|约|：|:|\s|达到|突破|超过|超|约为|不低于|不少于|不超过|稳定在|控制在)*")


def value_after_term(query: Query, kind: AnswerType, text: str, units: frozenset[str] | None) -> bool:
    """Does a value of the asked kind follow one of the question's nouns at once ("原值10亿元",
    "折旧年限35年")? Such a clause states that value of that thing, not merely names both."""
    if kind not in FIGURE_KINDS:
        return False
    values = values_for(kind, text, units)
    terms = [t for t in query.required if len(t) >= 2 and not t.isdigit()]  # nouns: "达到50万小时" names no thing
    for term in dict.fromkeys(terms):
        for m in re.finditer(re.escape(term), text):
            after = text[m.end() : m.end() + 4 + max((len(v) for v in values), default=0)]
            if any(_LINK.sub("", after, count=1).startswith(v) for v in values):
                return True
    return False


def named_figures(query: Query, text: str) -> float:
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


def named_label(question: str, text: str) -> float:
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


def beyond_title(query: Query, identity: str) -> Query:
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


def defines(question: str, text: str) -> float:
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


def bound_fit(question: str, text: str) -> float:
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


_NEGATED = re.compile(r"(?:未|没有)([\u4e00-\u9fff]{2})")  # not 无 or 不: 无形资产, 不动产


def polarity(query: Query, text: str) -> int:
    """+1 when ``text`` negates what the question negates ("未形成无形资产的…100%" for "未形成无形资产的…
    比例"), -1 when it states that plainly or negates a term the question states; else 0."""
    asked_not = set(_NEGATED.findall(query.question))
    if any(query.question.count(x) > len(re.findall(f"(?:未|没有){x}", query.question)) for x in asked_not):
        return 0  # "没有形成…的扣多少？形成了…的又按多少？": both cases asked
    stated_not = set(_NEGATED.findall(text))
    if asked_not:
        return 1 if asked_not & stated_not else -1 if any(x in text for x in asked_not) else 0
    terms = {t for g in query.terms for t in g if len(t) == 2}
    return -1 if terms & stated_not else 0


RAISES = re.compile(r"(?:提高|上浮|上调|提升)(?:到|至)\s*[0-9一二三四五六七八九十百]")
_CASE_GENERIC = frozenset({"项目", "企业", "单位", "认定", "符合", "条件", "对于", "本市", "给予"})


def unnamed_raise(query: Query, text: str) -> bool:
    """Does ``text`` raise a figure for a case ("被认定为市级智能工厂的项目，补助比例提高至25%") that the
    question does not name? Then the rule it raises is what a question about the figure asks."""
    m = RAISES.search(text)
    if m is None:
        return False
    parts = re.split(r"[，；]", text[: m.start()])
    case = next((p for p in reversed(parts) if p.startswith("对") or "的" in p), "")  # "对困难企业", "…的项目"
    words = {b for b in bigrams(re.sub(r"^第[一二三四五六七八九十百零〇0-9]+条", "", case)) if b not in _CASE_GENERIC}
    return bool(words) and not words & bigrams(query.question)


#: The steps of a procedure a time question may ask the time of, each with the words that name it.
_STEP_WORDS = {
    "apply": "申报|申请|报送|提交|填报|报名",
    "review": "审核|初审|复核|评审|审查",
    "publish": "公示|公告",
    "pay": "拨付|兑现|下达",
    "accept": "验收",
    "file": "备案|受理",
}
STEPS = re.compile("|".join(_STEP_WORDS.values()))
_STEP_OF = {w: step for step, words in _STEP_WORDS.items() for w in words.split("|")}


def other_step(query: Query, text: str) -> bool:
    """Does a time question ask the time of a step ("申报时间") that ``text`` (a clause with its
    headings) does not speak of? "2024年7月1日至2025年6月30日期间首次获得认定的…" is when the
    recognition must fall, not when to apply; "于…前报送材料" is when to apply."""
    asked = {_STEP_OF[w] for w in STEPS.findall(query.question[len(query.own) :] if query.own else query.question)}
    return bool(asked) and not asked & {_STEP_OF[w] for w in STEPS.findall(text)}
