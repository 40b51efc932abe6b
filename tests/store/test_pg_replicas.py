"""Two API replicas (``python app.py``) on loopback ports against one embedded PostgreSQL: an upload
through one is visible through the other as soon as the call returns, a removal through the second
is gone from the first, and concurrent readers on both see no error meanwhile."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import httpx

from support import ADMIN, SEED, Server, new_database

ADMIN_HEADERS = {"X-API-Key": ADMIN}
ROUNDS = 3


def _notice(n: int) -> bytes:
    return (
        f"关于开展第{n}批海上风电运维示范的通知\n\n一、工作目标\n\n"
        f"到2030年，建成第{n}批海上风电运维示范项目{n + 10}个。\n\n"
        f"二、进度安排\n\n——发布第{n}批示范申报指南。（四季度）\n"
    ).encode()


def _read(url: str, stop: threading.Event, errors: list[str], reads: list[int]) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        while not stop.is_set():
            for response in (
                client.get("/api/documents"),
                client.post("/api/search", json={"query": "节能监察安排在什么时候？", "k": 3}),
            ):
                reads.append(1)
                if response.status_code != 200:
                    errors.append(f"{response.request.url}: {response.status_code} {response.text[:200]}")


def _doc_ids(client: httpx.Client) -> set[str]:
    response = client.get("/api/documents")
    assert response.status_code == 200, response.text
    return {d["doc_id"] for d in response.json()}


def test_two_replicas_on_one_database_see_each_others_writes_at_once(tmp_path: Path, pg_server: str) -> None:
    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    env = {"POLICYBOT_STORE": "postgres", "POLICYBOT_DATABASE_URL": new_database(pg_server)}
    first, second = Server(tmp_path, **env), Server(tmp_path, **env)
    second.log = tmp_path / "server-2.log"
    servers = [first, second]
    for server in servers:
        server.start()
    stop, errors, reads = threading.Event(), [], []
    readers = [threading.Thread(target=_read, args=(s.url, stop, errors, reads)) for s in servers for _ in range(2)]
    try:
        for server in servers:
            server.wait_ready(timeout=400)
        for reader in readers:
            reader.start()
        with (
            httpx.Client(base_url=first.url, headers=ADMIN_HEADERS, timeout=300) as a,
            httpx.Client(base_url=second.url, headers=ADMIN_HEADERS, timeout=300) as b,
        ):
            for n in range(ROUNDS):
                doc_id = f"wind-{n}"
                files = {"file": (f"{doc_id}.txt", _notice(n), "text/plain")}
                assert a.post("/api/documents", files=files).status_code == 201
                assert doc_id in _doc_ids(b)  # at once, through the other replica
                found = b.post("/api/search", json={"query": f"第{n}批海上风电运维示范", "doc_ids": [doc_id]})
                assert found.status_code == 200 and found.json()[0]["doc_id"] == doc_id
                answer = b.post("/api/ask", json={"question": f"第{n}批示范项目建成多少个？", "doc_ids": [doc_id]})
                assert answer.status_code == 200 and answer.json()["citations"][0]["doc_id"] == doc_id
                assert b.delete(f"/api/documents/{doc_id}").status_code == 200
                assert doc_id not in _doc_ids(a)  # gone from the first at once
                gone = a.post("/api/search", json={"query": "海上风电", "doc_ids": [doc_id]})
                assert gone.status_code == 200 and gone.json() == []
                asked = a.post("/api/ask", json={"question": "海上风电示范项目有多少个？", "doc_ids": [doc_id]})
                assert asked.status_code == 404
                assert all(h["doc_id"] != doc_id for h in a.post("/api/search", json={"query": "海上风电"}).json())
    finally:
        stop.set()
        for reader in readers:
            if reader.is_alive() or reader.ident is not None:
                reader.join(120)
        for server in servers:
            server.stop()
    assert errors == [] and len(reads) > 0
