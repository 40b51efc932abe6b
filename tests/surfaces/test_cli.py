"""The ``policybot`` command line, run in-process: happy paths and the error contract
(one ``policybot: error:`` line on stderr, exit 1; exit 2 for a bad setting; no traceback).

``PolicyBot.load`` gets the session's already-loaded real model instead of loading it again for
every command (in-process, library progress bars cannot be judged: they are configured at import).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policybot import service as engine
from policybot.config import Settings
from policybot.embedding.model import load_embedder as real_load_embedder
from policybot.service import PolicyBot
from policybot.store.files import live_dir
from policybot.surfaces import cli

SEED_ID = "gxb-jie-2016-113"
WIND = """关于开展海上风电示范的通知

各有关单位：

一、工作目标

到2017年底，建成海上风电示范基地3个。

二、进度安排

——发布海上风电示范申报指南。（四季度）
"""


@pytest.fixture
def shared_model(monkeypatch: pytest.MonkeyPatch, embedder: Any) -> None:
    def load_embedder(settings: Settings) -> Any:
        return embedder if settings.uses_default_model else real_load_embedder(settings)

    monkeypatch.setattr(engine, "load_embedder", load_embedder)


@pytest.fixture
def ws(tmp_path: Path, seed_bot: PolicyBot, shared_model: None) -> Path:
    """A copy of the seed index and a corpus folder with a small extra notice."""
    shutil.copytree(seed_bot.settings.index_dir, tmp_path / "index")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "wind.txt").write_text(WIND, "utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = cli.main(["--index", str(root / "index"), "--corpus", str(root / "corpus"), *args])
    except BaseException as exc:  # the CLI must turn every failure into an exit code
        pytest.fail(f"policybot {' '.join(args)} raised {exc.__class__.__name__}: {exc}")
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error_line(err: str) -> None:
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert lines[0].startswith("policybot: error: ")
    assert "Traceback" not in err


# -- happy paths ---------------------------------------------------------------------------------


def test_ingest_documents_facts_and_remove(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ws, "ingest", "-q", str(ws / "corpus" / "wind.txt"))
    assert code == 0 and out.startswith("1 added, 0 updated, 0 removed, 0 unchanged;"), out

    code, out, _ = run(capsys, ws, "documents")
    assert code == 0
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert [r[0] for r in rows] == [SEED_ID, "wind"]
    assert rows[0][1] == "工信部节〔2016〕113号" and rows[0][2] == "2016-03-24" and rows[0][-1].endswith("chunks")

    code, out, _ = run(capsys, ws, "documents", "--json")
    docs = json.loads(out)
    assert code == 0 and [d["doc_id"] for d in docs] == [SEED_ID, "wind"] and all(d["chunks"] > 0 for d in docs)

    code, out, _ = run(capsys, ws, "facts", "--type", "deadline", "--doc", "wind")
    assert code == 0 and out.strip().splitlines() and all(line.startswith("deadline\t") for line in out.splitlines())
    assert "四季度 [Q4]" in out

    code, out, _ = run(capsys, ws, "facts", "--json")
    facts = json.loads(out)
    assert {f["doc_id"] for f in facts} == {SEED_ID, "wind"} and {f["type"] for f in facts} >= {"deadline", "target"}

    code, out, _ = run(capsys, ws, "remove", "wind")
    assert code == 0 and out.strip() == "removed wind"
    code, out, _ = run(capsys, ws, "documents", "--json")
    assert [d["doc_id"] for d in json.loads(out)] == [SEED_ID]


def test_search(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ws, "search", "节能监察安排在什么时候？", "-k", "3")
    assert code == 0 and err == ""
    assert out.startswith("[1] ") and "五、进度安排" in out.splitlines()[0]
    assert "节能监察" in out and "[3] " in out and "[4] " not in out


def test_search_json(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ws, "search", "节能监察安排在什么时候？", "-k", "3", "--doc", SEED_ID, "--json")
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 3
    assert {"rank", "chunk_id", "doc_id", "section", "score", "dense_score", "keyword_score", "text"} <= set(hits[0])
    assert all(h["doc_id"] == SEED_ID for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert [h["rank"] for h in hits] == [1, 2, 3]


def test_ask(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, ws, "ask", "节能监察安排在什么时候？")
    assert code == 0
    lines = out.strip().splitlines()
    assert "三季度" in lines[0] and "[1]" in lines[0]
    assert any("已失效" in line for line in lines[1:])  # the 2016 plan is no longer in force: said beside it
    cited = next(line for line in lines[1:] if line.lstrip().startswith("[1] "))
    assert "五、进度安排" in cited and "节能监察" in cited

    code, out, _ = run(capsys, ws, "ask", "那氨氮呢？", "--history", "预计全年削减化学需氧量多少？", "--json")
    data = json.loads(out)
    assert code == 0 and not data["refused"] and "0.7万吨" in data["answer"]
    assert set(data) == {"question", "answer", "refused", "citations", "facts", "see_also", "mode", "notes"}

    code, out, _ = run(capsys, ws, "ask", "What is the capital of France?")
    assert code == 0 and out.startswith("The documents do not cover this") and "[1]" in out  # see-also lines

    code, out, _ = run(capsys, ws, "ask", "节能监察安排在什么时候？", "--doc", SEED_ID)
    assert code == 0 and "三季度" in out
    code, _out, err = run(capsys, ws, "ask", "节能监察安排在什么时候？", "--doc", "no-such-doc")
    assert code != 0 and err.startswith("policybot: error:") and "no-such-doc" in err and len(err.splitlines()) == 1


# -- error contract ------------------------------------------------------------------------------


def _empty(d: Path) -> Path:
    (d / "empty.txt").write_bytes(b"")
    return d / "empty.txt"


def _exe(d: Path) -> Path:
    (d / "setup.exe").write_bytes(b"MZ" + bytes(100))
    return d / "setup.exe"


BAD_FILES = {"missing": lambda d: d / "nope.pdf", "unsupported": _exe, "empty": _empty}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_ingest_bad_file_is_one_error_line(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    before = (live_dir(ws / "index") / "manifest.json").read_bytes()
    path = BAD_FILES[case](tmp_path)
    code, out, err = run(capsys, ws, "ingest", str(path))
    assert code == 1 and out == ""
    assert_one_error_line(err)
    assert path.name in err
    assert (live_dir(ws / "index") / "manifest.json").read_bytes() == before


def test_ingest_of_a_folder_rejects_a_bad_file_and_ingests_the_rest(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "corpus" / "marks.txt").write_text("。，、——……", encoding="utf-8")
    code, out, err = run(capsys, ws, "ingest", "-q")
    assert code == 1 and "1 added" in out and "1 rejected" in out
    assert err.strip().splitlines() == [f"policybot: rejected {(ws / 'corpus' / 'marks.txt').as_posix()}: "
                                        "marks.txt has no text (only punctuation and spaces)"]  # fmt: skip
    code, out, _ = run(capsys, ws, "documents", "--json")
    assert "wind" in [d["doc_id"] for d in json.loads(out)]


def test_ask_empty_question(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ws, "ask", "")
    assert code == 1 and out == ""
    assert_one_error_line(err)
    assert "empty" in err


def test_remove_unknown_document(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, ws, "remove", "no-such-doc")
    assert code == 1
    assert_one_error_line(err)
    assert "no-such-doc" in err and SEED_ID in err


def test_search_without_index(tmp_path: Path, shared_model: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, tmp_path, "search", "节能监察")
    assert code == 1 and out == ""
    assert_one_error_line(err)
    assert "no index" in err and "policybot ingest" in err


def test_missing_model_folder(ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ws, "--model", str(tmp_path / "no-model"), "search", "节能监察")
    assert code == 1 and out == ""
    assert_one_error_line(err)
    assert "no-model" in err


def test_invalid_setting_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYBOT_TOP_K", "0")
    code, out, err = run(capsys, tmp_path, "search", "节能监察")
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "top_k" in err


def test_rebuild_recovers_an_index_of_another_model(
    ws: Path, capsys: pytest.CaptureFixture[str], embedder: Any
) -> None:
    """Every mismatch error says "rebuild with `policybot ingest --rebuild`": that command must
    then work, not fail with the same error."""
    manifest_path = live_dir(ws / "index") / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["model"]["fingerprint"] = "feedfacefeedface"
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    code, _out, err = run(capsys, ws, "search", "节能监察")
    assert code == 1 and "--rebuild" in err

    code, _out, err = run(capsys, ws, "ingest", "--rebuild", "-q", str(ws / "corpus" / "wind.txt"))
    assert code == 0, err
    manifest_path = live_dir(ws / "index") / "manifest.json"  # the rebuild committed a new version
    assert json.loads(manifest_path.read_text("utf-8"))["model"]["fingerprint"] == embedder.fingerprint


def test_rebuild_recovers_a_damaged_index(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (live_dir(ws / "index") / "chunks.jsonl").write_text("{broken", "utf-8")
    code, out, err = run(capsys, ws, "ingest", "--rebuild", "-q", str(ws / "corpus" / "wind.txt"))
    assert code == 0, err
    code, out, _ = run(capsys, ws, "documents", "--json")
    assert [d["doc_id"] for d in json.loads(out)] == ["wind"]


def test_unwritable_index_location_is_one_error_line(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder", "utf-8")
    capsys.readouterr()
    try:
        code = cli.main(["--index", str(blocker / "index"), "ingest", "-q", str(ws / "corpus" / "wind.txt")])
    except BaseException as exc:
        pytest.fail(f"raised {exc.__class__.__name__}: {exc}")
    err = capsys.readouterr().err
    assert code == 1
    assert_one_error_line(err)


# -- text that is not UTF-8 -----------------------------------------------------------------------

# What Python makes of `policybot ask $'\xff\xfe节能'`: undecodable argv bytes become lone surrogates.
NOT_UTF8 = b"\xff\xfe".decode("utf-8", "surrogateescape") + "节能"
NOT_UTF8_ARGS = [
    ("ask", NOT_UTF8),
    ("ask", NOT_UTF8, "--json"),
    ("ask", "那氨氮呢？", "--history", NOT_UTF8),
    ("ask", "节能监察安排在什么时候？", "--doc", NOT_UTF8),
    ("search", NOT_UTF8),
    ("search", "节能监察", "--doc", NOT_UTF8, "--json"),
    ("facts", "--doc", NOT_UTF8),
    ("remove", SEED_ID, NOT_UTF8),
    ("ingest", NOT_UTF8 + ".txt"),
    ("--model", NOT_UTF8, "documents"),
]


@pytest.mark.parametrize("args", NOT_UTF8_ARGS, ids=lambda a: "-".join(x for x in a if x.isascii()))
def test_argument_that_is_not_utf8_is_one_error_line(
    ws: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    before = (live_dir(ws / "index") / "manifest.json").read_bytes()
    code, out, err = run(capsys, ws, *args)
    assert code == 1 and out == ""
    assert_one_error_line(err)
    assert "not valid UTF-8 text: undecodable byte 0xff at position 0" in err
    assert (live_dir(ws / "index") / "manifest.json").read_bytes() == before  # `remove` removed nothing


def test_corpus_file_name_that_is_not_utf8_is_no_traceback(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = b"wind-\xff.txt".decode("utf-8", "surrogateescape")
    try:
        (ws / "corpus" / name).write_text(WIND, "utf-8")
    except (OSError, UnicodeError):
        pytest.fail("the tmp file system does not take a non-UTF-8 file name")
    code, out, err = run(capsys, ws, "ingest", "-q")
    if code != 0:  # refusing the file is fine; a traceback is not
        assert code == 1 and out == ""
        assert_one_error_line(err)


def test_output_to_a_closed_pipe_is_no_traceback(ws: Path) -> None:
    """`policybot facts | head`: the reader goes away; the CLI stops quietly, exit 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "policybot.surfaces.cli", "--index", str(ws / "index"), "facts"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the CLI has written anything: its first write fails
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_a_citation_names_its_document_once() -> None:
    from policybot.surfaces.cli import cited_where

    notice = "嘉兴市关于组织申报2025年度数字化改造专项资金项目的通知"
    assert cited_where(notice, f"{notice} › 三、支持方式和标准") == f"{notice} › 三、支持方式和标准"
    plan = "绿色制造2016专项行动实施方案"
    assert cited_where("关于印发《绿色制造2016专项行动实施方案》的通知", f"{plan} › 五、进度安排") == (
        f"关于印发《绿色制造2016专项行动实施方案》的通知 › {plan} › 五、进度安排"
    )
