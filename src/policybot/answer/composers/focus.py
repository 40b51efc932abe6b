"""Which values of a clause a question asks about, and how much of the clause to quote with them.

``focus`` picks, of a clause with several figures or dates, those whose own words share most with
the question (a bound, a closing date, a case, a negation, the item named by 分别, the bracket
that qualifies a value); ``narrowed`` cuts the clause to the parts that hold them.
"""

from __future__ import annotations

import re
from itertools import pairwise

from policybot.answer.clause_scores import polarity
from policybot.answer.evidence import FIGURE_KINDS, TIME_KINDS, AnswerType, answer_type, asked_units, values_for
from policybot.answer.understanding import Query, bigrams
from policybot.genre import find_times

__all__ = ["MARGIN", "asks_rule", "asks_several", "compares", "focus", "narrowed"]


def asks_several(question: str) -> bool:
    """Does the question ask several values? Two questions in one message do only when each asks a
    figure or a time ("有效期多长？过期了怎么办？" asks one)."""
    if _ATTRIBUTES.search(question) and not re.search(r"分别|各", question):
        return False  # "补助比例和上限是多少": two things of one rule, not several rules
    if _SEVERAL.search(question) or _COMPARES.search(question):
        return True
    if not _TWO_QUESTIONS.search(question):
        return False
    asks = [p for p in re.split(r"[？?]", question) if p.strip()]
    return all(answer_type(p) in FIGURE_KINDS or answer_type(p) in TIME_KINDS for p in asks)


_COMPARES = re.compile(r"还是|相比|比较|对比|区别|不同|一样|分别|各自|both|compare|differ", re.I)
MARGIN = 0.10  # further clauses within this of the best join it when the question asks several things


#: A question about the whole rule ("条件和标准是什么"): the clause is quoted whole, its terms too.
_ASKS_RULE = re.compile(r"条件(?:和|及|与|、)标准|标准(?:和|及|与|、)条件|怎么补|如何补")
_ATTRIBUTE = r"(?:比例|标准|金额|额度|上限|下限|期限|最高|条件)"
_ATTRIBUTES = re.compile(rf"{_ATTRIBUTE}(?:和|及|与|、){_ATTRIBUTE}")
_TWO_QUESTIONS = re.compile(r"[？?].+[？?]")
_SEVERAL = re.compile(
    r"又|分别|各|以及|还有|和.{0,12}(?:多少|几)|可以?选|可选|几种|\bboth\b|\band\b.*\bhow\b"
    r"|(?:联系人|电话|邮箱|地址)[和及、](?:联系|电话|邮箱|地址)",  # "联系人和联系电话是什么"
    re.I,
)


_DIGITS = re.compile(r"[0-9A-Za-z]")


def focus(query: Query, kind: AnswerType, text: str) -> list[str]:
    """The values of ``text`` the question asks about: of a clause with several figures, those whose
    own words (back to the previous value or clause mark) share most with the question's terms."""
    values = values_for(kind, text, asked_units(query.question))
    if len(values) < 2:
        return values
    respective = _respective(query.question, text, values)
    if respective:
        return respective
    terms = {t for g in query.terms for t in g if len(t) >= 2 and not t.isdigit()}
    asked = {b for b in bigrams(query.text) if not _DIGITS.search(b)}
    scored = []
    cut = 0
    for value in values:
        at = text.find(value, cut)
        if at < 0:
            continue
        start = max(cut, max(text.rfind(m, 0, at) for m in "，；。：") + 1)
        context = _own_words(text, start, at, value, after=kind is AnswerType.PERIOD)
        shared = len(asked & bigrams(context)) if asked else sum(1 for t in terms if t in context)
        shared -= 5 * (kind in TIME_KINDS and value in query.question and not _DIGITS.search(value))  # "就上半年…"
        of_thing = 3 * any(t in context for t in query.measured)  # "削减多少吨氮氧化物": the tonnes of 氮氧化物
        case = text[max(text.rfind(m, 0, at) for m in "；。\n") + 1 : at]
        scored.append(
            (
                shared + 2 * _same_bound(query.question, context) + 3 * _closes(query, context) + of_thing
                + 2 * polarity(query, case),
                value,
                at,
            )
        )  # fmt: skip
        cut = at + len(value)
    scored = _wider_ties(text, scored, asked)
    best = max((n for n, _v, _at in scored), default=0)
    several = asks_several(query.question)
    picked = (
        [(v, at) for n, v, at in scored if (n if several else n == best)] if best else [(v, a) for _n, v, a in scored]
    )
    every = [(v, at) for _n, v, at in scored]
    if kind in (AnswerType.MONEY, AnswerType.AMOUNT):
        picked = _ratio_of_cap(query, text, picked, every)
    return _with_base(query, text, _ranges(text, picked, every), every)


def _ratio_of_cap(
    query: Query, text: str, picked: list[tuple[str, int]], every: list[tuple[str, int]]
) -> list[tuple[str, int]]:
    """A support standard asked ("补贴标准是什么") whose best value is only the cap ("每千瓦补贴最高不超过
    300元") of a ratio before it in the sentence ("按充电设备投资额的20%给予…补贴"): the ratio, which
    comes with its cap in the lead. A question about the cap ("最高补多少") keeps the cap."""
    if len(picked) != 1 or _CEILING.search(query.question):
        return picked
    at = picked[0][1]
    own = text[max(text.rfind(m, 0, at) for m in "，；。：") + 1 : at]
    if not _CEILING.search(own):
        return picked
    sentence = max(text.rfind(m, 0, at) for m in "；。") + 1
    ratios = [(v, a) for v, a in every if sentence <= a < at and ("%" in v or "百分之" in v)]
    return ratios[-1:] or picked


_ENUMERATED = re.compile(r"[\u4e00-\u9fff]{1,6}(?:、[\u4e00-\u9fff]{1,6})+")
_ITEM_LEAD = re.compile(r"^(?:对于|对|获评|获得|被认定为|认定为|评为|为)+")


def _respective(question: str, text: str, values: list[str]) -> list[str]:
    """ "对获评国家级、省级智能工厂的企业，分别给予一次性奖励300万元、100万元": the value in the place of
    the item the question names (省级 → 100万元); [] when the sentence pairs nothing so."""
    at = text.find("分别")
    if at < 0:
        return []
    start = max(text.rfind(c, 0, at) for c in "。；\n") + 1
    runs = _ENUMERATED.findall(text[start:at])
    end = min([i for i in (text.find(c, at) for c in "。；\n") if i >= 0] or [len(text)])
    after = [v for v in values if at < text.find(v, at) < end]
    if not runs or len(after) < 2:
        return []
    items = runs[-1].split("、")
    if len(items) != len(after):
        return []
    # each item by its own first two characters: the noun after the last one is every item's (智能工厂)
    named = [_ITEM_LEAD.sub("", i)[:2] in question for i in items]
    return [after[named.index(True)]] if named.count(True) == 1 else []


_Scored = list[tuple[int, str, int]]
_QUALIFIER = re.compile(r"（[^（）]{1,12}）")


def _own_words(text: str, start: int, at: int, value: str, *, after: bool = False) -> str:
    """A value's words: back to the previous mark, without the brackets that qualify an earlier value,
    and with the bracket that qualifies it ("7月份预缴申报第2季度（按季预缴）或6月份（按月预缴）"); with
    ``after``, a time's words up to the next mark too: the step it bounds follows it ("由省财政厅在10个
    工作日内将资金拨付至…")."""
    end = at + len(value)
    rest = re.split(r"[，；。或、]", text[end:], maxsplit=1)[0]
    if after:
        return _QUALIFIER.sub("", text[start:at]) + value + rest
    own = _QUALIFIER.search(rest[:16])
    return _QUALIFIER.sub("", text[start:at]) + value + (own.group(0) if own else "")


def _wider_ties(text: str, scored: _Scored, asked: set[str]) -> _Scored:
    """Values tied on their own ，-part ("一次性奖励50万元" / "一次性奖励20万元") told apart by the whole
    ；-part each stands in ("首次获评国家级…的，一次性奖励50万元；首次获评省级…的，…20万元"): a value whose
    part shares more with the question gains a point."""
    best = max((n for n, _v, _at in scored), default=0)
    tied = [(v, at) for n, v, at in scored if n == best]
    if not best or len(tied) < 2 or not asked:
        return scored
    wide, parts = {}, set()
    for value, at in tied:
        start = max(text.rfind(m, 0, at) for m in "；。\n") + 1
        parts.add(start)
        wide[(value, at)] = len(asked & bigrams(text[start : at + len(value)]))
    if len(parts) < len(tied):
        return scored  # "200家试点企业和40家后备企业": one part, which is no case of either
    top = max(wide.values())
    if list(wide.values()).count(top) == len(wide):
        return scored
    return [(n + int(wide.get((v, at), -1) == top), v, at) for n, v, at in scored]


_RANGE_JOIN = re.compile(r"\s*(?:以上|至|到|－|-|—|~|～)\s*")
_RANGE_END = re.compile(r"^(?:以下|以内)")


def _ranges(text: str, picked: list[tuple[str, int]], every: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """A picked value that is one end of a range ("处十万元以上三十万元以下罚款", "50%至75%") is
    given as the whole range, verbatim: either end alone misstates it."""
    out: list[tuple[str, int]] = []
    for value, at in picked:
        pair = next(
            (
                (a, b)
                for a, b in pairwise(every)
                if (value, at) in (a, b) and _RANGE_JOIN.fullmatch(text[a[1] + len(a[0]) : b[1]])
            ),
            None,
        )
        if pair is None:
            out.append((value, at))
            continue
        (_lo, start), (hi, hi_at) = pair
        end = hi_at + len(hi)
        end += len(m.group(0)) if (m := _RANGE_END.match(text[end:])) else 0
        if (text[start:end], start) not in out:
            out.append((text[start:end], start))
    return out


_FLOOR = re.compile(r"最低|至少|不低于|不少于|下限|以上|minimum|at least|lowest", re.I)
_CEILING = re.compile(r"最高|最多|不超过|不高于|上限|封顶|以下|maximum|at most|highest|\bcap\b", re.I)


def _same_bound(question: str, context: str) -> int:
    """1 when the question asks a floor ("minimum", 至少) and the value is one (不低于…), or a ceiling and
    the value is one (不超过…): "单个项目资助额度不低于1000万元，且…股份比例不超过30%" has both."""
    return int(any(p.search(question) and p.search(context) and not q.search(question) for p, q in _BOUNDS))


_BOUNDS = ((_FLOOR, _CEILING), (_CEILING, _FLOOR))
_ASKS_CLOSE = re.compile(r"截止|截至|最晚|最迟|期限|deadline|by when|latest", re.I)
_CLOSING = re.compile(r"截止|最晚|最迟|不晚于|之前|前$|deadline", re.I)


def _closes(query: Query, context: str) -> int:
    """1 when a deadline is asked ("网上申报截止到什么时候") and the value is one ("截止时间为2025年7月15日
    17:00"), not the window it closes ("申报时间为2025年6月10日至2025年7月15日")."""
    return int(bool(_ASKS_CLOSE.search(query.question) and _CLOSING.search(context)))


_RAISED = re.compile(r"(?:提高|上浮|上调|增加|提升)(?:到|至)\s*$")


def _with_base(query: Query, text: str, picked: list[tuple[str, int]], every: list[tuple[str, int]]) -> list[str]:
    """A base ratio and the raise of it ("合同金额的30%…；对…的企业，抵扣比例提高到40%") are given
    together when one of them is picked, unless the question names the case the raise is for (it
    shares words with the case the raise names, "对…的企业", that the base's text lacks): then the raise alone."""
    values = [v for v, _at in picked]
    if len(picked) > 2:
        return values
    raised = [(v, a) for v, a in every if _RAISED.search(text[:a])]
    pair = next(
        (
            (base, r)
            for r in raised
            for base in [next(((v, a) for v, a in reversed(every) if a < r[1] and (v, a) not in raised), None)]
            if base is not None and set(picked) <= {base, r}
        ),
        None,
    )
    if pair is None:
        return values
    (base, at_base), (rise, at_rise) = pair
    part_start = max(text.rfind(m, 0, at_rise) for m in "；。") + 1
    if part_start <= at_base:
        return values  # the raise is not a case of its own
    case = text[part_start : max(part_start, text.rfind("，", part_start, at_rise))]  # "对…的企业"
    own = bigrams(case) - bigrams(text[: at_base + len(base)])
    return [rise] if len(own & bigrams(query.question)) >= 3 else [base, rise]


_ATTACHED = re.compile(r"\s*(?:且|并且|并|但|但是|同时|否则|除)")


def _unclosed(text: str) -> bool:
    return text.count("（") + text.count("(") > text.count("）") + text.count(")")


def _case_of(text: str, bound: tuple[int, int]) -> bool:
    """Is this ，-part the case the next part's value is for ("首次获评省级专精特新中小企业的，")?"""
    a, b = bound
    return b < len(text) and text[b] == "，" and text[a:b].rstrip().endswith("的")


def narrowed(query: Query, kind: AnswerType, text: str, picked: list[str]) -> str:
    """Of a clause that lists parallel figures ("马铃薯…达到45%，棉花…达到60%，…甘蔗…达到30%"), the
    verbatim run of its ，-parts that holds the picked ones; the whole clause otherwise."""
    values = values_for(kind, text, asked_units(query.question))
    bounds, start = [], 0
    for m in re.finditer(r"[，；]|$", text):
        bounds.append((start, m.start()))
        start = m.end()
    with_value = [i for i, (a, b) in enumerate(bounds) if any(v in text[a:b] for v in values)]
    keep = [i for i, (a, b) in enumerate(bounds) if any(v in text[a:b] for v in picked)]
    if len(with_value) < 2 or not keep or 2 * len(keep) > len(with_value):
        return text
    if _unclosed(text[: bounds[keep[0]][0]]) or _unclosed(text[: bounds[keep[-1]][1]]):
        return text  # a cut inside （…）: "（如企业选择三年倍增，…；如选择五年倍增，…）" is one aside
    while keep[0] > 0 and keep[0] - 1 not in with_value and _case_of(text, bounds[keep[0] - 1]):
        keep.insert(0, keep[0] - 1)  # "首次获评省级…的，一次性奖励20万元": the case the value is for stays
    while keep[-1] + 1 < len(bounds) and _ATTACHED.match(text[bounds[keep[-1] + 1][0] :]):
        keep.append(keep[-1] + 1)  # "…不低于60分，且科技人员指标得分不得为0分": its condition stays
    head = text[bounds[0][0] : bounds[0][1]].strip()
    if keep[0] > 0 and any(len(t.text) >= len(head) - 2 for t in find_times(head)):
        return text  # "到2020年，…": the year the figures are for stays with them
    return text[bounds[keep[0]][0] : bounds[keep[-1]][1]].strip()


def compares(question: str) -> bool:
    """Does the question compare ("还是", "相比", "分别")? Then each document's value is wanted."""
    return bool(_COMPARES.search(question))


def asks_rule(question: str) -> bool:
    """Does the question ask for the whole rule ("条件和标准是什么")? Then the clause is quoted whole."""
    return bool(_ASKS_RULE.search(question))
