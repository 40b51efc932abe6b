"""The lifecycle of a corpus: every document's lifecycle facts (text and sidecar), the links
between its documents resolved by 文号 or title, and each document's status on a date.

Computed when an index is loaded, from the documents and chunks it stores: nothing about
lifecycle is written into the index, so a sidecar edit or a new document changes the links and
statuses of the others at once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from policybot.lifecycle.extract import extract_lifecycle, find_references
from policybot.lifecycle.model import (
    DocStatus,
    FactKind,
    LifecycleFact,
    Link,
    LinkKind,
    Reference,
    Status,
    normalize_number,
)
from policybot.records import Chunk, Document

__all__ = ["Lifecycle", "build_lifecycle", "resolve"]

_LOCAL = re.compile(r"[\u4e00-\u9fff]{2,}(?:省|市|自治区|县|自治州)")
_NATIONAL = re.compile(r"全国|国务院|^中华人民共和国|^(?:财政部|科技部|国家|工业和信息化部|教育部)")
_SIDECAR_SECTION = "元数据（sidecar）"


def _plain(title: str) -> str:
    return re.sub(r"[\s、，,·〈〉《》<>]", "", title)


def resolve(ref: Reference, documents: Mapping[str, Document]) -> str | None:
    """The corpus document ``ref`` names: same 文号, else same title (spacing and 、 ignored)."""
    if ref.number:
        for doc_id, doc in documents.items():
            if doc.meta.doc_number and normalize_number(doc.meta.doc_number) == ref.number:
                return doc_id
    if ref.title:
        wanted = _plain(ref.title)
        for doc_id, doc in documents.items():
            names = {_plain(x) for x in (doc.meta.title, doc.meta.short_title) if x}
            if wanted in names:
                return doc_id
    return None


def _is_local(doc: Document) -> bool:
    issuer = doc.meta.issuer or doc.meta.title
    return bool(_LOCAL.search(issuer)) and not _NATIONAL.search(issuer)


def _sidecar_facts(doc: Document) -> list[LifecycleFact]:
    m = doc.meta
    out = []
    for kind, field_name, value in (
        (FactKind.EFFECTIVE, "effective_date", m.effective_date),
        (FactKind.EXPIRES, "expiry_date", m.expiry_date),
        (FactKind.REPEALED, "repealed_date", m.repealed_date),
    ):
        if value:
            day = date.fromisoformat(value)
            until = day if kind is FactKind.EXPIRES else None
            on = None if kind is FactKind.EXPIRES else day
            quote = f"{field_name}: {value}"
            out.append(
                LifecycleFact(kind, m.doc_id, value, quote, _SIDECAR_SECTION, on=on, until=until, from_sidecar=True)
            )
    if m.replaced_by:
        ref = _reference_of(m.replaced_by)
        quote = f"replaced_by: {m.replaced_by}"
        out.append(
            LifecycleFact(
                FactKind.REPLACED_BY, m.doc_id, m.replaced_by, quote, _SIDECAR_SECTION, refs=(ref,), from_sidecar=True
            )
        )
    return out


def _reference_of(text: str) -> Reference:
    found = find_references(text)
    if found:
        return found[0]
    return Reference(title=text.strip("《》 "), number=None)


@dataclass
class Lifecycle:
    """Lifecycle facts, links and statuses of the documents of one index."""

    documents: dict[str, Document]
    facts: dict[str, list[LifecycleFact]]
    links: list[Link] = field(default_factory=list)
    closing: dict[str, LifecycleFact] = field(default_factory=dict)  # a call's last deadline
    first_chunks: dict[str, Chunk] = field(default_factory=dict)

    def facts_of(self, doc_id: str, kinds: set[FactKind] | None = None) -> list[LifecycleFact]:
        return [f for f in self.facts.get(doc_id, []) if kinds is None or f.kind in kinds]

    def links_from(self, doc_id: str) -> list[Link]:
        return [link for link in self.links if link.source == doc_id]

    def links_to(self, doc_id: str) -> list[Link]:
        return [link for link in self.links if link.target == doc_id]

    def effective(self, doc_id: str) -> tuple[date | None, LifecycleFact | None]:
        """When the document takes effect: the sidecar, else its own 施行 article, else the
        database's 生效日期 line; None when the text does not say."""
        found = [f for f in self.facts_of(doc_id, {FactKind.EFFECTIVE}) if f.on]
        found.sort(key=lambda f: (not f.from_sidecar, f.value.startswith(("生效日期", "施行日期", "实施日期"))))
        return (found[0].on, found[0]) if found else (None, None)

    def expiry(self, doc_id: str) -> tuple[date | None, LifecycleFact | None]:
        """The last day the document applies: a sidecar date, 有效期/执行期限, a year the title
        names (2016专项行动), or a call's last deadline."""
        kinds = {FactKind.EXPIRES, FactKind.PERIOD}
        found = [f for f in self.facts_of(doc_id, kinds) if f.until and (f.kind is FactKind.EXPIRES or f.on)]
        found.sort(key=lambda f: (not f.from_sidecar, f.kind is not FactKind.EXPIRES))
        if found:
            return found[0].until, found[0]
        closing = self.closing.get(doc_id)
        return (closing.until, closing) if closing else (None, None)

    def replaced_by(self, doc_id: str, as_of: date) -> list[tuple[str, Link]]:
        """The corpus documents that repeal or supersede ``doc_id`` by ``as_of``."""
        out = []
        for link in self.links_to(doc_id):
            if link.kind not in (LinkKind.REPEALS, LinkKind.SUPERSEDES):
                continue
            if link.fact.kind is FactKind.REPLACED_BY:  # from the sidecar: on its 废止日期, if it gives one
                dated = [f.on for f in self.facts_of(doc_id, {FactKind.REPEALED}) if f.on]
                when = dated[0] if dated else None
            else:
                when = link.fact.on
            when = when or self.effective(link.source)[0] or _issued(self.documents.get(link.source))
            if when is None or when <= as_of:
                out.append((link.source, link))
        return out

    def status(self, doc_id: str, as_of: date) -> DocStatus:
        """已废止 / 已失效 / 现行 / 未生效 on ``as_of``, with the facts it rests on."""
        start, start_fact = self.effective(doc_id)
        if start is None:
            start, start_fact = _issued(self.documents.get(doc_id)), self._issued_fact(doc_id)
        end, end_fact = self.expiry(doc_id)
        base = {"doc_id": doc_id, "as_of": as_of, "effective": start, "expires": end}
        repealed = [f for f in self.facts_of(doc_id, {FactKind.REPEALED}) if f.on and f.on <= as_of]
        replacing = self.replaced_by(doc_id, as_of)
        if repealed or replacing:
            facts = tuple(repealed) + tuple(link.fact for _, link in replacing)
            names = "、".join(_name(self.documents[d]) for d, _ in replacing)
            reason = f"已被{names}废止或替代" if names else f"废止日期 {repealed[0].on}"
            return DocStatus(
                status=Status.REPEALED,
                reason=reason,
                facts=facts,
                replaced_by=tuple(dict.fromkeys(d for d, _ in replacing)),
                **base,  # type: ignore[arg-type]
            )
        cited = tuple(f for f in (start_fact, end_fact) if f is not None)
        if start and start > as_of:
            cited = (start_fact,) if start_fact else cited
            said = f"自{start}起施行" if start_fact and start_fact.kind is FactKind.EFFECTIVE else f"{start}才印发"
            return DocStatus(status=Status.NOT_YET, reason=said, facts=cited, **base)  # type: ignore[arg-type]
        if end and end < as_of:
            cited = (end_fact,) if end_fact else cited
            return DocStatus(status=Status.EXPIRED, reason=f"适用至{end}", facts=cited, **base)  # type: ignore[arg-type]
        reason = f"自{start}起施行" if start_fact and start_fact.kind is FactKind.EFFECTIVE else "文件未写明施行日期"
        return DocStatus(status=Status.IN_FORCE, reason=reason, facts=cited, **base)  # type: ignore[arg-type]

    def _issued_fact(self, doc_id: str) -> LifecycleFact | None:
        """No 施行 date written: the document's title line as issued, cited."""
        chunk = self.first_chunks.get(doc_id)
        doc = self.documents.get(doc_id)
        if chunk is None or doc is None:
            return None
        line = next((x.strip() for x in chunk.text.splitlines() if x.strip()), doc.meta.title)
        on = _issued(doc)
        return LifecycleFact(
            FactKind.ISSUED, doc_id, doc.meta.issue_date or "", line, chunk.section, chunk.id, chunk.start, on=on
        )

    def statuses(self, as_of: date) -> list[DocStatus]:
        return [self.status(d, as_of) for d in sorted(self.documents)]


def _issued(doc: Document | None) -> date | None:
    return date.fromisoformat(doc.meta.issue_date) if doc is not None and doc.meta.issue_date else None


def _name(doc: Document) -> str:
    m = doc.meta
    name = f"《{(m.short_title or m.title).strip('《》')}》"
    return f"{name}（{m.doc_number}）" if m.doc_number else name


def build_lifecycle(
    documents: Mapping[str, Document], chunks: Sequence[Chunk], closing: Mapping[str, LifecycleFact] | None = None
) -> Lifecycle:
    """Extract every document's lifecycle facts and resolve the links among them."""
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    facts = {d: extract_lifecycle(doc, by_doc.get(d, [])) + _sidecar_facts(doc) for d, doc in documents.items()}
    first = {d: min(cs, key=lambda c: c.start) for d, cs in by_doc.items()}
    life = Lifecycle(dict(documents), facts, closing=dict(closing or {}), first_chunks=first)
    life.links = _links(life)
    return life


def _links(life: Lifecycle) -> list[Link]:
    links: list[Link] = []
    kinds = {
        FactKind.REPEALS: LinkKind.REPEALS,
        FactKind.BASIS: LinkKind.IMPLEMENTS,
        FactKind.REPLACED_BY: LinkKind.SUPERSEDES,
    }
    for doc_id, facts in life.facts.items():
        for fact in facts:
            kind = kinds.get(fact.kind)
            if kind is None:
                continue
            for ref in fact.refs:
                target = resolve(ref, life.documents)
                if target is None or target == doc_id:
                    continue
                if kind is LinkKind.SUPERSEDES:  # the sidecar of the old one names the new one
                    links.append(Link(kind, target, doc_id, fact))
                elif (
                    kind is LinkKind.IMPLEMENTS
                    and _is_local(life.documents[doc_id])
                    and not _is_local(life.documents[target])
                ):
                    links.append(Link(LinkKind.LOCAL_VERSION, doc_id, target, fact))
                else:
                    links.append(Link(kind, doc_id, target, fact))
    links.extend(_revisions(life))
    return list({(lk.kind, lk.source, lk.target): lk for lk in links}.values())


def _revisions(life: Lifecycle) -> list[Link]:
    """Two versions of one text (same title): the later supersedes the earlier."""
    groups: dict[str, list[Document]] = {}
    for doc in life.documents.values():
        groups.setdefault(_plain(doc.meta.short_title or doc.meta.title), []).append(doc)
    out = []
    for docs in groups.values():
        dated = sorted((d for d in docs if d.meta.issue_date), key=lambda d: d.meta.issue_date or "")
        for older, newer in itertools.pairwise(dated):
            if older.meta.issue_date == newer.meta.issue_date:
                continue
            fact = life.effective(newer.meta.doc_id)[1] or _title_fact(newer)
            out.append(Link(LinkKind.SUPERSEDES, newer.meta.doc_id, older.meta.doc_id, fact))
    return out


def _title_fact(doc: Document) -> LifecycleFact:
    m = doc.meta
    return LifecycleFact(FactKind.EFFECTIVE, m.doc_id, m.issue_date or "", m.title, on=_issued(doc))
