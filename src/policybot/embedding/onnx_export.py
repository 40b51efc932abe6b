"""Set-up: export a sentence-transformers model to ONNX, quantise it to int8 and verify both.

``prepare_onnx(model_dir, onnx_dir)`` runs offline from the local model folder (the converted e5):

1. the transformer loaded with ``attn_implementation="eager"`` and exported with
   ``torch.onnx.export(..., dynamo=False)`` (ONNX Runtime then fuses the attention blocks);
2. ``onnxruntime.quantization.quantize_dynamic`` with ``per_channel=True`` (per-tensor int8 loses
   too much: cosine 0.989), leaving the second feed-forward matrix of each layer (``output.dense``,
   whose input is the widest-ranged activation) in float32: the smallest cosine to torch on the
   verification texts goes from 0.9955 to 0.9989, and the retrieval eval stops losing questions;
3. both files compared with sentence-transformers on fixed texts, as queries and as passages, alone
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

from policybot.config import EmbedBackend
from policybot.embedding.onnx_runtime import ONNX_FILES, ONNX_MARKER, OnnxEmbedder, OnnxModelCard
from policybot.embedding.prepare import _PASSAGES, _QUERY, _REFERENCE_TEXTS, _locked, _swap_into_place
from policybot.errors import ModelError

__all__ = ["EXPORTER_VERSION", "MIN_COSINE", "prepare_onnx", "source_signature", "verify_onnx"]

EXPORTER_VERSION = "2"
MIN_COSINE = {EmbedBackend.ONNX_INT8: 0.995, EmbedBackend.ONNX_FP32: 0.9999}
_OPSET = 17
_FFN_OUTPUT = re.compile(r"/layer\.\d+/output/dense/MatMul$")  # not .../attention/output/dense/MatMul

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
    _export(model_dir, work / ONNX_FILES[EmbedBackend.ONNX_FP32])
    exported = time.perf_counter()
    _quantize(work / ONNX_FILES[EmbedBackend.ONNX_FP32], work / ONNX_FILES[EmbedBackend.ONNX_INT8])
    quantized = time.perf_counter()
    shutil.copyfile(model_dir / "tokenizer.json", work / "tokenizer.json")
    marker: dict[str, Any] = {"exporter_version": EXPORTER_VERSION, "source": signature, "card": card.as_dict()}
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


def _quantize(fp32: Path, int8: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    keep_fp32 = [n.name for n in graph.node if n.op_type == "MatMul" and _FFN_OUTPUT.search(n.name)]

    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # quantize_dynamic logs "consider pre-processing" at WARNING
    try:
        quantize_dynamic(
            str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8, nodes_to_exclude=keep_fp32
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
