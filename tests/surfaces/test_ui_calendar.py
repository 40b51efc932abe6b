"""The calendar tab: the chart's rendering, and the real app in headless Chromium (screenshot)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from test_ui import CHROMIUM, CHROMIUM_ARGS

from policybot.lifecycle.calendar import CalendarQuery
from policybot.service import PolicyBot
from policybot.surfaces.server import create_app
from policybot.surfaces.ui_calendar import calendar_html
from support import ROOT, make_settings, running


@pytest.fixture(scope="module")
def cal_url(lifecycle_bot: PolicyBot, lifecycle_workspace: Path) -> Iterator[str]:
    app = create_app(make_settings(lifecycle_workspace), lifecycle_bot)
    with running(app, timeout=60) as url:
        yield f"{url}/"


def test_chart_marks_what_is_open(lifecycle_bot: PolicyBot) -> None:
    day = date(2016, 5, 10)
    entries = lifecycle_bot.calendar(CalendarQuery(as_of=day))
    page = calendar_html(entries, day)
    assert page.count('class="pb-cal-row') == len(entries)
    assert page.count('class="pb-cal-row pb-open"') == sum(e.is_open(day) for e in entries) > 0
    assert "pb-cal-today" in page and "暂无" in calendar_html([], day)


@pytest.mark.browser
def test_browser_calendar_tab(cal_url: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail("needs Debian's chromium: run `bash .ci/system-deps.sh` (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1100})
            page.goto(cal_url)
            page.get_by_role("tab", name="政策日历").click()
            page.fill("#pb-cal-date input, #pb-cal-date textarea", "2016-05-10")
            page.click("#pb-cal-refresh")
            page.wait_for_selector("#pb-calendar .pb-cal-row.pb-open", timeout=60_000)
            assert "开放中" in page.inner_text("#pb-calendar .pb-cal-row.pb-open")
            assert page.locator("#pb-calendar .pb-cal-row.pb-open").count() >= 2
            shot = tmp_path / "calendar.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            if os.environ.get("POLICYBOT_WRITE_SCREENSHOT") == "1":
                shutil.copy(shot, ROOT / "docs" / "calendar.png")
        finally:
            browser.close()
