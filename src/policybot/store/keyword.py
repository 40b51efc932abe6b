"""The Chinese keyword index: BM25 over jieba words, built at ingest and stored as JSON.

Function words and question words (的, 什么, 哪些, 时候, …) are dropped and single CJK
characters are not indexed, so a query such as "你好" matches nothing rather than everything.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import jieba
import numpy as np

__all__ = ["KeywordIndex", "term_counts", "tokenize"]

jieba.setLogLevel(logging.WARNING)

_STOPWORDS = frozenset(
    """的 了 和 与 及 或 在 是 为 对 将 把 被 由 从 等 中 其 之 以 于 也 都 而 并 所 有 这 那 个
    什么 什么样 时候 什么时候 哪些 哪个 哪里 哪儿 多少 几个 如何 怎么 怎样 怎么样 是否 能否 可以 能够 能 要
    吗 呢 吧 啊 请问 请 一下 我们 我 你 你们 他们 你好 您好 谢谢 关于 有关 一个 一些 这个 那个 这些 那些
    哪 谁 为什么 多久 何时 啥 具体 主要 相关 方面 情况 问题 内容 包括 包含 里 上 下 the a an of to in
    for and or is are what when which who how does do did be will was were on by with""".split()
)
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FORMAT = 1


def tokenize(text: str) -> list[str]:
    """Index terms of ``text``: jieba search-mode words of 2+ characters and ASCII words."""
    out: list[str] = []
    for token in jieba.cut_for_search(text.lower()):
        token = token.strip()
        if not token or token in _STOPWORDS:
            continue
        if _CJK.search(token):
            if len(token) >= 2:
                out.append(token)
        elif _ASCII_WORD.fullmatch(token):
            out.append(token)
    return out


def term_counts(text: str) -> dict[str, int]:
    """How often each index term occurs in ``text``."""
    return dict(Counter(tokenize(text)))


class KeywordIndex:
    """BM25 (k1, b) over a fixed list of chunk texts, addressed by their position.

    The postings are held as flat arrays (compressed sparse rows, one row per term) with each
    posting's BM25 weight computed once, so a query only adds up slices of ready arrays.
    """

    def __init__(
        self,
        postings: Mapping[str, Sequence[Sequence[int]]],
        doc_lengths: Sequence[int],
        *,
        k1: float = 1.5,
        b: float = 0.75,
    ) -> None:
        if not (math.isfinite(k1) and k1 > 0):
            raise ValueError(f"k1 must be a positive number, got {k1}")
        if not (math.isfinite(b) and 0 <= b <= 1):
            raise ValueError(f"b must be between 0 and 1, got {b}")
        self.doc_lengths = np.asarray(doc_lengths, dtype=np.float32)
        self.k1, self.b = k1, b
        n = len(self.doc_lengths)
        self.avgdl = float(self.doc_lengths.mean()) if n else 0.0
        self._terms = list(postings)
        self._slot = {t: i for i, t in enumerate(self._terms)}
        counts = np.fromiter((len(postings[t]) for t in self._terms), dtype=np.int64, count=len(self._terms))
        self._offsets = np.zeros(len(self._terms) + 1, dtype=np.int64)
        np.cumsum(counts, out=self._offsets[1:])
        pairs = np.fromiter(
            chain.from_iterable(chain.from_iterable(postings[t] for t in self._terms)),
            dtype=np.int64,
            count=2 * int(self._offsets[-1]),
        ).reshape(-1, 2)
        self._ids = pairs[:, 0].copy()
        self._tfs = pairs[:, 1].astype(np.int32)
        self._weights = self._bm25_weights(counts)

    def _bm25_weights(self, counts: np.ndarray) -> np.ndarray:
        """Each posting's BM25 term, in float32 as the per-query computation gave it."""
        n = len(self.doc_lengths)
        idf = np.array([math.log(1 + (n - c + 0.5) / (c + 0.5)) for c in counts.tolist()], dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.doc_lengths / max(self.avgdl, 1e-9))
        tfs = self._tfs.astype(np.float32)
        result: np.ndarray = np.repeat(idf, counts) * tfs * (self.k1 + 1) / (tfs + norm[self._ids])
        return result

    def __len__(self) -> int:
        return len(self.doc_lengths)

    @classmethod
    def build(cls, texts: Sequence[str], **params: float) -> KeywordIndex:
        return cls.from_counts([term_counts(text) for text in texts], **params)

    @classmethod
    def from_counts(cls, rows: Sequence[Mapping[str, int]], **params: float) -> KeywordIndex:
        """The index of texts given by their terms' counts (``term_counts``), in order."""
        postings: dict[str, list[tuple[int, int]]] = {}
        lengths = []
        for i, counts in enumerate(rows):
            lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                postings.setdefault(term, []).append((i, tf))
        return cls(postings, lengths, **params)

    def counts(self) -> list[dict[str, int]]:
        """Each text's term counts, in position order (what ``from_counts`` takes): an index of some of
        these texts and new ones is built without tokenizing these again."""
        rows: list[dict[str, int]] = [{} for _ in range(len(self.doc_lengths))]
        ids, tfs = self._ids.tolist(), self._tfs.tolist()
        for slot, term in enumerate(self._terms):
            for j in range(int(self._offsets[slot]), int(self._offsets[slot + 1])):
                rows[ids[j]][term] = tfs[j]
        return rows

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Up to ``k`` (position, score) pairs with a positive score, best first."""
        terms = set(tokenize(query))
        n = len(self.doc_lengths)
        if not terms or n == 0:
            return []
        scores = np.zeros(n, dtype=np.float32)
        for term in terms:
            slot = self._slot.get(term)
            if slot is None:
                continue
            lo, hi = self._offsets[slot], self._offsets[slot + 1]
            scores[self._ids[lo:hi]] += self._weights[lo:hi]
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def postings(self, term: str) -> list[tuple[int, int]]:
        """The (position, term frequency) pairs of ``term``, in position order."""
        slot = self._slot.get(term)
        if slot is None:
            return []
        lo, hi = self._offsets[slot], self._offsets[slot + 1]
        return list(zip(self._ids[lo:hi].tolist(), self._tfs[lo:hi].tolist(), strict=True))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "k1": self.k1,
            "b": self.b,
            "doc_lengths": [int(x) for x in self.doc_lengths],
            "postings": {t: [list(p) for p in self.postings(t)] for t in sorted(self._terms)},
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")), "utf-8")

    @classmethod
    def load(cls, path: Path) -> KeywordIndex:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != _FORMAT:
            raise ValueError(f"{path}: keyword index format {data.get('format')!r}, expected {_FORMAT}")
        return cls(data["postings"], data["doc_lengths"], k1=data["k1"], b=data["b"])
