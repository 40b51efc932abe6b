"""Writing eval reports: ``eval/reports/latest.json`` (everything) and ``latest.md`` (a summary
table plus every question policybot got wrong)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policybot.evaluation.runner import Report

__all__ = ["write_reports"]


def _row(name: str, ours: Any, base: Any) -> str:
    return f"| {name} | {ours} | {base if base is not None else '-'} |"


def _markdown(retrieval: Report | None, answers: Report | None, failures: list[str]) -> str:
    lines = [f"# policybot eval — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", ""]
    if retrieval is not None:
        ours, base = retrieval.metrics["policybot"], retrieval.metrics.get("baseline", {})
        lines += [
            f"## Retrieval ({retrieval.metrics['questions']} questions)",
            "",
            "| metric | policybot | naive baseline |",
            "|---|---|---|",
        ]
        lines += [_row(k, ours[k], base.get(k)) for k in ("hit@1", "hit@3", "mrr")]
        misses = [r for r in retrieval.rows if not r["rank"] or r["rank"] > 3]
        if misses:
            lines += ["", "Missed at 3:"] + [f"- {r['id']} {r['question']} (top: {r['top']})" for r in misses]
        lines.append("")
    if answers is not None:
        ours, base = answers.metrics["policybot"], answers.metrics.get("baseline", {})
        lines += [
            f"## Answers ({ours['questions']} questions)",
            "",
            "| metric | policybot | naive baseline |",
            "|---|---|---|",
        ]
        for key in (
            "answer_accuracy",
            "answer_accuracy_deadline_target",
            "citation_accuracy",
            "refusal_precision",
            "refusal_recall",
            "false_refusal_rate",
            "latency_ms_p50",
            "latency_ms_p95",
        ):
            lines.append(_row(key, ours.get(key), base.get(key)))
        for cat, value in ours["by_category"].items():
            lines.append(_row(f"accuracy: {cat}", value, base.get("by_category", {}).get(cat)))
        wrong = [r for r in answers.rows if not r["correct"] or r.get("cited_ok") is False]
        if wrong:
            lines += ["", "Wrong or badly cited:"]
            lines += [f"- {r['id']} [{r['category']}] {r['question']} → {r['answer'][:120]!r}" for r in wrong]
        lines.append("")
    lines += ["## Gates", ""] + ([f"- FAILED: {f}" for f in failures] or ["- all passed"])
    return "\n".join(lines) + "\n"


def write_reports(out_dir: Path, retrieval: Report | None, answers: Report | None, failures: list[str]) -> str:
    """Write the reports atomically; return the Markdown summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "retrieval": None if retrieval is None else {"metrics": retrieval.metrics, "rows": retrieval.rows},
        "answers": None if answers is None else {"metrics": answers.metrics, "rows": answers.rows},
        "gates_failed": failures,
    }
    text = _markdown(retrieval, answers, failures)
    for name, content in (("latest.json", json.dumps(data, ensure_ascii=False, indent=2)), ("latest.md", text)):
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(content, "utf-8")
        os.replace(tmp, out_dir / name)
    return text
