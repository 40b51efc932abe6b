"""Safe index writes: version folders switched by one pointer file, recovery, crash points and
concurrent writers in several processes (small indexes built directly, no embedding model)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import index_workers
from index_workers import (
    KILLED,
    MODEL,
    commit_killed_at,
    failing_at,
    small_index,
    writer,
)
from policybot.errors import IndexMismatchError, IndexMissingError, StorageError
from policybot.service import PolicyBot
from policybot.store.files import (
    _FILES,
    CURRENT,
    LOCK_FILE,
    current_version,
    live_dir,
    load_index,
    read_manifest,
    save_index,
    write_lock,
)
from policybot.surfaces.api import BotHolder
from support import make_settings

FILES = set(_FILES)


def contents(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir())


def assert_committed(index_dir: Path) -> str:
    """Exactly CURRENT, the lock file and one complete version folder."""
    version = current_version(index_dir)
    assert version is not None and version.startswith("v-")
    assert contents(index_dir) == sorted([CURRENT, LOCK_FILE, version])
    assert {p.name for p in (index_dir / version).iterdir()} == FILES
    return version


def docs(index_dir: Path) -> set[str]:
    return set(load_index(index_dir, MODEL).documents)


# -- layout ------------------------------------------------------------------------------------


def test_commit_leaves_current_and_one_version(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    save_index(small_index("a"), index_dir)
    first = assert_committed(index_dir)
    assert (index_dir / CURRENT).read_text("utf-8") == first + "\n"
    data = load_index(index_dir, MODEL)
    assert set(data.documents) == {"a"} and data.version == first
    data.documents["b"] = small_index("b").documents["b"]
    save_index(data, index_dir)
    second = assert_committed(index_dir)
    assert second != first and second > first  # names sort by age
    assert data.version == second
    assert docs(index_dir) == {"a", "b"}
    assert live_dir(index_dir) == index_dir / second


def test_next_commit_removes_stale_versions_and_temporary_folders(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    save_index(small_index("a"), index_dir)
    old = current_version(index_dir)
    assert old is not None
    shutil.copytree(index_dir / old, index_dir / "v-19990101T000000000000000-deadbeef")  # complete, not live
    (index_dir / "v-20000101T000000000000000-half").mkdir()  # a version folder cut short
    (index_dir / "v-20000101T000000000000000-half" / "chunks.jsonl").write_text("{", "utf-8")
    (index_dir / ".tmp-v-20000101T000000000000000-cafe").mkdir()  # a killed writer's temp folder
    (index_dir / "CURRENT.tmp").write_text("v-nonsense\n", "utf-8")
    (tmp_path / ".index.old-4242").mkdir()  # left by the old two-rename save
    (tmp_path / ".index.tmp-4242").mkdir()
    assert docs(index_dir) == {"a"}  # the stale folders do not disturb readers
    save_index(small_index("a", "b"), index_dir)
    assert_committed(index_dir)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    assert docs(index_dir) == {"a", "b"}


def test_cleanup_failure_is_logged_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    index_dir = tmp_path / "index"
    save_index(small_index("a"), index_dir)
    real_rmtree = shutil.rmtree

    def rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
        if Path(path).parent == index_dir and not kwargs.get("ignore_errors"):
            raise PermissionError(13, "Permission denied", str(path))
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    save_index(small_index("a", "b"), index_dir)
    monkeypatch.undo()
    assert docs(index_dir) == {"a", "b"}
    assert len([p for p in index_dir.iterdir() if p.name.startswith("v-")]) == 2  # the old one stayed
    assert "cannot remove" in caplog.text
    save_index(small_index("a", "b", "c"), index_dir)  # the next commit removes it
    assert_committed(index_dir)


# -- recovery and the legacy layout -------------------------------------------------------------


def _flat(tmp_path: Path, *doc_ids: str) -> Path:
    """An index in the flat layout of older policybots (the files directly in index/)."""
    save_index(small_index(*doc_ids), tmp_path / "build")
    flat = tmp_path / "index"
    shutil.copytree(live_dir(tmp_path / "build"), flat)
    shutil.rmtree(tmp_path / "build")
    return flat


def test_legacy_flat_layout_loads_and_the_next_commit_migrates_it(tmp_path: Path) -> None:
    index_dir = _flat(tmp_path, "a", "b")
    assert contents(index_dir) == sorted(FILES)
    assert current_version(index_dir) is None and live_dir(index_dir) == index_dir
    data = load_index(index_dir, MODEL)
    assert set(data.documents) == {"a", "b"} and data.version is None
    del data.documents["b"]
    save_index(data, index_dir)
    assert_committed(index_dir)  # the flat files are gone, moved into a version
    assert docs(index_dir) == {"a"}


def test_legacy_layout_stays_live_until_the_pointer_switches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration killed after writing its version but before CURRENT leaves the flat index live."""
    index_dir = _flat(tmp_path, "a")
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == CURRENT:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(StorageError):
        save_index(small_index("a", "b"), index_dir)
    monkeypatch.undo()
    assert current_version(index_dir) is None
    assert docs(index_dir) == {"a"}


def test_missing_current_with_one_complete_version_loads_it(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    save_index(small_index("a"), index_dir)
    version = current_version(index_dir)
    (index_dir / CURRENT).unlink()
    assert live_dir(index_dir).name == version
    assert docs(index_dir) == {"a"}
    save_index(small_index("a", "b"), index_dir)
    assert_committed(index_dir)


def test_index_moved_aside_by_an_old_save_is_recovered(tmp_path: Path) -> None:
    """The old save was killed between its two renames: no index/, only .index.old-PID/."""
    flat = _flat(tmp_path, "a")
    flat.rename(tmp_path / ".index.old-4242")
    index_dir = tmp_path / "index"
    assert docs(index_dir) == {"a"}
    data = load_index(index_dir, MODEL)
    save_index(data, index_dir)
    assert_committed(index_dir)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    assert docs(index_dir) == {"a"}


def test_pointer_to_a_missing_version_is_a_clear_error(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    save_index(small_index("a"), index_dir)
    (index_dir / CURRENT).write_text("v-gone\n", "utf-8")
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        load_index(index_dir)


def test_no_index_is_still_missing(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / LOCK_FILE).touch()
    with pytest.raises(IndexMissingError, match="policybot ingest"):
        load_index(tmp_path / "index")
    assert current_version(tmp_path / "index") is None


# -- crash points -------------------------------------------------------------------------------


def _check_loads(index_dir: Path, allowed: list[set[str]]) -> set[str]:
    """The index loads, holds one of ``allowed``, and CURRENT never names a partial version."""
    if (index_dir / CURRENT).exists():
        version = current_version(index_dir)
        assert version is not None
        assert {p.name for p in (index_dir / version).iterdir()} == FILES
    found = docs(index_dir)
    assert found in allowed, (found, allowed)
    return found


def test_failure_at_every_file_operation_keeps_old_or_new(tmp_path: Path) -> None:
    """Raise an OSError at the n-th file operation of a commit, for every n."""
    index_dir = tmp_path / "index"
    save_index(small_index("a"), index_dir)
    n, points = 0, 0
    while True:
        n += 1
        before = docs(index_dir)
        old_version = current_version(index_dir)
        new = before | {f"d{n}"}

        def fail(name: str) -> None:
            raise OSError(5, f"Input/output error in {name}")

        with failing_at(n, fail) as seen:
            try:
                save_index(small_index(*sorted(new)), index_dir)
                failed = False
            except StorageError:
                failed = True
        if len(seen) < n:
            break  # the commit made fewer than n operations: all points covered
        points += 1
        after = _check_loads(index_dir, [before, new])
        if failed:  # an error before the switch: nothing changed and nothing is left over
            assert after == before and current_version(index_dir) == old_version
            assert contents(index_dir) == sorted([CURRENT, LOCK_FILE, str(old_version)])
    assert points >= 10, seen
    assert_committed(index_dir)


def test_kill_at_every_file_operation_keeps_old_or_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child process dies (os._exit, no cleanup at all) at the n-th file operation of a commit,
    for every n; the index always loads, old or new, and the next commit cleans up after it."""
    base = tmp_path / "base"
    save_index(small_index("a"), base)
    (base / "v-19990101T000000000000000-stale").mkdir()  # so the commit also has something to remove
    index_dir = tmp_path / "index"
    # the fork server imports faiss & co once; each child is a cheap fork of it (Python 3.11's fork
    # server ignores the parent's sys.path, so the tests folder goes into PYTHONPATH)
    tests = str(Path(index_workers.__file__).parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")])))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["index_workers"])
    n = 0
    while True:
        n += 1
        shutil.rmtree(index_dir, ignore_errors=True)
        shutil.copytree(base, index_dir)
        child = ctx.Process(target=commit_killed_at, args=(str(index_dir), n, "b"))
        child.start()
        child.join(60)
        assert child.exitcode in (0, KILLED), child.exitcode
        found = _check_loads(index_dir, [{"a"}, {"a", "b"}])
        if child.exitcode == 0:
            assert found == {"a", "b"}
            break  # the commit finished before its n-th operation: every point was covered
        save_index(small_index(*sorted(found | {"c"})), index_dir)  # the next commit recovers
        assert_committed(index_dir)
        assert docs(index_dir) == found | {"c"}
    assert n > 10, n


# -- concurrent writers ---------------------------------------------------------------------------


def test_two_processes_writing_lose_nothing(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    count = 15
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        jobs = [pool.apply_async(writer, (str(index_dir), tag, count)) for tag in ("p", "q")]
        reads = 0
        while not all(j.ready() for j in jobs):  # readers take no lock and always see a whole index
            try:
                load_index(index_dir, MODEL)
                read_manifest(index_dir)  # a commit in between starts the read again, never an error
                reads += 1
            except IndexMissingError:
                pass
        acknowledged = [doc_id for j in jobs for doc_id in j.get(timeout=120)]
    assert len(acknowledged) == 2 * count
    assert docs(index_dir) == set(acknowledged)  # 0 lost
    assert_committed(index_dir)


def test_write_lock_is_exclusive_across_processes_and_reentrant(tmp_path: Path) -> None:
    import fcntl

    index_dir = tmp_path / "index"
    with write_lock(index_dir), write_lock(index_dir):  # re-entrant in this thread
        fd = os.open(index_dir / LOCK_FILE, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):  # another open file (as another process has) waits
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released
    finally:
        os.close(fd)


# -- other processes see commits ------------------------------------------------------------------


def test_bot_refreshes_when_another_process_commits(tmp_path: Path, seed_bot: Any, embedder: Any) -> None:
    shutil.copytree(seed_bot.settings.index_dir, tmp_path / "index")
    bot = PolicyBot(make_settings(tmp_path), embedder)
    bot.reload()
    index_dir = bot.settings.index_dir
    assert bot.loaded_version == current_version(index_dir) is not None
    assert not bot.refresh_if_changed()  # nothing new: no reload
    before = bot.index

    save_index(load_index(index_dir), index_dir)  # "another process" commits
    assert bot.loaded_version != current_version(index_dir)
    holder = BotHolder(bot, follow_disk=True)
    assert holder.get() is bot
    assert bot.index is not before and bot.loaded_version == current_version(index_dir)
    assert not bot.refresh_if_changed()
