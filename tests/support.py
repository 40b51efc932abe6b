"""Helpers shared by the tests (import with ``from support import ...``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
