"""Micro-batching of questions: concurrent ``embed_queries`` calls share one model call.

One worker thread owns the model for questions. A caller queues its texts and waits; the worker
takes every request waiting at that moment (up to ``max_batch`` texts) and embeds them in one call.
A lone question is embedded as soon as it arrives, with no wait; questions that arrive while the
model is busy are embedded together as soon as it is free. Passages go straight to the model.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from policybot.config import EmbedBackend
from policybot.embedding.model import TextEmbedder
from policybot.embedding.onnx_runtime import check_texts

__all__ = ["BatchStats", "BatchingEmbedder"]

log = logging.getLogger("policybot.embedding.batching")


@dataclass
class BatchStats:
    """What the worker has done: model calls, questions embedded, the largest batch."""

    calls: int = 0
    texts: int = 0
    largest: int = 0


@dataclass
class _Request:
    texts: list[str]
    future: Future[np.ndarray] = field(default_factory=Future)


class BatchingEmbedder:
    """An embedder (any backend) whose ``embed_queries`` batches concurrent callers."""

    def __init__(self, inner: TextEmbedder, *, max_batch: int = 32) -> None:
        if isinstance(max_batch, bool) or not isinstance(max_batch, int) or max_batch < 1:
            raise ValueError(f"max_batch must be a positive integer, got {max_batch!r}")
        if not callable(getattr(inner, "embed_queries", None)):
            raise TypeError(f"inner must be an embedder, got {type(inner).__name__}")
        self.inner = inner
        self.max_batch = max_batch
        self.stats = BatchStats()
        self._queue: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._serve, name="policybot-embed-batcher", daemon=True)
        self._worker.start()

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def backend(self) -> EmbedBackend:
        return self.inner.backend

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions, in one model call with whatever other questions are waiting."""
        items = check_texts(texts)
        if not items:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if threading.current_thread() is self._worker:  # never wait for ourselves
            return self.inner.embed_queries(items)
        request = _Request(items)
        self._queue.put(request)
        return request.future.result()

    def embed_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self.inner.embed_passages(texts, progress=progress)

    def _take(self) -> list[_Request]:
        """The next request (waiting for one), and every other one already queued that fits."""
        batch = [self._queue.get()]
        size = len(batch[0].texts)
        while size < self.max_batch:
            try:
                request = self._queue.get_nowait()
            except queue.Empty:
                break
            batch.append(request)
            size += len(request.texts)
        return batch

    def _serve(self) -> None:
        while True:
            batch = self._take()
            texts = [t for request in batch for t in request.texts]
            try:
                vectors = self.inner.embed_queries(texts)
            except Exception as exc:  # hand the error to every caller of this batch
                for request in batch:
                    request.future.set_exception(exc)
                continue
            self.stats.calls += 1
            self.stats.texts += len(texts)
            self.stats.largest = max(self.stats.largest, len(texts))
            start = 0
            for request in batch:
                request.future.set_result(vectors[start : start + len(request.texts)])
                start += len(request.texts)

    def __repr__(self) -> str:
        return f"BatchingEmbedder({self.inner!r}, max_batch={self.max_batch})"
