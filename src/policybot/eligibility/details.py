"""What a measure gives and how to apply: the support (amounts, ratios, caps, rates), the deadline
and the materials, read from the sections with those roles (专题方向 / 支持方式, 申报时间 / 报送要求,
申报资料), or from the sentences that state them."""

from __future__ import annotations

import re
from collections.abc import Callable

from policybot.eligibility.model import Support
from policybot.genre import SectionRole, section_role
from policybot.genre.markers import is_marker_line, strip_marker
from policybot.genre.time import TimeKind, find_times
from policybot.genre.units import ValueKind, find_values
from policybot.ingest.chunking import split_sentences
from policybot.records import Chunk, Document, Section

__all__ = ["deadline_of", "materials_of", "support_of"]

_SUPPORT_WORDS = re.compile(r"资助|补助|补贴|奖励|奖补|扣除|摊销|贴息|减免|股权投资|给予")
_APPLY_WORDS = re.compile(r"申报|报送|申请|递交")
_MAX_SUPPORT = 5
_MAX_MATERIALS = 15

Locate = Callable[[int], Chunk]


def _sentences(doc: Document, start: int, end: int) -> list[tuple[int, str]]:
    return [(a, doc.text[a:b].strip()) for a, b in split_sentences(doc.text[start:end], start) if doc.text[a:b].strip()]


def support_of(doc: Document, sections: list[Section], at: Locate) -> tuple[Support, ...]:
    """Sentences that give money or a ratio: those of support sections first, else the document's."""
    spans = [
        (s.body_start, s.end) for s in sections if s.kind != "part" and section_role(s.heading) is SectionRole.SUPPORT
    ]
    out: list[Support] = []
    for start, end in spans or [(0, len(doc.text))]:
        for offset, sentence in _sentences(doc, start, end):
            values = [v.text for v in find_values(sentence) if v.kind in (ValueKind.MONEY, ValueKind.RATIO)]
            if values and _SUPPORT_WORDS.search(sentence) and len(out) < _MAX_SUPPORT:
                chunk = at(offset)
                if all(s.text != sentence for s in out):
                    out.append(Support(sentence, tuple(dict.fromkeys(values)), chunk.section, chunk.id))
    return tuple(out)


def deadline_of(doc: Document, sections: list[Section]) -> tuple[str | None, str | None]:
    """(deadline as written, the sentence): the first deadline of a sentence about applying, in the
    schedule sections (申报时间, 报送要求, 工作要求) first."""
    spans = [
        (s.body_start, s.end) for s in sections if s.kind != "part" and section_role(s.heading) is SectionRole.SCHEDULE
    ]
    for start, end in [*spans, (0, len(doc.text))]:
        for _offset, sentence in _sentences(doc, start, end):
            if not _APPLY_WORDS.search(sentence):
                continue
            for t in find_times(sentence):
                if t.kind is TimeKind.DEADLINE and re.search(r"\d", t.text):
                    return t.text, sentence
    return None, None


def materials_of(doc: Document, sections: list[Section]) -> tuple[str, ...]:
    """The items of the materials sections, without their markers."""
    out: list[str] = []
    for s in sections:
        if s.kind == "part" or section_role(strip_marker(s.heading)) is not SectionRole.MATERIALS:
            continue
        for line in doc.text[s.body_start : s.end].split("\n"):
            line = line.strip()
            if is_marker_line(line):
                name = re.split(r"[。；;]", strip_marker(line), maxsplit=1)[0].strip()
                name = re.sub(r"^[\d]+[.．、]\s*", "", name)
                if name and name not in out and len(out) < _MAX_MATERIALS:
                    out.append(name)
        break
    return tuple(out)
