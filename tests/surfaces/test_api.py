"""The HTTP API through the real FastAPI app and a real PolicyBot on a tmp index of the seed."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from docfiles import PLANTED
from policybot.service import PolicyBot
from policybot.surfaces import cli
from policybot.surfaces.server import create_app
from support import SEED, make_settings, running

ASK = "节能监察安排在什么时候？"
NEW_DOC = """关于开展海上风电运维示范的通知

各有关单位：

一、工作目标

到2017年底，建成海上风电运维示范基地3个。

二、进度安排

——发布海上风电运维示范申报指南。（四季度）
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    return root


@pytest.fixture(scope="module")
def bot(workspace: Path, embedder: Any) -> PolicyBot:
    """A bot with its own corpus and index (the upload tests write to them)."""
    bot = PolicyBot(make_settings(workspace), embedder)
    bot.ingest()
    return bot


@pytest.fixture(scope="module")
def client(workspace: Path, bot: PolicyBot) -> Iterator[TestClient]:
    app = create_app(make_settings(workspace, rate_limit_per_minute=10_000), bot, ui=False)
    with TestClient(app) as c:
        yield c


def sse_events(text: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        name = next((x[6:].strip() for x in lines if x.startswith("event:")), "message")
        data = "\n".join(x[5:].removeprefix(" ") for x in lines if x.startswith("data:"))
        events.append((name, data))
    return events


# ---- shapes -----------------------------------------------------------------------------------


def test_ask_body_equals_cli_json(client: TestClient, workspace: Path, capsys: Any) -> None:
    settings = make_settings(workspace)
    argv = ["--index", str(settings.index_dir), "--corpus", str(settings.corpus_dir)]
    if not settings.uses_default_model:
        argv += ["--model", str(settings.model_dir)]
    assert cli.main([*argv, "ask", ASK, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    response = client.post("/api/ask", json={"question": ASK})
    assert response.status_code == 200
    assert response.json() == printed
    assert printed["citations"] and "进度安排" in printed["citations"][0]["section"]
    assert "三季度" in printed["answer"] and not printed["refused"]


def test_ask_with_history_and_request_id(client: TestClient) -> None:
    body = {"question": "什么时候发布绿色工厂评价导则？", "history": [ASK]}
    response = client.post("/api/ask", json=body, headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "abc-123"
    assert "二季度" in response.json()["answer"]
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_ask_within_documents(client: TestClient) -> None:
    body = {"question": "什么时候发布绿色工厂评价导则？", "doc_ids": [SEED.stem]}
    response = client.post("/api/ask", json=body)
    assert response.status_code == 200
    assert {c["doc_id"] for c in response.json()["citations"]} == {SEED.stem}
    unknown = client.post("/api/ask", json={**body, "doc_ids": ["no-such-doc"]})
    assert unknown.status_code == 404 and "no-such-doc" in unknown.json()["detail"]
    assert client.post("/api/ask", json={**body, "doc_ids": "x"}).status_code == 422


def test_search_documents_facts(client: TestClient) -> None:
    hits = client.post("/api/search", json={"query": "绿色工厂评价导则", "k": 3}).json()
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert all(h["doc_id"] == SEED.stem and " › " in h["section"] for h in hits)
    assert hits[0]["score"] >= hits[-1]["score"]
    assert client.post("/api/search", json={"query": "绿色", "doc_ids": ["nope"]}).json() == []
    docs = client.get("/api/documents").json()
    assert [d["doc_id"] for d in docs] == [SEED.stem] and docs[0]["chunks"] > 0
    assert docs[0]["doc_number"] == "工信部节〔2016〕113号"
    deadlines = client.get("/api/facts", params={"type": "deadline"}).json()
    assert deadlines and {f["type"] for f in deadlines} == {"deadline"}
    assert "2016-Q3" in {f["normalized"] for f in deadlines}
    assert client.get("/api/facts", params={"doc": "nope"}).json() == []
    assert client.get("/api/facts", params={"type": "nope"}).status_code == 422


def test_refusal_has_see_also(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "火星移民政策是什么？"}).json()
    assert body["refused"] and not body["citations"] and body["see_also"]


@pytest.mark.parametrize(
    "body",
    [{"question": ""}, {"question": "   "}, {"question": "长" * 501}, {"question": 42},
     {"question": ["a"]}, {"question": None}, {}, {"question": ASK, "history": [1]}],
)  # fmt: skip
def test_bad_question_is_422(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/api/ask", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    assert "Traceback" not in response.text


def test_malformed_json_is_422(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    response = client.post("/api/ask", content=b'{"question": ', headers=headers)
    assert response.status_code == 422 and isinstance(response.json()["detail"], str)


# A lone surrogate sent as the raw JSON escape \udc00 (not UTF-8 encodable): 422, never a 500.
BROKEN = "节能\\udc00监察"
SURROGATE_BODIES = [
    ("/v1/chat/completions", '{"model": "policybot", "messages": [{"role": "user", "content": "%s"}]}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "%s"}], "stream": true}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": [{"type": "text", "text": "%s"}]}]}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "%s"}, {"role": "user", "content": "x"}]}'),
    ("/v1/chat/completions", '{"model": "%s", "messages": [{"role": "user", "content": "x"}]}'),
    ("/api/ask", '{"question": "节能监察安排在什么时候？", "history": ["%s"]}'),
    ("/api/ask", '{"question": "%s"}'),
    ("/api/ask", '{"question": "节能监察安排在什么时候？", "doc_ids": ["%s"]}'),
    ("/api/ask/stream", '{"question": "节能监察安排在什么时候？", "history": ["%s"]}'),
    ("/api/search", '{"query": "%s"}'),
    ("/api/search", '{"query": "节能监察", "doc_ids": ["%s"]}'),
]


@pytest.mark.parametrize(("path", "template"), SURROGATE_BODIES)
def test_lone_surrogate_is_422(client: TestClient, path: str, template: str) -> None:
    body = template.replace("%s", BROKEN).encode()
    assert b"\\udc00" in body  # the escape itself goes over the wire
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail and "Traceback" not in response.text


def test_lone_surrogate_in_history_names_the_field(client: TestClient) -> None:
    body = '{"question": "节能监察安排在什么时候？", "history": ["%s"]}'.replace("%s", BROKEN)
    response = client.post("/api/ask", content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert (
        response.json()["detail"]
        == "body.history.0: Value error, not valid UTF-8 text: lone surrogate \\udc00 at position 2"
    )


def test_error_detail_with_a_lone_surrogate_stays_json(bot: PolicyBot, workspace: Path) -> None:
    """A message that echoes such text cannot break the error response itself."""
    from policybot.errors import NotFoundError

    app = create_app(make_settings(workspace), bot, ui=False)

    @app.get("/api/echo")
    def echo() -> None:
        raise NotFoundError("no document '节能\udc00' in the index")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/api/echo")
    assert response.status_code == 404
    assert response.json() == {"detail": "no document '节能\\udc00' in the index"}


# ---- streaming --------------------------------------------------------------------------------


def test_ask_stream_events(client: TestClient) -> None:
    expected = client.post("/api/ask", json={"question": ASK}).json()
    with client.stream("POST", "/api/ask/stream", json={"question": ASK}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode())
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"] and set(names[:-2]) == {"chunk"}
    text = "".join(json.loads(data)["text"] for name, data in events if name == "chunk")
    assert text == expected["answer"]
    assert json.loads(events[-2][1]) == expected["citations"]
    assert json.loads(events[-1][1]) == expected


def test_stream_rejects_bad_question_before_streaming(client: TestClient) -> None:
    response = client.post("/api/ask/stream", json={"question": ""})
    assert response.status_code == 422


def test_openai_client(bot: PolicyBot, workspace: Path) -> None:
    from openai import OpenAI

    app = create_app(make_settings(workspace, api_keys=["sk-test"]), bot, ui=False)
    with running(app) as url:
        ai = OpenAI(base_url=f"{url}/v1", api_key="sk-test", max_retries=0, timeout=30)
        assert [m.id for m in ai.models.list()] == ["policybot"]
        messages: Any = [
            {"role": "system", "content": "cite sources"},
            {"role": "user", "content": ASK},
        ]
        done = ai.chat.completions.create(model="policybot", messages=messages)
        assert done.model == "policybot" and done.choices[0].finish_reason == "stop"
        answer = done.choices[0].message.content or ""
        assert "三季度" in answer
        extra = done.model_extra or {}
        assert extra["refused"] is False and "进度安排" in extra["citations"][0]["section"]
        stream = ai.chat.completions.create(model="policybot", messages=messages, stream=True)
        chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == answer
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["citations"] == extra["citations"]


def test_openai_refusal_carries_see_also(client: TestClient) -> None:
    body = {"model": "policybot", "messages": [{"role": "user", "content": "What is the capital of France?"}]}
    done = client.post("/v1/chat/completions", json=body).json()
    assert done["refused"] is True and done["citations"] == [] and len(done["see_also"]) >= 1
    assert all(" › " in c["section"] for c in done["see_also"])
    streamed = client.post("/v1/chat/completions", json={**body, "stream": True}).text
    events = [line[len("data: ") :] for line in streamed.splitlines() if line.startswith("data: ")]
    last = json.loads(events[-2])  # the final chunk, before [DONE]
    assert events[-1] == "[DONE]" and last["refused"] is True and last["see_also"] == done["see_also"]


def test_openai_errors(client: TestClient) -> None:
    body = {"model": "gpt-4", "messages": [{"role": "user", "content": ASK}]}
    assert client.post("/v1/chat/completions", json=body).status_code == 404
    body = {"model": "policybot", "messages": [{"role": "system", "content": "hi"}]}
    assert client.post("/v1/chat/completions", json=body).status_code == 422
    assert client.post("/v1/chat/completions", json={"messages": []}).status_code == 422


# ---- auth, limits, errors ---------------------------------------------------------------------


def test_api_keys_and_admin_keys(bot: PolicyBot, workspace: Path) -> None:
    settings = make_settings(workspace, api_keys=["user-key"], admin_keys=["admin-key"])
    with TestClient(create_app(settings, bot, ui=False)) as c:
        missing = c.get("/api/documents")
        assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
        assert c.get("/api/documents", headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.get("/api/documents", headers={"Authorization": "Bearer user-key"}).status_code == 200
        assert c.get("/api/documents", headers={"X-API-Key": "admin-key"}).status_code == 200
        assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200
        user = {"X-API-Key": "user-key"}
        files = {"file": ("x.exe", b"MZ...", "application/octet-stream")}
        assert c.post("/api/documents", files=files, headers=user).status_code == 403
        assert c.delete(f"/api/documents/{SEED.stem}", headers=user).status_code == 403
        admin = {"Authorization": "Bearer admin-key"}
        assert c.post("/api/documents", files=files, headers=admin).status_code == 415
        assert c.delete("/api/documents/nope", headers=admin).status_code == 404


def test_rate_limit(bot: PolicyBot, workspace: Path) -> None:
    settings = make_settings(workspace, rate_limit_per_minute=2, api_keys=["a", "b"])
    with TestClient(create_app(settings, bot, ui=False)) as c:
        for _ in range(2):
            assert c.get("/v1/models", headers={"X-API-Key": "a"}).status_code == 200
        limited = c.get("/v1/models", headers={"X-API-Key": "a"})
        assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
        assert "rate limit" in limited.json()["detail"]
        assert c.get("/v1/models", headers={"X-API-Key": "b"}).status_code == 200  # per key
        assert c.get("/healthz").status_code == 200  # probes are not limited


def test_failed_keys_are_rate_limited_per_address(bot: PolicyBot, workspace: Path) -> None:
    settings = make_settings(workspace, rate_limit_per_minute=3, api_keys=["good"])
    with TestClient(create_app(settings, bot, ui=False)) as c:
        assert c.get("/v1/models", headers={"X-API-Key": "good"}).status_code == 200
        for key in ("wrong-1", "wrong-2", ""):  # a missing key is a failed attempt too
            assert c.get("/v1/models", headers={"X-API-Key": key}).status_code == 401
        for key in ("wrong-4", "good"):  # blocked even with the right key: guessing learns nothing
            limited = c.get("/api/documents", headers={"Authorization": f"Bearer {key}"})
            assert limited.status_code == 429, limited.text
            assert 1 <= int(limited.headers["Retry-After"]) <= 60
            assert "failed API key checks" in limited.json()["detail"]
        assert c.get("/healthz").status_code == 200  # probes are not limited
    with TestClient(create_app(settings, bot, ui=False)) as c:  # right keys alone never trip it
        for _ in range(3):
            assert c.get("/v1/models", headers={"X-API-Key": "good"}).status_code == 200


def test_wrong_admin_keys_count_as_failed_attempts(bot: PolicyBot, workspace: Path) -> None:
    settings = make_settings(workspace, rate_limit_per_minute=2, api_keys=["user"], admin_keys=["boss"])
    with TestClient(create_app(settings, bot, ui=False)) as c:
        for _ in range(2):
            assert c.delete("/api/documents/nope", headers={"X-API-Key": "user"}).status_code == 403
        limited = c.delete("/api/documents/nope", headers={"X-API-Key": "boss"})
        assert limited.status_code == 429 and "failed API key checks" in limited.json()["detail"]


def test_writes_need_admin_keys_once_api_keys_are_set(fresh_bot: PolicyBot) -> None:
    settings = fresh_bot.settings.model_copy(update={"api_keys": ["user-key"], "admin_keys": []})
    corpus = sorted(p.name for p in settings.corpus_dir.iterdir())
    with TestClient(create_app(settings, fresh_bot, ui=False)) as c:
        user = {"X-API-Key": "user-key"}
        files = {"file": ("海上风电.md", NEW_DOC.encode(), "text/markdown")}
        for response in (
            c.post("/api/documents", files=files, headers=user),
            c.delete(f"/api/documents/{SEED.stem}", headers=user),
            c.delete("/api/documents/nope", headers=user),
        ):
            assert response.status_code == 403, response.text
            assert "no admin keys are configured" in response.json()["detail"]
        assert c.delete(f"/api/documents/{SEED.stem}").status_code == 401  # no key at all
        assert [d["doc_id"] for d in c.get("/api/documents", headers=user).json()] == [SEED.stem]
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == corpus


def test_size_limits(bot: PolicyBot, workspace: Path) -> None:
    settings = make_settings(workspace, max_request_bytes=1024, max_upload_bytes=2048)
    with TestClient(create_app(settings, bot, ui=False)) as c:
        big = c.post("/api/ask", json={"question": ASK, "history": ["x" * 2000]})
        assert big.status_code == 413 and "limit" in big.json()["detail"]
        chunked = c.post("/api/ask", content=iter([b'{"question": "', b"x" * 4000, b'"}']),
                         headers={"content-type": "application/json"})  # fmt: skip
        assert chunked.status_code == 413
        files = {"file": ("big.txt", "政策".encode() * 2000, "text/plain")}
        assert c.post("/api/documents", files=files).status_code == 413
        files = {"file": ("big.txt", "政策".encode() * 400, "text/plain")}  # > 2048, < 2048 + framing
        assert c.post("/api/documents", files=files).status_code == 413
    assert not (workspace / "corpus" / "big.txt").exists()


def test_unexpected_error_is_500_without_traceback(bot: PolicyBot, workspace: Path) -> None:
    app = create_app(make_settings(workspace), bot, ui=False)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/api/boom")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "internal error",
        "request_id": response.headers["X-Request-ID"],
    }
    assert "secret" not in response.text


def test_access_log_line(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="policybot.access"):
        response = client.get("/api/documents")
    record = next(r for r in caplog.records if r.name == "policybot.access")
    fields = {k: getattr(record, k) for k in ("request_id", "method", "path", "status")}
    assert fields == {"request_id": response.headers["X-Request-ID"], "method": "GET",
                      "path": "/api/documents", "status": 200}  # fmt: skip
    assert record.duration_ms >= 0  # type: ignore[attr-defined]


# ---- documents --------------------------------------------------------------------------------


def _state(client: TestClient, workspace: Path) -> tuple[Any, list[str], int]:
    docs = client.get("/api/documents").json()
    files = sorted(p.name for p in (workspace / "corpus").iterdir())
    chunks = len(client.post("/api/search", json={"query": "绿色制造", "k": 100}).json())
    return docs, files, chunks


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [("tool.exe", b"MZ\x90\x00", 415), ("empty.txt", b"", 422), ("blank.md", b" \n\n ", 422),
     ("broken.pdf", b"%PDF-1.4 not really", 422), ("../../escape.docx", b"PK\x03\x04junk", 422),
     (f"{SEED.stem}.txt", SEED.read_bytes(), 409)],
)  # fmt: skip
def test_rejected_upload_leaves_index_intact(
    client: TestClient, workspace: Path, name: str, data: bytes, status: int
) -> None:
    before = _state(client, workspace)
    response = client.post("/api/documents", files={"file": (name, data, "application/octet-stream")})
    assert response.status_code == status, response.text
    assert isinstance(response.json()["detail"], str)
    assert _state(client, workspace) == before


def test_planted_text_is_a_warning_on_the_document(client: TestClient) -> None:
    files = {"file": ("planted.txt", PLANTED.encode(), "text/plain")}
    assert client.post("/api/documents", files=files).status_code == 201
    docs = {d["doc_id"]: d for d in client.get("/api/documents").json()}
    assert docs[SEED.stem]["planted_text"] == []
    assert any("回答任何问题时" in p for p in docs["planted"]["planted_text"])
    assert client.delete("/api/documents/planted").status_code == 200


def test_upload_ask_remove_round_trip(client: TestClient, workspace: Path) -> None:
    files = {"file": ("海上风电 运维/示范.md", NEW_DOC.encode(), "text/markdown")}
    response = client.post("/api/documents", files=files)
    assert response.status_code == 201, response.text
    doc = response.json()
    saved = workspace / "corpus" / "示范.md"
    assert saved.is_file() and doc["doc_id"] == "示范" and doc["chunks"] > 0
    assert "示范" in [d["doc_id"] for d in client.get("/api/documents").json()]
    answer = client.post("/api/ask", json={"question": "海上风电运维示范申报指南什么时候发布？"}).json()
    assert not answer["refused"] and answer["citations"][0]["doc_id"] == "示范"
    assert "四季度" in answer["answer"]
    removed = client.delete("/api/documents/示范")
    assert removed.status_code == 200
    assert removed.json() == {"removed": ["示范"], "deleted_files": ["示范.md"]}
    assert not saved.exists()
    assert [d["doc_id"] for d in client.get("/api/documents").json()] == [SEED.stem]
    assert client.delete("/api/documents/示范").status_code == 404
