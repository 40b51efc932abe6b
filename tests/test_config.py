"""Settings parsing: API keys from the environment (comma-separated or a JSON list)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from policybot.config import Settings
from support import make_settings


@pytest.mark.parametrize("value", ['[""]', '["", "  "]', ",", " , ,", "", "[]", '[" "]'])
def test_empty_keys_mean_no_keys(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("POLICYBOT_API_KEYS", value)
    monkeypatch.setenv("POLICYBOT_ADMIN_KEYS", value)
    settings = Settings()
    assert settings.api_keys == [] and settings.admin_keys == []


@pytest.mark.parametrize(
    ("value", "keys"),
    [("a, b ,,a", ["a", "b"]), ('[" a ", "", "b,c"]', ["a", "b,c"]), ("sk-1", ["sk-1"])],
)
def test_keys_are_stripped_and_deduplicated(monkeypatch: pytest.MonkeyPatch, value: str, keys: list[str]) -> None:
    monkeypatch.setenv("POLICYBOT_API_KEYS", value)
    assert Settings().api_keys == keys


def test_empty_keys_dropped_when_passed_directly() -> None:
    assert Settings(api_keys=["", " ", "k"], admin_keys=[" "]).api_keys == ["k"]
    assert Settings(admin_keys=[" ", ""]).admin_keys == []


@pytest.mark.parametrize("value", ["[1]", '["a", 2]', "[broken", '["\\udc00"]'])
def test_bad_keys_are_a_validation_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("POLICYBOT_API_KEYS", value)
    with pytest.raises(ValidationError, match="api_keys"):
        Settings()


def test_parse_limits_come_from_settings(tmp_path: Path, embedder: Any) -> None:
    """POLICYBOT_PARSE_SECONDS reaches the child process that reads each upload."""
    from policybot.errors import DocumentError
    from policybot.service import PolicyBot

    doc = tmp_path / "corpus" / "slow.txt"
    doc.parent.mkdir()
    doc.write_text("节能减排。\n" * 200_000, encoding="utf-8")
    bot = PolicyBot(make_settings(tmp_path, parse_seconds=0.001), embedder)
    with pytest.raises(DocumentError, match=r"slow\.txt took more than 0\.001s to read"):
        bot.ingest([doc])
    with pytest.raises(ValidationError):
        Settings(parse_memory_mb=10)
