"""The engine: the loaded model, index, retriever and answerer behind one object.

The CLI, the API and the UI build one ``PolicyBot`` from ``Settings`` and share it. Heavy things
load once, in ``PolicyBot.load``; index updates (ingest, remove) swap the in-memory index under a
lock, so readers always see a whole index. The index lives in a ``Store`` (files or PostgreSQL,
chosen by ``Settings.store``); writes hold the store's writer lock (a file lock, or an advisory
lock in the database), so several processes can share one index; ``refresh_if_changed`` picks up
what another process committed (the store's ``generation()`` changed).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from policybot.answer.chain import Answerer, build_answerer
from policybot.answer.glossary import Glossary
from policybot.answer.retrieval import Retriever
from policybot.answer.understanding import understand
from policybot.config import Settings
from policybot.eligibility import composer as _eligibility_composer  # noqa: F401  (registers the chat composer)
from policybot.eligibility.check import check_measures
from policybot.eligibility.model import Measure, MeasureResult
from policybot.eligibility.profile import Profile
from policybot.embedding.model import TextEmbedder, load_embedder
from policybot.errors import IndexMismatchError, IndexMissingError, NotFoundError
from policybot.ingest.chunking import ChunkSettings
from policybot.ingest.pipeline import IngestReport, ingest, pipeline_settings, remove_documents
from policybot.ingest.sandbox import ParseLimits
from policybot.lifecycle.calendar import CalendarEntry, CalendarQuery, select
from policybot.lifecycle.view import LifecycleView, lifecycle_view
from policybot.records import Answer, Document, Fact, Hit
from policybot.store import open_store
from policybot.store.ann import AnnParams
from policybot.store.base import Store
from policybot.store.files import IndexData, ModelInfo
from policybot.store.rejections import Rejection, read_rejections

__all__ = ["PolicyBot"]

log = logging.getLogger("policybot.service")


@dataclass
class _State:
    index: IndexData
    retriever: Retriever
    answerer: Answerer


class PolicyBot:
    def __init__(self, settings: Settings, embedder: TextEmbedder, store: Store | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store if store is not None else open_store(settings)
        self._lock = threading.RLock()
        self._state: _State | None = None
        self.glossary = Glossary.load(settings.glossary_path)

    @classmethod
    def load(
        cls,
        settings: Settings,
        *,
        require_index: bool = True,
        batch_questions: bool = False,
        store: Store | None = None,
    ) -> PolicyBot:
        """Load the model and the index. ``batch_questions`` (the server) embeds questions asked
        at the same time in one model call."""
        embedder = load_embedder(settings)
        if batch_questions:
            from policybot.embedding.batching import BatchingEmbedder

            embedder = BatchingEmbedder(embedder, max_batch=settings.embed_batch_size)
        bot = cls(settings, embedder, store)
        try:
            bot.reload()
        except (IndexMissingError, IndexMismatchError) as exc:
            if require_index:
                raise
            level = logging.INFO if isinstance(exc, IndexMissingError) else logging.WARNING
            log.log(level, "starting without an index: %s", exc.message)
        return bot

    @property
    def model_info(self) -> ModelInfo:
        e = self.embedder
        return ModelInfo(e.model_id, e.dimension, e.fingerprint, e.backend)

    @property
    def chunking(self) -> ChunkSettings:
        return ChunkSettings(self.settings.chunk_max_chars, self.settings.chunk_overlap_sentences)

    @property
    def ready(self) -> bool:
        return self._state is not None

    def _require(self) -> _State:
        state = self._state
        if state is None:
            raise IndexMissingError(f"no index at {self.store.location}: run `policybot ingest` first")
        return state

    def reload(self) -> None:
        index = self.store.load(self.model_info)
        built, wanted = index.chunking, pipeline_settings(self.chunking)
        if built != wanted:
            raise IndexMismatchError(
                f"index at {self.store.location} was built with chunking and pipeline {built}, this policybot "
                f"uses {wanted}; run `policybot ingest` (it re-processes every document)"
            )
        s = self.settings
        retriever = Retriever(
            index,
            self.embedder,
            candidates=s.candidates,
            rrf_k=s.rrf_k,
            dense_weight=s.dense_weight,
            keyword_weight=s.keyword_weight,
            max_query_chars=s.max_question_chars,
            search=self.store.search(index),
        )
        answerer = build_answerer(retriever, s, self.glossary)
        with self._lock:
            held = self._state.index.version if self._state is not None else None
            if held is not None and index.version != held and held == self.store.generation():
                # a reader's reload that finished after a newer version was installed (an upload's
                # commit in another thread): keep the live version, never go back to an older one
                return
            self._state = _State(index, retriever, answerer)

    @property
    def loaded_version(self) -> str | None:
        """The index version in memory (None before a load, or for an index of an older layout)."""
        state = self._state
        return state.index.version if state is not None else None

    def refresh_if_changed(self) -> bool:
        """Reload when another process committed a new version of the index; True if it did.

        Cheap when nothing changed: one small file read, or one small query.
        """
        live = self.store.generation()
        if live is None or live == self.loaded_version:
            return False
        self.reload()
        return True

    @property
    def index(self) -> IndexData:
        return self._require().index

    @property
    def retriever(self) -> Retriever:
        return self._require().retriever

    @property
    def answerer(self) -> Answerer:
        return self._require().answerer

    def search(self, query: str, k: int | None = None, *, doc_ids: Sequence[str] | None = None) -> list[Hit]:
        """Hybrid search; English questions also search the keyword index with their Chinese
        glossary terms, Chinese ones with their synonyms."""
        query = self.retriever.check_query(query)
        understood = understand(query, (), self.glossary)
        k = self.settings.top_k if k is None else k
        return self.retriever.search(query, k, doc_ids=doc_ids, keywords=understood.keywords)

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        doc_ids: Sequence[str] | None = None,
        *,
        as_of: date | None = None,
    ) -> Answer:
        """Answer from all documents, or from ``doc_ids`` only; lifecycle statuses as of ``as_of``
        (default today)."""
        return self.answerer.ask(question, history, doc_ids, as_of=as_of)

    def documents(self) -> list[Document]:
        if self._state is None:
            return []
        return sorted(self._state.index.documents.values(), key=lambda d: d.meta.doc_id)

    def facts(self, kind: str | None = None, doc_id: str | None = None) -> list[Fact]:
        return [
            f for f in self.index.facts if (kind is None or f.type == kind) and (doc_id is None or f.doc_id == doc_id)
        ]

    def measures(self, doc_ids: Sequence[str] | None = None) -> list[Measure]:
        """The eligibility measures of the index (of ``doc_ids`` only when given; unknown ids: 404)."""
        index = self.index
        missing = [d for d in doc_ids or () if d not in index.documents]
        if missing:
            raise NotFoundError(f"no document {missing[0]!r} in the index")
        return [m for m in index.measures if not doc_ids or m.doc_id in doc_ids]

    def check_eligibility(self, profile: Profile, doc_ids: Sequence[str] | None = None) -> list[MeasureResult]:
        """Every measure (of ``doc_ids``) checked against ``profile``, best first."""
        return check_measures(self.measures(doc_ids), profile)

    def lifecycle(self) -> LifecycleView:
        """Lifecycle facts, links, statuses and the calendar of the loaded index (built once)."""
        return lifecycle_view(self.index)

    def calendar(self, query: CalendarQuery) -> list[CalendarEntry]:
        return select(self.lifecycle().calendar, query)

    def ingest(
        self, paths: Sequence[Path] | None = None, *, rebuild: bool = False, progress: bool = False
    ) -> IngestReport:
        with self._lock:
            report = ingest(
                list(paths) if paths else [self.settings.corpus_dir],
                index_dir=self.settings.index_dir,
                embedder=self.embedder,
                chunking=self.chunking,
                prune=not paths,
                rebuild=rebuild,
                progress=progress,
                store=self.store,
                limits=ParseLimits(
                    memory_bytes=self.settings.parse_memory_mb * 1024 * 1024, seconds=self.settings.parse_seconds
                ),
                ann=AnnParams.from_settings(self.settings),
                loaded=self._state.index if self._state is not None else None,  # not read a second time
            )
            if not self.refresh_if_changed() and not self.ready:  # unchanged (e.g. the start-up sync): kept
                self.reload()
        return report

    def writing(self) -> AbstractContextManager[None]:
        """The store's writer lock (re-entrant): hold it around a check and the write it guards."""
        return self.store.writing()

    def rejected(self) -> list[Rejection]:
        """Files of the corpus folder that could not be ingested, with the reason."""
        return read_rejections(self.settings.index_dir)

    def remove(self, doc_ids: Sequence[str]) -> list[str]:
        with self._lock:
            removed = remove_documents(
                doc_ids, index_dir=self.settings.index_dir, model=self.model_info, store=self.store
            )
            self.reload()
        return removed
