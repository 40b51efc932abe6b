"""The eligibility eval: ``eval/eligibility.yaml`` holds profiles and questions, each checked
against one measure of the index, with the expected verdict and the deciding condition, and a
hand-labelled list of the conditions the corpus states.

Metrics: verdict accuracy; citation accuracy (the expected deciding condition is among the ones the
check gives as deciding); extraction recall (labelled conditions found with their attribute); false
符合 (told 符合 where the expected verdict is not). Gates in ``ELIGIBILITY_GATES``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from policybot.eligibility.asked import profile_from_text
from policybot.eligibility.check import check_measure
from policybot.eligibility.model import Attribute, Measure, MeasureResult, Verdict
from policybot.eligibility.profile import Profile, parse_profile
from policybot.errors import ConfigError

__all__ = ["ELIGIBILITY_GATES", "run_eligibility_eval", "score_eligibility"]

ELIGIBILITY_GATES = {"verdict_accuracy": 0.95, "citation_accuracy": 0.95, "extraction_recall": 0.9}
FALSE_ELIGIBLE_MAX = 0


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def load_eligibility(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"eval set {path} not found")
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc.__class__.__name__})") from exc
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("cases"), list)
        or not isinstance(data.get("conditions"), list)
    ):
        raise ConfigError(f"{path}: expected a mapping with 'profiles', 'conditions' and 'cases'")
    ids = [str(c.get("id")) for c in data["cases"]]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: duplicate case ids")
    return data


def _profile(case: dict[str, Any], bases: dict[str, Any]) -> Profile:
    if case.get("question"):
        return profile_from_text(case["question"])
    data = dict(bases.get(case.get("base", ""), {}))
    data.update(case.get("profile") or {})
    for name in case.get("drop", []):
        data.pop(name, None)
    return parse_profile(data)


def _cites(result: MeasureResult, expected: str) -> bool:
    want = _squash(expected)
    return any(want in _squash(r.condition.quote) or want in _squash(r.condition.item) for r in result.deciding)


def _recall(labels: list[dict[str, Any]], measures: list[Measure]) -> tuple[float, list[dict[str, Any]]]:
    missed = []
    for label in labels:
        attribute = Attribute(label["attribute"])
        want = _squash(label["quote"])
        found = any(
            c.attribute is attribute and (want in _squash(c.quote) or want in _squash(c.item))
            for m in measures
            if m.doc_id == label["doc"]
            for c in m.conditions
        )
        if not found:
            missed.append(label)
    return round(1 - len(missed) / max(len(labels), 1), 4), missed


def score_eligibility(data: dict[str, Any], measures: list[Measure]) -> dict[str, Any]:
    """Metrics and per-case rows of the eval set ``data`` over ``measures`` (the index's)."""
    by_id = {m.id: m for m in measures}
    rows = []
    for case in data["cases"]:
        measure = by_id.get(case["measure"])
        if measure is None:
            rows.append({"id": case["id"], "verdict": None, "correct": False, "cited": False, "false_eligible": False})
            continue
        result = check_measure(measure, _profile(case, data.get("profiles", {})))
        expected = Verdict(case["verdict"])
        cited = _cites(result, case["deciding"]) if case.get("deciding") else None
        rows.append(
            {
                "id": case["id"],
                "expected": expected.value,
                "verdict": result.verdict.value,
                "correct": result.verdict is expected,
                "cited": cited,
                "false_eligible": result.verdict is Verdict.ELIGIBLE and expected is not Verdict.ELIGIBLE,
                "deciding": [r.condition.quote for r in result.deciding][:3],
            }
        )
    recall, missed = _recall(data["conditions"], measures)
    citations = [bool(r["cited"]) for r in rows if r["cited"] is not None]
    metrics = {
        "cases": len(rows),
        "verdict_accuracy": round(sum(r["correct"] for r in rows) / max(len(rows), 1), 4),
        "citation_accuracy": round(sum(citations) / max(len(citations), 1), 4),
        "extraction_recall": recall,
        "false_eligible": sum(r["false_eligible"] for r in rows),
        "labelled_conditions": len(data["conditions"]),
    }
    return {"metrics": metrics, "rows": rows, "missed_conditions": missed}


def gate_failures(metrics: dict[str, Any]) -> list[str]:
    failures = [f"eligibility {k} {metrics[k]} < {v}" for k, v in ELIGIBILITY_GATES.items() if metrics[k] < v]
    if metrics["false_eligible"] > FALSE_ELIGIBLE_MAX:
        failures.append(f"eligibility false 符合 {metrics['false_eligible']} > {FALSE_ELIGIBLE_MAX}")
    return failures


def _markdown(report: dict[str, Any], failures: list[str]) -> str:
    m = report["metrics"]
    lines = [f"# policybot eligibility eval — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", ""]
    lines += ["| metric | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in m.items()]
    wrong = [r for r in report["rows"] if not r["correct"] or r["cited"] is False]
    if wrong:
        lines += ["", "Wrong verdict or deciding condition:"]
        lines += [f"- {r['id']}: expected {r.get('expected')}, got {r['verdict']} ({r.get('deciding')})" for r in wrong]
    if report["missed_conditions"]:
        lines += ["", "Labelled conditions not extracted:"]
        lines += [f"- {x['doc']} {x['attribute']}: {x['quote']}" for x in report["missed_conditions"]]
    lines += ["", "## Gates", ""] + ([f"- FAILED: {f}" for f in failures] or ["- all passed"])
    return "\n".join(lines) + "\n"


def run_eligibility_eval(
    measures: list[Measure], eval_dir: Path, out_dir: Path, *, enforce: bool, echo: Callable[[str], None] = print
) -> int:
    """Score ``eval_dir/eligibility.yaml``, write ``out_dir/eligibility.{json,md}``; 1 when a gate
    fails and ``enforce``."""
    report = score_eligibility(load_eligibility(eval_dir / "eligibility.yaml"), measures)
    failures = gate_failures(report["metrics"])
    text = _markdown(report, failures)
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {**report, "gates_failed": failures}
    for name, content in (
        ("eligibility.json", json.dumps(payload, ensure_ascii=False, indent=2)),
        ("eligibility.md", text),
    ):
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(content, "utf-8")
        os.replace(tmp, out_dir / name)
    echo(text)
    return 1 if failures and enforce else 0
