"""Answering: question (+ history) -> retrieval -> grounded, cited ``Answer``.

The chain is a LangChain runnable: ``understand | retrieve | decide | compose`` (``ExtractiveAnswerer.chain``,
for composing with other runnables; ``ask`` calls its steps directly). The default
answerer is extractive and deterministic (it works offline and cannot invent a figure); an
optional LLM answerer (``llm.py``) rewrites on top of it and falls back to it when its text does
not pass the grounding check. Citations are computed here from the chunks actually used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from policybot.answer.asks import covered, merge_drafts, split_asks
from policybot.answer.compose import Draft
from policybot.answer.composers import NEAREST_ONLY, compose, rescues
from policybot.answer.context import AnswerContext, document_weights
from policybot.answer.glossary import Glossary
from policybot.answer.grounding import check_grounding
from policybot.answer.refusal import Decision, asked_noun, deadline_of, decide, term_found
from policybot.answer.retrieval import Retriever
from policybot.answer.understanding import Query, understand
from policybot.config import Settings
from policybot.genre import SET_ASIDE
from policybot.lifecycle.notes import add_status_notes, as_of_words
from policybot.lifecycle.preference import prefer_in_force
from policybot.records import Answer, Citation, Hit

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

__all__ = ["Answerer", "ExtractiveAnswerer", "build_answerer", "refusal_text"]


@dataclass(frozen=True)
class Asked:
    question: str
    history: tuple[str, ...] = ()
    scope: tuple[str, ...] | None = None
    as_of: date | None = None  # the day statuses are for (None: today)


@dataclass(frozen=True)
class Understood:
    query: Query
    scope: tuple[str, ...] | None
    as_of: date | None = None


@dataclass(frozen=True)
class Retrieved:
    query: Query
    hits: list[Hit]
    scope: tuple[str, ...] | None
    as_of: date | None = None
    doc_weights: dict[str, float] = field(default_factory=dict)  # lifecycle preference (see preference.py)


class Answerer(Protocol):
    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        doc_ids: Sequence[str] | None = None,
        *,
        as_of: date | None = None,
    ) -> Answer: ...


def refusal_text(lang: str, reason: str = "") -> str:
    if lang == "zh":
        return f"现有文件中没有能回答这个问题的内容{reason}。下面列出最接近的章节，仅供参考。"
    return f"The documents do not cover this{reason}. The nearest sections are listed under “see also”."


class ExtractiveAnswerer:
    """Answers from extracted facts, metadata and quoted sentences; refuses without support."""

    def __init__(
        self,
        retriever: Retriever,
        *,
        glossary: Glossary | None = None,
        top_k: int = 6,
        refusal_threshold: float = 0.80,
        refusal_threshold_en: float = 0.70,
    ) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        for name, value in (("refusal_threshold", refusal_threshold), ("refusal_threshold_en", refusal_threshold_en)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        self.retriever = retriever
        self.glossary = glossary
        self.top_k = top_k
        self.refusal_threshold = refusal_threshold
        self.refusal_threshold_en = refusal_threshold_en

    @cached_property
    def chain(self) -> Runnable[Asked, Answer]:
        """The steps as a LangChain runnable (built at first use: ``ask`` does not need it)."""
        from langchain_core.runnables import RunnableLambda

        return RunnableLambda(self._understand) | RunnableLambda(self._retrieve) | RunnableLambda(self._answer)

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        doc_ids: Sequence[str] | None = None,
        *,
        as_of: date | None = None,
    ) -> Answer:
        """Answer ``question`` (after ``history``), from the documents ``doc_ids`` only when given;
        statuses of the cited documents are those on ``as_of`` (default today)."""
        question = self.retriever.check_query(question)
        scope = self.retriever.check_scope(doc_ids)
        asked = Asked(question, tuple(h for h in history if str(h).strip()), scope, as_of)
        # the steps of ``self.chain``, called directly: the runnable adds 1-2 ms of callback and
        # signature bookkeeping a question (half of an answer with a cached question vector)
        return self._answer(self._retrieve(self._understand(asked)))

    def retrieve(self, asked: Asked) -> Retrieved:
        """The chain's first two steps (understand, retrieve), for a writer over the same pipeline."""
        return self._retrieve(self._understand(asked))

    # -- chain steps: Asked -> Understood -> Retrieved -> Answer ---------------------------------
    def _understand(self, asked: Asked) -> Understood:
        return Understood(understand(asked.question, asked.history, self.glossary), asked.scope, asked.as_of)

    def _retrieve(self, step: Understood) -> Retrieved:
        q = step.query
        hits = self.retriever.search(
            q.text, self.top_k, keywords=q.keywords, doc_ids=self._not_set_aside(q, step.scope)
        )
        preferred = prefer_in_force(hits, q, self.retriever.index, step.as_of)
        return Retrieved(q, preferred.hits, step.scope, step.as_of, preferred.weights)

    def _answer(self, step: Retrieved) -> Answer:
        query, hits = step.query, step.hits
        decision = self.decide(query, hits, step.scope)
        ctx = AnswerContext(query, hits, self.retriever, step.scope, decision.missing, step.as_of, step.doc_weights)
        if decision.refuse and not (hits and rescues(ctx)):
            return self.refuse(query, hits, decision.reason, decision.code)
        draft = Draft(query)
        composer = compose(ctx, draft)
        if composer is None or not draft.citations:
            if decision.refuse:
                return self.refuse(query, hits, decision.reason, decision.code)
            return self.refuse(query, hits, code="no_supporting_passage")
        missing = self.unmentioned(decision.missing, draft)
        of = deadline_of(query)
        if missing and (composer in NEAREST_ONLY or asked_noun(query) in missing or any(m in of for m in missing)):
            # only the nearest passages were found, and their documents never mention what the question names
            what = "、".join(missing)
            reason = f"：文件没有提到“{what}”" if query.lang == "zh" else f": they never mention {what}"
            return self.refuse(query, hits, reason, "subject_missing")
        if self._states_no_condition(query, composer, draft):
            return self.refuse(query, hits, code="no_conditions")
        return self.finish(query, self._by_ask(step, draft, composer), hits, step.as_of)

    @staticmethod
    def _states_no_condition(query: Query, composer: str, draft: Draft) -> bool:
        """Conditions asked ("需要满足什么条件"), and only near passages found, none stating one."""
        if composer not in (*NEAREST_ONLY, "list") or not _ASKS_CONDITIONS.search(query.question):
            return False
        return not any(_STATES_CONDITION.search(c.quote) for c in draft.citations)

    def _by_ask(self, step: Retrieved, whole: Draft, composer: str) -> Draft:
        """``whole``, or when the message asks several figures, dates or contacts in turn and the
        whole answer does not quote what one of them is answered from: each answered on its own."""
        asks = split_asks(step.query.question) if step.query.lang == "zh" else []
        # the asks are about the documents the message is about ("…报送到哪个部门？联系电话是多少？")
        scope = step.scope or tuple(dict.fromkeys([c.doc_id for c in whole.citations]))
        parts: list[tuple[str, Draft]] = []
        for label, question in asks:
            sub = self._retrieve(Understood(understand(question, (), self.glossary), scope, step.as_of))
            decision = self.decide(sub.query, sub.hits, scope)
            ctx = AnswerContext(sub.query, sub.hits, self.retriever, scope, (), step.as_of, sub.doc_weights)
            part = Draft(sub.query)
            name = None if decision.refuse else compose(ctx, part)
            if name is None or name in NEAREST_ONLY or not part.citations:
                return whole  # an ask answered by no clause of its own: the whole message's answer stands
            if name == "document" != composer:
                return whole  # "…通知和…目录分别在什么时候发布": about items the document names, not about itself
            parts.append((label, part))
        if not parts or all(covered(whole, part) for _label, part in parts):
            return whole
        return merge_drafts(whole, parts)

    def _not_set_aside(self, query: Query, scope: tuple[str, ...] | None) -> tuple[str, ...] | None:
        """``scope`` without the documents the question sets aside ("（不是税收加计扣除）"), when it
        sets one aside and others remain; else ``scope`` unchanged."""
        if scope is not None or not SET_ASIDE.search(query.question):
            return scope
        documents = self.retriever.index.documents
        weights = document_weights(query, list(documents.values()))
        kept = tuple(d for d in documents if weights.get(d, 0.0) > -0.2)
        return kept if 0 < len(kept) < len(documents) else None

    # -- decisions ---------------------------------------------------------------------------
    def decide(self, query: Query, hits: list[Hit], doc_ids: Sequence[str] | None = None) -> Decision:
        """Refuse unless the documents mention what the question is about (see ``refusal.py``)."""
        index_docs = self.retriever.index.documents
        docs = [h.chunk.doc_id for h in hits[:3]]
        documents = [index_docs[d] for d in dict.fromkeys(docs) if d in index_docs]
        corpus = [index_docs[d] for d in doc_ids if d in index_docs] if doc_ids else list(index_docs.values())
        threshold = self.refusal_threshold if query.lang == "zh" else self.refusal_threshold_en
        return decide(query, hits, documents, corpus, threshold)

    def unmentioned(self, terms: tuple[str, ...], draft: Draft) -> tuple[str, ...]:
        """The ``terms`` that no document the draft cites mentions."""
        documents = self.retriever.index.documents
        cited = "\n".join(documents[d].text for d in {c.doc_id for c in draft.citations} if d in documents)
        return tuple(t for t in terms if not term_found(t, cited))

    # -- results -----------------------------------------------------------------------------
    def refuse(self, query: Query, hits: list[Hit], reason: str = "", code: str = "") -> Answer:
        see_also = tuple(
            Citation(
                i,
                h.chunk.doc_id,
                h.chunk.doc_title,
                h.chunk.section,
                _first_sentence(h.chunk.text),
                h.chunk.page,
                h.score,
                h.chunk.id,
            )
            for i, h in enumerate(hits[:3], start=1)
        )
        notes = (f"refusal: {code}",) if code else ()
        return Answer(query.question, refusal_text(query.lang, reason), (), True, (), see_also, notes=notes)

    def finish(self, query: Query, draft: Draft, hits: list[Hit], as_of: date | None = None) -> Answer:
        sources = [c.quote for c in draft.citations] + [c.section + c.doc_title for c in draft.citations]
        sources += [as_of_words(as_of)] if as_of else []  # the day the request asks about
        sources += draft.derived  # worked out from the asker's figures, shown with the working
        result = check_grounding(draft.text, sources)
        if not result.ok:
            return replace(
                self.refuse(query, hits, code="ungrounded"),
                notes=(f"refusal: ungrounded figures {', '.join(result.unsupported)}",),
            )
        notes = add_status_notes(draft, self.retriever, as_of)
        return Answer(query.question, draft.text, tuple(draft.citations), False, tuple(draft.facts), notes=tuple(notes))


#: A question that asks what the conditions are, not whether something is allowed.
_ASKS_CONDITIONS = re.compile(
    r"(?:满足|具备|符合|需要|要)(?:什么|哪些)(?:样的|具体)?(?:条件|资格|要求)|什么(?:具体)?条件|哪些(?:具体)?条件"
)
#: A clause that states a condition, not one that only mentions one ("在满足资本化条件的时点…").
_STATES_CONDITION = re.compile(
    r"应当|须|不得|不低于|不超过|以上|以下(?!简称)|以内|符合|具备|同时满足|(?:下列|以下|如下)条件"
    r"|条件(?:为|是|如下)|[：:]\s*$"
)


def _first_sentence(text: str) -> str:
    m = re.search(r"[。；！？]", text)
    return text[: m.end()] if m and m.end() < len(text) else text


def build_answerer(retriever: Retriever, settings: Settings, glossary: Glossary | None = None) -> Answerer:
    base = ExtractiveAnswerer(
        retriever,
        glossary=glossary if glossary is not None else Glossary.load(settings.glossary_path),
        top_k=max(settings.top_k, 6),
        refusal_threshold=settings.refusal_threshold,
        refusal_threshold_en=settings.refusal_threshold_en,
    )
    if settings.llm_base_url and settings.llm_model:
        from policybot.answer.llm import LLMAnswerer

        return LLMAnswerer.from_settings(base, settings)
    return base
