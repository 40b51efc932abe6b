"""Policy lifecycle: when documents take effect, expire, repeal and implement each other, their
status on a date, and one calendar of every deadline, window and milestone of the corpus."""

from policybot.lifecycle.extract import extract_lifecycle, find_references
from policybot.lifecycle.links import Lifecycle, build_lifecycle, resolve
from policybot.lifecycle.model import DocStatus, FactKind, LifecycleFact, Link, LinkKind, Reference, Status

__all__ = [
    "DocStatus",
    "FactKind",
    "Lifecycle",
    "LifecycleFact",
    "Link",
    "LinkKind",
    "Reference",
    "Status",
    "build_lifecycle",
    "extract_lifecycle",
    "find_references",
    "resolve",
]
