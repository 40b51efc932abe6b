"""Answering: question (+ history) -> retrieval -> grounded, cited ``Answer``.

The chain is a LangChain runnable: ``understand | retrieve | decide | compose``. The default
answerer is extractive and deterministic (it works offline and cannot invent a figure); an
optional LLM answerer (``llm.py``) rewrites on top of it and falls back to it when its text does
not pass the grounding check. Citations are computed here from the chunks actually used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from .compose import Draft, best_sentences, lexical_overlap
from .config import Settings
from .grounding import check_grounding, normalize
from .intents import compose_for_intent
from .records import Answer, Citation, Hit
from .retrieval import Retriever
from .understanding import Query, understand

__all__ = ["Answerer", "ExtractiveAnswerer", "build_answerer", "refusal_text"]

_CONTENT_ASK = re.compile(
    r"具体内容|具体要求|具体指标|评价指标|评价标准|评分|包括哪些(?:指标|内容|标准|条款)|有哪些(?:指标|要求|条款|标准)"
    r"|规定了什么|怎么评|如何评|什么内容|内容是什么|criteria|requirements|indicators|what does the .* (?:say|contain)",
    re.I,
)
_PROMISE = re.compile(r"发布|制定|出台|编制|印发|研究制定")


class Answerer(Protocol):
    def ask(self, question: str, history: Sequence[str] = ()) -> Answer: ...


@dataclass
class Decision:
    refuse: bool
    reason: str = ""
    missing: tuple[str, ...] = ()


def refusal_text(lang: str, reason: str = "") -> str:
    if lang == "zh":
        return f"现有文件中没有能回答这个问题的内容{reason}。下面列出最接近的章节，仅供参考。"
    return f"The documents do not cover this{reason}. The nearest sections are listed under “see also”."


class ExtractiveAnswerer:
    """Answers from extracted facts, metadata and quoted sentences; refuses without support."""

    def __init__(self, retriever: Retriever, *, top_k: int = 6, refusal_threshold: float = 0.80) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        if not 0.0 <= refusal_threshold <= 1.0:
            raise ValueError(f"refusal_threshold must be between 0 and 1, got {refusal_threshold}")
        self.retriever = retriever
        self.top_k = top_k
        self.refusal_threshold = refusal_threshold
        self.chain: Runnable[dict[str, Any], Answer] = (
            RunnableLambda(self._understand) | RunnableLambda(self._retrieve) | RunnableLambda(self._answer)
        )

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        question = self.retriever.check_query(question)
        return self.chain.invoke({"question": question, "history": [h for h in history if str(h).strip()]})

    # -- chain steps -------------------------------------------------------------------------
    def _understand(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"query": understand(inputs["question"], inputs["history"])}

    def _retrieve(self, state: dict[str, Any]) -> dict[str, Any]:
        query: Query = state["query"]
        return {**state, "hits": self.retriever.search(query.text, self.top_k)}

    def _answer(self, state: dict[str, Any]) -> Answer:
        query: Query = state["query"]
        hits: list[Hit] = state["hits"]
        decision = self.decide(query, hits)
        if decision.refuse:
            return self.refuse(query, hits, decision.reason)
        draft = Draft(query)
        if not compose_for_intent(self, draft, hits, decision.missing) or not draft.citations:
            return self.refuse(query, hits)
        answer = self.finish(query, draft)
        return answer

    # -- decisions ---------------------------------------------------------------------------
    def decide(self, query: Query, hits: list[Hit]) -> Decision:
        """Refuse when retrieval found nothing close, or the question names what the documents lack."""
        if not hits:
            return Decision(True)
        top_dense = max((h.dense_score or 0.0) for h in hits[:3])
        if top_dense < self.refusal_threshold:
            return Decision(True)
        docs = {h.chunk.doc_id for h in hits[:3]}
        pool = "\n".join(self._doc_text(d) for d in docs)
        norm_pool = normalize(pool)
        absent_numbers = [n for n in query.numbers if len(n) >= 2 and n not in norm_pool]
        if absent_numbers:
            return Decision(True)
        missing: tuple[str, ...] = ()
        if query.lang == "zh" and query.terms:
            missing = tuple(t for t in query.terms if not _term_found(t, pool))
            if (len(query.terms) - len(missing)) / len(query.terms) < 0.5:
                return Decision(True)
        promised = self._promised_only(query, pool)
        if promised:
            reason = (f"：文件只提到将发布或制定“{promised}”，没有它的具体内容" if query.lang == "zh"
                      else f": the documents only say “{promised}” will be published, not what it contains")
            return Decision(True, reason)
        return Decision(False, missing=missing)

    def _doc_text(self, doc_id: str) -> str:
        doc = self.retriever.index.documents.get(doc_id)
        return doc.text if doc else ""

    def _promised_only(self, query: Query, pool: str) -> str | None:
        """A question about the content of something the documents only promise to publish."""
        if not _CONTENT_ASK.search(query.question):
            return None
        sentences = re.split(r"[。；\n]", pool)
        candidates = [t for t in query.terms if len(t) >= 2 and t in pool]
        for size in (4, 3, 2):
            for i in range(len(candidates) - size + 1):
                phrase = "".join(candidates[i : i + size])
                holders = [s for s in sentences if phrase in s]
                if holders and all(_PROMISE.search(s) for s in holders):
                    return phrase
        return None

    # -- results -----------------------------------------------------------------------------
    def refuse(self, query: Query, hits: list[Hit], reason: str = "") -> Answer:
        see_also = tuple(
            Citation(i, h.chunk.doc_id, h.chunk.doc_title, h.chunk.section, _first_sentence(h.chunk.text),
                     h.chunk.page, h.score, h.chunk.id)
            for i, h in enumerate(hits[:3], start=1)
        )
        return Answer(query.question, refusal_text(query.lang, reason), (), True, (), see_also)

    def finish(self, query: Query, draft: Draft) -> Answer:
        sources = [c.quote for c in draft.citations] + [c.section + c.doc_title for c in draft.citations]
        result = check_grounding(draft.text, sources)
        if not result.ok:
            return replace(self.refuse(query, []), notes=(f"ungrounded figures: {', '.join(result.unsupported)}",))
        return Answer(query.question, draft.text, tuple(draft.citations), False, tuple(draft.facts))

    def fact_scores(self, query: Query, kinds: set[str], docs: set[str]) -> list[tuple[float, float, int]]:
        """(score, lexical, fact index) for the facts of ``kinds`` in ``docs``, best first."""
        sims = self.retriever.fact_similarities(query.text)
        out = []
        for i, fact in enumerate(self.retriever.index.facts):
            if fact.type in kinds and fact.doc_id in docs:
                lex = lexical_overlap(query, f"{fact.subject}{fact.indicator or ''}{fact.value}")
                cos = float(sims[i]) if len(sims) else 0.0
                out.append((cos + 0.5 * lex, lex, i))
        out.sort(key=lambda x: -x[0])
        return out

    def sentences(self, query: Query, hits: list[Hit], limit: int) -> list[tuple[Hit, str, float]]:
        return best_sentences(query, hits, limit)


def _term_found(term: str, pool: str) -> bool:
    if term in pool:
        return True
    if len(term) >= 3 and re.search(r"[\u4e00-\u9fff]", term):
        halves = [term[:2], term[-2:]]
        return any(h in pool for h in halves) and len(term) >= 4
    return False


def _first_sentence(text: str) -> str:
    m = re.search(r"[。；！？]", text)
    return text[: m.end()] if m and m.end() < len(text) else text


def build_answerer(retriever: Retriever, settings: Settings) -> Answerer:
    base = ExtractiveAnswerer(retriever, top_k=max(settings.top_k, 6), refusal_threshold=settings.refusal_threshold)
    if settings.llm_base_url and settings.llm_model:
        from .llm import LLMAnswerer

        return LLMAnswerer(base, settings)
    return base

