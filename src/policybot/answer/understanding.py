"""Understanding a question: its language, intent, search text and content terms.

A follow-up that leans on the conversation ("那资产总额呢？", "What about total assets?") is
searched together with the previous question and inherits its intent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import jieba

from policybot.answer.answer_types import WHEN_ASKED, asks_method
from policybot.answer.glossary import Glossary
from policybot.answer.grounding import normalize
from policybot.genre import SET_ASIDE
from policybot.store.keyword import tokenize

__all__ = ["INTENTS", "Query", "bigrams", "detect_intent", "is_followup", "language", "understand"]

INTENTS = ("document", "deadline", "party", "quantity", "target", "broad", "list", "general")

_PATTERNS: dict[str, re.Pattern[str]] = {
    "document": re.compile(
        r"文号|发文字号|发文号|(?<![记目书码库])编号|发布日期|印发日期|发文日期|成文日期|哪天印发|哪一天|发文机关|发文单位|哪个部门(?:印发|发布|发的)"
        r"|谁(?:印发|发布|发)的|(?:哪个|哪几个|哪些|哪家)(?:部门|单位|机关)[^。？?]{0,8}?(?:印发|发布|发)(?:的|出)|什么文件|文件(?:标题|名称|题目)|印发的是|发给|主送|下发给|全称|全名"
        r"|(?:通知|文件)(?!》)[^，。？?》]{0,6}(?:哪天|哪一天|什么时候|何时|日期)"
        r"|document number|reference number|issued (?:on|by)|who issued|issuing|issuer|date of (?:issue|the notice)"
        r"|when was (?:the|this) (?:notice|document|plan) issued|title of|addressed to|sent to",
        re.I,
    ),
    "deadline": re.compile(
        r"什么时候|何时|几时|哪天|哪个季度|哪一季度|几季度|第几季度|什么时间"
        r"|时间节点|时间安排|进度|期限|截止|哪个月|几月|哪一年|多久"
        r"|季度(?:有|安排|要)|which quarter|what quarter|deadline|by when|timeline|schedul"
        r"|time ?frame|what time|" + WHEN_ASKED,
        re.I,
    ),
    "quantity": re.compile(r"多少|几万|多大|数量|数额|金额|比例|幅度|how much|how many|amount|what figure", re.I),
    "target": re.compile(r"目标|指标|削减|减排|target|goal|objective|expected to (?:cut|reduce)", re.I),
    "party": re.compile(
        r"(?<!文)谁|哪个部门|哪些部门|什么部门|会同|联合|与哪|和哪|哪些机构|哪些单位|哪个机构|哪些(?:组织|协会|院所|科研院所|高校)|牵头|配合"
        r"|\bwho\b|which (?:ministr|department|agenc|bod|institution|organi|academ|institut|associat|universit)"
        r"|jointly|together with|partner",
        re.I,
    ),
    "broad": re.compile(
        r"主要内容|概括|概述|简要介绍|介绍一下|总结|讲了什么|讲的是什么|说了什么|是什么文件|summar|overview"
        r"|对[^，。？?]{2,16}?(?:做|作)(?:了|出了)?(?:哪些|什么)(?:部署|安排)"
        r"|what is (?:this|the) (?:plan|document|notice) about|main points|in brief",
        re.I,
    ),
    "list": re.compile(
        r"哪些|什么样的|有什么|有哪|包括|包含|措施|享受|哪几|几项|几方面"
        r"|\bwhich\b|what (?:measures|support|tasks|policies|actions)"
        r"|\blist\b|what are the|what does .* include|what can",
        re.I,
    ),
}
_NEW_QUESTION = re.compile(r"是什么|什么是|是谁|吗[？?]?$|^(?:what|who|how|why|is|are|does|do)\b", re.I)
_FOLLOWUP = re.compile(
    r"^(?:那|那么|还有|另外|再|以及|和|and\b|what about|how about|and what)|呢[？?]?$|还(?:能|可以|会|要)再"
    r"|^(?:其中|它们?|该(?:文件|法|条例|办法|通知|方案|意见|公告|计划)|这(?:份|个|部|项)(?:文件|法|条例|办法|通知|方案|意见|公告|计划)?"
    r"|此(?:文件|法|条例|办法|通知|方案|外)|上述|前者|后者)"
    r"|^(?:and )?(?:what|when|how|who|which|is|was|does|did)\b[^?]{0,40}"
    r"\b(?:it(?! (?:is )?(?:possible|allowed|true|necessary|required|legal|enough))|its"
    r"|this (?:one|document|law|notice|plan))\b",
    re.I,
)
_GENERIC = frozenset(
    "发布 享受 支持 政策 措施 企业 单位 公司 我们 工作 安排 目标 文件 方案 规定 要求 哪些 什么 时间 季度 "
    "做 进行 开展 实施 能 可以 获得 得到 需要 应该 如何 怎么 多少 预计 全年 计划 文件里 里面 提到 提出 "
    "文号 发文 字号 日期 印发 发文机关 机关 单位 部门 标题 名称 题目 主送 通知 这份 这个 该 份 哪天 哪一天 "
    "内容 主要 介绍 概括 总结 哪个 季度 时候 什么时候 落实 哪位 截止 几时 分别 本身 这次 今年 一起 具体 方面 "
    "有关 相关 属于 一项 哪一项 两个 两种 数字 取得 成果 达成 希望 计划 要求 最晚 最早 "
    "哪几个 哪几 哪几家 哪一年 哪年 哪天发 哪次 几个 版本 最初 最近 最新 过程 过程中 期间 问题".split()
)
#: Words a question uses to ask, not to name its subject: never required to be in the documents
#: (a question is not refused because "比例" or "全国" is missing from them), but still ranked on.
_ASKING = frozenset(
    "比例 比重 占比 金额 数额 标准 条件 资格 规定 期限 日期 规定 情况 问题 事项 费用 部分 方式 办法 程序 "
    "材料 资料 时间 年度 上限 下限 最高 最低 最多 最少 多大 达到 不超过 不低于 能否 是否 可以 开始 执行 施行 生效 "
    "有没有 能不能 一共 总共 之外 以外 没有 不能 那份 这份 那个 国家 全国 法律 法规 条例 通知 公告 意见 办法 "
    "现行 文本 额度 总额 总数 数目 范围 时限 一次 多长 多久 方面 内容 做法 要点 "
    "中国 我国 国内 境内 本市 本省 地方 东西 层面 阶段 角度 年份 多长时间 具体条件 按规定 名字 案例 人数 总分 "
    "哪些项目 项目名称 栏目名称 主管部门 有关部门 相关部门 管理部门 城市 省份 怎么办 怎么样 数量 多少人".split()
)


@dataclass(frozen=True)
class Query:
    question: str
    lang: str
    intent: str
    text: str  # what is searched
    terms: tuple[tuple[str, ...], ...]  # content terms, each with its alternatives (Chinese)
    quarter: str | None  # Q1..Q4 when the question names a quarter
    numbers: tuple[str, ...]  # numbers (years, figures) the question names
    followup: bool = False
    wants_quantity: bool = False
    keywords: str = ""  # extra keyword-search terms (Chinese terms of an English question)
    superlative: str | None = None  # "latest" / "earliest" when the question asks for one
    several: bool = False  # asks about more than one thing ("…和…分别", "both")
    ordinal: int | None = None  # "第三条" / "the third one" in a follow-up
    unknown: tuple[str, ...] = ()  # English content words the glossary does not know
    required: tuple[str, ...] = ()  # nouns and names the documents must mention to answer (not the asker's own)
    places: tuple[str, ...] = ()  # places and bodies it asks about, outside the self-description
    own: str = ""  # the asker's description of themselves ("我们是一家成立8个月的软件公司，")
    measured: tuple[str, ...] = ()  # what a measure is asked of ("多少吨氮氧化物", "tonnes of sulphur dioxide")

    @property
    def flat_terms(self) -> tuple[str, ...]:
        return tuple(t for group in self.terms for t in group)


def language(text: str) -> str:
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return "zh" if cjk >= max(1, len(text) * 0.1) else "en"


def detect_intent(text: str) -> str | None:
    return next((name for name in INTENTS[:-1] if _PATTERNS[name].search(text)), None)


def is_followup(question: str, history: Sequence[str]) -> bool:
    if not history:
        return False
    q = question.strip()
    short = len(q) <= 8 if language(q) == "zh" else len(q.split()) <= 4
    asks_anew = bool(_NEW_QUESTION.search(q))  # "高新技术企业是什么？" is short but stands alone
    return bool(_FOLLOWUP.search(q)) or bool(_ORDINAL.search(q)) or (short and not asks_anew)


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    return {a + b for a, b in pairwise(chars)}


def content_terms(text: str) -> tuple[str, ...]:
    words = _rejoin_copula([w.strip() for w in jieba.lcut(_AMOUNT_END.sub(r"\1 ", text.lower()))])
    keep = [w for w in words if len(w) >= 2 and w not in _GENERIC and w in set(tokenize(w) or [w]) | {w}]
    return tuple(dict.fromkeys(w for w in keep if tokenize(w)))


#: "投资2000万能拿多少": the 万 of an amount ends it (jieba reads 万能, "almighty").
_AMOUNT_END = re.compile(r"(\d\s*[万亿])(?=[能可会就])")


def _rejoin_copula(words: list[str]) -> list[str]:
    """jieba's guess for an unknown "X期是" splits off the copula with the noun's last character
    ("公示期是" -> 公示 / 期是): the character goes back to its noun ("公示期"), the copula is dropped."""
    out: list[str] = []
    for w in words:
        if len(w) == 2 and w[1] in "是为" and out and not jieba.dt.FREQ.get(w) and "\u4e00" <= w[0] <= "\u9fff":
            out.append(out[-1] + w[0])
            continue
        out.append(w)
    return out


_EN_FILLER = frozenset(
    "about after all also any are as at be been being but by can could did do does doing done each from had "
    "has have having here how if in into is it its may more most much must my no not of on only or other our "
    "over please same shall should so some such than that the their them then there these they this those "
    "through to under up very was we were what when where which while who whom why will with would you your "
    "many year years plan plans expected expect say says said tell me give list explain english chinese and "
    "work involves involve involved what's which's "
    "called call named name translate translation whether kind sort".split()
)


def english_terms(question: str, glossary: Glossary) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """Chinese term groups for the glossary phrases of an English question, and unknown words."""
    found = glossary.translate(question)
    covered = " ".join(phrase for phrase, _ in found)
    words = re.findall(r"[a-z][a-z\-]+", question.lower())
    unknown = tuple(w for w in words if w not in _EN_FILLER and w not in covered and len(w) > 2)
    groups = tuple(dict.fromkeys(terms for _phrase, terms in found))
    return groups, unknown


_LATEST = re.compile(r"最晚|最后|最迟|latest|last", re.I)
_EARLIEST = re.compile(r"最早|最先|earliest", re.I)
_SEVERAL = re.compile(r"分别|各自|\bboth\b|\brespectively\b", re.I)
_ORDINAL = re.compile(
    r"第([一二三四五六七八九十\d]{1,3})(?:条|项|点|个|部分)"
    r"|\bthe (first|second|third|fourth|fifth|sixth) (?:one|point|item|measure)",
    re.I,
)
_EN_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}


def _ordinal(question: str) -> int | None:
    m = _ORDINAL.search(question)
    if not m:
        return None
    if m.group(2):
        return _EN_ORD[m.group(2).lower()]
    token = m.group(1)
    return int(token) if token.isdigit() else int(normalize(token + "月")[:-1] or 0) or None


def _zh_terms(text: str, glossary: Glossary | None) -> tuple[tuple[str, ...], ...]:
    terms = content_terms(text)
    return tuple(glossary.expand(t) if glossary else (t,) for t in terms)


_SELF = re.compile(r"^(?:我们|我是|本人|我公司|我司|本公司|本企业|我单位|我厂|我们公司|我们企业|我家|我们单位|一家)")
_ASKS = re.compile(r"吗|么|多少|什么|哪|能否|是否|怎么|如何|怎样|几|可否|有没有|能不能|可不可以|[？?]")
_PLACES = frozenset({"ns", "nt"})
_NOUNS = frozenset({"n", "nz", "ns", "nt", "nr", "nrt", "nrfg", "l", "j", "eng", "x"})


def self_description(question: str) -> str:
    """The asker's description of themselves before the question proper: the leading clauses of a
    question that starts with 我们/我公司/一家…, up to the last clause that asks something."""
    if not _SELF.search(question.strip()):
        return ""
    clauses = re.findall(r"[^，,。；;]+[，,。；;]?", question)
    own = []
    for clause in clauses[:-1]:
        if _ASKS.search(clause):
            break
        own.append(clause)
    return "".join(own)


def _nouns(question: str, own: str, flags: frozenset[str]) -> tuple[str, ...]:
    from jieba import posseg

    asked = question[len(own) :] if own and question.startswith(own) else question
    out = []
    for pair in posseg.lcut(_AMOUNT_END.sub(r"\1 ", asked)):
        word, flag = pair.word.strip(), pair.flag
        if len(word) >= 2 and flag in flags and word not in _GENERIC | _ASKING and not re.fullmatch(r"[\d.]+", word):
            if len(word) == 2 and flag == "n" and not jieba.dt.FREQ.get(word):
                continue  # "品为", "文里": two characters the segmenter guessed into a word
            out.append(word)
    return tuple(dict.fromkeys(out))


def required_terms(question: str, own: str = "") -> tuple[str, ...]:
    """The nouns and names of ``question`` outside the asker's self-description: what the documents
    must mention for an answer to be about the question (verbs, adverbs and figures are not)."""
    return _nouns(question, own, _NOUNS)


def place_names(question: str, own: str = "") -> tuple[str, ...]:
    """Places and bodies the question asks about (浙江省, 上海市税务局), outside the self-description;
    a place that only describes an enterprise ("河北钢铁企业") is the asker's, not the question's."""
    asked = question[len(own) :] if own and question.startswith(own) else question
    return tuple(
        p
        for p in _nouns(question, own, _PLACES)
        if not re.search(rf"{re.escape(p)}(?:的)?(?:一家)?[\u4e00-\u9fff]{{0,6}}?(?:企业|公司|工厂|厂)", asked)
    )


#: The substance a measure is asked of, named after its unit: "削减多少吨氮氧化物", "节约多少万吨的标准煤".
_MEASURED_ZH = re.compile(
    r"(?:多少|几)(?:万|亿)?(?:吨|千克|公斤|立方米|升|千瓦时|度)(?:的)?(?![呢吗啊了左以])([\u4e00-\u9fff]{1,6}?)"
    r"(?=[？?，,。！!]|呢|吗|啊|$)"
)
_MEASURED_EN = re.compile(
    r"how (?:many|much) (?:tonnes|tons|tonne|ton|kilograms|cubic (?:metres|meters)|kilowatt-hours) of (?:the )?"
    r"([a-z][a-z -]{1,40}?)(?= (?:will|would|is|are|be|to|was|were|in|by|for|should|must|can|could|does|do|did)\b"
    r"|[?.]|$)",
    re.I,
)


def measured_thing(question: str, glossary: Glossary | None = None) -> tuple[str, ...]:
    """The substance a measure question asks about, with its alternatives: 氮氧化物 for "削减多少吨氮氧化物",
    二氧化硫 for "how many tonnes of sulphur dioxide"; () when the question names none after the unit."""
    m = _MEASURED_ZH.search(question)
    if m:
        return glossary.expand(m.group(1)) if glossary else (m.group(1),)
    en = _MEASURED_EN.search(question)
    if en and glossary is not None:
        found = glossary.translate(en.group(1))
        return found[0][1] if found else ()
    return ()


def understand(question: str, history: Sequence[str] = (), glossary: Glossary | None = None) -> Query:
    lang = language(question)
    followup = is_followup(question, history)
    intent = detect_intent(question)
    if intent == "quantity" and asks_method(question):
        intent = None  # "How is the investment amount determined": the rule, not a figure
    if followup and intent is None:
        intent = detect_intent(history[-1])
    text = f"{history[-1]} {question}" if followup else question
    own = self_description(question) if lang == "zh" else ""
    norm = normalize(question[len(own) :])
    quarter = re.search(r"Q([1-4])", norm)
    numbers = tuple(re.findall(r"\d+(?:\.\d+)?", re.sub(r"Q[1-4]", "", norm)))
    wants_quantity = bool(_PATTERNS["quantity"].search(question)) or (
        followup and bool(_PATTERNS["quantity"].search(history[-1]))
    )
    asked = SET_ASIDE.sub("", _ORDINAL.sub("", question))  # what the question sets aside is not its subject
    terms = _zh_terms(asked, glossary)
    unknown: tuple[str, ...] = ()
    keywords = ""
    if lang == "en" and glossary is not None:
        cjk = "".join(re.findall(r"[\u4e00-\u9fff]+", question))
        english, unknown = english_terms(question, glossary)
        terms = (*english, *(_zh_terms(cjk, glossary) if cjk else ()))
        context = english_terms(history[-1], glossary)[0] if followup and history else ()
        keywords = " ".join(t for group in (*terms, *context) for t in group)
    elif glossary is not None:
        keywords = " ".join(t for group in terms for t in group[1:])
    return Query(
        question=question,
        lang=lang,
        intent=intent or "general",
        text=text,
        terms=terms,
        keywords=keywords,
        unknown=unknown,
        superlative="latest" if _LATEST.search(question) else "earliest" if _EARLIEST.search(question) else None,
        several=bool(_SEVERAL.search(question)),
        ordinal=_ordinal(question) if followup else None,
        quarter=f"Q{quarter.group(1)}" if quarter else None,
        numbers=numbers,
        followup=followup,
        wants_quantity=wants_quantity,
        required=required_terms(asked, own) if lang == "zh" else (),
        places=place_names(question, own) if lang == "zh" else (),
        own=own,
        measured=measured_thing(question[len(own) :], glossary),
    )
