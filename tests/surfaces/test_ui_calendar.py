"""The calendar tab: the chart's rendering, and the real app in headless Chromium (screenshot)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from matplotlib.colors import to_hex
from matplotlib.dates import date2num
from test_ui import CHROMIUM, CHROMIUM_ARGS

from policybot.lifecycle.calendar import CalendarQuery
from policybot.service import PolicyBot
from policybot.surfaces.server import create_app
from policybot.surfaces.ui_calendar import CHART_ROWS, OPEN_COLOR, calendar_figure, calendar_summary
from support import ROOT, make_settings, running


@pytest.fixture(scope="module")
def cal_url(lifecycle_bot: PolicyBot, lifecycle_workspace: Path) -> Iterator[str]:
    app = create_app(make_settings(lifecycle_workspace), lifecycle_bot)
    with running(app, timeout=60) as url:
        yield f"{url}/"


def _color(mark: Any) -> str:
    return to_hex(mark.get_facecolor() if mark.get_gid().startswith("bar") else mark.get_color())


def test_chart_marks_what_is_open(lifecycle_bot: PolicyBot) -> None:
    day = date(2016, 5, 10)
    entries = lifecycle_bot.calendar(CalendarQuery(as_of=day))
    assert 0 < len(entries) <= CHART_ROWS
    ax = calendar_figure(entries, day).axes[0]
    marks = [a for a in [*ax.patches, *ax.lines] if (a.get_gid() or "").startswith(("bar-", "point-"))]
    assert len(marks) == len(entries)  # one bar or point per entry
    green = [
        a for a in marks if to_hex(a.get_facecolor() if a.get_gid().startswith("bar") else a.get_color()) == OPEN_COLOR
    ]
    assert len(green) == sum(e.is_open(day) for e in entries) > 0
    assert any(line.get_xdata()[0] == date2num(day) for line in ax.lines if not line.get_gid())  # the day's line
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any(label.startswith("[截止]") for label in labels) and any("施行" in label for label in labels)
    assert "开放中 <b>2</b>" not in calendar_summary([], day) and "共 <b>0</b> 项" in calendar_summary([], day)
    assert f"开放中 <b>{len(green)}</b> 项" in calendar_summary(entries, day)
    empty = calendar_figure([], day).axes[0]
    assert [t.get_text() for t in empty.texts] == ["暂无日历条目"]


def test_the_chart_draws_cjk_labels_with_a_cjk_font(lifecycle_bot: PolicyBot, tmp_path: Path) -> None:
    import warnings

    day = date(2016, 5, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font" would fail here
        calendar_figure(lifecycle_bot.calendar(CalendarQuery(as_of=day)), day).savefig(tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 10_000


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
            dated = "() => document.querySelector('#pb-cal-summary').innerText.includes('截至 2016-05-10')"
            page.wait_for_function(dated, timeout=60_000)  # the tab's own refresh (today) may come first
            page.wait_for_selector("#pb-calendar img", timeout=60_000)
            assert page.locator("#pb-cal-table").get_by_text("开放中").count() >= 2
            page.wait_for_timeout(500)
            shot = tmp_path / "calendar.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            if os.environ.get("POLICYBOT_WRITE_SCREENSHOT") == "1":
                shutil.copy(shot, ROOT / "docs" / "calendar.png")
            # the filter: only what is open on the day
            page.check("#pb-cal-open input")
            page.click("#pb-cal-refresh")
            same = (
                "() => { const m = document.querySelector('#pb-cal-summary').innerText"
                ".match(/共\\s*(\\d+)\\s*项，开放中\\s*(\\d+)\\s*项/); return m !== null && m[1] === m[2]; }"
            )
            page.wait_for_function(same, timeout=60_000)
            assert "施行" not in page.inner_text("#pb-cal-table")
        finally:
            browser.close()
