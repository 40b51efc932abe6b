"""The real server: ``python app.py`` in a subprocess on a free loopback port, first start included
(no index yet: it prepares the model and ingests corpus/), plus schemathesis against its OpenAPI."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from policybot.config import Settings
from policybot.errors import ConfigError
from policybot.store.files import live_dir
from policybot.surfaces.server import _export, check_exposure, create_app, is_loopback, serve
from support import ADMIN, SEED, Server, make_settings, running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("server")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    srv = Server(root)
    srv.start()
    try:
        srv.first_readyz = srv.wait_ready()  # type: ignore[attr-defined]
        yield srv
    finally:
        srv.stop()


def test_first_start_ingests_the_corpus(server: Server) -> None:
    assert set(server.first_readyz) <= {503, 200}  # type: ignore[attr-defined]
    assert (live_dir(server.root / "index") / "manifest.json").is_file()
    messages = [line["message"] for line in server.log_lines()]
    assert any(m.startswith("bringing the index in") for m in messages), messages
    assert any(m.startswith("corpus synced: 1 added") for m in messages)
    ready = httpx.get(f"{server.url}/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] == 1 and ready["chunks"] > 0


def test_probes_docs_and_openapi(server: Server) -> None:
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    docs = httpx.get(f"{server.url}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = httpx.get(f"{server.url}/openapi.json").json()
    paths = {"/api/ask", "/api/ask/stream", "/api/search", "/api/documents", "/api/facts",
             "/api/documents/{doc_id}", "/v1/chat/completions", "/v1/models", "/healthz",
             "/readyz"}  # fmt: skip
    assert paths <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    wire = {"AnswerOut", "HitOut", "DocumentOut", "FactOut", "CitationOut", "AskIn", "ErrorOut"}
    assert wire <= set(schemas)
    assert set(spec["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    ask = spec["paths"]["/api/ask"]["post"]
    assert {"200", "401", "413", "422", "429", "500", "503"} <= set(ask["responses"])
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("AnswerOut")
    upload = spec["paths"]["/api/documents"]["post"]
    assert {"201", "403", "409", "415"} <= set(upload["responses"])
    assert "example" in schemas["AnswerOut"] or "examples" in schemas["AnswerOut"]


def test_chat_page_and_request_log(server: Server) -> None:
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    response = httpx.post(f"{server.url}/api/ask", json={"question": "节能监察安排在什么时候？"},
                          headers={"X-Request-ID": "test-req-1"}, timeout=30)  # fmt: skip
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "test-req-1"
    time.sleep(0.2)
    line = next(x for x in server.log_lines() if x.get("request_id") == "test-req-1")
    assert line["method"] == "POST" and line["path"] == "/api/ask" and line["status"] == 200
    assert isinstance(line["duration_ms"], float)


def test_schemathesis_finds_no_server_errors(server: Server) -> None:
    """Property-based requests from the OpenAPI schema, positive and negative: never a 5xx."""
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        many = operation.path not in {"/api/ask", "/api/ask/stream", "/api/search"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @given(case=strategy)
            @settings(max_examples=8 if many else 4, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def check(case: Any) -> None:
                response = case.call(base_url=server.url, timeout=30)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.path} {case.body!r}: {response.status_code}")

            try:
                check()
            except Unsatisfiable:  # nothing to make invalid (no parameters)
                assert mode is GenerationMode.NEGATIVE
    assert not failures, failures
    assert time.monotonic() - started < 60
    assert httpx.get(f"{server.url}/readyz").status_code == 200  # writes needed the admin key


def _fuzz(operation: Any, url: str, headers: list[dict[str, str]], failures: list[str]) -> None:
    """Positive and negative cases of one operation, each sent with the next of ``headers``."""
    declared = set(operation.definition.raw["responses"])
    calls = iter(range(10**6))
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=8, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case: Any) -> None:
            sent = headers[next(calls) % len(headers)]
            status = case.call(base_url=url, timeout=30, headers=sent).status_code
            if status >= 500 or str(status) not in declared:
                failures.append(f"{case.method} {case.path} -> {status} with {sent}, body {case.body!r}")

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE


def test_schemathesis_with_keys_finds_no_server_errors_and_no_undocumented_status(fresh_bot: Any) -> None:
    """The whole API with user and admin keys set, each case sent with no key, a wrong key, a user
    key or the admin key: never a 5xx, and every status is one the OpenAPI document declares."""
    keyed = fresh_bot.settings.model_copy(
        update={"api_keys": ["user-key"], "admin_keys": [ADMIN], "rate_limit_per_minute": 100000}
    )
    headers = [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer user-key"}, {"X-API-Key": ADMIN}]
    failures: list[str] = []
    with running(create_app(keyed, fresh_bot, ui=False), timeout=60) as url:
        for result in schemathesis.openapi.from_url(f"{url}/openapi.json").get_all_operations():
            _fuzz(result.ok(), url, headers, failures)
    assert not failures, sorted({f.split(" with ")[0] for f in failures})


def test_second_start_reuses_the_index_and_poison_files_never_block_it(server: Server) -> None:
    server.stop()
    server.log.write_text("")
    poison = server.root / "corpus" / "marks.txt"
    poison.write_text("。，、\n——……\n", encoding="utf-8")  # no words: rejected, not a document
    started = time.monotonic()
    server.start()
    assert server.wait_ready(120)[-1] == 200
    assert time.monotonic() - started < 60
    messages = [line["message"] for line in server.log_lines()]
    assert not any(m.startswith("no index in") for m in messages)
    deadline, rejected = time.monotonic() + 60, []
    while time.monotonic() < deadline and not rejected:  # the sync runs behind the served index
        rejected = httpx.get(f"{server.url}/api/documents/rejected").json()
        time.sleep(0.2)
    assert [r["source"].rsplit("/", 1)[-1] for r in rejected] == ["marks.txt"]
    assert "no text" in rejected[0]["reason"] and rejected[0]["at"]
    messages = [line["message"] for line in server.log_lines()]
    loaded = next(i for i, m in enumerate(messages) if m.startswith("engine loaded"))
    synced = next(i for i, m in enumerate(messages) if m.startswith("corpus synced"))
    assert loaded < synced and "1 rejected" in messages[synced]
    assert [d["doc_id"] for d in httpx.get(f"{server.url}/api/documents").json()] == [SEED.stem]
    poison.unlink()


def test_not_ready_until_loaded(tmp_path: Path) -> None:
    client = TestClient(create_app(make_settings(tmp_path), ui=False))  # lifespan not started
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503
    assert client.post("/api/ask", json={"question": "x"}).status_code == 503


def test_load_now_loads_the_engine_while_the_app_is_built(tmp_path: Path, seed_bot: Any) -> None:
    """``serve`` loads the model and the index while Gradio is imported: no need to wait for the
    server's start-up event (on two cores, interleaved runs: readiness 5.6 s → 5.2 s median)."""
    shutil.copytree(seed_bot.settings.index_dir, tmp_path / "index")
    app = create_app(make_settings(tmp_path), ui=False, sync_corpus=False, load_now=True)
    deadline = time.monotonic() + 120
    while app.state.holder.bot is None and time.monotonic() < deadline:  # lifespan never started
        time.sleep(0.1)
    assert app.state.holder.bot is not None and app.state.holder.bot.ready
    assert TestClient(app).get("/readyz").status_code == 200


def test_refuses_open_non_loopback(tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    with pytest.raises(ConfigError, match="without API keys"):
        serve(make_settings(tmp_path, host="0.0.0.0"))


@pytest.mark.parametrize("keys", ['[""]', '["", " "]', ",", " , "])
def test_empty_keys_do_not_open_a_public_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: str) -> None:
    """POLICYBOT_API_KEYS='[""]' is no keys: the loopback-only rule applies, and the API stays open
    (no key needed) only because it is served on loopback."""
    import uvicorn

    def listen(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"served on 0.0.0.0 with POLICYBOT_API_KEYS={keys!r}")

    monkeypatch.setattr(uvicorn, "run", listen)
    monkeypatch.setenv("POLICYBOT_API_KEYS", keys)
    with pytest.raises(ConfigError, match="without API keys"):
        serve(make_settings(tmp_path, host="0.0.0.0"))
    settings = make_settings(tmp_path)
    assert settings.api_keys == []
    check_exposure(settings)  # loopback without keys: allowed, with a warning


def test_workers_get_the_same_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes read their settings from the environment the parent exports."""
    monkeypatch.setattr(os, "environ", os.environ.copy())
    settings = make_settings(tmp_path, api_keys=["a,b", "c"], admin_keys=["boss"])
    _export(settings)
    assert json.loads(os.environ["POLICYBOT_API_KEYS"]) == ["a,b", "c"]
    again = Settings()
    assert again.api_keys == ["a,b", "c"] and again.admin_keys == ["boss"]


@pytest.mark.browser
def test_docs_render_offline_in_chromium(server: Server) -> None:
    """Swagger UI at /docs renders from the app's own assets (no CDN) in headless Chromium."""
    pytest.importorskip("fastapi_offline", reason="pip install fastapi-offline")
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("needs Debian's chromium: run `bash .ci/system-deps.sh` (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        try:
            page = browser.new_page()
            outside: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
            page.goto(f"{server.url}/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            assert page.locator(".opblock").count() >= 10 and not outside
        finally:
            browser.close()


def test_the_chat_is_mounted_after_the_engine_has_loaded(tmp_path: Path, seed_bot: Any) -> None:
    """``serve`` answers ``/readyz`` before Gradio is imported and the chat built: until the chat is
    mounted, ``/`` is a page that reloads itself (503); then it is the chat, with Gradio's queue."""
    shutil.copytree(seed_bot.settings.index_dir, tmp_path / "index")
    app = create_app(make_settings(tmp_path), sync_corpus=False, load_now=True, ui_after_load=True)
    assert [getattr(r, "name", None) for r in app.router.routes].count("chat-starting") == 1
    with TestClient(app) as client:
        first = client.get("/")
        assert first.status_code in (200, 503)
        if first.status_code == 503:
            assert first.headers["Retry-After"] == "1" and "refresh" in first.text
        deadline = time.monotonic() + 120
        while client.get("/").status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.1)
        page = client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert client.get("/readyz").status_code == 200
        assert client.get("/config").json()["components"]  # Gradio's own routes
        assert "chat-starting" not in [getattr(r, "name", None) for r in app.router.routes]
        reply = client.post("/api/ask", json={"question": "节能监察安排在什么时候？"})
        assert reply.status_code == 200 and "三季度" in reply.json()["answer"]
