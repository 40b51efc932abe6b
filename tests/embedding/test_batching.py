"""Micro-batched questions: concurrent callers share one model call and get the answers they
would get one at a time (real model, real index)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from policybot.embedding.batching import BatchingEmbedder
from policybot.service import PolicyBot
from policybot.surfaces.schemas import answer_out

QUESTIONS = [
    "节能监察安排在什么时候？",
    "预计全年削减多少化学需氧量？",
    "绿色工厂评价导则什么时候发布？",
    "这个方案是哪个部门印发的？",
    "京津冀地区开展什么示范？",
    "When will the green factory evaluation guideline be published?",
    "工业节能与绿色标准化行动计划的重点是什么？",
    "今年淘汰多少落后产能？",
]


class Gate:
    """The real embedder, whose first question call waits until the test opens the gate: the
    questions asked meanwhile queue up behind it, as they do behind a busy model."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.entered, self.opened = threading.Event(), threading.Event()
        self.calls: list[int] = []
        for name in ("model_id", "dimension", "fingerprint", "backend"):
            setattr(self, name, getattr(inner, name))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        if len(self.calls) == 1:
            self.entered.set()
            assert self.opened.wait(60)
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self.inner.embed_passages(texts, progress=progress)


def test_queued_questions_share_one_model_call(embedder: Any) -> None:
    gate = Gate(embedder)
    batching = BatchingEmbedder(gate, max_batch=32)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batching.embed_queries, [QUESTIONS[0]])
        assert gate.entered.wait(60)
        rest = [pool.submit(batching.embed_queries, [q]) for q in QUESTIONS[1:]]
        while batching._queue.qsize() < len(rest):  # all queued behind the busy model
            threading.Event().wait(0.01)
        gate.opened.set()
        vectors = [first.result(60), *(f.result(60) for f in rest)]
    assert gate.calls == [1, len(QUESTIONS) - 1]
    assert (batching.stats.calls, batching.stats.texts, batching.stats.largest) == (2, len(QUESTIONS), 7)
    alone = np.vstack([embedder.embed_queries([q]) for q in QUESTIONS])
    together = np.vstack(vectors)
    assert together.shape == (len(QUESTIONS), embedder.dimension)
    assert np.sum(together * alone, axis=1).min() > 0.99  # dynamic int8 is not batch-invariant


def test_max_batch_splits_the_queue(embedder: Any) -> None:
    gate = Gate(embedder)
    batching = BatchingEmbedder(gate, max_batch=3)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batching.embed_queries, [QUESTIONS[0]])
        assert gate.entered.wait(60)
        rest = [pool.submit(batching.embed_queries, [q]) for q in QUESTIONS[1:]]
        while batching._queue.qsize() < len(rest):
            threading.Event().wait(0.01)
        gate.opened.set()
        for f in [first, *rest]:
            assert f.result(60).shape == (1, embedder.dimension)
    assert gate.calls == [1, 3, 3, 1]


def test_a_batch_of_questions_gives_the_same_answers_as_one_at_a_time(seed_bot: Any, embedder: Any) -> None:
    alone = [answer_out(seed_bot.ask(q)).model_dump() for q in QUESTIONS]
    gate = Gate(embedder)
    bot = PolicyBot(seed_bot.settings, BatchingEmbedder(gate))
    bot.reload()
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        first = pool.submit(bot.ask, QUESTIONS[0])
        assert gate.entered.wait(60)
        rest = [pool.submit(bot.ask, q) for q in QUESTIONS[1:]]
        threading.Event().wait(0.5)  # the other questions reach the queue
        gate.opened.set()
        together = [answer_out(f.result(120)).model_dump() for f in [first, *rest]]
    assert len(gate.calls) < len(QUESTIONS)  # some questions were embedded together
    for one, many in zip(alone, together, strict=True):
        scores = [[c.pop("score") for c in a["citations"] + a["see_also"]] for a in (one, many)]
        assert many == one
        assert np.allclose(scores[0], scores[1], atol=0.05)


def test_errors_reach_the_caller_and_the_worker_goes_on(embedder: Any) -> None:
    batching = BatchingEmbedder(embedder)
    with pytest.raises(TypeError, match="single string"):
        batching.embed_queries("绿色工厂")
    assert batching.embed_queries([]).shape == (0, embedder.dimension)
    assert batching.embed_queries(["绿色工厂"]).shape == (1, embedder.dimension)
    assert (batching.model_id, batching.backend) == (embedder.model_id, embedder.backend)
    with pytest.raises(ValueError, match="max_batch"):
        BatchingEmbedder(embedder, max_batch=0)
