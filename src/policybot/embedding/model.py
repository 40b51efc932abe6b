"""The embedder the pipeline injects: a local sentence-transformers model, loaded once, offline.

Queries and passages are embedded with the model's own ``query``/``passage`` prompts when it
defines them (the converted e5 model does: ``query: `` and ``passage: ``); any other local
sentence-transformers folder works through ``POLICYBOT_MODEL_PATH`` without prompts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from policybot.config import DEFAULT_MODEL_ID, EmbedBackend, Settings
from policybot.embedding.base import TextEmbedder
from policybot.embedding.onnx_runtime import OnnxEmbedder, check_texts
from policybot.embedding.prepare import load_sentence_transformer, prepare_model
from policybot.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    LangChainEmbeddings: type[Any]  # a langchain_core Embeddings, defined at first use (module __getattr__)

__all__ = ["Embedder", "LangChainEmbeddings", "TextEmbedder", "load_embedder"]


_WEIGHT_SUFFIXES = {".safetensors", ".bin", ".pt", ".pth", ".onnx", ".xml"}


class Embedder:
    """Turns texts into float32, L2-normalised vectors of shape ``(n, dimension)`` with
    sentence-transformers on torch: the reference the ONNX export is verified against."""

    backend = EmbedBackend.TORCH

    def __init__(self, model: SentenceTransformer, model_id: str, *, batch_size: int = 32) -> None:
        if not callable(getattr(model, "encode", None)):
            raise TypeError(f"model must be a SentenceTransformer, got {type(model).__name__}")
        if not isinstance(model_id, str) or not model_id.strip():
            raise ValueError(f"model_id must be a non-empty string, got {model_id!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.model: SentenceTransformer = model
        self.model_id = model_id
        self.batch_size = batch_size
        dimension = _dimension(model)
        if not dimension:
            raise ModelError(f"model {model_id} does not report an embedding dimension")
        self.dimension: int = dimension
        prompts = dict(getattr(model, "prompts", None) or {})
        self.query_prompt: str | None = prompts.get("query") or None
        self.passage_prompt: str | None = prompts.get("passage") or prompts.get("document") or None
        self.fingerprint: str = _fingerprint(model, self.dimension, self._prompts())

    @classmethod
    def load(cls, model_dir: Path, *, model_id: str | None = None, batch_size: int = 32) -> Embedder:
        """Load the sentence-transformers folder ``model_dir`` (offline)."""
        folder = Path(model_dir).expanduser()
        model = load_sentence_transformer(folder)
        return cls(model, model_id or folder.resolve().name, batch_size=batch_size)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions/search queries (with the model's query prompt, if any)."""
        return self._embed(texts, self.query_prompt, progress=False)

    def embed_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed passages to index (with the model's passage prompt, if any)."""
        return self._embed(texts, self.passage_prompt, progress=progress)

    def _embed(self, texts: Sequence[str], prompt: str | None, *, progress: bool) -> np.ndarray:
        items = check_texts(texts)
        if not items:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            items,
            prompt=prompt,
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(items), self.dimension)

    def _prompts(self) -> dict[str, str | None]:
        return {"query": self.query_prompt, "passage": self.passage_prompt}

    def __repr__(self) -> str:
        return (
            f"Embedder(model_id={self.model_id!r}, dimension={self.dimension}, "
            f"fingerprint={self.fingerprint!r}, prompts={self._prompts()!r})"
        )


def load_embedder(settings: Settings) -> TextEmbedder:
    """The embedder ``settings`` ask for: the converted default model (prepared on first use in
    ``settings.model_dir``), or the local folder ``settings.model_path``, run by
    ``settings.embed_backend``. The ONNX backends export the model on first use (``settings.onnx_dir``)."""
    batch_size = settings.embed_batch_size
    if settings.uses_default_model:
        folder, model_id = prepare_model(settings.model_dir), DEFAULT_MODEL_ID
    else:
        folder = settings.model_dir.expanduser()
        model_id = folder.resolve().name
    if settings.embed_backend is EmbedBackend.TORCH:
        return Embedder.load(folder, model_id=model_id, batch_size=batch_size)
    from policybot.embedding.onnx_export import prepare_onnx

    if not folder.is_dir():
        raise ModelError(f"embedding model folder does not exist: {folder}")
    onnx_dir = prepare_onnx(folder, settings.onnx_dir, model_id=model_id)
    return OnnxEmbedder.load(
        onnx_dir,
        settings.embed_backend,
        threads=settings.embed_threads,
        batch_size=batch_size,
        max_tokens=settings.embed_max_tokens,
    )


def __getattr__(name: str) -> Any:
    """``LangChainEmbeddings`` is built on first use: importing langchain_core (~0.3 s) is not
    paid by the server or the CLI, which never use it (only the LangChain eval baseline does)."""
    if name == "LangChainEmbeddings":
        cls = _langchain_embeddings()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _langchain_embeddings() -> type[Any]:
    from langchain_core.embeddings import Embeddings

    class LangChainEmbeddings(Embeddings):
        """LangChain ``Embeddings`` over an :class:`Embedder` (for LangChain's FAISS store)."""

        def __init__(self, embedder: TextEmbedder) -> None:
            self.embedder = embedder

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.embedder.embed_passages(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.embedder.embed_queries([text])[0].tolist()

    LangChainEmbeddings.__module__ = __name__
    LangChainEmbeddings.__qualname__ = "LangChainEmbeddings"
    return LangChainEmbeddings


def _dimension(model: Any) -> int | None:
    for name in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        method = getattr(model, name, None)
        if callable(method):
            value = method()
            return int(value) if value else None
    return None


def _model_folder(model: Any) -> Path | None:
    """The folder the model's transformer was loaded from, when there is one."""
    try:
        first = model[0]
    except (TypeError, IndexError, KeyError):
        return None
    name = getattr(getattr(first, "auto_model", None), "name_or_path", None)
    return Path(name) if isinstance(name, str) and name and Path(name).is_dir() else None


def _fingerprint(model: Any, dimension: int, prompts: dict[str, str | None]) -> str:
    """Short hash of config.json + weight file names and sizes + prompts + dimension; falls back
    to parameter names and shapes when the model was not loaded from a folder."""
    digest = hashlib.sha256()
    folder = _model_folder(model)
    if folder is not None and (folder / "config.json").is_file():
        digest.update((folder / "config.json").read_bytes())
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in _WEIGHT_SUFFIXES:
                digest.update(f"{path.relative_to(folder)}:{path.stat().st_size}\n".encode())
    else:
        for name, tensor in model.state_dict().items():
            digest.update(f"{name}:{tuple(tensor.shape)}\n".encode())
    extra = {"prompts": prompts, "dimension": dimension}
    digest.update(json.dumps(extra, sort_keys=True).encode())
    return digest.hexdigest()[:16]
