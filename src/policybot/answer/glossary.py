"""A bilingual glossary that lets English questions use the Chinese keyword index.

English phrases found in a question (longest first, on word boundaries) are mapped to their
Chinese terms; those terms join the keyword search and the checks that the documents really
mention what is asked. The bundled list covers industrial, energy and environmental policy;
``POLICYBOT_GLOSSARY_PATH`` points at a replacement in the same format.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from policybot.errors import ConfigError

__all__ = ["Glossary"]


def _bundled(name: str) -> str:
    return resources.files("policybot").joinpath(f"data/{name}").read_text("utf-8")


def _synonyms(text: str) -> dict[str, tuple[str, ...]]:
    groups: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            words = tuple(w.strip() for w in line.split("\t") if len(w.strip()) >= 2)
            for word in words:
                groups[word] = tuple(dict.fromkeys((*groups.get(word, ()), *words)))
    return groups


class Glossary:
    """English -> Chinese terms, plus groups of Chinese synonyms."""

    def __init__(self, entries: dict[str, tuple[str, ...]], synonyms: dict[str, tuple[str, ...]] | None = None) -> None:
        if not entries:
            raise ConfigError("the glossary is empty")
        self.entries = entries
        self.synonyms = synonyms if synonyms is not None else _synonyms(_bundled("synonyms.tsv"))
        phrases = sorted(entries, key=len, reverse=True)
        # a phrase matches in the plural too ("implementation plans", "key enterprises")
        self._pattern = re.compile(
            r"(?<![a-z0-9])(" + "|".join(re.escape(p) for p in phrases) + r")(?:s|(?<=[sxh])es)?(?![a-z0-9])"
        )

    @classmethod
    def parse(cls, text: str, source: str = "glossary") -> Glossary:
        entries: dict[str, tuple[str, ...]] = {}
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            english, sep, chinese = line.partition("\t")
            if not sep or not english.strip() or not chinese.strip():
                raise ConfigError(f"{source}:{n}: expected 'english<TAB>chinese', got {line!r}")
            entries[english.strip().lower()] = tuple(t.strip() for t in chinese.split("|") if t.strip())
        return cls(entries)

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        """The glossary at ``path``, or the bundled one."""
        if path is None:
            return cls.parse(_bundled("glossary.tsv"), "bundled glossary")
        try:
            return cls.parse(path.read_text("utf-8"), str(path))
        except OSError as exc:
            raise ConfigError(f"cannot read glossary {path}: {exc.strerror}") from exc

    def expand(self, term: str) -> tuple[str, ...]:
        """``term`` and its synonyms (``term`` first)."""
        return (term, *(w for w in self.synonyms.get(term, ()) if w != term))

    def translate(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """(English phrase, Chinese terms) for every glossary phrase in ``text``, in order."""
        return [(m.group(1), self.entries[m.group(1)]) for m in self._pattern.finditer(text.lower())]
