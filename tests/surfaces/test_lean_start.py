"""Commands that only read the index load no model: no torch, no ONNX Runtime, no transformers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from support import ROOT

HEAVY = ("torch", "sentence_transformers", "transformers", "onnxruntime", "langchain_core", "gradio")
#: not a model, but seconds of start-up between them on a busy machine: only commands that read the index need them
INDEX_LIBRARIES = ("faiss", "numpy", "jieba", "icalendar")


def run_cli(*args: str, watch: tuple[str, ...] = HEAVY) -> tuple[list[str], str]:
    code = (
        "import json, sys\n"
        "from policybot.surfaces.cli import main\n"
        "try:\n"
        f"    code = main({list(args)!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"print(json.dumps(sorted(m for m in {watch!r} if m in sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    return json.loads(out.stderr.strip().splitlines()[-1]), out.stdout


@pytest.mark.parametrize("command", [["documents"], ["facts", "--type", "deadline"], ["documents", "--json"]])
def test_reading_commands_load_no_model(seed_bot: Any, command: list[str]) -> None:
    loaded, stdout = run_cli("--index", str(seed_bot.settings.index_dir), *command)
    assert loaded == []
    assert "gxb-jie-2016-113" in stdout


def test_help_loads_no_model() -> None:
    loaded, stdout = run_cli("--help")
    assert loaded == [] and "prepare-model" in stdout


@pytest.mark.parametrize("command", [["--help"], ["calendar", "--help"], ["ingest", "--help"]])
def test_help_loads_no_index_library(command: list[str]) -> None:
    loaded, stdout = run_cli(*command, watch=INDEX_LIBRARIES)
    assert loaded == [] and "usage" in stdout


def test_a_reading_command_does_load_the_index_libraries(seed_bot: Any) -> None:
    loaded, _ = run_cli("--index", str(seed_bot.settings.index_dir), "facts", watch=INDEX_LIBRARIES)
    assert {"faiss", "numpy"} <= set(loaded)


@pytest.mark.parametrize("command", [["documents"], ["documents", "--json"]])
def test_documents_reads_no_vectors(seed_bot: Any, command: list[str]) -> None:
    """The document list comes from the documents and chunks files: no FAISS (nor a calendar)."""
    loaded, stdout = run_cli("--index", str(seed_bot.settings.index_dir), *command, watch=("faiss", "icalendar"))
    assert loaded == [] and "gxb-jie-2016-113" in stdout


def test_the_calendar_kinds_of_the_command_line_are_the_calendars() -> None:
    from policybot.lifecycle.calendar import EntryKind
    from policybot.surfaces.lifecycle_cli import ENTRY_KINDS

    assert tuple(k.value for k in EntryKind) == ENTRY_KINDS


#: what the server does not need until it reads a file, exports a calendar or is asked for LangChain
SERVER_LATER = ("langchain_core", "bs4", "docx", "pypdf", "icalendar", "gradio")


def test_the_server_starts_without_the_libraries_it_uses_later(seed_bot: Any) -> None:
    """Building the app, loading the engine and answering a question import no document parser, no
    calendar exporter, no LangChain and (before the chat is mounted) no Gradio: start-up time."""
    code = (
        "import json, sys\n"
        "from policybot.config import Settings\n"
        "from policybot.surfaces.api import BotHolder\n"
        "from policybot.surfaces.server import create_app, load_engine\n"
        f"settings = Settings(index_dir={str(seed_bot.settings.index_dir)!r}, "
        f"corpus_dir={str(seed_bot.settings.corpus_dir)!r})\n"
        "create_app(settings, ui_after_load=True)\n"
        "holder = BotHolder()\n"
        "load_engine(holder, settings)\n"
        "answer = holder.get().ask('节能监察安排在什么时候？')\n"
        f"print(json.dumps([sorted(m for m in {SERVER_LATER!r} if m in sys.modules), bool(answer.citations)]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded, cited = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [] and cited
