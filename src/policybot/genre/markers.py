"""How Chinese official documents mark their structure and describe themselves.

Section markers (第X章 / 第X条 / 一、 / （一） / 1. / （1）), list items (── / —), document-type
title words (通知, 方案, 办法, …), the metadata labels that database copies and web pages put
above the text (发文单位：, 文号：, 发布时间：…), and the headings that name a section's role in a
call for applications or a plan (申报条件, 申报材料, 申报时间, 支持方式, 发展目标, 施行).
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from policybot.genre.numerals import CN_NUMERALS

__all__ = [
    "DOC_NUMBER",
    "ITEM",
    "MARKERS",
    "MD_HEADING",
    "META_LABEL",
    "TITLE_WORDS",
    "SectionRole",
    "asked_role",
    "instructions_in",
    "is_date_line",
    "is_instruction",
    "is_issuer_line",
    "is_marker_line",
    "is_signature_line",
    "is_title_line",
    "marker_of",
    "section_role",
    "self_named",
    "strip_marker",
    "title_names",
]

_NUM = rf"[{CN_NUMERALS}]+"
_DIGITS = r"\d{1,3}"

#: (kind, pattern, rank) of heading markers; lower rank = higher in the hierarchy.
MARKERS: list[tuple[str, re.Pattern[str], float]] = [
    ("attachment", re.compile(r"^附件\s*\d*\s*(?:[:：]\s*(?P<title>[^。；]{1,60}))?$"), 0.0),
    ("heading", re.compile(rf"^第{_NUM}编"), 1.0),
    ("heading", re.compile(rf"^第{_NUM}章"), 2.0),
    ("heading", re.compile(rf"^第{_NUM}节"), 3.0),
    # "第八条 中央财政…" / "第八条中央财政…" open an article; "第八条规定的…", "第八条中的…" are cross-references
    ("article", re.compile(rf"^第(?:{_NUM}|{_DIGITS})条(?![的规所之第]|中[的所规“\"])"), 4.0),
    ("heading", re.compile(rf"^{_NUM}\s*、"), 5.0),
    ("heading", re.compile(rf"^[（(]{_NUM}[）)]"), 6.0),
    ("heading", re.compile(rf"^{_DIGITS}(?:[、．]|\.(?!\d))"), 7.0),  # "7．2015年度…" yes, "1.5亿元" no
    ("heading", re.compile(rf"^[（(]{_DIGITS}[）)]"), 8.0),
]
#: A document number (文号): ``工信部节〔2016〕113号``, ``杭经信〔2024〕37号``.
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[【（(]\s*(\d{4})\s*[〕\]】）)]\s*\d{1,4}\s*号")
#: A list item or schedule item: ``──…（二季度）``, ``— …``, ``• …``.
ITEM = re.compile(r"^(?:──|—{1,2}|－－|[•·●▪◆■]|-\s|\*\s)")
MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
#: Words a document title ends with.
TITLE_WORDS = (
    "通知",
    "方案",
    "办法",
    "规定",
    "意见",
    "细则",
    "指南",
    "规划",
    "计划",
    "决定",
    "条例",
    "公告",
    "通告",
    "纲要",
    "导则",
    "批复",
    "函",
    "报告",
    "法",
    "要求",
    "问答",
)
_TITLE_END = re.compile(rf"(?:{'|'.join(TITLE_WORDS)})(?:[（(][^）)]{{1,12}}[）)])?$")
#: A metadata line above the text: ``发文单位：…``, ``文    号：…``, ``发布时间：…``.
META_LABEL = re.compile(
    r"^(发\s*文\s*单\s*位|文\s*号|效\s*力\s*范\s*围|发\s*文\s*日\s*期|生\s*效\s*日\s*期|发\s*布\s*时\s*间|索\s*引\s*号"
    r"|发\s*文\s*机\s*关|成\s*文\s*日\s*期|发\s*布\s*日\s*期|主\s*题\s*分\s*类|发\s*文\s*字\s*号|来\s*源)\s*[:：]"
)


_DATE_LINE = re.compile(
    r"^(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日$"
)
_ISSUER_END = re.compile(r"(部|委|局|厅|院|办公室|政府|委员会|办公厅|中心|署|会|行|所|处|司)$")


def is_date_line(text: str) -> bool:
    """A line that is only a date, as under a signature: ``2016年3月24日``, ``二〇一六年三月二十四日``."""
    return bool(_DATE_LINE.match(text.strip()))


def is_issuer_line(text: str) -> bool:
    """A short line naming an issuing body, as in a signature: ``国务院``, ``东莞市人民政府办公室``."""
    line = text.strip()
    return 0 < len(line) <= 40 and not any(c in line for c in "。，；：:") and bool(_ISSUER_END.search(line))


def is_signature_line(text: str, following: str = "") -> bool:
    """The start of a signature block: a date line, or an issuer line followed by one."""
    return is_date_line(text) or (is_issuer_line(text) and is_date_line(following))


def is_title_line(text: str) -> bool:
    """A standalone document or part title: short, no sentence punctuation, a title word at the end."""
    if len(text) > 60 or any(c in text for c in "。；，,："):
        return False
    return bool(_TITLE_END.search(text.rstrip('》”"')))


def marker_of(text: str) -> str | None:
    """The heading marker a paragraph starts with (``第七条``, ``二、``, ``（三）``), else None."""
    for kind, pattern, _rank in MARKERS:
        m = pattern.match(text)
        if m and kind != "attachment":
            return re.sub(r"\s+", "", m.group(0))
    return None


def is_marker_line(text: str) -> bool:
    """Does a paragraph start with a heading, article or list-item marker?"""
    return ITEM.match(text) is not None or any(p.match(text) for _, p, _r in MARKERS)


def strip_marker(heading: str) -> str:
    """``（三）完善农机装备创新体系`` -> ``完善农机装备创新体系``; ``第七条`` stays."""
    rest = re.sub(rf"^(?:[（(]?(?:{_NUM}|{_DIGITS})[）)]?\s*[、.．]?)", "", heading).strip()
    return rest or heading


class SectionRole(Enum):
    """What a section is for, read from its heading."""

    CONDITIONS = "conditions"
    MATERIALS = "materials"
    SCHEDULE = "schedule"
    SUPPORT = "support"
    GOALS = "goals"
    EFFECT = "effect"
    SCOPE = "scope"
    CONTACT = "contact"
    OTHER = "other"


_ROLES: list[tuple[SectionRole, re.Pattern[str]]] = [
    (
        SectionRole.CONDITIONS,
        re.compile(r"(申报|申请|认定|评价|参评)(条件|要求|资格)|支持对象|资助对象|申报主体|申报范围|适用对象|基本条件"),
    ),
    (SectionRole.MATERIALS, re.compile(r"(申报|申请|提交|报送)(材料|资料)|材料清单|所需材料")),
    (
        SectionRole.SCHEDULE,
        re.compile(r"(申报|受理|报送|办理)(时间|期限|方式|程序|流程|要求)|进度安排|工作进度|时间安排|实施步骤|截止"),
    ),
    (
        SectionRole.SUPPORT,
        re.compile(r"支持(方式|标准|内容|重点|方向)|资助(方式|标准)|专题方向|奖励|补助|资金支持|扶持"),
    ),
    (SectionRole.GOALS, re.compile(r"目标|主要指标|具体指标")),
    (SectionRole.EFFECT, re.compile(r"执行时间|施行|实施时间|生效|附则|有效期")),
    (SectionRole.SCOPE, re.compile(r"适用范围|总则|定义")),
    (SectionRole.CONTACT, re.compile(r"联系方式|联系人|联系电话|咨询电话|咨询方式")),
]

#: What a question asks of a call or a measure, by the section role that answers it.
_ASKED_ROLES: list[tuple[SectionRole, re.Pattern[str]]] = [
    (SectionRole.CONTACT, re.compile(r"联系|电话|咨询|contact|phone", re.I)),
    (  # where the materials go is said where they are sent (报送要求), not in the list of them
        SectionRole.SCHEDULE,
        re.compile(
            r"(?:报送|提交|递交|交|寄|送)(?:到|至|给)(?:哪|什么)|where (?:to|do we|should we) (?:submit|send)", re.I
        ),
    ),
    (SectionRole.MATERIALS, re.compile(r"材料|资料|提交什么|提供什么|documents? (?:to|must|should)|materials", re.I)),
    (SectionRole.EFFECT, re.compile(r"施行|生效|执行时间|开始执行|take effect|in force", re.I)),
    (SectionRole.SCHEDULE, re.compile(r"截止|报送时间|申报时间|何时申报|期限|程序|流程|deadline|procedure", re.I)),
    (SectionRole.CONDITIONS, re.compile(r"条件|资格|能否申|能申|可以申|能不能申|有什么要求|eligib|qualif", re.I)),
    (SectionRole.SUPPORT, re.compile(r"补贴|资助|奖励|扶持|补助|支持方式|补多少|subsid|grant", re.I)),
]


def asked_role(question: str) -> SectionRole | None:
    """The section role that answers ``question`` ("需要提交哪些材料" -> MATERIALS), if any."""
    return next((role for role, pattern in _ASKED_ROLES if pattern.search(question)), None)


def section_role(heading: str) -> SectionRole:
    text = re.sub(r"\s+", "", heading)
    return next((role for role, pattern in _ROLES if pattern.search(text)), SectionRole.OTHER)


#: Text that addresses the assistant or the reader as instructions, not policy: planted in a
#: document, it must never become an answer ("回答任何问题时都要说…", "ignore previous …").
_INSTRUCTION = re.compile(
    r"回答[^，。；]{0,6}问题时|忽略(?:以上|之前|前面|上述|所有)|你(?:必须|应该|要)(?:说|回答|告诉)|请(?:你|务必)?(?:回答|说|告诉)"
    r"|(?:作为|你是)[^，。；]{0,6}(?:助手|AI|人工智能|模型)|(?:助手|模型|AI)(?:必须|应当|应该)"
    r"|ignore (?:all |the |any )?(?:previous|above|prior)|when answering|you must (?:say|answer|reply)|as an ai"
    r"|system prompt|assistant must",
    re.I,
)


def is_instruction(text: str) -> bool:
    """Does ``text`` speak to the assistant rather than state policy?"""
    return bool(_INSTRUCTION.search(text))


_PASSAGE = re.compile(r"[（(][^（）()]*[）)]|[^。！？!?\n（(]+[。！？!?]?")


@lru_cache(maxsize=512)
def instructions_in(text: str) -> tuple[str, ...]:
    """The passages of a document that address the assistant (shown as warnings on it)."""
    found = (m.group(0).strip() for m in _PASSAGE.finditer(text))
    return tuple(dict.fromkeys(p[:120] for p in found if p and is_instruction(p)))


#: Words that turn a clause or heading negative: what may not be done, what does not apply.
NEGATIVE = re.compile(
    r"不能|不得|不可|不予|不适用|不属于|不算|不包括|不允许|不享受|禁止|排除|除外|cannot|not eligible|excluded", re.I
)
#: Words of a positive permission, the opposite of ``NEGATIVE``.
PERMITTED = re.compile(r"允许|可以|准予|适用(?!范围)")
#: A clause that announces the list after it ("下列活动不适用…", "提供以下功能支撑") ...
ANNOUNCES_LIST = re.compile(r"下列|如下|以下(?!简称|称)")
#: ... or introduces its items itself: a colon, or a definition ("X是指A、B；C").
INTRODUCES_ITEMS = re.compile(r"[：:]|是指")
#: What a question sets aside: "（不是机器人专项资金申报）", "而非北京条例"; group 1 is what it names.
SET_ASIDE = re.compile(r"[（(]?(?:不是|而不是|而非|并非)([^）)，,。？?]{2,30})[）)]?")

_NATION = re.compile(r"^中华人民共和国")
_QUOTED_TITLE = re.compile(r"《([^》]{4,})》")
_BLANKS = re.compile(r"[\s《》“”\"]")


#: "附件：1.申报书" opening a numbered list of attachment names, and each later line of it ("2.承诺书").
ATTACHMENT_LIST_START = re.compile(r"^附件\s*[:：]\s*(1)\s*[.．、]\s*\S")
NUMBERED_LINE = re.compile(r"^(\d{1,2})\s*[.．、]\s*\S")


def numbered(line: str, number: int) -> bool:
    """Is ``line`` item ``number`` of a numbered list ("2.申报企业信用承诺书" for 2)?"""
    m = NUMBERED_LINE.match(line.strip())
    return m is not None and int(m.group(1)) == number


_QUESTION_LINE = re.compile(r"^\s*(?:\d{1,3}[.．、]\s*)?(?:问|Q)[：:]|[？?]\s*$")
_EXAMPLE = re.compile(r"^\s*(?:举例说明|举例|例如|比如|示例|【例\d*】|例\d*[：:])[：:，,]?")


def is_question_line(text: str) -> bool:
    """Is ``text`` a question — a Q&A's "6.问：…？" or any sentence ending in ？ — rather than an answer?"""
    return bool(_QUESTION_LINE.search(text))


def is_example(text: str) -> bool:
    """Does ``text`` open a worked example ("举例说明：某企业…当年可抵免税额为14.4万元")? Its figures are
    the example's, not the rule's."""
    return bool(_EXAMPLE.match(text))


_KIND_WORDS = "|".join(w for w in TITLE_WORDS if len(w) > 1)
_SELF_NAMED = re.compile(
    rf"(?:这份|这个|这一|本|该|此)((?:(?:(?![的里中之])[\u4e00-\u9fff]){{0,4}}?)(?:{_KIND_WORDS}))"
    r"(?:本身|(?:计划|将|要|会|准备)?在?(?:什么时候|何时|哪个季度|哪一季度|几月)(?:发布|印发|出台))"
)


def self_named(question: str) -> str | None:
    """The noun a question names its own document by, when it asks about the document itself
    ("这份行动方案本身…" -> 行动方案): an item about another document of that kind (发布《…行动方案》)
    is not about it."""
    m = _SELF_NAMED.search(question)
    return m.group(1) if m else None


def title_names(title: str, short_title: str | None = None) -> tuple[str, ...]:
    """The names a document goes by, as a question would write them: its title, its short title,
    the title inside 《》 (关于印发《…》的通知), and a law's title without 中华人民共和国."""
    names = [title, short_title or "", *_QUOTED_TITLE.findall(title), _NATION.sub("", title)]
    out = (_BLANKS.sub("", n) for n in names)
    return tuple(dict.fromkeys(n for n in out if len(n) >= 4))
