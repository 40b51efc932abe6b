"""Facts: the dated and quantified items of a document, each tied to the chunk it came from.

* ``deadline``: time tags on schedule items (──…（二季度）), and time limits written in the text
  (到2020年, 2016年底前, 三季度, 年内);
* ``target``: a figure with its unit and indicator (综合机械化率 70%, 单个项目资助 1000万元);
* ``party``: who an action is taken with (会同财政部) or which bodies are named (中国工程院).

Titles in 《…》 are masked first, so a year inside a document title is never a deadline.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

from policybot.genre import is_instruction
from policybot.genre.time import BARE_YEAR, CLOCK
from policybot.genre.units import QUANTITY_UNITS, is_phone_number
from policybot.ingest.chunking import split_sentences
from policybot.records import Chunk, Document, Fact, Section

__all__ = ["QUARTERS", "extract_facts", "normalize_quarter"]

QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
#: Units a target is counted in: money, ratios, counts and the physical quantities of genre.units (吨标准煤,
#: 兆瓦, 万千瓦时 …). Durations (5个工作日, 3个月, 15个自然日) are listed so that "个" alone is never read off them;
#: they are periods (genre.time), not targets.
_TARGET_UNITS = (
    *("亿元", "万元", "元", "万户", "万家", "个百分点", "%", "％", "个", "家", "项", "座", "条", "万人", "人"),
    # 亿千瓦 (全国农机总动力超过10亿千瓦) is left out for now: compose_target takes such a fact for a question about
    # another count and year (dev eval c281); see CHANGELOG.
    *(u for u in QUANTITY_UNITS if u != "亿千瓦"),
    *("万亩", "公顷"),
)
_PERIOD_UNITS = ("个月", "个工作日", "工作日", "个自然日", "自然日", "个小时", "小时")
_UNITS = "(?:" + "|".join(map(re.escape, sorted({*_TARGET_UNITS, *_PERIOD_UNITS}, key=len, reverse=True))) + ")"
_DIVISORS = "千瓦时|小时|平方米|立方米|千瓦|年|月|日|天|时|吨|瓦|亩|人|户|家|台|件|次|个|kWh|kW|W|t"
#: A rate keeps its divisor: 35蒸吨/小时, 100元/吨.
_FIGURE = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNITS}(?:/(?:{_DIVISORS}))?)")
_VERBS = (
    "削减",
    "减少",
    "降低",
    "下降",
    "提高",
    "提升",
    "增长",
    "增加",
    "新增",
    "达到",
    "完成",
    "实现",
    "建设",
    "建成",
    "培育",
    "创建",
    "推广",
    "淘汰",
    "节约",
    "控制在",
    "控制",
    "超过",
    "不低于",
    "不少于",
)
#: Verbs that say what changes, after which a long clause names its indicator (…企业新增分布式光伏装机容量300兆瓦).
_CHANGE_VERBS = ("新增", "增加", "提高", "提升", "降低", "下降", "削减", "减少", "建成", "培育", "创建", "淘汰", "节约")
_PREFIXES = ("预计", "全年", "力争", "累计", "合计", "年均", "平均", "每年", "比", "较", "约", "其中", "以上")
#: A date as deadlines write it, with the clock time a day may carry (2025年7月15日17:00, 2025年7月15日17时).
_DATE = rf"\d{{4}}年(?:\d{{1,2}}月(?:\d{{1,2}}日(?:{CLOCK})?)?)?(?:底|末)?"
_CLOSING = r"截至|截止(?:时间|日期)?(?:为|是|到|至)?"
_DEADLINES = [
    re.compile(rf"(?:到|至|{_CLOSING}|于|在)({_DATE})(?:前)?"),
    re.compile(rf"({_DATE})(?:前|以前|之前)"),
    re.compile(r"((?:\d{4}年)?第?[一二三四1-4]季度)"),
    re.compile(f"({BARE_YEAR.pattern})"),  # 年底前, 年内 (not 三年内), 上半年; 当年 / 次年 are dropped below
]
_NO_DEADLINE = frozenset({"当年", "次年"})  # the year of something else (当年核定补助总额), no time limit
#: A clause that only says when something closes (截止时间为2025年7月15日17:00): what closes is in the clause before.
_ONLY_CLOSING = re.compile(rf"(?:{_CLOSING}){_DATE}(?:前|止)?")
_BODY = r"[\u4e00-\u9fff]{1,10}?(?:部门|委员会|总局|部|委|局|署|院|办|行|厅)"
_PARTY = re.compile(rf"(会同|联合|商|配合|协同)({_BODY}(?:、{_BODY}){{0,3}})")
_BODIES = re.compile(
    r"(?:与|同|和|协调|依托|联合|会同)((?:[\u4e00-\u9fff]{2,10}、)+[\u4e00-\u9fff]{2,10})等(?:部门|机构|单位|院所)"
)
_ONLY_TIME = re.compile(r"(?:到|至|截至|于|在)?\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?(?:底|末)?(?:前|以前|之前)?")
_TAG = re.compile(r"[（(]([^（）()]{2,12})[）)][。；.;]?$")


def normalize_quarter(value: str, year: int | None) -> str | None:
    m = re.search(r"(?:(\d{4})年)?第?([一二三四1-4])季度", value)
    if not m:
        return None
    y = int(m.group(1)) if m.group(1) else year
    return f"{y}-Q{QUARTERS[m.group(2)]}" if y else f"Q{QUARTERS[m.group(2)]}"


def _doc_year(doc: Document) -> int | None:
    for text in (doc.meta.short_title, doc.meta.title):
        m = re.search(r"(20\d{2}|19\d{2})", text or "")
        if m:
            return int(m.group(1))
    return int(doc.meta.issue_date[:4]) if doc.meta.issue_date else None


def _mask_titles(text: str) -> str:
    """Replace the inside of 《…》 with spaces (same length), so offsets stay valid."""
    return re.sub(r"《[^》]*》", lambda m: "《" + " " * (len(m.group(0)) - 2) + "》", text)


class _ChunkFinder:
    """The smallest chunk holding an offset, in O(log n + overlap) per lookup (chunks sorted by start)."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self._chunks = sorted(chunks, key=lambda c: c.start)
        self._starts = [c.start for c in self._chunks]
        self._longest = max((c.end - c.start for c in chunks), default=0)

    def at(self, offset: int) -> Chunk | None:
        best = None
        i = bisect_right(self._starts, offset) - 1
        while i >= 0 and self._starts[i] > offset - self._longest:
            chunk = self._chunks[i]
            if offset < chunk.end and (best is None or chunk.end - chunk.start <= best.end - best.start):
                best = chunk
            i -= 1
        return best


def _sentences(doc: Document, chunks: list[Chunk]) -> Iterator[tuple[int, str, Chunk]]:
    seen: set[int] = set()
    finder = _ChunkFinder(chunks)
    for chunk in chunks:
        for start, end in split_sentences(doc.text[chunk.start : chunk.end], chunk.start):
            if start in seen:
                continue
            seen.add(start)
            if is_instruction(doc.text[start:end]):
                continue  # planted text addressing the assistant is not a fact of the document
            owner = finder.at(start) or chunk
            yield start, doc.text[start:end].strip(), owner


def _fact(
    kind: str, value: str, subject: str, doc: Document, chunk: Chunk, quote: str, start: int, **extra: str | None
) -> Fact:
    return Fact(
        type=kind,
        value=value,
        subject=subject,
        doc_id=doc.meta.doc_id,
        doc_title=doc.meta.title,
        section=chunk.section,
        quote=quote,
        chunk_id=chunk.id,
        start=start,
        page=doc.page_at(start),
        **extra,
    )


def extract_facts(doc: Document, sections: list[Section], chunks: list[Chunk]) -> list[Fact]:
    """All facts of ``doc`` in document order."""
    year = _doc_year(doc)
    facts: list[Fact] = []
    item_spans: list[tuple[int, int]] = []
    finder = _ChunkFinder(chunks)
    for item in (s for s in sections if s.kind == "item"):
        chunk = finder.at(item.start)
        text = doc.text[item.start : item.end].strip()
        if chunk is None or not item.tag:
            continue
        item_spans.append((item.start, item.end))
        subject = _TAG.sub("", text).lstrip("─—－-•·● ").rstrip("。；")
        facts.append(
            _fact(
                "deadline",
                item.tag,
                subject,
                doc,
                chunk,
                text,
                item.start,
                normalized=normalize_quarter(item.tag, year),
            )
        )
    for start, sentence, chunk in _sentences(doc, chunks):
        facts.extend(
            _sentence_facts(
                doc, chunk, start, sentence, year, skip_deadlines=any(a <= start < b for a, b in item_spans)
            )
        )
    facts.sort(key=lambda f: (f.start, f.type))
    return facts


def _sentence_facts(
    doc: Document, chunk: Chunk, start: int, sentence: str, year: int | None, *, skip_deadlines: bool
) -> list[Fact]:
    masked = _mask_titles(sentence)
    out: list[Fact] = []
    if not skip_deadlines:
        out.extend(_deadlines(doc, chunk, start, sentence, masked, year))
    out.extend(_targets(doc, chunk, start, sentence, masked))
    out.extend(_parties(doc, chunk, start, sentence, masked))
    return out


def _clause(sentence: str, pos: int) -> str:
    """The clause around ``pos``; when that clause is only a time phrase ("到2020年"), the
    clause that follows it, which says what is due."""
    left = max(sentence.rfind(c, 0, pos) for c in "，。；：") + 1
    ends = [i for i in (sentence.find(c, pos) for c in "，。；") if i >= 0]
    end = min(ends) if ends else len(sentence)
    clause = sentence[left:end].strip().lstrip("─—－-•·● ")
    if _ONLY_CLOSING.fullmatch(clause) and left > 1 and sentence[left - 1] in "，；：":
        before = max(sentence.rfind(c, 0, left - 1) for c in "，。；：") + 1
        return sentence[before:end].strip().lstrip("─—－-•·● ")
    if _ONLY_TIME.fullmatch(clause) and end < len(sentence):
        rest = sentence[end + 1 :]
        stop = min([i for i in (rest.find(c) for c in "。；") if i >= 0] or [len(rest)])
        return rest[:stop].strip() or clause
    return clause


def _deadlines(doc: Document, chunk: Chunk, start: int, sentence: str, masked: str, year: int | None) -> Iterator[Fact]:
    taken: list[tuple[int, int]] = []
    found: list[Fact] = []
    for pattern in _DEADLINES:
        for m in pattern.finditer(masked):
            if any(a <= m.start(1) < b for a, b in taken) or m.group(1) in _NO_DEADLINE:
                continue
            taken.append((m.start(1), m.end(1)))
            value = m.group(1)
            norm = normalize_quarter(value, year) or _normalize_date(value)
            found.append(
                _fact(
                    "deadline",
                    value,
                    _clause(sentence, m.start()),
                    doc,
                    chunk,
                    sentence,
                    start + m.start(1),
                    normalized=norm,
                )
            )
    # One day said twice in a sentence ("申报时间为6月10日至7月15日，截止时间为7月15日17:00"): the fuller
    # statement (with its clock time, or the explicit 截止) stands for both.
    for fact in found:
        if not any(
            o is not fact and o.normalized and o.normalized == fact.normalized and len(o.value) > len(fact.value)
            for o in found
        ):
            yield fact


def _normalize_date(value: str) -> str | None:
    m = re.match(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?(底|末)?", value)
    if not m:
        return None
    y, mo, d, end = m.groups()
    if mo and d:
        return f"{y}-{int(mo):02d}-{int(d):02d}"
    if mo:
        return f"{y}-{int(mo):02d}"
    return f"{y}-12" if end else y


def _targets(doc: Document, chunk: Chunk, start: int, sentence: str, masked: str) -> Iterator[Fact]:
    verb: str | None = None
    for m in _FIGURE.finditer(masked):
        if m.group(2) == "年" or (re.match(r"\d{4}$", m.group(1)) and m.group(2) in {"个", "家", "项"}):
            continue
        if m.group(2) in _PERIOD_UNITS:
            continue  # 公示期为5个工作日, 3个月以上: a period, not a target of 5个
        if is_phone_number(masked, m.start(1), m.end(1)):
            continue  # 可拨打12333人社服务热线: no 12333人
        left = max(masked.rfind(c, 0, m.start()) for c in "、，。；：（()）") + 1  # after "（四）", not inside it
        indicator = masked[left : m.start()].strip()
        for _ in range(4):
            for word in (*_PREFIXES, *_VERBS):
                if indicator.startswith(word):
                    verb = word if word in _VERBS else verb
                    indicator = indicator[len(word) :]
        said = verb
        if len(indicator) > 16:  # 全市工业企业新增分布式光伏装机容量300兆瓦: what follows the last change verb
            at, word = max(((indicator.rfind(w), w) for w in _CHANGE_VERBS), key=lambda x: (x[0], len(x[1])))
            if at > 0:
                said, indicator = word, indicator[at + len(word) :]
        if not indicator or len(indicator) > 16:
            continue
        verb = said
        value = f"{m.group(1)}{m.group(2)}"
        subject = f"{verb or ''}{indicator}{value}"
        yield _fact(
            "target",
            value,
            subject,
            doc,
            chunk,
            sentence,
            start + m.start(),
            unit=m.group(2),
            indicator=indicator,
            normalized=f"{m.group(1)} {m.group(2)}",
        )


#: "会同有关部门": no body is named.
_UNNAMED = frozenset("有关部门 相关部门 各部门 各有关部门 其他部门 有关委 有关局".split())


def _parties(doc: Document, chunk: Chunk, start: int, sentence: str, masked: str) -> Iterator[Fact]:
    for m in _PARTY.finditer(masked):
        for party in m.group(2).split("、"):
            if party and party not in _UNNAMED:
                yield _fact("party", party, _clause(sentence, m.start()), doc, chunk, sentence, start + m.start(2))
    for m in _BODIES.finditer(masked):
        offset = m.start(1)
        for name in m.group(1).split("、"):
            if len(name) >= 2:
                yield _fact("party", name, _clause(sentence, m.start()), doc, chunk, sentence, start + offset)
            offset += len(name) + 1
