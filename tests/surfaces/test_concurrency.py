"""Nothing acknowledged is lost: two API workers and a CLI ingest writing one index at once.

``python app.py`` runs with ``POLICYBOT_WORKERS=2``; four clients upload 50 documents through it
(some of them refused, some removed again) while readers ask and list, and ``policybot ingest``
runs beside it on files dropped into ``corpus/``. Afterwards every 2xx upload that was not
removed is in the committed index, every refused one left no file, and readers never saw a 5xx.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from support import ADMIN, SEED, Server

UPLOADS = 50
ADMIN_HEADERS = {"X-API-Key": ADMIN}


def _document(n: int) -> bytes:
    return (
        f"关于开展第{n}批海上风电运维示范的通知\n\n一、工作目标\n\n到2030年，建成第{n}批示范项目{n + 10}个。\n\n"
        f"二、进度安排\n\n——发布第{n}批示范申报指南。（四季度）\n"
    ).encode()


def _upload(url: str, n: int) -> tuple[int, int, bool]:
    """Upload document ``n`` (every fifth one is not a document), remove every third that lands."""
    name, data = (f"doc{n}.txt", _document(n)) if n % 5 else (f"bad{n}.pdf", b"%PDF-1.4 broken")
    with httpx.Client(base_url=url, headers=ADMIN_HEADERS, timeout=300) as client:
        status = client.post("/api/documents", files={"file": (name, data, "text/plain")}).status_code
        removed = status == 201 and n % 3 == 0 and client.delete(f"/api/documents/doc{n}").status_code == 200
    return n, status, removed


def _read(url: str, stop: threading.Event, errors: list[str]) -> int:
    reads = 0
    with httpx.Client(base_url=url, timeout=120) as client:
        while not stop.is_set():
            for response in (client.get("/api/documents"), client.post("/api/ask", json={"question": "第几批示范？"})):
                reads += 1
                if response.status_code >= 500:
                    errors.append(f"{response.request.url}: {response.status_code} {response.text[:200]}")
    return reads


def _wait_until_every_worker_is_ready(url: str, in_a_row: int = 20, timeout: float = 300) -> None:
    """/readyz answers from whichever worker takes the request: wait for a run of 200s."""
    deadline, run = time.monotonic() + timeout, 0
    while run < in_a_row:
        assert time.monotonic() < deadline, "the workers did not all get ready"
        run = run + 1 if httpx.get(f"{url}/readyz", timeout=30).status_code == 200 else 0
        time.sleep(0.05 if run else 0.5)


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(HF_HUB_OFFLINE="1", POLICYBOT_CORPUS_DIR=str(root / "corpus"), POLICYBOT_INDEX_DIR=str(root / "index"))
    cmd = [sys.executable, "-m", "policybot.surfaces.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_two_workers_and_a_cli_ingest_lose_no_acknowledged_document(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    server = Server(tmp_path, POLICYBOT_WORKERS="2")
    server.start()
    try:
        server.wait_ready(timeout=300)
        _wait_until_every_worker_is_ready(server.url)
        stop, errors = threading.Event(), []
        with ThreadPoolExecutor(6) as pool:
            readers = [pool.submit(_read, server.url, stop, errors) for _ in range(2)]
            uploads = [pool.submit(_upload, server.url, n) for n in range(1, UPLOADS + 1)]
            for n in range(3):  # the CLI ingests files dropped into corpus/ while uploads run
                (tmp_path / "corpus" / f"cli{n}.txt").write_bytes(_document(100 + n))
                ingest = _cli(tmp_path, "ingest")
                assert ingest.returncode == 0, ingest.stderr
            results = [u.result(timeout=900) for u in uploads]
            stop.set()
            reads = sum(r.result(timeout=120) for r in readers)
    finally:
        server.stop()
    assert not errors, errors[:5]
    assert reads > 0
    statuses = [status for _, status, _ in results]
    assert set(statuses) <= {201, 415, 422}, statuses  # never a 5xx: no StopIteration, no lost commit
    assert statuses.count(201) == len([n for n in range(1, UPLOADS + 1) if n % 5])
    listed = _cli(tmp_path, "documents", "--json")
    assert listed.returncode == 0, listed.stderr
    indexed = {d["doc_id"] for d in json.loads(listed.stdout)}
    kept = {f"doc{n}" for n, status, removed in results if status == 201 and not removed}
    gone = {f"doc{n}" for n, status, removed in results if status != 201 or removed}
    assert kept <= indexed  # 0 acknowledged documents lost
    assert not (gone & indexed)
    assert {"cli0", "cli1", "cli2"} <= indexed
    files = {p.stem for p in (tmp_path / "corpus").iterdir()}
    assert not {f"bad{n}" for n, status, _ in results if status != 201} & files  # refused uploads left nothing
    assert indexed == files  # no orphaned file, no document without its file
