"""Lifecycle questions, answered from lifecycle facts: "这个办法还有效吗", "哪个文件废止了…",
"现行的…是哪个", "…是根据哪个文件制定的". Every stated status cites the fact it rests on."""

from __future__ import annotations

from datetime import date

from policybot.answer.compose import Draft
from policybot.answer.composers.document import line_with
from policybot.answer.context import AnswerContext, document_weights
from policybot.lifecycle.calendar import CalendarQuery, select
from policybot.lifecycle.extract import find_references
from policybot.lifecycle.links import Lifecycle, resolve
from policybot.lifecycle.model import DocStatus, FactKind, LifecycleFact, LinkKind, Reference, Status
from policybot.lifecycle.notes import as_of_words
from policybot.lifecycle.questions import LifeAsk, asked_date, lifecycle_ask
from policybot.lifecycle.view import lifecycle_view
from policybot.records import Document

__all__ = ["LifecycleComposer", "doc_name"]


def doc_name(doc: Document) -> str:
    """《short title》 — its 文号 is not cited, so the answer does not write it."""
    m = doc.meta
    return f"《{(m.short_title or m.title).strip('《》')}》"


class LifecycleComposer:
    """Validity, repeal, the version in force and the basis of a document."""

    name = "lifecycle"
    #: a question about a repealed document may name one the corpus does not hold
    answers_despite_refusal = True

    def accepts(self, ctx: AnswerContext) -> bool:
        return lifecycle_ask(_asked(ctx)) is not None

    def compose(self, ctx: AnswerContext, draft: Draft) -> bool:
        ask = lifecycle_ask(_asked(ctx))
        life = lifecycle_view(ctx.index).lifecycle
        asked = asked_date(ctx.query.question)
        day = asked or ctx.as_of or date.today()  # the question's own date, else the request's
        if ask is LifeAsk.REPEALER:
            return _repealer(ctx, draft, life, day)
        if ask is LifeAsk.OPEN:
            return _open_windows(ctx, draft, day, asked=asked is not None)
        doc_id = _asked_document(ctx, life)
        if doc_id is None:
            return False
        if ask is LifeAsk.REPEALED:
            return _repealed(ctx, draft, life, doc_id)
        if ask is LifeAsk.BASIS:
            return _basis(ctx, draft, life, doc_id)
        if ask is LifeAsk.IMPLEMENTERS:
            return _implementers(ctx, draft, life, doc_id)
        if ask is LifeAsk.CURRENT:
            doc_id = _current_version(life, doc_id, day)
        return _validity(ctx, draft, life, doc_id, day, asked=asked is not None)


def _asked(ctx: AnswerContext) -> str:
    """The question without the asker's description of themselves: "我们公司的高新技术企业证书还在
    有效期内，…还要打分吗？" says nothing of the document's validity."""
    q = ctx.query
    return q.question[len(q.own) :] if q.own and q.question.startswith(q.own) else q.question


def _asked_document(ctx: AnswerContext, life: Lifecycle) -> str | None:
    """The document the question names (文号, 《title》, title words), else the best hit's."""
    allowed = set(ctx.scope) if ctx.scope else set(life.documents)
    for ref in find_references(ctx.query.question):
        found = resolve(ref, life.documents)
        if found in allowed:
            return found
    docs = [d for d in life.documents.values() if d.meta.doc_id in allowed]
    weights = document_weights(ctx.query, docs)
    if weights:
        best = max(weights.items(), key=lambda kv: kv[1])
        if best[1] > 0.05:
            return best[0]
    return next((h.chunk.doc_id for h in ctx.hits if h.chunk.doc_id in allowed), None)


def _cite(ctx: AnswerContext, draft: Draft, fact: LifecycleFact) -> str:
    chunk = ctx.by_id.get(fact.chunk_id)
    if chunk is None:
        return ""
    quote = fact.quote if fact.quote in chunk.text else fact.quote.strip()
    return draft.cite(chunk, quote, 1.0)


def _when(day: date, asked: bool) -> str:
    """截至所问日期 (the question names the day), 截至2020年11月30日 (the request's ``as_of``), 截至今天."""
    if asked:
        return "截至所问日期" if day != date.today() else "截至今天"
    return f"截至{as_of_words(day)}"


def _explain(status: DocStatus) -> str:
    fact = status.facts[0] if status.facts else None
    if status.status is Status.IN_FORCE:
        return (
            f"“{fact.value}”"
            if fact and fact.kind is FactKind.EFFECTIVE
            else "文件没有写明施行日期或有效期，自印发起适用"
        )
    if status.status is Status.NOT_YET:
        return f"文件规定“{fact.value}”" if fact and fact.kind is FactKind.EFFECTIVE else "所问日期时文件尚未印发"
    if status.status is Status.EXPIRED:
        end = next((f for f in status.facts if f.until), fact)
        return f"它适用的期限（“{end.value}”）已经过去" if end else "适用期限已过"
    return "已被废止或替代"


def _validity(ctx: AnswerContext, draft: Draft, life: Lifecycle, doc_id: str, day: date, *, asked: bool) -> bool:
    status = life.status(doc_id, day)
    doc = life.documents[doc_id]
    marks = "".join(_cite(ctx, draft, f) for f in status.facts if f.chunk_id)
    if not marks:
        return False
    head = f"{_when(day, asked)}，{doc_name(doc)}{status.status.value}"
    if status.status is Status.REPEALED and status.replaced_by:
        names = "、".join(doc_name(life.documents[d]) for d in status.replaced_by)
        draft.add(f"{head}：已被{names}废止或替代{marks}。")
        for newer in status.replaced_by:
            _validity(ctx, draft, life, newer, day, asked=asked)
    else:
        draft.add(f"{head}：{_explain(status)}{marks}。")
    partial = life.facts_of(doc_id, {FactKind.PARTLY_REPEALED})
    for fact in partial:
        later = "、".join(r.label for r in fact.refs if r.number) or "后来的文件"
        draft.add(f"另据文件所附注释，其部分条款已被{later}废止或宣布失效{_cite(ctx, draft, fact)}。")
    return True


def _matches(ref: Reference, wanted: Reference) -> bool:
    if wanted.number and ref.number:
        return ref.number == wanted.number
    return bool(wanted.title and ref.title and wanted.title.replace(" ", "") == ref.title.replace(" ", ""))


def _repealer(ctx: AnswerContext, draft: Draft, life: Lifecycle, day: date) -> bool:
    wanted = find_references(ctx.query.question)
    targets = {resolve(r, life.documents) for r in wanted} - {None}
    if not wanted:  # "97号公告" or a title without 《》: the document the question names
        named = _asked_document(ctx, life)
        targets = {named} if named else set()
    said = False
    for doc_id, facts in life.facts.items():
        for fact in facts:
            if fact.kind is not FactKind.REPEALS or not any(_matches(r, w) for r in fact.refs for w in wanted):
                continue
            named = "、".join(r.label for r in fact.refs if any(_matches(r, w) for w in wanted))
            draft.add(f"{doc_name(life.documents[doc_id])}废止了{named}{_cite(ctx, draft, fact)}。")
            said = True
    for target in targets:
        assert target is not None
        for newer, link in life.replaced_by(target, day):
            kind = "废止" if link.kind is LinkKind.REPEALS else "替代"
            mark = _cite(ctx, draft, link.fact)
            draft.add(f"{doc_name(life.documents[newer])}{kind}了{doc_name(life.documents[target])}{mark}。")
            said = True
        for fact in life.facts_of(target, {FactKind.PARTLY_REPEALED}):
            later = "、".join(r.label for r in fact.refs if r.number)
            mark = _cite(ctx, draft, fact)
            draft.add(f"据文件所附注释，{doc_name(life.documents[target])}的部分条款已被{later}废止或宣布失效{mark}。")
            said = True
    if not said and targets:
        target = next(iter(targets))
        assert target is not None
        draft.add(f"文件库中没有废止{doc_name(life.documents[target])}的文件。")
        return _validity(ctx, draft, life, target, day, asked=asked_date(ctx.query.question) is not None)
    return said


def _repealed(ctx: AnswerContext, draft: Draft, life: Lifecycle, doc_id: str) -> bool:
    """What ``doc_id`` repeals ("本办法自…起施行，《…》（株科发〔2020〕7号）同时废止"), each named as the
    article names it, with the status of those the library holds."""
    facts = life.facts_of(doc_id, {FactKind.REPEALS})
    if not facts:
        return False
    for fact in facts:
        named = "、".join(r.label for r in fact.refs) or f"“{fact.value}”"
        draft.add(f"{doc_name(life.documents[doc_id])}施行后，废止了{named}{_cite(ctx, draft, fact)}。")
    return True


def _current_version(life: Lifecycle, doc_id: str, day: date) -> str:
    """Follow what replaced ``doc_id`` to the version in force on ``day``."""
    seen = {doc_id}
    while True:
        newer = [d for d, _ in life.replaced_by(doc_id, day) if d not in seen]
        if not newer:
            return doc_id
        doc_id = newer[0]
        seen.add(doc_id)


def _basis(ctx: AnswerContext, draft: Draft, life: Lifecycle, doc_id: str) -> bool:
    facts = life.facts_of(doc_id, {FactKind.BASIS})
    if not facts:
        return False
    doc = life.documents[doc_id]
    for fact in facts[:1]:
        names = "、".join(r.label for r in fact.refs)
        draft.add(f"{doc_name(doc)}是根据{names}制定的{_cite(ctx, draft, fact)}。")
    for link in life.links_from(doc_id):
        if link.kind in (LinkKind.IMPLEMENTS, LinkKind.LOCAL_VERSION):
            what = "地方版本（结合本地实际）" if link.kind is LinkKind.LOCAL_VERSION else "实施文件"
            draft.add(f"它是文件库中{doc_name(life.documents[link.target])}的{what}。")
    return True


def _implementers(ctx: AnswerContext, draft: Draft, life: Lifecycle, doc_id: str) -> bool:
    """The documents of the library that implement ``doc_id`` (the reverse of ``_basis``), each with
    its 文号 and the sentence that says what it implements."""
    links = [link for link in life.links_to(doc_id) if link.kind in (LinkKind.IMPLEMENTS, LinkKind.LOCAL_VERSION)]
    if not links:
        return False
    for link in links:
        source = life.documents[link.source]
        number = ""
        chunk, line = line_with(ctx, source, source.meta.doc_number) if source.meta.doc_number else (None, "")
        if chunk is not None:  # the 文号 as its own text gives it, cited
            number = f"（{source.meta.doc_number}{draft.cite(chunk, line, 1.0)}）"
        what = "地方版本" if link.kind is LinkKind.LOCAL_VERSION else "实施文件"
        draft.add(
            f"文件库中{doc_name(source)}{number}是{doc_name(life.documents[doc_id])}的{what}"
            f"{_cite(ctx, draft, link.fact)}。"
        )
    return True


def _open_windows(ctx: AnswerContext, draft: Draft, day: date, *, asked: bool) -> bool:
    """The deadlines and application windows open on ``day``, across the corpus (or the scope)."""
    query = CalendarQuery(as_of=day, open_only=True, doc_ids=tuple(ctx.scope or ()))
    entries = select(lifecycle_view(ctx.index).calendar, query)
    if not entries:
        draft.add(f"{_when(day, asked)}，文件库中没有仍开放的申报窗口或未到的截止时间。")
        return False
    lines = []
    for n, e in enumerate(entries, start=1):
        chunk = ctx.by_id.get(e.chunk_id)
        mark = draft.cite(chunk, e.quote, 1.0) if chunk else ""
        lines.append(f"{n}. {e.subject}（{e.when}）{mark}")
    draft.add(f"{_when(day, asked)}仍开放的申报窗口和截止时间：\n" + "\n".join(lines))
    return True
