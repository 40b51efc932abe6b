"""Answering: question (+ history) -> retrieval -> grounded, cited ``Answer``.

The chain is a LangChain runnable: ``understand | retrieve | decide | compose``. The default
answerer is extractive and deterministic (it works offline and cannot invent a figure); an
optional LLM answerer (``llm.py``) rewrites on top of it and falls back to it when its text does
not pass the grounding check. Citations are computed here from the chunks actually used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from policybot.answer.compose import Draft, best_sentences, lexical_overlap
from policybot.answer.glossary import Glossary
from policybot.answer.grounding import check_grounding
from policybot.answer.intents import compose_for_intent
from policybot.answer.refusal import Decision, decide
from policybot.answer.retrieval import Retriever
from policybot.answer.understanding import Query, understand
from policybot.config import Settings
from policybot.records import Answer, Citation, Hit

__all__ = ["Answerer", "ExtractiveAnswerer", "build_answerer", "refusal_text"]


class Answerer(Protocol):
    def ask(self, question: str, history: Sequence[str] = (), doc_ids: Sequence[str] | None = None) -> Answer: ...


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
        self.chain: Runnable[dict[str, Any], Answer] = (
            RunnableLambda(self._understand) | RunnableLambda(self._retrieve) | RunnableLambda(self._answer)
        )

    def ask(self, question: str, history: Sequence[str] = (), doc_ids: Sequence[str] | None = None) -> Answer:
        """Answer ``question`` (after ``history``), from the documents ``doc_ids`` only when given."""
        question = self.retriever.check_query(question)
        scope = self.retriever.check_scope(doc_ids)
        return self.chain.invoke(
            {"question": question, "history": [h for h in history if str(h).strip()], "doc_ids": scope}
        )

    # -- chain steps -------------------------------------------------------------------------
    def _understand(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "query": understand(inputs["question"], inputs["history"], self.glossary),
            "doc_ids": inputs.get("doc_ids"),
        }

    def _retrieve(self, state: dict[str, Any]) -> dict[str, Any]:
        query: Query = state["query"]
        hits = self.retriever.search(query.text, self.top_k, keywords=query.keywords, doc_ids=state["doc_ids"])
        return {**state, "hits": hits}

    def _answer(self, state: dict[str, Any]) -> Answer:
        query: Query = state["query"]
        hits: list[Hit] = state["hits"]
        decision = self.decide(query, hits, state["doc_ids"])
        if decision.refuse:
            return self.refuse(query, hits, decision.reason, decision.code)
        draft = Draft(query)
        if not compose_for_intent(self, draft, hits, decision.missing) or not draft.citations:
            return self.refuse(query, hits, code="no_supporting_passage")
        return self.finish(query, draft, hits)

    # -- decisions ---------------------------------------------------------------------------
    def decide(self, query: Query, hits: list[Hit], doc_ids: Sequence[str] | None = None) -> Decision:
        """Refuse unless the documents mention what the question is about (see ``refusal.py``)."""
        index_docs = self.retriever.index.documents
        docs = [h.chunk.doc_id for h in hits[:3]]
        documents = [index_docs[d] for d in dict.fromkeys(docs) if d in index_docs]
        corpus = [index_docs[d] for d in doc_ids if d in index_docs] if doc_ids else list(index_docs.values())
        threshold = self.refusal_threshold if query.lang == "zh" else self.refusal_threshold_en
        return decide(query, hits, documents, corpus, threshold)

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

    def finish(self, query: Query, draft: Draft, hits: list[Hit]) -> Answer:
        sources = [c.quote for c in draft.citations] + [c.section + c.doc_title for c in draft.citations]
        result = check_grounding(draft.text, sources)
        if not result.ok:
            return replace(
                self.refuse(query, hits, code="ungrounded"),
                notes=(f"refusal: ungrounded figures {', '.join(result.unsupported)}",),
            )
        return Answer(query.question, draft.text, tuple(draft.citations), False, tuple(draft.facts))

    def fact_scores(self, query: Query, kinds: set[str], docs: set[str]) -> list[tuple[float, float, int]]:
        """(score, lexical, fact index) for the facts of ``kinds`` in ``docs``, best first."""
        sims = self.retriever.fact_similarities(query.text)
        # words that name the document itself (its title, year, 文号) say nothing about which item is meant
        own = {d: self._without_identity(query, d) for d in docs}
        out = []
        for i, fact in enumerate(self.retriever.index.facts):
            if fact.type in kinds and fact.doc_id in docs:
                lex = lexical_overlap(own[fact.doc_id], f"{fact.subject}{fact.indicator or ''}{fact.value}")
                cos = float(sims[i]) if len(sims) else 0.0
                out.append((cos + 0.5 * lex, lex, i))
        out.sort(key=lambda x: -x[0])
        return out

    def _without_identity(self, query: Query, doc_id: str) -> Query:
        doc = self.retriever.index.documents.get(doc_id)
        if doc is None:
            return query
        m = doc.meta
        title = "".join(x for x in (m.title, m.short_title) if x)
        identity = "".join(x for x in (m.doc_number, m.issuer, m.issue_date) if x)

        def names_document(term: str) -> bool:  # "2016" of the plan's title, "113号", "工信部节"
            return term in identity or (any(c.isdigit() for c in term) and term in title)

        terms = tuple(g for g in query.terms if not all(names_document(t) for t in g))
        return replace(query, terms=terms)

    def sentences(self, query: Query, hits: list[Hit], limit: int, per_chunk: int = 2) -> list[tuple[Hit, str, float]]:
        return best_sentences(query, hits, limit, per_chunk=per_chunk)


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
