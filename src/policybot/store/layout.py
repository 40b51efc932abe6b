"""Reading the on-disk index layout (see ``store.files``): which version folder is live, its
manifest, and the document listing. numpy, FAISS and the keyword index are not imported here, so
``policybot documents`` starts in a fraction of the time of a whole index load.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from policybot.config import EmbedBackend
from policybot.errors import IndexMismatchError, IndexMissingError
from policybot.records import Document, DocumentMeta

__all__ = ["CURRENT", "FORMAT_VERSION", "current_version", "live_dir", "read_listing", "read_manifest"]

log = logging.getLogger("policybot.store.files")

FORMAT_VERSION = 2
CURRENT = "CURRENT"
_VERSION_PREFIX = "v-"
_T = TypeVar("_T")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _valid_version(name: str) -> bool:
    return name.startswith(_VERSION_PREFIX) and "/" not in name and "\\" not in name and name.strip() == name


def current_version(index_dir: Path) -> str | None:
    """The live version named by ``CURRENT`` (None without one): a cheap check for new commits."""
    try:
        name = (Path(index_dir) / CURRENT).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if _valid_version(name) else None


def _legacy_leftovers(index_dir: Path) -> list[Path]:
    """Folders the old two-rename save left beside ``index_dir`` (``.index.old-PID``, ``.index.tmp-PID``)."""
    try:
        return sorted(p for p in index_dir.parent.iterdir() if p.name.startswith(f".{index_dir.name}."))
    except OSError:
        return []


def live_dir(index_dir: Path) -> Path:
    """The folder holding the live index files: the version ``CURRENT`` names; without ``CURRENT``
    a legacy flat index in ``index_dir``, else the newest complete version folder, else an index an
    old policybot moved aside and was killed before moving back."""
    index_dir = Path(index_dir)
    if (index_dir / CURRENT).exists():
        name = current_version(index_dir)
        if name is None or not (index_dir / name).is_dir():
            raise IndexMismatchError(
                f"index at {index_dir} is damaged ({CURRENT} names no version folder); "
                "rebuild with `policybot ingest --rebuild`"
            )
        return index_dir / name
    if (index_dir / "manifest.json").is_file():
        return index_dir  # the flat layout of older policybots
    try:
        versions = sorted(
            p for p in index_dir.iterdir() if p.name.startswith(_VERSION_PREFIX) and (p / "manifest.json").is_file()
        )
    except OSError:
        versions = []
    if versions:
        if len(versions) > 1:
            log.warning(
                "no %s in %s: using the newest of %d versions, %s", CURRENT, index_dir, len(versions), versions[-1].name
            )
        return versions[-1]
    moved = [p for p in _legacy_leftovers(index_dir) if ".old-" in p.name and (p / "manifest.json").is_file()]
    if moved:
        log.warning("no index in %s: using %s, which an interrupted save left", index_dir, moved[-1])
        return moved[-1]
    raise IndexMissingError(f"no index at {index_dir}: run `policybot ingest` first")


def _read_live(index_dir: Path, read: Callable[[Path], _T]) -> tuple[str | None, _T]:
    """``read`` of the live version's folder, and that version (None after the last retry). Takes
    no lock: when a writer commits (and removes the version being read) meanwhile, the read starts
    again from the new version."""
    for _attempt in range(4):
        version = current_version(index_dir)
        try:
            return version, read(live_dir(index_dir))
        except (IndexMissingError, IndexMismatchError):
            if current_version(index_dir) != version:
                continue  # a commit replaced the version under the read
            raise
    return None, read(live_dir(index_dir))


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the live index in ``index_dir`` (no lock; see ``_read_live``)."""
    return _read_live(index_dir, lambda folder: _read_manifest(folder, index_dir))[1]


def _read_manifest(folder: Path, index_dir: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:  # none yet, or a commit removed this version after it was chosen
        raise IndexMissingError(f"no index at {index_dir}: run `policybot ingest` first") from exc
    except ValueError as exc:
        raise IndexMismatchError(f"{path} is damaged ({exc}); rebuild with `policybot ingest --rebuild`") from exc
    model = manifest.get("model") if isinstance(manifest, dict) else None
    if (
        not isinstance(manifest, dict)
        or not isinstance(model, dict)
        or not {"id", "dimension", "fingerprint"} <= set(model) <= {"id", "dimension", "fingerprint", "backend"}
        or model.get("backend", EmbedBackend.TORCH.value) not in set(EmbedBackend)
    ):
        raise IndexMismatchError(f"{path} is damaged (no model record); rebuild with `policybot ingest --rebuild`")
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {index_dir} has format {manifest.get('format')!r}, this policybot reads "
            f"{FORMAT_VERSION}; rebuild with `policybot ingest --rebuild`"
        )
    return manifest


def read_listing(index_dir: Path) -> tuple[list[Document], dict[str, int]]:
    """The documents of the live index (by id) and how many chunks each has, read without the
    vectors, the FAISS index or the keyword index: what ``policybot documents`` prints."""
    return _read_live(index_dir, lambda folder: _listing_folder(folder, index_dir))[1]


def _listing_folder(folder: Path, index_dir: Path) -> tuple[list[Document], dict[str, int]]:
    _read_manifest(folder, index_dir)
    try:
        documents = []
        for row in _read_jsonl(folder / "documents.jsonl"):
            documents.append(Document(DocumentMeta(**row["meta"]), row["text"], tuple(row["page_starts"])))
        counts: dict[str, int] = {}
        with (folder / "chunks.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    doc_id = json.loads(line)["doc_id"]
                    counts[doc_id] = counts.get(doc_id, 0) + 1
    except FileNotFoundError as exc:  # a commit removed this version after it was chosen
        raise IndexMissingError(f"no index at {index_dir}: run `policybot ingest` first") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexMismatchError(
            f"index at {index_dir} is damaged ({exc.__class__.__name__}: {exc}); rebuild with "
            "`policybot ingest --rebuild`"
        ) from exc
    return sorted(documents, key=lambda d: d.meta.doc_id), counts
