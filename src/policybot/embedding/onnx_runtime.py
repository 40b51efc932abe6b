"""The run-time embedder over the ONNX export: ONNX Runtime, ``tokenizers`` and numpy, no torch.

The folder (written at set-up by :mod:`policybot.embedding.onnx_export`) holds ``model.onnx``
(float32), ``model_int8.onnx`` (dynamic int8, per-channel), the model's ``tokenizer.json`` and
``policybot-onnx.json``, which records the prompts, the dimension, the maximum length and the
fingerprint of the sentence-transformers model it was exported from.

Passages go through the model of the backend; questions always go through the float32 model, which
gives a question the same vector alone or in a batch (dynamic int8 quantises each batch with its own
scale, so a batch changes the vectors of its rows: cosine 0.997). Under ``onnx-int8`` the index is
int8 and the questions float32: int8 buys the ingest throughput, float32 stable answers.

Pooling and normalisation are those of sentence-transformers: the mean of the token embeddings
under the attention mask (prompt tokens included), then division by ``max(norm, 1e-12)``. Texts
are sorted by token count before batching, so a batch pads to lengths close to its own, and a batch
holds at most ``max_tokens`` padded tokens (and ``batch_size`` texts): on 2 cores, batches of about
1024 tokens embed passages 1.4-1.7x faster than batches of 32 texts of ~100 tokens.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from policybot.config import EmbedBackend
from policybot.errors import ModelError

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "ONNX_FILES",
    "ONNX_MARKER",
    "OnnxEmbedder",
    "OnnxModelCard",
    "check_texts",
    "token_batches",
]

ONNX_MARKER = "policybot-onnx.json"
ONNX_FILES = {EmbedBackend.ONNX_FP32: "model.onnx", EmbedBackend.ONNX_INT8: "model_int8.onnx"}
DEFAULT_MAX_TOKENS = 1024  # padded tokens a batch (Settings.embed_max_tokens)
#: questions embedded together (the server's micro-batches) are split where padding would pass 1.5x a
#: row's own length: a padded token costs as much as a real one (the model is compute-bound per token
#: here: 0.6-0.75 ms a token at batch 1 and 0.5-0.6 at batch 10-20), and distinct questions of 10 to
#: 45 tokens padded to the longest of 10-20 are 1.4-1.6x their real tokens: 14-18 % less CPU a question
QUERY_MAX_PADDING = 1.5


@dataclass(frozen=True)
class OnnxModelCard:
    """What the export recorded about the model (the ``card`` of ``policybot-onnx.json``)."""

    model_id: str
    dimension: int
    fingerprint: str
    query_prompt: str | None
    passage_prompt: str | None
    max_length: int
    pad_id: int

    @classmethod
    def read(cls, folder: Path) -> OnnxModelCard:
        try:
            data = json.loads((folder / ONNX_MARKER).read_text(encoding="utf-8"))
            return cls(**data["card"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"no usable ONNX export in {folder} ({exc}); run `policybot prepare-model`") from exc

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str | bytes):
        raise TypeError("texts must be a sequence of strings, not a single string")
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] must be a string, got {type(text).__name__}")
    return items


class OnnxEmbedder:
    """Turns texts into float32, L2-normalised vectors of shape ``(n, dimension)`` with ONNX Runtime."""

    def __init__(
        self,
        session: Any,
        tokenizer: Any,
        card: OnnxModelCard,
        backend: EmbedBackend,
        *,
        batch_size: int = 32,
        max_tokens: int | None = None,
        query_session: Any = None,
    ):
        if not callable(getattr(session, "run", None)):
            raise TypeError(f"session must be an onnxruntime InferenceSession, got {type(session).__name__}")
        if not callable(getattr(tokenizer, "encode_batch", None)):
            raise TypeError(f"tokenizer must be a tokenizers.Tokenizer, got {type(tokenizer).__name__}")
        if backend not in ONNX_FILES:
            raise ValueError(f"backend must be one of {', '.join(ONNX_FILES)}, got {backend!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if max_tokens is not None and (
            isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1
        ):
            raise ValueError(f"max_tokens must be a positive integer or None, got {max_tokens!r}")
        self.session, self.tokenizer, self.card = session, tokenizer, card
        self.query_session = query_session if query_session is not None else session
        self.backend = backend
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.model_id = card.model_id
        self.dimension = card.dimension
        self.fingerprint = card.fingerprint
        self.query_prompt = card.query_prompt
        self.passage_prompt = card.passage_prompt

    @classmethod
    def load(
        cls,
        folder: Path,
        backend: EmbedBackend,
        *,
        threads: int = 2,
        batch_size: int = 32,
        max_tokens: int | None = DEFAULT_MAX_TOKENS,
    ) -> OnnxEmbedder:
        """Load the export in ``folder`` for ``backend`` (``onnx-int8`` or ``onnx-fp32``)."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        card = OnnxModelCard.read(folder)
        if backend not in ONNX_FILES:
            raise ModelError(f"{backend} is not an ONNX backend")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            fp32 = ort.InferenceSession(
                str(folder / ONNX_FILES[EmbedBackend.ONNX_FP32]), options, providers=["CPUExecutionProvider"]
            )
            session: Any = fp32
            if backend is not EmbedBackend.ONNX_FP32:  # questions go through float32, passages through int8
                session = _LazySession(folder / ONNX_FILES[backend], options)
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # onnxruntime raises its own exception types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load the ONNX model from {folder}: {first}") from exc
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=card.max_length)
        return cls(session, tokenizer, card, backend, batch_size=batch_size, max_tokens=max_tokens, query_session=fp32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions/search queries (with the model's query prompt, if any), in float32."""
        return self._embed(texts, self.query_prompt, self.query_session, progress=False, max_padding=QUERY_MAX_PADDING)

    def embed_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed passages to index (with the model's passage prompt, if any)."""
        return self._embed(texts, self.passage_prompt, self.session, progress=progress)

    def token_ids(self, texts: Sequence[str], prompt: str | None = None) -> list[list[int]]:
        """The token ids the model sees for ``texts`` (prompt prepended, truncated)."""
        items = [(prompt or "") + t for t in check_texts(texts)]
        if len(items) == 1:  # a lone question: encode() skips encode_batch's thread pool (0.15 -> 0.03 ms)
            return [self.tokenizer.encode(items[0]).ids]
        return [e.ids for e in self.tokenizer.encode_batch(items)]

    def _embed(
        self,
        texts: Sequence[str],
        prompt: str | None,
        session: Any,
        *,
        progress: bool,
        max_padding: float | None = None,
    ) -> np.ndarray:
        ids = self.token_ids(texts, prompt)
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))  # longest first, like encode()
        batches: Any = token_batches([len(ids[i]) for i in order], self.batch_size, self.max_tokens, max_padding)
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        for start, stop in batches:
            rows = order[start:stop]
            out[rows] = self._run(session, [ids[i] for i in rows])
        return out

    def _run(self, session: Any, batch: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in batch)
        input_ids = np.full((len(batch), width), self.card.pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        (tokens,) = session.run(["last_hidden_state"], {"input_ids": input_ids, "attention_mask": mask})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def __repr__(self) -> str:
        return (
            f"OnnxEmbedder(model_id={self.model_id!r}, backend={self.backend.value}, dimension={self.dimension}, "
            f"fingerprint={self.fingerprint!r})"
        )


def token_batches(
    lengths: Sequence[int], batch_size: int, max_tokens: int | None, max_padding: float | None = None
) -> list[tuple[int, int]]:
    """``(start, stop)`` of consecutive batches over ``lengths`` sorted longest first: at most
    ``batch_size`` rows, and, with ``max_tokens``, at most that many tokens once padded (rows times
    the first row's length; a row longer than the budget goes alone); with ``max_padding``, no row
    padded to more than that many times its own length (a shorter row starts the next batch)."""
    if max_padding is not None and max_padding < 1:
        raise ValueError(f"max_padding must be at least 1, got {max_padding!r}")
    batches, start = [], 0
    while start < len(lengths):
        rows = batch_size
        if max_tokens is not None:
            rows = min(rows, max(1, max_tokens // max(1, lengths[start])))
        stop = min(len(lengths), start + rows)
        if max_padding is not None:
            longest = lengths[start]
            cut = start + 1
            while cut < stop and lengths[cut] * max_padding >= longest:
                cut += 1
            stop = cut
        batches.append((start, stop))
        start = stop
    return batches


class _LazySession:
    """The int8 passage model, loaded at its first run: a server that only embeds questions (with
    the float32 model) never holds it (about 180 MB resident)."""

    def __init__(self, path: Path, options: Any) -> None:
        if not path.is_file():
            raise ModelError(f"no ONNX model at {path}; run `policybot prepare-model`")
        self.path, self._options = path, options
        self._session: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def run(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                try:
                    self._session = ort.InferenceSession(
                        str(self.path), self._options, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # onnxruntime raises its own exception types
                    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    raise ModelError(f"cannot load the ONNX model {self.path}: {first}") from exc
        return self._session.run(*args, **kwargs)
