"""Eligibility through the real app (TestClient), the CLI and the chat, on a real index of three
corpus documents with conditions (a call, a measure with 第X条 articles, a tax notice)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from policybot.eligibility.profile import parse_profile
from policybot.service import PolicyBot
from policybot.surfaces import cli
from policybot.surfaces.eligibility_ui import cards_html, form_profile
from policybot.surfaces.schemas import eligibility_out
from policybot.surfaces.server import create_app
from support import ROOT, make_settings, running

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
DOCS = ("dongguan-robot-fund-2016", "guokefazheng-2017-115", "caishui-2015-119")
GOOD = {
    "region": "广东省东莞市",
    "industry": "机器人制造",
    "revenue": "1.2亿元",
    "employees": 150,
    "assets": "8000万元",
    "score": 70,
    "credit": False,
    "violation": False,
    "prior_benefit": False,
    "legal_person": True,
    "resident": True,
    "recognition": ["规模以上工业企业"],
    "project_place": "广东省",
    "project_date": "2016-05-10",
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("eligibility")
    (root / "corpus").mkdir()
    for name in DOCS:
        for suffix in (".txt", ".meta.yaml"):
            shutil.copy(ROOT / "corpus" / f"{name}{suffix}", root / "corpus" / f"{name}{suffix}")
    return root


@pytest.fixture(scope="module")
def bot(workspace: Path, embedder: Any) -> PolicyBot:
    bot = PolicyBot(make_settings(workspace), embedder)
    bot.ingest()
    return bot


@pytest.fixture(scope="module")
def client(workspace: Path, bot: PolicyBot) -> Iterator[TestClient]:
    app = create_app(make_settings(workspace, rate_limit_per_minute=10_000), bot, ui=False)
    with TestClient(app) as c:
        yield c


def test_conditions_reload_with_the_index(workspace: Path, bot: PolicyBot, embedder: Any) -> None:
    again = PolicyBot(make_settings(workspace), embedder)
    again.reload()
    assert again.measures() == bot.measures() and len(bot.measures()) == 4
    assert {m.doc_id for m in again.measures()} == set(DOCS)


def test_post_eligibility_ranks_measures_with_cited_conditions(client: TestClient) -> None:
    r = client.post("/api/eligibility", json={"profile": GOOD})
    assert r.status_code == 200
    body = r.json()
    assert body["profile"]["revenue"] == 12000.0
    verdicts = [m["verdict"] for m in body["measures"]]
    assert verdicts == sorted(verdicts, key=["符合", "需要补充信息", "不符合"].index)
    robot = next(m for m in body["measures"] if m["doc_id"] == "dongguan-robot-fund-2016")
    # every typed condition met; what only a person can check keeps it at 需要补充信息, and says so
    assert robot["verdict"] == "需要补充信息" and robot["explanation"].splitlines()[0].endswith("需要补充信息")
    assert "其余条件均满足，以下条件需人工核对" in robot["explanation"]
    assert all(d["outcome"] == "manual" for d in robot["deciding"])
    assert "2016年5月20日" in robot["deadline"] and robot["support"] and robot["materials"]
    region = next(c for c in robot["conditions"] if c["attribute"] == "region")
    assert region["outcome"] == "met" and "在东莞市内注册" in region["quote"] and "申报条件" in region["section"]
    assert any(c["needs_person"] and c["outcome"] == "manual" for c in robot["conditions"])


def test_a_failed_condition_is_the_deciding_one(client: TestClient) -> None:
    profile = {**GOOD, "region": "河北省石家庄市", "employees": 600}
    r = client.post("/api/eligibility", json={"profile": profile, "doc_ids": ["guokefazheng-2017-115"], "lang": "en"})
    assert r.status_code == 200
    first = next(m for m in r.json()["measures"] if m["id"] == "guokefazheng-2017-115#1")
    assert first["verdict"] == "不符合"
    assert [d["attribute"] for d in first["deciding"]] == ["employees"]
    assert first["deciding"][0]["profile_value"] == "600人" and "500人" in first["deciding"][0]["quote"]
    assert "not eligible" in first["explanation"]


def test_missing_information_is_asked_for(client: TestClient) -> None:
    r = client.post("/api/eligibility", json={"profile": {"region": "广东省东莞市"}, "doc_ids": ["caishui-2015-119"]})
    (measure,) = r.json()["measures"]
    assert measure["verdict"] == "需要补充信息" and set(measure["missing"]) == {"resident", "industry"}


@pytest.mark.parametrize(
    ("profile", "field"),
    [({"revenue": -1}, "revenue"), ({"revenue": "3吨"}, "revenue"), ({"colour": "red"}, "colour")],
)
def test_bad_profiles_are_422_naming_the_field(client: TestClient, profile: dict[str, Any], field: str) -> None:
    r = client.post("/api/eligibility", json={"profile": profile})
    assert r.status_code == 422
    assert f"'{field}'" in r.json()["detail"]


def test_conditions_of_a_document(client: TestClient) -> None:
    r = client.get("/api/documents/guokefazheng-2017-115/conditions")
    assert r.status_code == 200
    first, second = r.json()
    assert first["combination"] == "all" and second["combination"] == "any"
    employees = next(c for c in first["conditions"] if c["attribute"] == "employees")
    assert employees["condition"] == "职工人数 ≤ 500人" and employees["comparator"] == "≤"
    assert client.get("/api/documents/nope/conditions").status_code == 404
    assert client.post("/api/eligibility", json={"profile": GOOD, "doc_ids": ["nope"]}).status_code == 404


def test_openapi_declares_the_routes_and_their_statuses(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (("/api/eligibility", "post"), ("/api/documents/{doc_id}/conditions", "get")):
        assert {"200", "404", "422"} <= set(paths[path][method]["responses"])


def run_cli(workspace: Path, *args: str) -> int:
    return cli.main(["--index", str(workspace / "index"), "--corpus", str(workspace / "corpus"), *args])


def test_cli_check(workspace: Path, bot: PolicyBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("region: 河北省\nemployees: 600\nrevenue: 1.2亿元\n", "utf-8")
    assert run_cli(workspace, "check", "--profile", str(profile), "--doc", "guokefazheng-2017-115") == 0
    out = capsys.readouterr().out
    assert "第六条）：不符合" in out and "职工人数 ≤ 500人（您的情况：600人）" in out
    assert run_cli(workspace, "check", "--profile", str(profile), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert {m["doc_id"] for m in data["measures"]} == set(DOCS)


def test_cli_bad_profile_is_one_line(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "bad.yaml"
    profile.write_text("revenue: 12 bananas\n", "utf-8")
    assert run_cli(workspace, "check", "--profile", str(profile)) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("policybot: error: profile field 'revenue'") and "\n" not in err


def test_chat_says_the_verdict_first_then_the_deciding_condition(bot: PolicyBot) -> None:
    answer = bot.ask("我们是河北的一家规模以上工业企业，能申请机器人专项资金吗？")
    assert not answer.refused, answer.notes
    assert answer.text.startswith("结论：不符合。")
    assert "在东莞市内注册" in answer.text
    assert any("在东莞市内注册" in c.quote and "申报条件" in c.section for c in answer.citations)
    open_ = bot.ask("我们是东莞的一家规模以上工业企业，能申请机器人专项资金吗？")
    assert open_.text.startswith("结论：需要补充信息。") and "请补充" in open_.text


def test_the_form_and_the_cards(bot: PolicyBot) -> None:
    values = {
        "region": " 河北省 ",
        "employees": "600",
        "credit": "否",
        "violation": "未说明",
        "recognition_said": False,
    }
    profile = form_profile(values)
    assert profile == {"region": "河北省", "employees": "600", "credit": False}
    out = eligibility_out(parse_profile(profile), bot.check_eligibility(parse_profile(profile)))
    html = cards_html(out.measures)
    assert html.count('class="pb-card"') == len(out.measures) == 4
    assert "✘" in html and "“(二)职工总数不超过500人" in html and "申报截止" in html
    assert "<script" not in cards_html([out.measures[0].model_copy(update={"name": "<script>x</script>"})])


@pytest.mark.browser
def test_browser_eligibility_tab(workspace: Path, bot: PolicyBot, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail("needs Debian's chromium: run `bash .ci/system-deps.sh` (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    app = create_app(make_settings(workspace), bot)
    with running(app, timeout=60) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1400})
            page.goto(f"{url}/")
            page.get_by_role("tab", name="资格自查").click()
            page.fill("#pb-el-region input, #pb-el-region textarea", "广东省东莞市")
            page.fill("#pb-el-employees input, #pb-el-employees textarea", "600")
            page.fill("#pb-el-revenue input, #pb-el-revenue textarea", "1.2亿元")
            page.click("#pb-el-check")
            page.wait_for_selector("#pb-el-result .pb-card", timeout=60_000)
            cards = page.locator("#pb-el-result .pb-card")
            assert cards.count() == 4
            verdicts = [cards.nth(i).get_attribute("data-verdict") for i in range(4)]
            assert "不符合" in verdicts and "需要补充信息" in verdicts
            text = page.inner_text("#pb-el-result")
            assert "✘ 职工人数 ≤ 500人（您的情况：600人）" in text and "✔ 注册地" in text and "申报截止" in text
            shot = tmp_path / "eligibility.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            if os.environ.get("POLICYBOT_WRITE_SCREENSHOT") == "1":
                shutil.copy(shot, ROOT / "docs" / "eligibility.png")
        finally:
            browser.close()
