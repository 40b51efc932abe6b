"""Statuses and the calendar through the real app (TestClient) and the real CLI, on a tmp index
of four real corpus documents built with the real model."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from policybot.service import PolicyBot
from policybot.surfaces import cli
from policybot.surfaces.server import create_app
from support import make_settings


@pytest.fixture(scope="module")
def workspace(lifecycle_workspace: Path) -> Path:
    return lifecycle_workspace


@pytest.fixture(scope="module")
def bot(lifecycle_bot: PolicyBot) -> PolicyBot:
    return lifecycle_bot


@pytest.fixture(scope="module")
def client(workspace: Path, bot: PolicyBot) -> Iterator[TestClient]:
    app = create_app(make_settings(workspace, rate_limit_per_minute=10_000), bot, ui=False)
    with TestClient(app) as c:
        yield c


def test_status_as_of_a_date_with_links_and_citations(client: TestClient) -> None:
    r = client.get("/api/status", params={"as_of": "2020-11-01"})
    assert r.status_code == 200
    by_id = {s["doc_id"]: s for s in r.json()}
    assert by_id["beijing-sme-regulation-2020"]["status"] == "未生效"
    assert by_id["caishui-2015-119"]["status"] == "现行"
    assert by_id["dongguan-robot-fund-2016"]["status"] == "已失效"
    assert all(s["facts"] and all(f["quote"] for f in s["facts"]) for s in by_id.values())
    assert {"kind": "implements", "source": "sat-2015-97", "target": "caishui-2015-119"} in by_id["sat-2015-97"][
        "links"
    ]
    later = client.get("/api/status", params={"as_of": "2020-12-01", "doc": "beijing-sme-regulation-2020"}).json()
    assert [s["status"] for s in later] == ["现行"]


def test_calendar_json_filters(client: TestClient) -> None:
    rows = client.get("/api/calendar", params={"as_of": "2016-05-10", "open": "true"}).json()
    assert rows and all(r["open"] and r["doc_id"] == "dongguan-robot-fund-2016" for r in rows)
    assert "2016-05-20" in {r["end"] for r in rows}
    ranged = client.get("/api/calendar", params={"from": "2016-01-01", "to": "2016-01-31"}).json()
    assert ranged and all(r["end"] >= "2016-01-01" and (r["start"] or r["end"]) <= "2016-01-31" for r in ranged)
    kinds = client.get("/api/calendar", params=[("kind", "effective")]).json()
    assert {r["doc_id"] for r in kinds} == {
        "caishui-2015-119",
        "sat-2015-97",
        "beijing-sme-regulation-2020",
        "sme-promotion-law-2017",
    }


def test_calendar_files(client: TestClient) -> None:
    everything = client.get("/api/calendar").json()
    ics = client.get("/api/calendar", params={"format": "ics"})
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    events = list(Calendar.from_ical(ics.content).walk("VEVENT"))
    assert len(events) == len(everything)
    assert {e.decoded("dtend").isoformat() for e in events} >= {"2016-05-21"}  # the 5月20日 deadline, exclusive end
    text = client.get("/api/calendar", params={"format": "csv"}).text
    assert [r["end"] for r in csv.DictReader(io.StringIO(text))] == [r["end"] for r in everything]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"doc": "no-such-doc"}, 404),
        ({"as_of": "2016-13-01"}, 422),
        ({"format": "pdf"}, 422),
        ({"within_days": -1}, 422),
    ],
)
def test_calendar_errors(client: TestClient, params: dict[str, str], status: int) -> None:
    r = client.get("/api/calendar", params=params)
    assert r.status_code == status and r.json()["detail"]


def test_cli_calendar_and_status(workspace: Path, bot: PolicyBot, capsys: Any) -> None:
    index = ["--index", str(workspace / "index")]
    assert cli.main([*index, "calendar", "--open", "--as-of", "2016-05-10", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["open"] for r in rows)
    out = workspace / "cal.ics"
    assert cli.main([*index, "calendar", "--format", "ics", "-o", str(out)]) == 0
    assert len(list(Calendar.from_ical(out.read_bytes()).walk("VEVENT"))) > 5
    assert cli.main([*index, "status", "--as-of", "2020-11-01", "--doc", "beijing-sme-regulation-2020"]) == 0
    assert "未生效" in capsys.readouterr().out
    assert cli.main(["--index", str(workspace / "nowhere"), "calendar"]) == 1
    assert capsys.readouterr().err.startswith("policybot: error:")


# ---- as_of per request: statuses in answers and notes on the day asked about ---------------------


def _ask(client: TestClient, question: str, **extra: Any) -> dict[str, Any]:
    r = client.post("/api/ask", json={"question": question, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_ask_as_of_sets_the_day_of_a_lifecycle_answer(client: TestClient) -> None:
    question = "北京市促进中小企业发展条例施行了吗？"
    before = _ask(client, question, as_of="2020-11-30")
    assert before["answer"].startswith("截至2020年11月30日，《北京市促进中小企业发展条例》未生效")
    assert "（注意" not in before["answer"]  # the answer states the status: no second note beside it
    assert [c["status"] for c in before["citations"]] == ["未生效"]
    after = _ask(client, question, as_of="2021-01-15")
    assert "截至2021年1月15日" in after["answer"] and "现行" in after["answer"] and "未生效" not in after["answer"]
    assert all(c["doc_id"] == "beijing-sme-regulation-2020" for c in before["citations"] + after["citations"])
    assert "截至今天" in _ask(client, question)["answer"]


def test_ask_as_of_sets_the_day_of_status_notes(client: TestClient) -> None:
    question = "机器人专项资金的申报条件有哪些？"
    today = _ask(client, question)
    robot = [c for c in today["citations"] if c["doc_id"] == "dongguan-robot-fund-2016"]
    assert robot and all(c["status"] == "已失效" for c in robot) and "截至今天已失效" in today["answer"]
    then = _ask(client, question, as_of="2016-05-10")  # the call was open: in force, no note
    robot = [c for c in then["citations"] if c["doc_id"] == "dongguan-robot-fund-2016"]
    assert robot and all(c["status"] is None for c in robot) and "（注意" not in then["answer"]
    later = _ask(client, question, as_of="2017-01-01")
    assert "截至2017年1月1日已失效" in later["answer"]


@pytest.mark.parametrize("bad", ["2016-13-01", "yesterday", "2016/05/10", 20160510])
def test_ask_rejects_an_invalid_as_of(client: TestClient, bad: Any) -> None:
    r = client.post("/api/ask", json={"question": "机器人专项资金的申报条件有哪些？", "as_of": bad})
    assert r.status_code == 422 and "as_of" in r.json()["detail"]


def test_chat_completions_accept_as_of(client: TestClient) -> None:
    body = {"model": "policybot", "messages": [{"role": "user", "content": "北京市促进中小企业发展条例施行了吗？"}]}
    then = client.post("/v1/chat/completions", json={**body, "as_of": "2020-11-30"}).json()
    assert "未生效" in then["choices"][0]["message"]["content"]
    assert client.post("/v1/chat/completions", json={**body, "as_of": "not a day"}).status_code == 422


def test_cli_ask_as_of(workspace: Path, capsys: Any) -> None:
    index = ["--index", str(workspace / "index")]
    assert cli.main([*index, "ask", "北京市促进中小企业发展条例施行了吗？", "--as-of", "2020-11-30"]) == 0
    assert "截至2020年11月30日" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main([*index, "ask", "北京市促进中小企业发展条例施行了吗？", "--as-of", "2020-02-30"])
    assert "not a date" in capsys.readouterr().err


def test_chat_as_of_box_sets_the_day_of_statuses(workspace: Path, bot: PolicyBot) -> None:
    import gradio as gr

    from policybot.surfaces.api import BotHolder
    from policybot.surfaces.ui import _Handlers

    handlers = _Handlers(BotHolder(bot), make_settings(workspace, rate_limit_per_minute=10_000))
    question = "北京市促进中小企业发展条例施行了吗？"
    history, box = handlers.ask(question, [], "2020-11-30")
    assert box == "" and "截至2020年11月30日" in history[1]["content"] and "未生效" in history[1]["content"]
    history, _ = handlers.ask(question, [], "")
    assert "截至今天" in history[1]["content"] and "未生效" not in history[1]["content"]
    with pytest.raises(gr.Error, match="2020-02-30"):
        handlers.ask(question, [], "2020-02-30")
