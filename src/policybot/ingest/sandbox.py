"""Bounded parsing: read a document in a child process with a memory and a time limit.

A hostile or broken upload (a DOCX that inflates to gigabytes of tiny paragraphs, a PDF that makes
the parser spin) must not take the service down or hold the write lock for minutes. ``load_bounded``
runs ``loading.load`` in a forked child (fork, not spawn: a spawned child would re-import the
caller's main script), caps the child's address space with ``resource.setrlimit`` and kills it when
the time is up. The child only parses; it never touches the model, the index or the server's
threads. Whatever goes wrong comes back as one ``DocumentError`` naming the file.
"""

from __future__ import annotations

import multiprocessing
import resource
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from policybot.errors import DocumentError
from policybot.ingest.loading import DEFAULT_MAX_BYTES, check_file, import_parsers, load
from policybot.records import LoadedText

__all__ = ["ParseLimits", "load_bounded"]

_MIB = 1024 * 1024
_context = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class ParseLimits:
    """How much one document may cost to read: file size, extra memory and wall-clock time."""

    max_bytes: int = DEFAULT_MAX_BYTES
    memory_bytes: int = 1536 * _MIB
    seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or self.memory_bytes < 64 * _MIB or self.seconds <= 0:
            raise ValueError(f"parse limits out of range: {self}")


def load_bounded(path: Path, limits: ParseLimits | None = None) -> LoadedText:
    """``load(path)`` in a child process under ``limits``; raises ``DocumentError`` on any failure."""
    limits = limits or ParseLimits()
    check_file(Path(path))  # a missing or unsupported file is refused here, with its own error type
    import_parsers()  # once, in this process: the forked children inherit them
    receiver, sender = _context.Pipe(duplex=False)
    child = _context.Process(target=_child, args=(sender, Path(path), limits), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.seconds):
            raise DocumentError(f"{Path(path).name} took more than {limits.seconds:g}s to read; it is refused")
        outcome = receiver.recv()
    except EOFError:
        child.join(5)
        raise DocumentError(_died(Path(path).name, child.exitcode, limits)) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if isinstance(outcome, LoadedText):
        return outcome
    raise DocumentError(str(outcome))


def _died(name: str, code: int | None, limits: ParseLimits) -> str:
    return (
        f"{name} could not be read within {limits.memory_bytes // _MIB} MiB of memory "
        f"(the reader stopped{'' if code is None else f' with code {code}'}); it is refused"
    )


def _child(sender: Connection, path: Path, limits: ParseLimits) -> None:
    _limit_memory(limits.memory_bytes)
    cpu = int(limits.seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        result: LoadedText | str = load(path, max_bytes=limits.max_bytes)
    except DocumentError as exc:
        result = exc.message
    except MemoryError:
        result = _died(path.name, None, limits)
    except Exception as exc:  # a parser bug must come back as a refusal, not kill the caller
        result = f"{path.name} could not be read ({type(exc).__name__})"
    try:
        sender.send(result)
    except MemoryError:
        sender.send(_died(path.name, None, limits))
    finally:
        sender.close()


def _limit_memory(extra: int) -> None:
    """Cap the address space at what the child maps now plus ``extra``."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        mapped = int(handle.read().split()[0]) * resource.getpagesize()
    limit = mapped + extra
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
