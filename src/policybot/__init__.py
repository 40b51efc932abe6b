"""policybot: answers about Chinese government policy documents, each tied to its section.

The public API is small: build ``Settings``, load a ``PolicyBot`` (model + index, loaded once),
then ``ingest``, ``search`` and ``ask``. Everything returns the plain records below.
"""

from typing import TYPE_CHECKING, Any

from policybot.config import Settings
from policybot.errors import PolicybotError
from policybot.records import Answer, Chunk, Citation, Document, DocumentMeta, Fact, Hit, Section

if TYPE_CHECKING:
    from policybot.service import PolicyBot


def __getattr__(name: str) -> Any:
    """``PolicyBot`` is imported on first use: ``import policybot.x`` loads no model code."""
    if name == "PolicyBot":
        from policybot.service import PolicyBot

        return PolicyBot
    raise AttributeError(f"module 'policybot' has no attribute {name!r}")


__all__ = [
    "Answer",
    "Chunk",
    "Citation",
    "Document",
    "DocumentMeta",
    "Fact",
    "Hit",
    "PolicyBot",
    "PolicybotError",
    "Section",
    "Settings",
]

__version__ = "0.1.0"
