"""What the stages need of an embedder, without loading one: ingest embeds passages; retrieval and
answering also embed questions. Light on purpose (numpy and the settings' enum only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from policybot.config import EmbedBackend

__all__ = ["PassageEmbedder", "TextEmbedder"]


class PassageEmbedder(Protocol):
    """What ingest needs: the model's identity (recorded in the manifest) and passage vectors."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def backend(self) -> EmbedBackend: ...

    def embed_passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


class TextEmbedder(PassageEmbedder, Protocol):
    """What the pipeline, the retriever and the answerer need of an embedder (any backend)."""

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...
