"""``policybot`` command line. Errors become one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from policybot.config import Settings
from policybot.errors import InvalidQuestionError, PolicybotError
from policybot.surfaces.lifecycle_cli import add_lifecycle_commands, iso_day
from policybot.surfaces.utf8 import utf8_problem

if TYPE_CHECKING:
    from policybot.records import Document
    from policybot.service import PolicyBot
    from policybot.store.files import IndexData

__all__ = ["main", "quiet_libraries"]


def quiet_libraries() -> None:
    """Offline, and no library progress bars or warnings on stderr (ours stay)."""
    for name, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
        ("TRANSFORMERS_VERBOSITY", "error"),
        ("TOKENIZERS_PARALLELISM", "false"),
        ("GRADIO_ANALYTICS_ENABLED", "False"),
    ):
        os.environ.setdefault(name, value)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*sunset.*")


Handler = Callable[[argparse.Namespace, Settings], int]


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _bot(settings: Settings, *, require_index: bool = True) -> PolicyBot:
    """Load the model and index — after the cheap checks, so bad input fails fast."""
    from policybot.errors import IndexMissingError
    from policybot.service import PolicyBot
    from policybot.store import open_store

    store = open_store(settings)
    if require_index and store.manifest() is None:  # IndexMissingError before a model load
        raise IndexMissingError(f"no index at {store.location}: run `policybot ingest` first")
    return PolicyBot.load(settings, require_index=require_index, store=store)


def cmd_prepare_model(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.config import EmbedBackend
    from policybot.embedding.model import load_embedder

    embedder = load_embedder(settings)
    where = settings.model_dir if embedder.backend is EmbedBackend.TORCH else settings.onnx_dir
    print(f"model ready: {embedder.model_id} (dim {embedder.dimension}, {embedder.backend.value}) at {where}")
    return 0


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.ingest.loading import check_file
    from policybot.ingest.pipeline import discover

    for path in discover([Path(p) for p in args.paths] or [settings.corpus_dir]):
        check_file(path)
    bot = _bot(settings, require_index=False)
    report = bot.ingest([Path(p) for p in args.paths] or None, rebuild=args.rebuild, progress=not args.quiet)
    print(report.summary())
    for rejection in report.rejected:
        print(f"policybot: rejected {rejection.source}: {rejection.reason}", file=sys.stderr)
    return 1 if report.rejected else 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.answer.retrieval import check_query
    from policybot.surfaces.schemas import hit_out

    check_query(args.query, settings.max_question_chars)
    hits = _bot(settings).search(args.query, args.k, doc_ids=args.doc or None)
    if args.json:
        _print_json([hit_out(h, rank).model_dump() for rank, h in enumerate(hits, start=1)])
        return 0
    if not hits:
        print("no matching sections")
    for rank, hit in enumerate(hits, start=1):
        page = f" p.{hit.chunk.page}" if hit.chunk.page else ""
        print(f"[{rank}] {hit.score:.3f}  {hit.chunk.doc_id} › {hit.chunk.section}{page}")
        print("    " + hit.chunk.text.replace("\n", "\n    "))
    return 0


def _index(settings: Settings) -> IndexData:
    """The index without the model: for commands that only read what it holds."""
    from policybot.store import open_store

    store = open_store(settings)
    try:
        return store.load()
    finally:
        store.close()


def _listing(settings: Settings) -> tuple[list[Document], dict[str, int]]:
    """The indexed documents by id, and their chunk counts. On files, read from the documents and
    chunks files alone: no vectors, FAISS or keyword index (a few times faster to start)."""
    from policybot.config import StoreBackend

    if settings.store is StoreBackend.FILES:
        from policybot.store.layout import read_listing

        return read_listing(settings.index_dir)
    index = _index(settings)
    counts: dict[str, int] = {}
    for chunk in index.chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    return sorted(index.documents.values(), key=lambda d: d.meta.doc_id), counts


def cmd_documents(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.genre import instructions_in

    docs, counts = _listing(settings)
    if args.json:
        from policybot.surfaces.schemas import document_out

        _print_json([document_out(d, counts.get(d.meta.doc_id, 0)).model_dump() for d in docs])
        return 0
    for doc in docs:
        m = doc.meta
        planted = len(instructions_in(doc.text))
        warning = f"\twarning: {planted} passage(s) address an assistant" if planted else ""
        print(
            f"{m.doc_id}\t{m.doc_number or '-'}\t{m.issue_date or '-'}\t{m.issuer or '-'}\t{m.title}\t"
            f"{counts.get(m.doc_id, 0)} chunks{warning}"
        )
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    removed = _bot(settings).remove(args.doc_ids)
    print(f"removed {', '.join(removed)}")
    return 0


def cmd_facts(args: argparse.Namespace, settings: Settings) -> int:
    facts = [
        f
        for f in _index(settings).facts
        if (args.type is None or f.type == args.type) and (args.doc is None or f.doc_id == args.doc)
    ]
    if args.json:
        _print_json([f.to_dict() for f in facts])
        return 0
    for f in facts:
        norm = f" [{f.normalized}]" if f.normalized and f.type == "deadline" else ""
        print(f"{f.type}\t{f.value}{norm}\t{f.subject}\t{f.doc_id} › {f.section}")
    return 0


def cited_where(title: str, section: str) -> str:
    """Document › section path, with the title once when the path starts with it."""
    return section if section.startswith(title) else f"{title} › {section}"


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.answer.retrieval import check_query
    from policybot.surfaces.schemas import answer_out

    check_query(args.question, settings.max_question_chars)
    answer = _bot(settings).ask(args.question, args.history or (), args.doc or None, as_of=args.as_of)
    if args.json:
        _print_json(answer_out(answer).model_dump())
        return 0
    print(answer.text)
    for c in answer.citations or answer.see_also:
        page = f" p.{c.page}" if c.page else ""
        print(f"  [{c.id}] {cited_where(c.doc_title, c.section)}{page}: {c.quote}")
        if c.status:
            print(f"      ({c.status}: {c.status_reason} — {c.status_section}: {c.status_quote})")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.evaluation.eligibility import run_eligibility_eval
    from policybot.evaluation.runner import run_eval

    bot = _bot(settings)
    out_dir = Path(args.out) if args.out else settings.eval_dir / "reports"
    code = 0
    if args.suite != "eligibility":
        code = run_eval(bot, args.suite, out_dir=out_dir, baseline=not args.no_baseline, enforce=args.check)
    if args.suite in ("eligibility", "all"):
        code = max(code, run_eligibility_eval(bot.index.measures, settings.eval_dir, out_dir, enforce=args.check))
    return code


def _read_profile(path: str) -> Any:
    import yaml

    from policybot.errors import ProfileError

    try:
        data = yaml.safe_load(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise ProfileError("profile", f"{path} cannot be read ({exc.strerror or exc})") from None
    except (yaml.YAMLError, UnicodeError) as exc:
        raise ProfileError("profile", f"{path} is not valid YAML ({exc.__class__.__name__})") from None
    return data


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.eligibility.explain import explain
    from policybot.eligibility.profile import parse_profile
    from policybot.surfaces.schemas import eligibility_out

    profile = parse_profile(_read_profile(args.profile))  # a bad profile fails before the model loads
    results = _bot(settings).check_eligibility(profile, args.doc)
    if args.json:
        _print_json(eligibility_out(profile, results, args.lang).model_dump())
        return 0
    if not results:
        print("没有读到申报条件。" if args.lang == "zh" else "No conditions were found in these documents.")
    for result in results:
        print(explain(result, args.lang) + "\n")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from policybot.surfaces.server import serve

    serve(settings)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policybot", description="Cited answers from Chinese policy documents.")
    p.add_argument("--index", help="index folder (POLICYBOT_INDEX_DIR, default index/)")
    p.add_argument("--corpus", help="corpus folder (POLICYBOT_CORPUS_DIR, default corpus/)")
    p.add_argument("--model", help="a local sentence-transformers folder (POLICYBOT_MODEL_PATH)")
    p.add_argument("--store", choices=["files", "postgres"], help="where the index lives (POLICYBOT_STORE)")
    p.add_argument("--database-url", help="PostgreSQL URL for --store postgres (POLICYBOT_DATABASE_URL)")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("prepare-model", help="convert the bundled e5 model into the cache").set_defaults(
        func=cmd_prepare_model
    )
    s = sub.add_parser("ingest", help="add or update documents (default: the whole corpus folder)")
    s.add_argument("paths", nargs="*", help="files or folders; default: the corpus folder, pruning removed files")
    s.add_argument("--rebuild", action="store_true", help="re-embed everything")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_ingest)
    s = sub.add_parser("search", help="ranked sections for a question")
    s.add_argument("query")
    s.add_argument("-k", type=int, default=5, help="number of hits (default 5)")
    s.add_argument("--doc", action="append", help="only this document id (repeatable)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search)
    s = sub.add_parser("documents", help="list indexed documents")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_documents)
    s = sub.add_parser("remove", help="remove documents from the index")
    s.add_argument("doc_ids", nargs="+", metavar="DOC")
    s.set_defaults(func=cmd_remove)
    s = sub.add_parser("facts", help="deadlines, targets and parties extracted from the documents")
    s.add_argument("--type", choices=["deadline", "target", "party"])
    s.add_argument("--doc", help="only this document id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_facts)
    s = sub.add_parser("ask", help="answer a question with cited sections")
    s.add_argument("question")
    s.add_argument("--history", action="append", help="an earlier question, oldest first (repeatable)")
    s.add_argument("--doc", action="append", help="answer from this document only (repeatable doc id)")
    s.add_argument("--as-of", type=iso_day, help="statuses of cited documents on this date (YYYY-MM-DD, default today)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_ask)
    s = sub.add_parser("check", help="check an enterprise profile (YAML) against the measures' conditions")
    s.add_argument("--profile", required=True, help="a YAML file: attribute names to values (see README)")
    s.add_argument("--doc", action="append", help="only this document id (repeatable)")
    s.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the explanation")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_check)
    s = sub.add_parser("eval", help="run the eval suite and write reports")
    s.add_argument(
        "suite", nargs="?", choices=["retrieval", "answers", "eligibility", "lifecycle", "all"], default="all"
    )
    s.add_argument("--out", help="report folder (default eval/reports)")
    s.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    s.add_argument("--check", action="store_true", help="exit 1 when a quality gate fails")
    s.set_defaults(func=cmd_eval)
    sub.add_parser("serve", help="start the API and chat UI").set_defaults(func=cmd_serve)
    add_lifecycle_commands(sub)
    return p


_ARGUMENTS = {"question": "the question", "query": "the query", "doc_ids": "the document id", "paths": "the path"}


def check_arguments(args: argparse.Namespace) -> None:
    """Every text argument must be valid UTF-8.

    Python turns undecodable bytes in argv into lone surrogates (byte 0xff becomes ``\\udcff``),
    which the tokenizer, JSON output and the index cannot take: refuse them up front."""
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            problem = utf8_problem(item, from_bytes=True) if isinstance(item, str) else None
            if problem:
                label = _ARGUMENTS.get(name, f"--{name.replace('_', '-')}")
                raise InvalidQuestionError(f"{label} is {problem} (is the terminal set to UTF-8?)")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.index:
        overrides["index_dir"] = Path(args.index)
    if args.corpus:
        overrides["corpus_dir"] = Path(args.corpus)
    if args.model:
        overrides["model_path"] = Path(args.model)
    if args.store:
        overrides["store"] = args.store
    if args.database_url:
        overrides["database_url"] = args.database_url
    return Settings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_libraries()
    try:
        check_arguments(args)
        settings = _settings(args)
        return int(args.func(args, settings))
    except PolicybotError as exc:
        print(f"policybot: error: {exc.message}", file=sys.stderr)
        return 1
    except UnicodeError as exc:  # e.g. a file name in the corpus folder that is not UTF-8
        print(f"policybot: error: text that is not valid UTF-8 (a file name?): {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "settings"
        print(f"policybot: error: invalid setting {where}: {first.get('msg')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("policybot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `policybot ask … | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
