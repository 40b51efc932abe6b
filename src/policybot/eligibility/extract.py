"""Conditions, extracted at ingest: the blocks of a document that say who may apply, each turned
into a ``Measure`` of typed conditions (free text where a clause cannot be typed: it is kept and
marked for a person to check), with the document's support, deadline and materials.

Blocks are found by what the genre writes, not by a document's wording:
* sections whose heading has the conditions role (申报条件 / 认定条件 / 支持对象 / 申报主体 …);
* articles and paragraphs that introduce a list with 须同时满足 / 应当具备 / 符合下列条件 (one of the
  list is enough when they say 中的一项 / 之一);
* sections that exclude (不适用…的行业, 不予支持), attached to the document's measures;
* a scope sentence (本通知适用于…企业) when a document has no conditions block of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from policybot.eligibility.details import deadline_of, materials_of, support_of
from policybot.eligibility.model import Attribute, Combination, Comparator, Condition, Measure
from policybot.eligibility.rules import Typed, type_clause
from policybot.genre import SectionRole, section_role
from policybot.genre.markers import is_marker_line, strip_marker
from policybot.ingest.chunking import split_sentences
from policybot.records import PATH_SEP, Chunk, Document, Section

__all__ = ["extract_measures", "split_clauses"]

_INTRO = re.compile(
    r"(?:须|需|应当|应|必须)?(?:同时)?(?:满足|具备|符合)(?:以下|下列|如下)(?:全部|所有|基本)?(?:条件|要求)"
    r"|(?:以下|下列)条件中的(?:一项|任一项|任意一项)|应当具备(?:以下|下列)?条件"
)
_ANY = re.compile(r"中的(?:一项|任一项|任意一项)|之一|任一")
_EXCLUDING = re.compile(r"不适用|不予(?:支持|受理|资助)|不得(?:申报|享受)|不属于支持|负面清单|除外")
_DEFINING = re.compile(r"判定|界定|说明|解释|定义")
_SCOPE = re.compile(r"(?:本通知|本办法|本政策|本规定|本细则|本公告|本措施)适用于(?P<v>[^。；\d]{4,80}?(?:企业|单位))")
_OPEN = "（([《“"
_CLOSE = "）)]》”"


@dataclass(frozen=True)
class _Block:
    section: Section
    lead: str  # the heading or introducing sentence
    start: int  # where its items begin
    combination: Combination
    excluding: bool = False


def split_clauses(text: str) -> list[tuple[int, str]]:
    """(offset, clause) pieces of ``text`` between ，；。: separators inside brackets do not split."""
    out, depth, begin = [], 0, 0
    for i, ch in enumerate(text + "。"):
        depth += (ch in _OPEN) - (ch in _CLOSE) if ch in _OPEN + _CLOSE else 0
        depth = max(depth, 0)
        if ch in "，；。;\n" and depth == 0:
            piece = text[begin:i]
            if piece.strip(" ：:"):
                out.append((begin + len(piece) - len(piece.lstrip()), piece.strip()))
            begin = i + 1
    return out


def _without_brackets(text: str) -> str:
    return re.sub(r"[（(][^（）()]*[）)]", "", text)


def _home(doc: Document) -> str | None:
    """The place 本市/我市 stands for: the city or province in the issuer or title."""
    for text in (doc.meta.issuer, doc.meta.title, doc.text[:200]):
        m = re.search(
            r"([\u4e00-\u9fff]{2,3}?)(?:市|省)(?:人民政府|政府|经信|科技|财政|发展|工业|商务|人力)", text or ""
        )
        if m:
            return m.group(1)
    return None


def _blocks(doc: Document, sections: list[Section]) -> Iterator[_Block]:
    taken: list[tuple[int, int]] = []
    for s in sections:
        if s.kind == "part" or any(a <= s.start < b for a, b in taken):
            continue
        heading = strip_marker(s.heading)
        first = doc.text[s.body_start : s.end].split("\n", 1)[0]
        excluding = bool(_EXCLUDING.search(heading)) and not _DEFINING.search(heading)
        chapter = s.kind != "article" and re.match(r"第\S{1,4}条", first.strip()) is not None
        if (section_role(heading) is SectionRole.CONDITIONS or excluding) and not chapter:
            taken.append((s.start, s.end))
            own = re.sub(r"\s+", "", first).startswith(re.sub(r"\s+", "", s.heading))  # the heading line itself
            yield _Block(s, heading, s.body_start + (len(first) if own else 0), Combination.ALL, excluding)
            continue
        if is_marker_line(first.strip()) and s.kind != "article":
            continue  # the first line opens a sub-section: the block is that sub-section
        if _INTRO.search(first) and first.rstrip().endswith(("：", ":")):
            taken.append((s.start, s.end))
            combination = Combination.ANY if _ANY.search(first) else Combination.ALL
            yield _Block(s, first.strip(), s.body_start + len(first), combination)


def _items(doc: Document, start: int, end: int) -> Iterator[tuple[int, str]]:
    """(offset, text) of the list items between ``start`` and ``end``: a line opening with a marker
    and the unmarked lines after it; without markers, each sentence."""
    text = doc.text[start:end]
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            lines.append((start + pos, line))
        pos += len(line) + 1
    if not any(is_marker_line(line.strip()) for _, line in lines):
        for a, b in split_sentences(text, start):
            yield a, doc.text[a:b]
        return
    current: tuple[int, str] | None = None
    for offset, line in lines:
        if is_marker_line(line.strip()):
            if current:
                yield current
            current = (offset, line)
        elif current:
            current = (current[0], current[1] + "\n" + line)
    if current:
        yield current


class _Locator:
    """The smallest chunk of a document holding an offset."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks

    def at(self, offset: int) -> Chunk:
        holding = [c for c in self.chunks if c.start <= offset < c.end] or self.chunks
        return min(holding, key=lambda c: (c.end - c.start, abs(c.start - offset)))


def _conditions(
    doc: Document, item: tuple[int, str], home: str | None, where: _Locator, excluding: bool
) -> list[Condition]:
    offset, text = item
    out: list[Condition] = []
    untyped: list[tuple[int, str]] = []
    for at, clause in split_clauses(text):
        typed = type_clause(_without_brackets(clause), home)
        if excluding and not typed:
            typed = _excluded(clause, doc)
        if not typed:
            if not clause.rstrip().endswith(("：", ":")):  # a lead such as "（四）…时间要求："
                untyped.append((at, clause))
            continue
        out.extend(_condition(doc, t, clause, text, offset + at, where, excluding) for t in typed)
    if untyped:
        quote = "，".join(c for _, c in untyped)
        other = Typed(Attribute.OTHER, Comparator.EQUALS, exclusion=excluding)
        out.append(_condition(doc, other, quote, text, offset + untyped[0][0], where, excluding))
    return _merge_windows(out)


def _excluded(clause: str, doc: Document) -> list[Typed]:
    """An item of an exclusion list: an industry (烟草制造业, 房地产业) or free text."""
    name = re.sub(r"^[\d一二三四五六七八九十]+[.．、)）]\s*|[。；;]$", "", clause.strip())
    if re.search(r"业$", name) and len(name) <= 16 and "规定" not in name:
        return [Typed(Attribute.INDUSTRY, Comparator.NOT, terms=(name,), exclusion=True)]
    return []


def _condition(
    doc: Document, t: Typed, clause: str, item: str, start: int, where: _Locator, excluding: bool
) -> Condition:
    chunk = where.at(start)
    return Condition(
        attribute=t.attribute,
        comparator=t.comparator,
        quote=clause.strip(),
        item=item.strip(),
        doc_id=doc.meta.doc_id,
        section=chunk.section,
        chunk_id=chunk.id,
        start=start,
        number=t.number,
        unit=t.unit,
        terms=t.terms,
        exclusion=t.exclusion or excluding,
    )


def _merge_windows(conditions: list[Condition]) -> list[Condition]:
    """Date windows of one item for the same attribute (方向1 …；方向2 …) become one condition
    met within any of them."""
    out: list[Condition] = []
    for c in conditions:
        same = next((o for o in out if o.attribute == c.attribute and o.comparator is Comparator.WITHIN), None)
        if same is not None and c.attribute in (Attribute.PROJECT_DATE, Attribute.PATENT_DATE):
            merged = Condition(**{**same.__dict__, "terms": same.terms + c.terms, "quote": same.item})
            out[out.index(same)] = merged
        else:
            out.append(c)
    return out


def _name(doc: Document, block: _Block) -> str:
    title = doc.meta.short_title or doc.meta.title
    if block.section.kind == "article":
        subject = re.split(r"须|需|应当|应|必须|同时|符合|满足|具备", re.sub(r"^第\S+?条\s*", "", block.lead))[0]
        label = block.section.heading
        return f"{subject.strip() or title}（{label}）"
    return f"{title}：{block.lead}"


def _scope_measure(doc: Document, home: str | None, where: _Locator) -> list[Condition]:
    for a, b in split_sentences(doc.text):
        m = _SCOPE.search(doc.text[a:b])
        if m:
            start = a + m.start("v")
            typed = _conditions(doc, (start, m.group("v")), home, where, False)
            other = Typed(Attribute.OTHER, Comparator.EQUALS)  # the qualifiers (会计核算健全…) need a person
            return [*typed, _condition(doc, other, m.group("v"), m.group("v"), start, where, False)]
    return []


def extract_measures(doc: Document, sections: list[Section], chunks: list[Chunk]) -> list[Measure]:
    """The measures of ``doc``: its conditions blocks with their typed and free-text conditions;
    exclusion blocks join every measure of the document."""
    if not chunks:
        return []
    home, where = _home(doc), _Locator(chunks)
    found: list[tuple[_Block, list[Condition]]] = []
    excluded: list[Condition] = []
    for block in _blocks(doc, sections):
        conditions = [
            c
            for item in _items(doc, block.start, block.section.end)
            for c in _conditions(doc, item, home, where, block.excluding)
        ]
        if block.excluding:
            excluded.extend(conditions)
        elif conditions:
            found.append((block, conditions))
    if not found and excluded:
        scope = _scope_measure(doc, home, where)
        first = excluded[0]
        found.append((_Block(_section_of(sections, first.start), "适用范围", 0, Combination.ALL), scope))
    support = support_of(doc, sections, where.at)
    deadline, deadline_quote = deadline_of(doc, sections)
    materials = materials_of(doc, sections)
    measures = []
    for n, (block, conditions) in enumerate(found, start=1):
        measures.append(
            Measure(
                id=f"{doc.meta.doc_id}#{n}",
                doc_id=doc.meta.doc_id,
                doc_title=doc.meta.title,
                name=_name(doc, block),
                section=PATH_SEP.join(block.section.path),
                combination=block.combination,
                conditions=tuple(conditions + excluded),
                support=support,
                deadline=deadline,
                deadline_quote=deadline_quote,
                materials=materials,
            )
        )
    return measures


def _section_of(sections: list[Section], offset: int) -> Section:
    holding = [s for s in sections if s.start <= offset < s.end and s.kind != "part"] or sections
    return min(holding, key=lambda s: s.end - s.start)
