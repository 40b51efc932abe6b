"""The lifecycle and calendar of one loaded index, computed once per index and shared by the
answer composers and the surfaces."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from policybot.lifecycle.calendar import CalendarEntry, build_calendar, closing_dates, text_calendar
from policybot.lifecycle.links import Lifecycle, build_lifecycle
from policybot.store.files import IndexData

__all__ = ["LifecycleView", "lifecycle_view"]


@dataclass(frozen=True)
class LifecycleView:
    lifecycle: Lifecycle
    calendar: list[CalendarEntry]


def build_view(index: IndexData) -> LifecycleView:
    entries = text_calendar(index.documents, index.chunks, index.facts)
    life = build_lifecycle(index.documents, index.chunks, closing_dates(entries, index.documents))
    return LifecycleView(life, build_calendar(life, entries))


_lock = threading.Lock()
_cache: dict[int, tuple[IndexData, str, LifecycleView]] = {}


def lifecycle_view(index: IndexData) -> LifecycleView:
    """The view of ``index``, built on first use and kept while the index is in use."""
    key = id(index)
    stamp = index.corpus_hash
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is index and hit[1] == stamp:
            return hit[2]
    view = build_view(index)
    with _lock:
        if len(_cache) >= 4:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (index, stamp, view)
    return view
