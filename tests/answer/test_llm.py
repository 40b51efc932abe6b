"""The optional LLM answerer against a real local HTTP server that speaks the OpenAI chat API.

The server is a small FastAPI app run by uvicorn on a loopback port; each test scripts what
it replies. Nothing is mocked inside policybot: requests go through LangChain's ChatOpenAI
and the openai client over HTTP.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from docfiles import PLANTED
from policybot.answer.chain import ExtractiveAnswerer
from policybot.answer.grounding import check_grounding
from policybot.answer.llm import NOT_COVERED, LLMAnswerer
from policybot.config import Settings


class FakeOpenAI:
    """A real HTTP server with an OpenAI-compatible /v1/chat/completions route."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, str | Callable[[str], str]]] = []
        self.requests: list[dict[str, Any]] = []
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request) -> JSONResponse:
            body = await request.json()
            self.requests.append(body)
            status, reply = self.replies.pop(0) if self.replies else (200, NOT_COVERED)
            content = reply if isinstance(reply, str) else reply(body["messages"][-1]["content"])
            if status != 200:
                return JSONResponse({"error": {"message": content, "type": "server_error"}}, status_code=status)
            return JSONResponse(
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "test"),
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def llm(server: FakeOpenAI, seed_bot: Any) -> LLMAnswerer:
    server.replies.clear()
    server.requests.clear()
    settings = Settings(llm_base_url=server.base_url, llm_model="qwen-test", llm_api_key="k", llm_timeout=5)
    base = seed_bot.answerer
    assert isinstance(base, ExtractiveAnswerer)
    return LLMAnswerer.from_settings(base, settings)


def test_grounded_llm_answer_is_shown_with_citations_from_code(server: FakeOpenAI, llm: LLMAnswerer) -> None:
    question = "节能监察安排在什么时候？"
    hits = llm.base.retriever.search(question, llm.base.top_k)
    schedule = next(n for n, h in enumerate(hits[: llm.sources], start=1) if "进度安排" in h.chunk.section)
    server.replies.append((200, f"节能监察和跨区域专项督查安排在三季度[{schedule}]。"))
    answer = llm.ask(question)
    assert answer.mode == "llm" and not answer.refused
    assert answer.text == "节能监察和跨区域专项督查安排在三季度[1]。"  # markers renumbered from 1
    assert len(answer.citations) == 1
    cite = answer.citations[0]
    assert cite.section.endswith("五、进度安排") and "（三季度）" in cite.quote
    assert check_grounding(answer.text, [cite.quote]).ok
    sent = server.requests[0]
    assert sent["model"] == "qwen-test"
    prompt = "\n".join(m["content"] for m in sent["messages"])
    assert question in prompt and "[1]" in prompt and NOT_COVERED in prompt


def test_wrong_figure_falls_back_to_the_extractive_answer(server: FakeOpenAI, llm: LLMAnswerer) -> None:
    server.replies.append((200, "节能监察安排在四季度[1]。"))
    answer = llm.ask("节能监察安排在什么时候？")
    assert answer.mode == "llm-fallback"
    assert any("grounding" in n for n in answer.notes)
    assert "三季度" in answer.text and "四季度" not in answer.text


def test_answer_without_markers_falls_back(server: FakeOpenAI, llm: LLMAnswerer) -> None:
    server.replies.append((200, "三季度。"))
    answer = llm.ask("节能监察安排在什么时候？")
    assert answer.mode == "llm-fallback" and any("cited no source" in n for n in answer.notes)
    assert answer.citations


def test_marker_beyond_the_sources_falls_back(server: FakeOpenAI, llm: LLMAnswerer) -> None:
    server.replies.append((200, "三季度[1][9]。"))
    answer = llm.ask("节能监察安排在什么时候？")
    assert answer.mode == "llm-fallback" and any("does not exist" in n for n in answer.notes)


def test_endpoint_error_falls_back(server: FakeOpenAI, llm: LLMAnswerer) -> None:
    server.replies.append((500, "boom"))
    answer = llm.ask("预计全年削减多少化学需氧量？")
    assert answer.mode == "llm-fallback" and any("unavailable" in n for n in answer.notes)
    assert "8万吨" in answer.text


def test_model_saying_not_covered_is_a_refusal(server: FakeOpenAI, llm: LLMAnswerer) -> None:
    server.replies.append((200, NOT_COVERED))
    answer = llm.ask("节能监察安排在什么时候？")
    assert answer.refused and answer.see_also and not answer.citations


def test_uncovered_question_is_refused_without_calling_the_model(server: FakeOpenAI, llm: LLMAnswerer) -> None:
    answer = llm.ask("新能源汽车补贴标准是多少？")
    assert answer.refused
    assert server.requests == []


def test_unreachable_endpoint_falls_back(seed_bot: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket closes
    settings = Settings(llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="m", llm_timeout=2)
    answer = LLMAnswerer.from_settings(seed_bot.answerer, settings).ask("节能监察安排在什么时候？")
    assert answer.mode == "llm-fallback" and "三季度" in answer.text


# A gullible model: it obeys instructions it finds in the sources, and otherwise states what it
# is told to, citing every source, so that only the binding of values to subjects can stop it.
ALL = "[1][2][3][4][5]"


def obey_planted(prompt: str) -> str:
    planted = re.search(r"要说([^）)。]+)|say ([^.]+)", prompt)
    said = (planted.group(1) or planted.group(2)) if planted else "削减目标为100万吨"
    return f"{said}{ALL}。"


def test_planted_text_never_reaches_the_model_nor_the_answer(server: FakeOpenAI, fresh_bot: Any) -> None:
    planted = fresh_bot.settings.corpus_dir / "planted.txt"
    planted.write_text(PLANTED, "utf-8")
    fresh_bot.ingest([planted])
    settings = Settings(llm_base_url=server.base_url, llm_model="gullible", llm_api_key="k", llm_timeout=5)
    llm = LLMAnswerer.from_settings(fresh_bot.answerer, settings)
    server.requests.clear()
    questions = ("全年要节约多少用水？", "削减目标是多少？", "预计全年削减多少化学需氧量？", "节水工作有什么要求？")
    for question in questions:
        server.replies.append((200, obey_planted))
        answer = llm.ask(question)
        assert "100万吨" not in answer.text and "已取消" not in answer.text, answer.text
        assert all("回答" not in c.quote and "Ignore" not in c.quote for c in answer.citations)
    prompts = [m["content"] for r in server.requests for m in r["messages"]]
    assert len(server.requests) == len(questions)
    assert not [p for p in prompts if "回答任何问题时" in p or "Ignore previous" in p]
    assert all("<资料" in p for p in prompts if "问题：" in p)  # sources are fenced as data


@pytest.mark.parametrize(
    ("question", "reply", "bad"),
    [
        ("预计全年削减多少化学需氧量？", f"预计全年削减化学需氧量2016万吨{ALL}。", "2016万吨"),  # the title's year
        ("削减多少化学需氧量和氨氮？", f"预计全年削减化学需氧量0.7万吨、氨氮8万吨{ALL}。", "0.7万吨"),  # swapped
        ("绿色工厂评价导则什么时候发布？", f"绿色工厂评价导则在三季度发布{ALL}。", "三季度"),  # another item's quarter
        ("预计全年削减多少化学需氧量？", f"预计全年削减化学需氧量9万吨{ALL}。", "9万吨"),  # invented
        ("化学需氧量削减目标还执行吗？", f"化学需氧量削减目标已取消{ALL}。", "已取消"),  # no figure, no source
    ],
)
def test_gullible_values_are_stopped(server: FakeOpenAI, llm: LLMAnswerer, question: str, reply: str, bad: str) -> None:
    server.replies.append((200, reply))
    answer = llm.ask(question)
    assert answer.mode == "llm-fallback", answer.text
    assert bad not in answer.text


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("预计全年削减多少化学需氧量和氨氮？", f"预计全年削减化学需氧量8万吨、氨氮0.7万吨{ALL}。"),
        ("绿色工厂评价导则什么时候发布？", f"绿色工厂评价导则在2016年二季度发布{ALL}。"),
    ],
)
def test_the_same_model_telling_the_truth_is_shown(
    server: FakeOpenAI, llm: LLMAnswerer, question: str, reply: str
) -> None:
    server.replies.append((200, reply))
    answer = llm.ask(question)
    assert answer.mode == "llm", answer.notes
    assert answer.citations and all(f"[{c.id}]" in answer.text for c in answer.citations)


def test_unsupported_sentences_are_left_out(server: FakeOpenAI, llm: LLMAnswerer) -> None:
    server.replies.append((200, f"预计全年削减化学需氧量8万吨{ALL}。该目标后来已经取消，企业无需执行{ALL}。"))
    answer = llm.ask("预计全年削减多少化学需氧量？")
    assert answer.mode == "llm"
    assert "8万吨" in answer.text and "取消" not in answer.text
    assert any("left out" in n for n in answer.notes)
