"""Refusal: decide whether the documents can answer a question at all.

Dense similarity alone cannot tell "not covered" from "covered" (multilingual-e5 scores are
compressed: an off-topic Chinese question can score higher than a real one), so the decision
rests on what the question names and what the documents say:

* ``no_hits`` / ``low_similarity``: retrieval found nothing close;
* ``absent_number``: a year or figure named in the question is nowhere in the documents;
* ``not_mentioned``: most of the question's content terms are not in the documents;
* ``unknown_terms``: an English question none of whose terms the glossary could map;
* ``qualifier_missing``: a question asking for a figure names something the documents never
  mention (河北省, 二氧化硫): any figure given would be for something else;
* ``referenced_only``: it asks what another document (《…》) says, which is only cited here;
* ``promised_only``: it asks for the content of something the documents only promise to
  publish (发布…评价导则);
* ``instrument_missing``: it asks about a standard or regulation by name (收入准则) that the
  documents, which name others of its kind, never name;
* ``not_listed``: it asks which cities / products / banks …, and the documents only say
  部分城市 or 一批 without naming them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

from policybot.answer.grounding import normalize
from policybot.answer.understanding import Query
from policybot.records import Document, Hit

__all__ = ["Decision", "asked_noun", "deadline_of", "decide", "term_found"]

_CONTENT_ASK = re.compile(
    r"具体内容|具体要求|具体指标|评价指标|评价标准|评分|规定了|提出了?(?:哪些|什么)|提出的|收录|包括哪些|包含哪些"
    r"|有哪些(?:指标|要求|条款|标准|技术|产品)|怎么评|如何评|什么内容|内容是什么|讲了什么|目标是什么"
    r"|填(?:写|报)?哪些|哪些栏目|栏目|编写提纲|提纲|格式要求|模板"
    r"|criteria|requirements|indicators|what does (?:the|it) .*(?:say|contain|include|list)",
    re.I,
)
_PROMISE = re.compile(r"发布|制定|出台|编制|印发|研究制定|启动")
_QUOTED = re.compile(r"《([^》]{2,80})》")
_ENTITY_TYPES = ("城市", "地区", "省份", "省", "企业", "公司", "银行", "产品", "技术", "项目", "名单", "单位", "园区")
_ATTRIBUTE = re.compile(r"特征|特点|要求|指标|条件|标准|参数|规范|路线|水平|领域|方面|类型|门槛")
#: The name ending of one of a kind (拉萨市, 广东省, 国家开发银行), when names of it end alike.
_NAMED = {"城市": "(?<![城都级的点])市", "省份": "(?<![各全本外])省", "省": "(?<![各全本外])省"}
_EN_ENTITY = re.compile(
    r"\bwhich (?:specific )?(cities|provinces|companies|enterprises|banks|policy banks|products|"
    r"technologies|projects|firms)\b",
    re.I,
)
_EN_TYPES = {
    "cities": "城市",
    "provinces": "省",
    "companies": "企业",
    "enterprises": "企业",
    "banks": "银行",
    "policy banks": "银行",
    "products": "产品",
    "technologies": "技术",
    "projects": "项目",
    "firms": "企业",
}


@dataclass(frozen=True)
class Decision:
    refuse: bool
    code: str = ""
    reason: str = ""  # shown to the user after "the documents do not cover this"
    missing: tuple[str, ...] = ()  # question terms the documents do not mention (answer notes them)


_GENERIC_HEAD = re.compile(r"(?:企业|公司|单位|行业|机构|厂)$")


#: A category the text speaks of through its members: the industries it lists ("烟草制造业、住宿和餐饮业"),
#: the consequences it states ("追回全部补助资金", "取消其…资格", "处…罚款").
_MEMBERS = {
    "行业": re.compile(r"[\u4e00-\u9fff]{1,8}业、[\u4e00-\u9fff]{1,8}业"),
    "后果": re.compile(r"追回|追缴|取消[^，。；]{0,12}资格|罚款|处罚|法律责任|移送司法|纳入[^，。；]{0,8}信用记录"),
}


def term_found(term: str, pool: str) -> bool:
    """Is ``term`` in ``pool``: as written, for a compound of 4+ characters both its halves, or as
    the short form of a longer name (小微 for 小型微型, 创投 for 创业投资, 区政府 for 区人民政府)?"""
    if term in pool:
        return True
    members = _MEMBERS.get(term)
    if members and members.search(pool):
        return True
    if not re.search(r"[\u4e00-\u9fff]", term):
        return False
    if len(term) >= 4 and term[:2] in pool and term[-2:] in pool:
        return True
    stem = _GENERIC_HEAD.sub("", term)
    if stem != term and len(stem) >= 2 and stem in pool:
        return True  # 钢铁企业: a text about 钢铁 (行业) speaks of them
    return bool(re.search(".{0,3}".join(map(re.escape, term)), pool))


def _stated(question: str, number: str) -> bool:
    """Is ``number`` an amount the asker states of their own case ("设备投资3000万元的项目补助多少"),
    not a figure of the documents they refer to ("2025年的目标")?"""
    return bool(
        re.search(rf"{re.escape(number)}\s*(?:(?:万|亿)|(?:万|亿)?(?:元|人|名|吨|千瓦|平方米|台|套|个月|天))", question)
    )


def decide(
    query: Query, hits: list[Hit], documents: list[Document], corpus: Iterable[Document], threshold: float
) -> Decision:
    if not hits or not documents:
        return Decision(True, "no_hits")
    if max((h.dense_score or 0.0) for h in hits[:3]) < threshold:
        return Decision(True, "low_similarity")
    pool = "\n".join(d.text for d in documents)
    absent = [n for n in query.numbers if len(n) >= 2 and n not in normalize(pool) and not _stated(query.question, n)]
    if absent:
        return Decision(True, "absent_number", _say(query, f"“{absent[0]}”", f"“{absent[0]}”"))
    groups = _required_groups(query)
    missing = tuple(g[0] for g in groups if not any(term_found(t, pool) for t in g))
    of = deadline_of(query)  # "企业报名参加培训的截止日期": its 报名 must be in the documents too
    missing += tuple(
        g[0] for g in query.terms if g not in groups and any(t in of for t in g) and not any(t in pool for t in g)
    )
    if query.lang == "en" and not query.terms:
        return Decision(True, "unknown_terms")
    if groups and (len(groups) - len(missing)) / len(groups) < 0.5:
        return Decision(True, "not_mentioned")
    corpus = list(corpus)
    everywhere = "\n".join(d.text for d in corpus)
    nowhere = tuple(t for t in missing if not term_found(t, everywhere))
    if query.wants_quantity and nowhere:
        what = "、".join(nowhere)
        return Decision(
            True, "qualifier_missing", _say(query, f"：文件没有提到“{what}”", f": they never mention {what}")
        )
    elsewhere = tuple(p for p in query.places if not term_found(p, everywhere))
    if elsewhere:
        what = "、".join(elsewhere)
        return Decision(True, "place_missing", _say(query, f"：文件没有涉及“{what}”", f": they do not cover {what}"))
    for check in (
        _unknown_document,
        _unknown_instrument,
        _unheld_recognition,
        _attachment_only,
        _referenced_only,
        _promised_only,
        _not_listed,
    ):
        decision = check(query, hits, pool, corpus)
        if decision is not None:
            return decision
    return Decision(False, missing=missing if query.lang == "zh" else ())


def _required_groups(query: Query) -> tuple[tuple[str, ...], ...]:
    """The term groups the documents must mention: for a Chinese question, those holding one of its
    nouns or names outside the asker's self-description; for an English one, all of them."""
    if query.lang != "zh":
        return query.terms
    required = set(query.required)
    groups = [g for g in query.terms if any(t in required for t in g)]
    known = {t for g in groups for t in g}
    groups += [(t,) for t in query.required if t not in known and not any(t in k or k in t for k in known)]
    return tuple(groups)


def _say(query: Query, zh: str, en: str) -> str:
    return zh if query.lang == "zh" else en


def _referenced_only(query: Query, hits: list[Hit], pool: str, corpus: list[Document]) -> Decision | None:
    """A question about what a cited document (《…》 not in the corpus) says."""
    if not _CONTENT_ASK.search(query.question):
        return None
    titles = {_squash(t) for d in corpus for t in (d.meta.title, d.meta.short_title or "")}
    for name in _QUOTED.findall(query.question):
        if _squash(name) not in titles and name in pool:
            return Decision(
                True,
                "referenced_only",
                _say(
                    query,
                    f"：文件只提到《{name}》，没有收录它的内容",
                    f": they only refer to 《{name}》, not its content",
                ),
            )
    return None


_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号|公告\d{4}年第\d+号")


def _unknown_document(query: Query, hits: list[Hit], pool: str, corpus: list[Document]) -> Decision | None:
    """A question "按财税〔2018〕64号…" about a document (by its 文号) that is not in the library."""
    held = "".join(_squash(d.meta.doc_number or "") + _squash(d.meta.title) for d in corpus)
    for number in _DOC_NUMBER.findall(_squash(query.question)):
        core = re.sub(r"^.*?(〔|公告)", r"\1", number)
        if core not in held:
            return Decision(
                True,
                "unknown_document",
                _say(query, f"：文件库中没有{number}", f": the library does not hold {number}"),
            )
    return None


#: Kinds of instrument named by their subject ("收入准则", "新租赁准则", "北京市条例").
_INSTRUMENTS = ("准则", "条例", "细则", "指引", "导则")
_NOT_A_SUBJECT = re.compile(r"^(?:企业|会计|相关|有关|上述|国家|地方|具体|实施|这|那|此|该|本|各|其|新|哪|几)")


def _unknown_instrument(query: Query, hits: list[Hit], pool: str, corpus: list[Document]) -> Decision | None:
    """A question about a standard or regulation named by its subject ("按新租赁准则…", "收入准则的问题")
    when the documents name others of its kind (固定资产准则) but never this one: what they say of the
    others is no answer. The name may be split by a few characters of one title (北京…条例)."""
    if query.lang != "zh":
        return None
    for subject, kind in _instruments(query.question):
        if kind in pool and not re.search(rf"{re.escape(subject)}[^，。；、：\n《》]{{0,12}}?{kind}", pool):
            name = subject + kind
            return Decision(
                True, "instrument_missing", _say(query, f"：文件没有涉及“{name}”", f": they do not cover {name}")
            )
    return None


#: A recognition applied for ("能申请认定高新技术企业吗", "能评为专精特新企业吗"): what is applied for.
_RECOGNITION = re.compile(
    r"(?:能|可以|可否|能否|能不能|想)(?:申请|申报)?(?:认定|评为|评定|入选|认证)(?:为)?"
    r"((?:(?!不|适用)[\u4e00-\u9fff]){2,12}?(?:企业|中心|园区|基地|工厂))(?:吗|呢|[？?]|$)"
)


def _unheld_recognition(query: Query, hits: list[Hit], pool: str, corpus: list[Document]) -> Decision | None:
    """ "我们成立8个月，能申请认定高新技术企业吗？" when no document is about that recognition: none has it in
    its title, and none speaks of recognising it (认定…高新技术企业, 高新技术企业认定). A measure that only
    lists the certificate among its own conditions is no answer."""
    m = _RECOGNITION.search(query.question) if query.lang == "zh" else None
    if m is None:
        return None
    what = m.group(1)
    named = re.escape(what)
    recognised = rf"(?:认定|评为|评定|入选|认证)(?:为)?[^，。；\n]{{0,8}}{named}|{named}(?:的)?(?:认定|评定|认证)"
    if any(what in d.meta.title for d in corpus) or re.search(recognised, pool):
        return None
    reason = _say(query, f"：文件没有涉及“{what}”的认定", f": they do not cover {what}")
    return Decision(True, "recognition_missing", reason)


def _instruments(question: str) -> list[tuple[str, str]]:
    """(subject, kind) of each instrument the question names by a word of its own before the kind."""
    words = jieba.lcut(question)
    found = []
    for i, word in enumerate(words):
        kind = next((k for k in _INSTRUMENTS if word.endswith(k)), None)
        if kind is None:
            continue
        subject = word[: -len(kind)] or (words[i - 1] if i else "")
        if len(subject) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", subject) and not _NOT_A_SUBJECT.match(subject):
            found.append((subject, kind))
    return found


def _attachment_only(query: Query, hits: list[Hit], pool: str, corpus: list[Document]) -> Decision | None:
    """A question about what an attachment (附件) contains, when the library holds the document
    without its attachments."""
    if "附件" not in query.question or not _CONTENT_ASK.search(query.question):
        return None
    if re.search(r"^附件\s*\d*\s*[:：]?\s*\S{2,}", pool, re.M) and any(
        h.chunk.section_path and h.chunk.section_path[0].startswith("附件") for h in hits
    ):
        return None
    return Decision(
        True, "attachment_only", _say(query, "：文件库只收录了正文，没有附件内容", ": the library holds no attachments")
    )


def _promised_only(query: Query, hits: list[Hit], pool: str, corpus: list[Document]) -> Decision | None:
    """A question about the content of something the documents only promise to publish."""
    if not _CONTENT_ASK.search(query.question):
        return None
    sentences = re.split(r"[。；\n]", pool)
    terms = [g[0] for g in query.terms if g[0] in pool]
    for size in range(min(4, len(terms)), 0, -1):
        for i in range(len(terms) - size + 1):
            phrase = "".join(terms[i : i + size])
            holders = [s for s in sentences if phrase in s]
            if len(phrase) >= 4 and holders and all(_PROMISE.search(s) for s in holders):
                return Decision(
                    True,
                    "promised_only",
                    _say(
                        query,
                        f"：文件只提到将发布或启动“{phrase}”，没有它的具体内容",
                        f": they only say “{phrase}” will be published, not what it contains",
                    ),
                )
    return None


def _entity_type(query: Query) -> str | None:
    if query.lang == "en":
        m = _EN_ENTITY.search(query.question)
        return _EN_TYPES[m.group(1).lower()] if m else None
    words = jieba.lcut(query.question)
    for i, word in enumerate(words[:-1]):
        if word in ("哪些", "哪几个", "哪几家", "哪个"):
            following = words[i + 1]
            after = words[i + 2] if i + 2 < len(words) else ""
            if _ATTRIBUTE.match(after):
                return None  # "哪些技术特征", "哪些产品标准": what they must be like, not which ones
            return next((t for t in _ENTITY_TYPES if following.endswith(t)), None)
    return None


def asked_noun(query: Query) -> str | None:
    """The noun a 哪些/哪几/什么 question asks for ("需要填报哪些栏目" -> 栏目): when the documents never
    mention it, quoting a nearby list is no answer."""
    if query.lang != "zh":
        return None
    words = jieba.lcut(query.question)
    for i, word in enumerate(words[:-1]):
        if word in ("哪些", "哪几", "哪几个", "哪几类", "哪几种", "哪几项"):
            following = words[i + 1]
            return following if len(following) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", following) else None
    return None


_DEADLINE_OF = re.compile(r"([\u4e00-\u9fff]{2,16}?)的?(?:截止(?:日期|时间|期限)?|最晚|最迟)")


def deadline_of(query: Query) -> str:
    """What a deadline question asks the deadline of ("企业报名参加培训的截止日期" -> 企业报名参加培训):
    when the documents never mention a word of it (报名), a plan's schedule is no answer."""
    m = _DEADLINE_OF.search(query.question) if query.lang == "zh" else None
    return m.group(1) if m else ""


def _not_listed(query: Query, hits: list[Hit], pool: str, corpus: list[Document]) -> Decision | None:
    """ "Which cities …?" when the documents name no cities (only 部分城市, 一批企业 …)."""
    kind = _entity_type(query)
    if kind is None or query.intent == "document":  # 哪个单位发的 asks about the document itself
        return None
    text = "\n".join(h.chunk.text for h in hits[:4])
    enumeration = re.compile(rf"、[^。；\n]{{0,40}}等[^。；、\n]{{0,6}}{kind}|{kind}(?:包括|有|为|：)")
    if enumeration.search(text):
        return None
    suffix = _NAMED.get(kind)
    if suffix and re.search(
        rf"(?<![本全该各])[\u4e00-\u9fff]{{2,4}}{suffix}(?![\u4e00-\u9fff]{{0,2}}(?:以上|以下|人民政府|级))", text
    ):
        return None  # one named ("…和西藏自治区拉萨市作为试点地区"): the list is there
    return Decision(True, "not_listed", _say(query, f"：文件没有列出具体的{kind}", f": they name no specific {kind}"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)
