"""The lifecycle eval (``eval/lifecycle.yaml``): statuses on fixed dates, lifecycle facts, links
between corpus documents, windows open on a date, and questions about all of them answered end
to end. Gates: status accuracy, every stated status cited, no uncaveated citation of a document
that is not in force."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from policybot.errors import ConfigError
from policybot.lifecycle.calendar import CalendarQuery, select
from policybot.lifecycle.links import Lifecycle
from policybot.lifecycle.model import FactKind, Status
from policybot.records import Answer

if TYPE_CHECKING:
    from policybot.service import PolicyBot

__all__ = ["LIFECYCLE_GATES", "LifecycleReport", "eval_lifecycle", "run_lifecycle"]

LIFECYCLE_GATES = {
    "status_accuracy": 0.95,
    "answer_status_accuracy": 0.95,
    "status_cited": 1.0,
    "fact_accuracy": 0.90,
    "link_recall": 1.0,
    "link_precision": 1.0,
    "open_window_accuracy": 1.0,
    "question_accuracy": 0.85,
}
_STATUS_WORDS = [s.value for s in Status]


@dataclass
class LifecycleReport:
    metrics: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # item ids that failed, with why
    uncaveated: int = 0  # answers citing a document not in force today without saying so


def _day(value: Any) -> date:
    return date.fromisoformat(str(value))


def load_lifecycle_set(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"eval set {path} not found")
    data = yaml.safe_load(path.read_text("utf-8"))
    if not isinstance(data, dict) or "statuses" not in data:
        raise ConfigError(f"{path}: expected a mapping with statuses, facts, links, open_windows, questions")
    return data


def _ratio(good: int, total: int) -> float:
    return round(good / total, 4) if total else 1.0


def _status_cited(answer: Answer, life: Lifecycle, doc: str, day: date) -> bool:
    """The answer states a status and cites the fact the status rests on."""
    facts = life.status(doc, day).facts
    quotes = {f.quote.strip() for f in facts}
    return any(w in answer.text for w in _STATUS_WORDS) and any(c.quote.strip() in quotes for c in answer.citations)


def _uncaveated(answer: Answer, life: Lifecycle, today: date) -> bool:
    cited = {c.doc_id for c in answer.citations}
    off = {d for d in cited if d in life.documents and life.status(d, today).status is not Status.IN_FORCE}
    noted = {n.split()[1] for n in answer.notes if n.startswith("status: ")}
    return bool(off - noted)


def _statuses(bot: PolicyBot, life: Lifecycle, data: dict[str, Any], report: LifecycleReport) -> None:
    default = _day(data.get("as_of", date.today().isoformat()))
    direct = asked = stated = cited = 0
    items = data["statuses"]
    for item in items:
        day = _day(item.get("as_of", default))
        expect = Status(item["expect"])
        got = life.status(item["doc"], day)
        if got.status is expect and got.facts:
            direct += 1
        else:
            report.failures.append(f"{item['id']}: status {got.status.value}, expected {expect.value}")
        request_day = day if item.get("ask_as_of") else None  # the day sent as the request's as_of
        answer = bot.ask(item["question"], as_of=request_day)
        report.uncaveated += _uncaveated(answer, life, request_day or date.today())
        asked += 1
        said = [w for w in _STATUS_WORDS if w in answer.text.split("（注意")[0]]
        if said[:1] == [expect.value] and any(c.doc_id == item["doc"] for c in answer.citations):
            stated += 1
        else:
            report.failures.append(f"{item['id']}: answer {answer.text[:60]!r}")
        cited += _status_cited(answer, life, item["doc"], day)
    report.metrics.update(
        status_accuracy=_ratio(direct, len(items)),
        answer_status_accuracy=_ratio(stated, asked),
        status_cited=_ratio(cited, asked),
    )


def _facts(life: Lifecycle, data: dict[str, Any], report: LifecycleReport) -> None:
    good = 0
    for item in data.get("facts", []):
        facts = life.facts_of(item["doc"], {FactKind(item["kind"])})
        ok = any(
            ("on" not in item or f.on == _day(item["on"]))
            and ("until" not in item or f.until == _day(item["until"]))
            and set(item.get("refs", [])) <= {r.number for r in f.refs}
            for f in facts
        )
        good += ok
        if not ok:
            report.failures.append(f"{item['id']}: no {item['kind']} fact as expected in {item['doc']}")
    report.metrics["fact_accuracy"] = _ratio(good, len(data.get("facts", [])))


def _links(life: Lifecycle, data: dict[str, Any], report: LifecycleReport) -> None:
    spec = data.get("links", {})
    want = {(x["source"], x["kind"], x["target"]) for x in spec.get("expected", [])}
    kinds = {x["kind"] for x in spec.get("expected", [])} | set(spec.get("none_of_kind", []))
    have = {(lk.source, lk.kind.value, lk.target) for lk in life.links if lk.kind.value in kinds}
    report.metrics["link_recall"] = _ratio(len(want & have), len(want))
    report.metrics["link_precision"] = _ratio(len(want & have), len(have))
    report.failures += [f"link missing: {x}" for x in sorted(want - have)]
    report.failures += [f"link not expected: {x}" for x in sorted(have - want)]


def _windows(bot: PolicyBot, life: Lifecycle, data: dict[str, Any], report: LifecycleReport) -> None:
    good = total = 0
    calendar = bot.lifecycle().calendar
    for item in data.get("open_windows", []):
        day = _day(item["as_of"])
        docs = {e.doc_id for e in select(calendar, CalendarQuery(as_of=day, open_only=True))}
        total += 1
        good += docs == set(item["docs"])
        if docs != set(item["docs"]):
            report.failures.append(f"{item['id']}: open {sorted(docs)}")
        if item.get("question"):
            request_day = day if item.get("ask_as_of") else None
            answer = bot.ask(item["question"], as_of=request_day)
            report.uncaveated += _uncaveated(answer, life, request_day or date.today())
            total += 1
            ok = {c.doc_id for c in answer.citations} == set(item["docs"]) and not answer.refused
            good += ok
            if not ok:
                report.failures.append(f"{item['id']}: answer {answer.text[:60]!r}")
    report.metrics["open_window_accuracy"] = _ratio(good, total)


def _questions(bot: PolicyBot, life: Lifecycle, data: dict[str, Any], report: LifecycleReport) -> None:
    good = 0
    items = data.get("questions", [])
    for item in items:
        answer = bot.ask(item["question"])
        report.uncaveated += _uncaveated(answer, life, date.today())
        ok = (
            not answer.refused
            and any(c.doc_id == item["doc"] for c in answer.citations)
            and all(x in answer.text for x in item.get("must_contain", []))
        )
        good += ok
        if not ok:
            report.failures.append(f"{item['id']}: answer {answer.text[:60]!r}")
    report.metrics["question_accuracy"] = _ratio(good, len(items))


def eval_lifecycle(bot: PolicyBot, data: dict[str, Any]) -> LifecycleReport:
    life = bot.lifecycle().lifecycle
    report = LifecycleReport()
    _statuses(bot, life, data, report)
    _facts(life, data, report)
    _links(life, data, report)
    _windows(bot, life, data, report)
    _questions(bot, life, data, report)
    report.metrics["uncaveated_citations"] = report.uncaveated
    return report


def gate_failures(report: LifecycleReport) -> list[str]:
    out = [
        f"lifecycle {name} {report.metrics.get(name, 0.0):.3f} < {floor}"
        for name, floor in LIFECYCLE_GATES.items()
        if report.metrics.get(name, 0.0) < floor
    ]
    if report.uncaveated:
        out.append(f"lifecycle: {report.uncaveated} answer(s) cite a document not in force without saying so")
    return out


def run_lifecycle(bot: PolicyBot, path: Path, out_dir: Path) -> tuple[str, list[str]]:
    """Run the set at ``path``, write ``lifecycle.md`` / ``lifecycle.json`` to ``out_dir``."""
    report = eval_lifecycle(bot, load_lifecycle_set(path))
    failures = gate_failures(report)
    lines = ["## Lifecycle", "", "| metric | value | gate |", "|---|---|---|"]
    for name, value in report.metrics.items():
        gate = LIFECYCLE_GATES.get(name)
        lines.append(f"| {name} | {value} | {'' if gate is None else f'≥ {gate}'} |")
    lines += ["", *(f"- {f}" for f in report.failures)] if report.failures else []
    text = "\n".join(lines) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "lifecycle.md").write_text(text, "utf-8")
    data = {"metrics": report.metrics, "failures": report.failures, "gate_failures": failures}
    (out_dir / "lifecycle.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    return text, failures
