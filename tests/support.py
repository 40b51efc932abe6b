"""Helpers shared by the tests (import with ``from support import ...``)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from policybot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "gxb-jie-2016-113.txt"


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings for a corpus/ and index/ under ``tmp`` that reuse the shared converted model."""
    values: dict[str, object] = {
        "corpus_dir": tmp / "corpus",
        "index_dir": tmp / "index",
        "eval_dir": ROOT / "eval",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def ingested_bot(root: Path, files: Iterable[Path], embedder: Any) -> Any:
    """A PolicyBot over copies of ``files`` in ``root``/corpus, ingested with the real model."""
    from policybot.service import PolicyBot

    (root / "corpus").mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy(path, root / "corpus" / path.name)
    bot = PolicyBot(make_settings(root), embedder)
    bot.ingest()
    return bot


def new_database(server_url: str) -> str:
    """A new empty database on the PostgreSQL server at ``server_url``; its URL."""
    import secrets

    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    parts = conninfo_to_dict(server_url)
    parts["dbname"] = name
    return make_conninfo(**{k: str(v) for k, v in parts.items()})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(app: Any, *, timeout: float = 30) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


ADMIN = "admin-secret"


class Server:
    """``python app.py`` with its settings in POLICYBOT_* variables, logging to a file."""

    def __init__(self, root: Path, **env: str) -> None:
        self.root, self.port, self.env = root, free_port(), env
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
        env.update(HF_HUB_OFFLINE="1", POLICYBOT_PORT=str(self.port),
                   POLICYBOT_CORPUS_DIR=str(self.root / "corpus"),
                   POLICYBOT_INDEX_DIR=str(self.root / "index"),
                   POLICYBOT_ADMIN_KEYS=json.dumps([ADMIN]),
                   POLICYBOT_RATE_LIMIT_PER_MINUTE="100000", **self.env)  # fmt: skip
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=self.root,
                                         env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip

    def wait_ready(self, timeout: float = 240, *, chat: bool = True) -> list[int]:
        """Poll /healthz then /readyz (and then, unless ``chat=False``, ``/`` until the chat, mounted
        after the engine has loaded, answers); returns the /readyz statuses seen."""
        deadline, seen = time.monotonic() + timeout, []
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
            try:
                if seen and seen[-1] == 200:
                    if httpx.get(f"{self.url}/").status_code != 503:
                        return seen
                elif httpx.get(f"{self.url}/healthz").status_code == 200:
                    seen.append(httpx.get(f"{self.url}/readyz").status_code)
                    if seen[-1] == 200:
                        if not chat:
                            return seen
                        continue
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"not ready in {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)

    def log_lines(self) -> list[dict[str, Any]]:
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]
