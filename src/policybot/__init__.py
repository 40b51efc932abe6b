"""policybot: answers about Chinese government policy documents, each tied to its section.

The public API is small: build ``Settings``, load a ``PolicyBot`` (model + index, loaded once),
then ``ingest``, ``search`` and ``ask``. Everything returns the plain records below.
"""

from policybot.config import Settings
from policybot.errors import PolicybotError
from policybot.records import Answer, Chunk, Citation, Document, DocumentMeta, Fact, Hit, Section
from policybot.service import PolicyBot

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
