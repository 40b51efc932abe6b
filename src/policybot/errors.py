"""The errors policybot raises. The library raises them; the CLI and the API translate them.

Every error carries a one-line message meant for the person who caused it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConflictError",
    "DocumentError",
    "IndexMismatchError",
    "IndexMissingError",
    "InvalidQuestionError",
    "ModelError",
    "NotFoundError",
    "PolicybotError",
    "ProfileError",
    "StorageError",
    "TooLargeError",
    "UnsupportedFormatError",
]


class PolicybotError(Exception):
    """Base class: something the user can fix, described in one line."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(PolicybotError):
    """A setting has a value that cannot work."""


class DocumentError(PolicybotError):
    """A document is missing, empty, binary, unreadable or has no usable text."""

    status_code = 422


class UnsupportedFormatError(DocumentError):
    """The file type is not one policybot reads."""

    status_code = 415


class InvalidQuestionError(PolicybotError):
    """A question or query is empty, too long or not text."""

    status_code = 422


class ProfileError(PolicybotError):
    """An enterprise profile has a field that is unknown, of the wrong type or unit, or out of range;
    ``field`` names it."""

    status_code = 422

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"profile field {field!r}: {problem}")
        self.field = field


class NotFoundError(PolicybotError):
    """A named document (or other object) does not exist."""

    status_code = 404


class IndexMissingError(PolicybotError):
    """There is no index yet where one is expected."""

    status_code = 503


class IndexMismatchError(PolicybotError):
    """The index was built with another model or format than the one in use."""

    status_code = 409


class ConflictError(PolicybotError):
    """The request clashes with what exists (an upload whose file name is taken)."""

    status_code = 409


class TooLargeError(PolicybotError):
    """A request or upload is over its size limit."""

    status_code = 413


class StorageError(PolicybotError):
    """The index (or an uploaded file) cannot be written where it should go."""

    status_code = 500


class ModelError(PolicybotError):
    """The embedding model cannot be prepared or loaded."""

    status_code = 503
