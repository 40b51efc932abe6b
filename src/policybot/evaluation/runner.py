"""The eval suite: retrieval (hit@1, hit@3, MRR) and answers (facts, citations, refusals, latency),
each scored for policybot and, in the same run, for a naive LangChain baseline.

The baseline is what a plain RAG tutorial builds: RecursiveCharacterTextSplitter over the raw
text, the same embedding model, LangChain's FAISS store, and the top chunk as the answer.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from policybot.errors import ConfigError, DocumentError
from policybot.ingest.structure import parse
from policybot.records import PATH_SEP, Document

if TYPE_CHECKING:
    from policybot.service import PolicyBot

__all__ = ["GATES", "NaiveBaseline", "run_eval", "section_matches"]

#: Quality gates enforced by ``policybot eval --check`` (and so by CI). The seed's answer, citation and
#: refusal gates are its scores before the quote-first layer (0.919, 0.98, 0.955 with the seed alone
#: indexed): issue 8 asks that they do not drop (2026-12-04: 0.97, 0.99, 1.0 with all 13 documents).
GATES = {
    "retrieval_hit@3": 0.95,
    "answer_accuracy": 0.919,
    "answer_accuracy_deadline_target": 0.95,
    "citation_accuracy": 0.98,
    "refusal_recall": 0.95,
}

#: Gates on the development corpus (``*-corpus.yaml``): issue 8's goals (accuracy 0.95 overall and
#: 0.90 in every genre, citations 0.95, refusal recall 0.95, false refusals 0.03, wrong values 0.01),
#: which the answer layer meets (2026-12-03, fourth session: accuracy 0.992, genres >= 0.974,
#: citations 1.0, refusal recall 0.981, false refusals 0.0, wrong values 0.008). The wrong-value gate
#: is 0.013, one answer (of 243) above the goal, so that a single tie broken otherwise on another CPU
#: does not stop CI; the closing note reports the figure against the goal.
CORPUS_GATES = {
    "retrieval_hit@3": 0.92,
    "answer_accuracy": 0.95,
    "citation_accuracy": 0.95,
    "refusal_recall": 0.95,
    "false_refusal_rate": 0.03,
    "wrong_value_rate": 0.013,
}
#: The floor of answer accuracy in every genre of the corpus (issue 8's goal).
GENRE_FLOOR = 0.90
#: The eval sets: (name, retrieval file, answer file). "seed" is the first document's set.
SETS = (("seed", "retrieval.yaml", "questions.yaml"), ("corpus", "retrieval-corpus.yaml", "questions-corpus.yaml"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def section_matches(expected: str | Sequence[str], path: Sequence[str]) -> bool:
    """Do the expected segments appear as a contiguous run of ``path`` (each a prefix)?"""
    options = [expected] if isinstance(expected, str) else list(expected)
    cited = [_squash(p) for p in path]
    for option in options:
        want = [_squash(s) for s in option.split("›")]
        for i in range(len(cited) - len(want) + 1):
            if all(cited[i + j].startswith(w) for j, w in enumerate(want)):
                return True
    return False


def _contains(text: str, needle: str | Sequence[str]) -> bool:
    hay = _squash(text).lower()
    options = [needle] if isinstance(needle, str) else list(needle)
    return any(_squash(o).lower() in hay for o in options)


def load_set(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(f"eval set {path} not found")
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise ConfigError(f"{path}: expected a list of mappings")
    for n, item in enumerate(data, start=1):
        needed = ["id", "question"] + (["section"] if item.get("answerable", True) and "kind" in item else [])
        missing = [k for k in needed if not item.get(k)]
        if missing:
            raise ConfigError(f"{path}: item {n} ({item.get('id', 'no id')}) has no {', '.join(missing)}")
    ids = [str(x["id"]) for x in data]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: duplicate ids")
    return data


@dataclass
class Cited:
    """One ranked result or citation, as the scorer sees it."""

    doc_id: str
    paths: list[tuple[str, ...]]


class NaiveBaseline:
    """Fixed-size chunks of the raw text in LangChain's FAISS store; answers with the top chunk."""

    def __init__(self, bot: PolicyBot, *, chunk_size: int = 300, chunk_overlap: int = 50) -> None:
        from langchain_community.vectorstores import FAISS
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from policybot.embedding.model import LangChainEmbeddings
        from policybot.ingest.loading import load

        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        for doc in bot.documents():
            source = Path(doc.meta.source)
            try:
                raw = load(source).text if source.exists() else doc.text
            except DocumentError:
                raw = doc.text
            locator = _Locator(doc)
            for piece in splitter.split_text(raw):
                texts.append(piece)
                metas.append({"doc_id": doc.meta.doc_id, "paths": [list(p) for p in locator.paths(piece)]})
        self.store = FAISS.from_texts(texts, LangChainEmbeddings(bot.embedder), metadatas=metas)

    def search(self, question: str, k: int) -> list[tuple[str, Cited]]:
        docs = self.store.similarity_search(question, k=k)
        return [(d.page_content, Cited(d.metadata["doc_id"], [tuple(p) for p in d.metadata["paths"]])) for d in docs]


class _Locator:
    """Finds which sections of the cleaned document a piece of raw text falls in."""

    def __init__(self, doc: Document) -> None:
        self.index = [i for i, ch in enumerate(doc.text) if not ch.isspace()]
        self.squashed = "".join(doc.text[i] for i in self.index)
        self.sections = [s for s in parse(doc) if s.kind != "item"]

    def paths(self, piece: str) -> list[tuple[str, ...]]:
        target = _squash(piece)
        pos = self.squashed.find(target[:40])
        if pos < 0 or not target:
            return []
        start = self.index[pos]
        end = self.index[min(pos + len(target), len(self.index)) - 1] + 1
        return [s.path for s in self.sections if s.body_start < end and start < s.end and s.body_start < s.end]


@dataclass
class Report:
    metrics: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)


def _rank_of(item: dict[str, Any], results: list[Cited]) -> int | None:
    for rank, cited in enumerate(results, start=1):
        if item.get("doc") and cited.doc_id != item["doc"]:
            continue
        if any(section_matches(item["section"], p) for p in cited.paths):
            return rank
    return None


def _retrieval_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "hit@1": round(sum(1 for r in ranks if r == 1) / n, 3),
        "hit@3": round(sum(1 for r in ranks if r and r <= 3) / n, 3),
        "mrr": round(sum(1 / r for r in ranks if r) / n, 3),
    }


def eval_retrieval(bot: PolicyBot, items: list[dict[str, Any]], baseline: NaiveBaseline | None) -> Report:
    report = Report()
    ours: list[int | None] = []
    base: list[int | None] = []
    for item in items:
        hits = bot.search(item["question"], 10, doc_ids=item.get("scope"))
        rank = _rank_of(item, [Cited(h.chunk.doc_id, [h.chunk.section_path]) for h in hits])
        ours.append(rank)
        row = {
            "id": item["id"],
            "question": item["question"],
            "rank": rank,
            "top": hits[0].chunk.section if hits else None,
        }
        if baseline is not None:
            b_rank = _rank_of(item, [c for _t, c in baseline.search(item["question"], 10)])
            base.append(b_rank)
            row["baseline_rank"] = b_rank
        report.rows.append(row)
    report.metrics = {"questions": len(items), "policybot": _retrieval_metrics(ours)}
    if baseline is not None:
        report.metrics["baseline"] = _retrieval_metrics(base)
    return report


_STATED_VALUE = re.compile(
    r"\d|[零〇一二三四五六七八九十百千万亿两]+(?:%|％|万元|亿元|元|年|个月|日|人|名|家|项|分|倍|季度)"
)


def _score_answer(item: dict[str, Any], text: str, refused: bool, cited: list[Cited]) -> dict[str, Any]:
    """Correct when every must_contain fact is there and no must_not_contain value. A wrong answer
    that states a value (or any must_not_contain one) counts as a wrong value."""
    answerable = item.get("answerable", True)
    if not answerable:
        return {"correct": refused, "cited_ok": None, "refused": refused, "wrong_value": False}
    facts_ok = not refused and all(_contains(text, need) for need in item.get("must_contain", []))
    wrong = [w for w in item.get("must_not_contain", []) if _contains(text, w)]
    cited_ok = _rank_of(item, cited) is not None if item.get("section") else None
    correct = facts_ok and not wrong
    wrong_value = not refused and not correct and (bool(wrong) or bool(_STATED_VALUE.search(text)))
    return {"correct": correct, "cited_ok": cited_ok, "refused": refused, "wrong": wrong, "wrong_value": wrong_value}


def _answer_metrics(
    items: list[dict[str, Any]], scores: list[dict[str, Any]], latencies: list[float]
) -> dict[str, Any]:
    answerable = [s for i, s in zip(items, scores, strict=True) if i.get("answerable", True)]
    unanswerable = [s for i, s in zip(items, scores, strict=True) if not i.get("answerable", True)]
    refused = [s for s in scores if s["refused"]]
    true_refusals = sum(1 for s in unanswerable if s["refused"])
    by_cat: dict[str, list[bool]] = {}
    by_genre: dict[str, list[bool]] = {}
    for item, s in zip(items, scores, strict=True):
        by_cat.setdefault(item.get("category", "other"), []).append(bool(s["correct"]))
        if item.get("genre") and item.get("answerable", True):
            by_genre.setdefault(item["genre"], []).append(bool(s["correct"]))
    gate = [s["correct"] for i, s in zip(items, scores, strict=True) if i.get("category") in ("deadline", "target")]
    cited = [s["cited_ok"] for s in answerable if s["cited_ok"] is not None]

    def ratio(xs: Sequence[bool]) -> float | None:
        return round(sum(xs) / len(xs), 3) if xs else None  # None: no question measures it

    metrics = {
        "questions": len(items),
        "answer_accuracy": ratio([s["correct"] for s in answerable]),
        "answer_accuracy_deadline_target": ratio(gate),
        "citation_accuracy": ratio(cited),
        "refusal_precision": round(true_refusals / len(refused), 3) if refused else None,
        "refusal_recall": ratio([s["refused"] for s in unanswerable]),
        "false_refusal_rate": ratio([s["refused"] for s in answerable]),
        "wrong_value_rate": ratio([s["wrong_value"] for s in answerable]),
        "by_category": {k: ratio(v) for k, v in sorted(by_cat.items())},
    }
    if by_genre:
        metrics["by_genre"] = {k: ratio(v) for k, v in sorted(by_genre.items())}
    if latencies:
        ordered = sorted(latencies)
        metrics["latency_ms_p50"] = round(statistics.median(ordered), 1)
        metrics["latency_ms_p95"] = round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1)
    return metrics


def eval_answers(bot: PolicyBot, items: list[dict[str, Any]], baseline: NaiveBaseline | None) -> Report:
    report = Report()
    ours, base, latencies = [], [], []
    for item in items:
        started = time.perf_counter()
        answer = bot.ask(item["question"], item.get("history") or (), item.get("scope"))
        latencies.append((time.perf_counter() - started) * 1000)
        cited = [Cited(c.doc_id, [tuple(c.section.split(PATH_SEP))]) for c in answer.citations]
        score = _score_answer(item, answer.text, answer.refused, cited)
        ours.append(score)
        row = {
            "id": item["id"],
            "category": item.get("category"),
            "question": item["question"],
            "answer": answer.text,
            "refused": answer.refused,
            **score,
        }
        if baseline is not None:
            top = baseline.search(" ".join([*(item.get("history") or []), item["question"]]), 1)
            text, cit = top[0] if top else ("", Cited("", []))
            b = _score_answer(item, text, False, [cit])
            base.append(b)
            row["baseline_correct"] = b["correct"]
        report.rows.append(row)
    report.metrics = {"policybot": _answer_metrics(items, ours, latencies)}
    if baseline is not None:
        report.metrics["baseline"] = _answer_metrics(items, base, [])
    return report


def _gates(retrieval: Report | None, answers: Report | None, name: str = "seed") -> list[str]:
    """Failed gates of one set: GATES for the seed, CORPUS_GATES for the corpus."""
    gates = GATES if name == "seed" else CORPUS_GATES
    prefix = "" if name == "seed" else f"{name} "
    failures = []
    if retrieval is not None:
        value = retrieval.metrics["policybot"]["hit@3"]
        if value < gates["retrieval_hit@3"]:
            failures.append(f"{prefix}retrieval hit@3 {value} < {gates['retrieval_hit@3']}")
    if answers is not None:
        m = answers.metrics["policybot"]
        for key, floor in gates.items():
            if key == "retrieval_hit@3" or m.get(key) is None:
                continue
            upper = key in ("false_refusal_rate", "wrong_value_rate")
            if (m[key] > floor) if upper else (m[key] < floor):
                failures.append(f"{prefix}{key} {m[key]} {'>' if upper else '<'} {floor}")
        if name != "seed":
            for genre, value in m.get("by_genre", {}).items():
                if value < GENRE_FLOOR:
                    failures.append(f"{prefix}accuracy in genre {genre} {value} < {GENRE_FLOOR}")
    return failures


def run_eval(
    bot: PolicyBot,
    suite: str,
    *,
    out_dir: Path,
    baseline: bool = True,
    enforce: bool = False,
    echo: Callable[[str], None] = print,
) -> int:
    """Run ``suite`` (retrieval | answers | lifecycle | all) over every eval set present, print and write
    reports; 1 when a gate fails and ``enforce``."""
    eval_dir = bot.settings.eval_dir
    naive = NaiveBaseline(bot) if baseline else None
    results: dict[str, tuple[Report | None, Report | None]] = {}
    failures: list[str] = []
    for name, retrieval_file, answers_file in SETS if suite != "lifecycle" else ():
        if name != "seed" and not (eval_dir / answers_file).is_file():
            continue
        retrieval = (
            eval_retrieval(bot, load_set(eval_dir / retrieval_file), naive)
            if suite in ("retrieval", "all") and (name == "seed" or (eval_dir / retrieval_file).is_file())
            else None
        )
        answers = eval_answers(bot, load_set(eval_dir / answers_file), naive) if suite in ("answers", "all") else None
        results[name] = (retrieval, answers)
        failures += _gates(retrieval, answers, name)
    from policybot.evaluation.report import write_reports

    text = write_reports(out_dir, results, failures) if suite != "lifecycle" else ""
    if suite in ("lifecycle", "all") and (eval_dir / "lifecycle.yaml").is_file():
        from policybot.evaluation.lifecycle import run_lifecycle

        more, lifecycle_failures = run_lifecycle(bot, eval_dir / "lifecycle.yaml", out_dir)
        text, failures = text + "\n" + more, failures + lifecycle_failures
    echo(text)
    return 1 if (failures and enforce) else 0
