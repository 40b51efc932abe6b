"""The Gradio chat: rendering, gradio_client against the mounted UI, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import pytest
from fastapi.testclient import TestClient

from policybot.service import PolicyBot
from policybot.surfaces.api import BotHolder
from policybot.surfaces.schemas import AnswerOut, CitationOut, answer_out, fact_out
from policybot.surfaces.server import create_app
from policybot.surfaces.ui import EXAMPLES, _Handlers, corpus_examples, highlight, render_answer, timeline_html
from support import ROOT, make_settings, running

ASK = "节能监察安排在什么时候？"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def ui_url(seed_bot: PolicyBot, seed_workspace: Path) -> Iterator[str]:
    """The whole app (API + chat at /) served by uvicorn on a free loopback port."""
    app = create_app(make_settings(seed_workspace), seed_bot)
    with running(app, timeout=60) as url:
        yield f"{url}/"


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


# ---- rendering --------------------------------------------------------------------------------


def test_render_answer_with_citations(seed_bot: PolicyBot) -> None:
    html = render_answer(answer_out(seed_bot.ask(ASK)))
    assert '<details class="pb-cite" open>' in html and "五、进度安排" in html  # the first source is open
    assert "<mark>三季度</mark>" in html and "文件未涉及" not in html
    assert "出处" in render_answer(answer_out(seed_bot.ask(ASK)), "zh")
    assert "Sources" in render_answer(answer_out(seed_bot.ask(ASK)), "en")


def test_render_refusal_shows_see_also(seed_bot: PolicyBot) -> None:
    out = answer_out(seed_bot.ask("火星移民政策是什么？"))
    assert out.refused and out.see_also
    html = render_answer(out)
    assert "文件未涉及" in html and "最接近的章节" in html and "not covered" not in html
    assert html.count('class="pb-cite"') == len(out.see_also) and " open>" not in html
    english = render_answer(out, "en")
    assert "Not covered by the documents" in english and "文件未涉及" not in english


def test_lists_render_as_lists_and_duplicate_citations_merge() -> None:
    cite = {
        "doc_id": "d",
        "doc_title": "《办法》",
        "section": "办法 › 第六条",
        "quote": "职工总数不超过500人",
        "page": None,
    }
    out = AnswerOut(
        question="q",
        answer="根据第六条：\n1. 职工总数不超过500人[1]\n2. 年销售收入不超过2亿元[2]",
        refused=False,
        citations=[CitationOut(id=1, score=1.0, **cite), CitationOut(id=2, score=0.5, **cite)],
        facts=[],
        see_also=[],
        mode="extractive",
        notes=[],
    )
    html = render_answer(out)
    assert html.count("<li>") == 2 and "<ol>" in html and "<p>根据第六条：</p>" in html
    assert html.count('class="pb-cite"') == 1 and "[1][2]" in html


def test_examples_come_from_the_corpus_or_settings(seed_bot: PolicyBot, seed_workspace: Path) -> None:
    examples = corpus_examples(seed_bot)
    assert examples and all(q.strip() for q in examples)
    assert any(f.subject in q for q in examples for f in seed_bot.facts("deadline"))
    handlers = _Handlers(BotHolder(seed_bot), make_settings(seed_workspace, ui_examples=["我的问题？"]))
    assert handlers.examples() == ["我的问题？"]
    assert _Handlers(BotHolder(None), make_settings(seed_workspace)).examples() == EXAMPLES


def test_highlight_escapes_and_marks() -> None:
    text = "<b>预计全年削减化学需氧量8万吨</b>，2016年3月底前完成，二季度启动，提高15%。"
    html = highlight(text, ["化学需氧量"])
    assert "<b>" not in html and "&lt;b&gt;" in html
    for part in ("8万吨", "2016年3月", "二季度", "15%", "化学需氧量"):
        assert f"<mark>{part}</mark>" in html


def test_timeline_by_quarter(seed_bot: PolicyBot) -> None:
    html = timeline_html([fact_out(f) for f in seed_bot.facts()])
    quarters = [html.index(q) for q in ("2016-Q1", "2016-Q2", "2016-Q3")]
    assert quarters == sorted(quarters)
    assert "五、进度安排" in html and "组织开展节能监察和跨区域专项督查" in html
    assert "暂无时间节点" in timeline_html([])


def test_english_labels(seed_bot: PolicyBot, seed_workspace: Path) -> None:
    app = create_app(make_settings(seed_workspace, ui_language="en"), seed_bot)
    config = TestClient(app).get("/config").text
    assert "Deadlines & targets" in config and "时间节点与目标" not in config
    config = TestClient(create_app(make_settings(seed_workspace), seed_bot)).get("/config").text
    assert "时间节点与目标" in config


def test_admin_upload_and_remove(fresh_bot: PolicyBot, tmp_path: Path) -> None:
    settings = fresh_bot.settings.model_copy(update={"admin_keys": ["boss"]})
    handlers = _Handlers(BotHolder(fresh_bot), settings)
    upload = tmp_path / "upload" / "风电示范.md"
    upload.parent.mkdir()
    upload.write_text("关于风电运维示范的通知\n\n一、进度安排\n\n——发布风电运维示范指南。（四季度）\n")
    with pytest.raises(gr.Error):
        handlers.upload(str(upload), "wrong")
    status, rows, _ = handlers.upload(str(upload), "boss")
    assert status.startswith("已添加") and "风电示范" in [r[0] for r in rows]
    with pytest.raises(gr.Error):
        handlers.remove("风电示范", "")
    status, rows, _ = handlers.remove("风电示范", "boss")
    assert status.startswith("已删除") and "风电示范" not in [r[0] for r in rows]
    assert not (settings.corpus_dir / "风电示范.md").exists()


def test_no_writes_with_api_keys_but_no_admin_keys(seed_bot: PolicyBot, tmp_path: Path) -> None:
    settings = seed_bot.settings.model_copy(update={"api_keys": ["user-key"], "admin_keys": []})
    handlers = _Handlers(BotHolder(seed_bot), settings)
    upload = tmp_path / "tool.exe"  # would be refused anyway, later and for another reason
    upload.write_bytes(b"MZ")
    with pytest.raises(gr.Error) as refused:
        handlers.upload(str(upload), "user-key")
    assert refused.value.message == handlers.t["no_admin"]
    with pytest.raises(gr.Error) as refused:
        handlers.remove("no-such-doc", "user-key")
    assert refused.value.message == handlers.t["no_admin"]
    english = _Handlers(BotHolder(seed_bot), settings.model_copy(update={"ui_language": "en"}))
    assert "No admin keys are configured" in english.t["no_admin"]


def test_failed_logins_are_rate_limited_with_the_api(seed_bot: PolicyBot, seed_workspace: Path) -> None:
    """The chat's login form takes the API key as password: failures count with the API's."""
    settings = make_settings(seed_workspace, api_keys=["good"], rate_limit_per_minute=3)
    with TestClient(create_app(settings, seed_bot)) as c:
        assert c.post("/login", data={"username": "u", "password": "wrong"}).status_code == 400
        assert c.get("/v1/models", headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.post("/login/", data={"username": "u", "password": "wrong"}).status_code == 400
        for response in (
            c.post("/login", data={"username": "u", "password": "good"}),
            c.get("/v1/models", headers={"X-API-Key": "good"}),
        ):
            assert response.status_code == 429, response.text
            assert "failed API key checks" in response.json()["detail"] and response.headers["Retry-After"]
    with TestClient(create_app(settings, seed_bot)) as c:
        assert c.post("/login", data={"username": "u", "password": "good"}).json() == {"success": True}


def test_question_that_is_not_utf8_is_a_message(seed_bot: PolicyBot, seed_workspace: Path) -> None:
    handlers = _Handlers(BotHolder(seed_bot), make_settings(seed_workspace))
    with pytest.raises(gr.Error, match="not valid UTF-8"):
        handlers.ask("节能\udc00监察", [])
    with pytest.raises(gr.Error, match="not valid UTF-8"):
        handlers.ask(ASK, [{"role": "user", "content": "节能\udcff"}])


# ---- the mounted UI on a real server ----------------------------------------------------------


def test_gradio_client_chat(ui_url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(ui_url, verbose=False)
    history, box = client.predict(ASK, [], api_name="/ask")
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    answer = _text(history[1])
    assert "三季度" in answer and "五、进度安排" in answer and "<details" in answer
    history, _ = client.predict("火星移民政策是什么？", history, api_name="/ask")
    assert len(history) == 4 and "文件未涉及" in _text(history[3])
    history, _ = client.predict(ASK, [], "2016-08-01", api_name="/ask")  # the as-of box
    assert "三季度" in _text(history[1])
    with pytest.raises(AppError, match="YYYY-MM-DD"):
        client.predict(ASK, [], "2016-13-01", api_name="/ask")


@pytest.mark.browser
def test_browser_chat(ui_url: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail("needs Debian's chromium: run `bash .ci/system-deps.sh` (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.goto(ui_url)
            page.fill("#pb-question textarea", ASK)
            page.click("#pb-send")
            cite = page.wait_for_selector("#pb-chat details.pb-cite", timeout=60_000)
            assert cite is not None and "五、进度安排" in cite.inner_text()
            # the first source is open without a click, and a click closes it
            assert page.locator("#pb-chat details.pb-cite mark").first.inner_text() == "三季度"
            shot = tmp_path / "chat.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            if os.environ.get("POLICYBOT_WRITE_SCREENSHOT") == "1":
                (ROOT / "docs").mkdir(exist_ok=True)
                shutil.copy(shot, ROOT / "docs" / "chat.png")
            page.click("#pb-chat details.pb-cite summary")
            assert page.locator("#pb-chat details.pb-cite").first.get_attribute("open") is None
            page.get_by_role("tab", name="政策日历").click()  # the deadlines tab is now part of the calendar
            page.locator("#pb-facts-panel").get_by_text("时间节点与目标").first.click()
            page.wait_for_selector(".pb-timeline .pb-quarter", timeout=30_000)
            assert "2016-Q3" in page.inner_text(".pb-timeline")
        finally:
            browser.close()


def test_chat_goes_through_the_api_limits(seed_bot: PolicyBot, seed_workspace: Path) -> None:
    settings = make_settings(seed_workspace, rate_limit_per_minute=3, max_question_chars=20)
    handlers = _Handlers(BotHolder(seed_bot), settings)
    with pytest.raises(gr.Error, match="最多 20 个字符"):
        handlers.ask("节能监察" * 6, [])
    long_history = [{"role": r, "content": f"问题{i}"} for i in range(5000) for r in ("user", "assistant")]
    history, _ = handlers.ask(ASK, long_history)
    assert len(history) == 2 * 50 + 2 and history[-2]["content"] == ASK  # the oldest turns left the chat
    handlers.ask(ASK, [])
    handlers.ask(ASK, [])
    with pytest.raises(gr.Error, match="提问过于频繁"):
        handlers.ask(ASK, [])


def test_unexpected_failure_is_a_plain_message(seed_bot: PolicyBot, seed_workspace: Path) -> None:
    class Broken(BotHolder):
        def get(self) -> PolicyBot:
            raise TypeError("TextEncodeInput must be Union[TextInputSequence, …]")

    handlers = _Handlers(Broken(seed_bot), make_settings(seed_workspace))
    with pytest.raises(gr.Error) as failed:
        handlers.ask(ASK, [])
    assert failed.value.message == handlers.t["failed"] and "TextEncodeInput" not in failed.value.message


def test_the_chat_upload_route_takes_only_documents(seed_bot: PolicyBot, seed_workspace: Path) -> None:
    settings = make_settings(seed_workspace, max_upload_bytes=4096)
    with TestClient(create_app(settings, seed_bot)) as c:
        ok = c.post("/gradio_api/upload", files=[("files", ("通知.txt", "关于开展试点的通知".encode(), "text/plain"))])
        assert ok.status_code == 200 and ok.json()[0].endswith("通知.txt")
        exe = c.post("/gradio_api/upload", files=[("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream"))])
        assert exe.status_code == 415 and "tool.exe" in exe.json()["detail"]
        big = c.post("/gradio_api/upload", files=[("files", ("big.txt", b"x" * 200_000, "text/plain"))])
        assert big.status_code == 413
    closed = make_settings(seed_workspace, api_keys=["user-key"], admin_keys=[])
    with TestClient(create_app(closed, seed_bot)) as c:
        refused = c.post("/gradio_api/upload", files=[("files", ("通知.txt", b"text", "text/plain"))])
        assert refused.status_code == 403 and "no admin keys" in refused.json()["detail"]


def test_gradio_client_chat_on_the_chat_mounted_after_start(seed_bot: PolicyBot, seed_workspace: Path) -> None:
    """As ``serve`` runs it: the chat is mounted once the server runs, and Gradio's queue works."""
    from gradio_client import Client

    app = create_app(make_settings(seed_workspace), seed_bot, ui_after_load=True)
    with running(app, timeout=60) as url:
        deadline = time.monotonic() + 120
        while httpx.get(f"{url}/").status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.1)
        history, _ = Client(f"{url}/", verbose=False).predict(ASK, [], api_name="/ask")
        assert "三季度" in _text(history[1])
