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


_TITLES = {"seed": "the seed document", "corpus": "the development corpus"}


def _markdown(results: dict[str, tuple[Report | None, Report | None]], failures: list[str]) -> str:
    lines = [f"# policybot eval — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", ""]
    for name, (retrieval, answers) in results.items():
        lines += [f"# Set: {_TITLES.get(name, name)} ({name})", "", *_set_markdown(retrieval, answers)]
    lines += ["## Gates", ""] + ([f"- FAILED: {f}" for f in failures] or ["- all passed"])
    return "\n".join(lines) + "\n"


def _set_markdown(retrieval: Report | None, answers: Report | None) -> list[str]:
    lines: list[str] = []
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
            "wrong_value_rate",
            "latency_ms_p50",
            "latency_ms_p95",
        ):
            lines.append(_row(key, ours.get(key), base.get(key)))
        for cat, value in ours["by_category"].items():
            lines.append(_row(f"accuracy: {cat}", value, base.get("by_category", {}).get(cat)))
        for genre, value in ours.get("by_genre", {}).items():
            lines.append(_row(f"accuracy in genre: {genre}", value, base.get("by_genre", {}).get(genre)))
        wrong = [r for r in answers.rows if not r["correct"] or r.get("cited_ok") is False]
        if wrong:
            lines += ["", "Wrong or badly cited:"]
            lines += [f"- {r['id']} [{r['category']}] {r['question']} → {r['answer'][:120]!r}" for r in wrong]
        lines.append("")
    return lines


def _data(retrieval: Report | None, answers: Report | None) -> dict[str, Any]:
    return {
        "retrieval": None if retrieval is None else {"metrics": retrieval.metrics, "rows": retrieval.rows},
        "answers": None if answers is None else {"metrics": answers.metrics, "rows": answers.rows},
    }


def write_reports(out_dir: Path, results: dict[str, tuple[Report | None, Report | None]], failures: list[str]) -> str:
    """Write the reports atomically; return the Markdown summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = results.get("seed", (None, None))
    data: dict[str, Any] = {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **_data(*seed)}
    for name, pair in results.items():
        if name != "seed":
            data[name] = _data(*pair)
    data["gates_failed"] = failures
    text = _markdown(results, failures)
    for name, content in (("latest.json", json.dumps(data, ensure_ascii=False, indent=2)), ("latest.md", text)):
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(content, "utf-8")
        os.replace(tmp, out_dir / name)
    return text
