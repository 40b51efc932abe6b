"""Lifecycle facts read from a document's text, each tied to the chunk it was read from.

What the genre writes, whatever the document:

* taking effect: ``本办法自发布之日起实施``, ``本法自2008年4月1日起施行``, ``本通知自…起执行``,
  ``本公告适用于2016年度及以后年度``, the ``生效日期：…`` line of database copies;
* validity: ``有效期五年``, ``执行期限为…至…``, ``…起执行，至…止``;
* repeal: ``《…》（文号）和《…》（文号）同时废止``, ``…停止执行``;
* partial repeal noted by a database: ``【注：根据《…》（文号）本文件第X条…废止/失效】``;
* basis: ``根据《…》…制定本条例``, ``根据《…》（文号）…现就…公告如下``;
* revision: the history lines of laws (``2017年9月1日 …会议修订``, ``…第二次修正``);
* the period covered: a year in the title (``绿色制造2016专项行动``) and ``到2020年`` targets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from policybot.genre import TimeKind, find_times
from policybot.ingest.chunking import split_sentences
from policybot.lifecycle.dates import add_years, day_before, parse_span, year_of
from policybot.lifecycle.model import FactKind, LifecycleFact, Reference, normalize_number
from policybot.records import Chunk, Document

__all__ = ["extract_lifecycle", "find_references"]

_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,12}\s*[〔\[【（(]\s*\d{4}\s*[〕\]】）)]\s*\d{1,4}\s*号"
    r"|[\u4e00-\u9fff]{2,16}公告\s*\d{4}\s*年\s*第\s*\d{1,4}\s*号"
    r"|[\u4e00-\u9fff]{1,8}令第\s*\d{1,4}\s*号)"
)
_TITLED = re.compile(r"《([^《》]{2,80})》(?:\s*[（(]([^（）()]{4,40}?号)[）)])?")
_THIS = r"本(?:通知|办法|规定|条例|法|公告|意见|细则|决定|方案|规则|准则|通告|实施意见|暂行办法)"
_EFFECT_HEADINGS = re.compile(r"执行时间|施行|实施时间|生效|附\s*则")
_VALIDITY = re.compile(rf"有效期(?:为|是)?\s*([\d{'一二三四五六七八九十两'}]{{1,3}})\s*年")
_UNTIL = re.compile(
    r"(?:执行期限|有效期|实施期限|执行期)(?:为|是|暂定为)?[^。；]{0,20}?(?:至|到|截至)\s*([^，。；）)]{4,16}?)(?:止|为止|结束|[，。；]|$)"
)
_REPEAL = re.compile(r"同时废止|予以废止|停止执行|不再执行|同时失效")
_BASIS_VERB = re.compile(r"^(?:为了?[^。]{0,80}?)?(?:根据|依据|按照|依照|为贯彻落实|贯彻落实)")
_MAKES = re.compile(r"制定本|现就|如下|特制定|结合本|制定了|印发")
_REVISION = re.compile(
    r"^(\d{4}年\d{1,2}月\d{1,2}日)\s*[^。\n]{0,60}?(?:会议|决定)[^。\n]{0,80}?(通过|修订|修正|第[一二三四五六七八九十]+次修正)\s*$"
)
_HEADER_EFFECTIVE = re.compile(
    r"(?:生效日期|施行日期|实施日期)\s*[:：]\s*(\d{4}-\d{1,2}-\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)"
)
_APPLIES = re.compile(r"适用于\s*(\d{4})\s*年度及以后年度")
_NOTE = re.compile(r"【注[:：]([^】]*)】")
_PERIOD_TITLE = re.compile(r"(\d{4})\s*(?:年度?)?\s*(?:专项行动|行动计划|工作要点|工作计划|实施计划|年度计划)")
_TARGET_YEAR = re.compile(r"(?:^|[，。；：:\s])到\s*(\d{4})\s*年(?:底|末)?")
_ARTICLE = re.compile(r"^第[一二三四五六七八九十百零〇\d]+条\s*")


@dataclass(frozen=True)
class _Sentence:
    start: int
    text: str
    chunk: Chunk | None


#: Characters that end the words before a 文号 and never occur in an issuer's abbreviation (财税, 国科发政).
_BEFORE_NUMBER = re.compile(r"^.*[了的和及与或在对按据照止是为将把从由于之废见称依]")


def _clean_number(number: str) -> str:
    head, _, tail = number.partition("公告") if "公告" in number else ("", "", number)
    if head:
        return normalize_number(_BEFORE_NUMBER.sub("", head) + "公告" + tail)
    return normalize_number(_BEFORE_NUMBER.sub("", number))


def find_references(text: str) -> list[Reference]:
    """The documents ``text`` names: 《title》 with an optional （文号） after it, and bare 文号."""
    refs: list[Reference] = []
    covered: list[tuple[int, int]] = []
    for m in _TITLED.finditer(text):
        number = m.group(2)
        bare = _NUMBER.fullmatch(number.strip()) if number else None
        number = bare.group(1) if bare else None
        refs.append(Reference(m.group(1).strip(), _clean_number(number) if number else None))
        covered.append((m.start(), m.end()))
    for m in _NUMBER.finditer(text):
        if not any(a <= m.start() < b for a, b in covered):
            refs.append(Reference(None, _clean_number(m.group(1))))
    return refs


def extract_lifecycle(doc: Document, chunks: Sequence[Chunk]) -> list[LifecycleFact]:
    """Every lifecycle fact of ``doc``'s text, in document order."""
    notes = [(m.start(), m.end()) for m in _NOTE.finditer(doc.text)]
    sentences = list(_sentences(_NOTE.sub(lambda m: " " * len(m.group(0)), doc.text), chunks))
    issued = _issued(doc)
    facts: list[LifecycleFact] = list(_notes(doc, chunks, notes))
    for s in sentences:
        plain = _ARTICLE.sub("", s.text.strip(), count=1)
        facts.extend(_effective(doc, s, plain, issued))
        facts.extend(_expiry(doc, s, plain, facts))
        facts.extend(_repeals(doc, s, plain, facts))
        facts.extend(_basis(doc, s, plain))
        facts.extend(_revision(doc, s))
    facts.extend(_period(doc, sentences))
    facts.sort(key=lambda f: (f.start, f.kind.value))
    return _dedupe(facts)


def _sentences(text: str, chunks: Sequence[Chunk]) -> Iterator[_Sentence]:
    """The sentences of ``text`` (the document's text with its editorial notes blanked)."""
    ordered = sorted(chunks, key=lambda c: (c.start, c.end - c.start))
    for start, end in split_sentences(text):
        sentence = text[start:end].strip()
        if sentence:
            lead = start + len(text[start:end]) - len(text[start:end].lstrip())
            holders = [c for c in ordered if c.start <= lead < c.end]
            owner = min(holders, key=lambda c: c.end - c.start) if holders else _nearest(ordered, lead)
            yield _Sentence(lead, sentence, owner)


def _nearest(chunks: Sequence[Chunk], offset: int) -> Chunk | None:
    before = [c for c in chunks if c.start <= offset]
    return before[-1] if before else (chunks[0] if chunks else None)


def _fact(kind: FactKind, doc: Document, s: _Sentence, value: str, **extra: object) -> LifecycleFact:
    chunk = s.chunk
    return LifecycleFact(
        kind=kind,
        doc_id=doc.meta.doc_id,
        value=value,
        quote=s.text,
        section=chunk.section if chunk else "",
        chunk_id=chunk.id if chunk else "",
        start=s.start,
        **extra,  # type: ignore[arg-type]
    )


def _about_this(doc: Document, s: _Sentence, plain: str) -> bool:
    heading = s.chunk.section if s.chunk else ""
    return bool(re.match(_THIS, plain.strip()) or re.match(r"^自", plain.strip())) or bool(
        _EFFECT_HEADINGS.search(heading.split(" › ")[-1])
    )


def _effective(doc: Document, s: _Sentence, plain: str, issued: date | None) -> Iterator[LifecycleFact]:
    header = _HEADER_EFFECTIVE.search(plain)
    if header:
        span = parse_span(header.group(1))
        if span:
            yield _fact(FactKind.EFFECTIVE, doc, s, header.group(0).strip(), on=span[0])
        return
    applies = _APPLIES.search(plain)
    if applies:
        yield _fact(FactKind.EFFECTIVE, doc, s, applies.group(0), on=date(int(applies.group(1)), 1, 1))
        return
    if not _about_this(doc, s, plain):
        return
    for t in find_times(plain):
        if t.kind is not TimeKind.EFFECTIVE or re.search(r"起$", t.text):
            continue
        on = issued if re.search(r"发布|印发|公布|颁布|发文", t.text) else None
        span = parse_span(t.text) if on is None else None
        on = span[0] if span else on
        yield _fact(FactKind.EFFECTIVE, doc, s, t.text, on=on)
        return


def _expiry(doc: Document, s: _Sentence, plain: str, earlier: list[LifecycleFact]) -> Iterator[LifecycleFact]:
    until = _UNTIL.search(plain)
    if until:
        span = parse_span(until.group(1), year_of(plain))
        if span:
            yield _fact(FactKind.EXPIRES, doc, s, until.group(0).rstrip("，。；"), until=span[1])
            return
    validity = _VALIDITY.search(plain)
    if validity:
        years = int(validity.group(1)) if validity.group(1).isdigit() else _cn(validity.group(1))
        starts = [f.on for f in earlier if f.kind is FactKind.EFFECTIVE and f.on]
        found = find_times(plain)
        begin = next((parse_span(t.text) for t in found if t.kind is TimeKind.EFFECTIVE), None)
        first = begin[0] if begin else (starts[-1] if starts else _issued(doc))
        end = day_before(add_years(first, years)) if first else None
        yield _fact(FactKind.EXPIRES, doc, s, validity.group(0), on=first, until=end)


def _cn(text: str) -> int:
    from policybot.genre import cn_to_int

    return cn_to_int(text.replace("两", "二"))


def _issued(doc: Document) -> date | None:
    return date.fromisoformat(doc.meta.issue_date) if doc.meta.issue_date else None


def _repeals(doc: Document, s: _Sentence, plain: str, earlier: list[LifecycleFact]) -> Iterator[LifecycleFact]:
    m = _REPEAL.search(plain)
    if not m:
        return
    refs = find_references(plain[: m.start()]) or find_references(plain[m.end() :])
    refs = [r for r in refs if not _is_self(doc, r)]
    if refs:
        starts = [f.on for f in earlier if f.kind is FactKind.EFFECTIVE and f.on and not f.value.startswith("生效")]
        on = _effective_in(plain) or (starts[-1] if starts else _issued(doc))
        yield _fact(FactKind.REPEALS, doc, s, m.group(0), on=on, refs=tuple(refs))


def _effective_in(text: str) -> date | None:
    for t in find_times(text):
        if t.kind is TimeKind.EFFECTIVE:
            span = parse_span(t.text)
            if span:
                return span[0]
    return None


def _is_self(doc: Document, ref: Reference) -> bool:
    m = doc.meta
    if ref.number and m.doc_number and normalize_number(m.doc_number) == ref.number:
        return True
    return bool(ref.title and ref.title in {m.title, m.short_title})


def _basis(doc: Document, s: _Sentence, plain: str) -> Iterator[LifecycleFact]:
    text = plain.strip()
    if not (_BASIS_VERB.search(text) and _MAKES.search(text)):
        return
    refs = [r for r in find_references(text) if not _is_self(doc, r)]
    if refs:
        yield _fact(FactKind.BASIS, doc, s, text[:40], refs=tuple(refs))


def _revision(doc: Document, s: _Sentence) -> Iterator[LifecycleFact]:
    m = _REVISION.match(s.text.strip())
    if m and m.group(2) != "通过":
        span = parse_span(m.group(1))
        yield _fact(FactKind.REVISED, doc, s, m.group(2), on=span[0] if span else None)


def _notes(doc: Document, chunks: Sequence[Chunk], spans: list[tuple[int, int]]) -> Iterator[LifecycleFact]:
    """A database's editorial notes that later documents repealed parts of this one."""
    ordered = sorted(chunks, key=lambda c: c.start)
    for start, end in spans:
        body = doc.text[start + 3 : end - 1]
        if not re.search(r"废止|失效", body):
            continue
        refs = [r for r in find_references(body) if not _is_self(doc, r)]
        s = _Sentence(start, doc.text[start:end], _nearest(ordered, start))
        yield _fact(FactKind.PARTLY_REPEALED, doc, s, body[:60], on=_when_noted(body), refs=tuple(refs))


def _when_noted(body: str) -> date | None:
    m = re.search(r"自(\d{4}年\d{1,2}月\d{1,2}日)起", body)
    span = parse_span(m.group(1)) if m else None
    return span[0] if span else None


def _period(doc: Document, sentences: list[_Sentence]) -> Iterator[LifecycleFact]:
    title = " ".join(x for x in (doc.meta.short_title, doc.meta.title) if x)
    m = _PERIOD_TITLE.search(re.sub(r"\s+", "", title))
    if m and sentences:
        year = int(m.group(1))
        where = next((s for s in sentences if re.sub(r"\s+", "", s.text).find(m.group(0)) >= 0), sentences[0])
        yield _fact(FactKind.PERIOD, doc, where, m.group(0), on=date(year, 1, 1), until=date(year, 12, 31))
        return
    ends = [(int(t.group(1)), s, t.group(0)) for s in sentences for t in _TARGET_YEAR.finditer(_mask(s.text))]
    if ends:
        year, s, text = max(ends, key=lambda e: e[0])
        yield _fact(FactKind.PERIOD, doc, s, text.lstrip("，。；：: "), until=date(year, 12, 31))


def _mask(text: str) -> str:
    return re.sub(r"《[^》]*》", lambda m: " " * len(m.group(0)), text)


def _dedupe(facts: list[LifecycleFact]) -> list[LifecycleFact]:
    seen: set[tuple[FactKind, int, str]] = set()
    out = []
    for f in facts:
        key = (f.kind, f.start, f.value)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
