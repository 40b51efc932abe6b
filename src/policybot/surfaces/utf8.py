"""The UTF-8 check of text from the outside (JSON strings, command-line arguments), in a module of
its own: the command line checks every argument before anything else is imported."""

from __future__ import annotations

__all__ = ["utf8_problem"]


def utf8_problem(text: str, *, from_bytes: bool = False) -> str | None:
    """Why ``text`` cannot be encoded as UTF-8 (it holds a lone surrogate), or None when it can.

    A JSON ``"\\udc00"`` escape ends up as such a surrogate, and so do undecodable bytes in a
    command-line argument (Python turns byte 0xff into ``\\udcff``): ``from_bytes`` names the byte."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = ord(text[exc.start])
        if from_bytes and 0xDC80 <= bad <= 0xDCFF:
            return f"not valid UTF-8 text: undecodable byte 0x{bad - 0xDC00:02x} at position {exc.start}"
        return f"not valid UTF-8 text: lone surrogate \\u{bad:04x} at position {exc.start}"
    return None
