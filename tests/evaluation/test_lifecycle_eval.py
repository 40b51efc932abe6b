"""The lifecycle eval on a real index: a set that holds passes its gates; a wrong expectation,
a missing link or a wrong open window fails them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from policybot.evaluation.lifecycle import eval_lifecycle, gate_failures, load_lifecycle_set, run_lifecycle
from policybot.service import PolicyBot

SET: dict[str, Any] = {
    "as_of": "2024-06-30",
    "statuses": [
        {"id": "s1", "doc": "beijing-sme-regulation-2020", "expect": "现行",
         "question": "截至2024年6月30日，北京市促进中小企业发展条例是否有效？"},
        {"id": "s2", "doc": "sme-promotion-law-2017", "as_of": "2017-12-31", "expect": "未生效",
         "question": "2017年12月31日，修订后的中小企业促进法施行了吗？"},
    ],
    "facts": [{"id": "f1", "doc": "caishui-2015-119", "kind": "repeals", "refs": ["财税〔2013〕70号"]}],
    "links": {
        "expected": [
            {"source": "beijing-sme-regulation-2020", "kind": "local_version", "target": "sme-promotion-law-2017"}
        ],
        "none_of_kind": ["repeals"],
    },
    "open_windows": [{"id": "w1", "as_of": "2016-05-10", "docs": ["dongguan-robot-fund-2016"]}],
    "questions": [{"id": "q1", "question": "哪个文件废止了财税〔2013〕70号？", "doc": "caishui-2015-119",
                   "must_contain": ["财税〔2013〕70号"]}],
}  # fmt: skip


def test_a_set_that_holds_passes(lifecycle_bot: PolicyBot, tmp_path: Path) -> None:
    path = tmp_path / "lifecycle.yaml"
    path.write_text(yaml.safe_dump(SET, allow_unicode=True), "utf-8")
    text, failures = run_lifecycle(lifecycle_bot, path, tmp_path / "reports")
    assert failures == [] and "status_accuracy | 1.0" in text
    assert (tmp_path / "reports" / "lifecycle.json").is_file()
    assert load_lifecycle_set(path)["as_of"] == "2024-06-30"


def test_wrong_expectations_fail_the_gates(lifecycle_bot: PolicyBot) -> None:
    wrong = {
        **SET,
        "statuses": [{**SET["statuses"][0], "expect": "已废止"}],
        "links": {"expected": [{"source": "sat-2015-97", "kind": "repeals", "target": "caishui-2015-119"}]},
        "open_windows": [{"id": "w1", "as_of": "2017-05-10", "docs": ["dongguan-robot-fund-2016"]}],
    }
    report = eval_lifecycle(lifecycle_bot, wrong)
    failed = " ".join(gate_failures(report))
    for name in ("status_accuracy", "answer_status_accuracy", "link_recall", "open_window_accuracy"):
        assert name in failed


def test_ask_as_of_sends_the_day_with_the_request(lifecycle_bot: PolicyBot) -> None:
    item = {"id": "s1", "doc": "beijing-sme-regulation-2020", "as_of": "2020-11-30", "expect": "未生效",
            "question": "北京市促进中小企业发展条例施行了吗？"}  # fmt: skip
    sent = eval_lifecycle(lifecycle_bot, {"statuses": [{**item, "ask_as_of": True}]})
    assert sent.metrics["answer_status_accuracy"] == 1.0 and sent.metrics["status_cited"] == 1.0
    assert sent.failures == [] and sent.uncaveated == 0
    unsent = eval_lifecycle(lifecycle_bot, {"statuses": [item]})  # asked about today: 现行, not 未生效
    assert unsent.metrics["status_accuracy"] == 1.0 and unsent.metrics["answer_status_accuracy"] == 0.0
