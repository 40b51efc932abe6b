"""HTTP API: ``/api`` (ask, search, documents, facts), ``/v1`` (OpenAI-compatible) and probes.

``build_router(bot, settings)`` returns one ``APIRouter``; ``server.create_app`` mounts it beside
the Gradio UI. Request schemas live here; response schemas are the wire models of ``schemas``
(the body of ``POST /api/ask`` is exactly what ``policybot ask --json`` prints).
"""

import hashlib
import hmac
import json
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.sse import EventSourceResponse, ServerSentEvent, format_sse_event
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from policybot.config import Settings
from policybot.errors import (
    ConflictError,
    DocumentError,
    IndexMissingError,
    InvalidQuestionError,
    NotFoundError,
    StorageError,
    TooLargeError,
    UnsupportedFormatError,
)
from policybot.ingest.loading import SUPPORTED_SUFFIXES
from policybot.ingest.pipeline import doc_id_for
from policybot.service import PolicyBot
from policybot.surfaces.eligibility_routes import eligibility_routes
from policybot.surfaces.lifecycle_routes import add_lifecycle_routes
from policybot.surfaces.schemas import (
    AnswerOut,
    CitationOut,
    DocumentOut,
    FactOut,
    HitOut,
    RejectedOut,
    Text,
    answer_out,
    document_out,
    fact_out,
    hit_out,
    utf8_problem,
)

__all__ = [
    "MAX_HISTORY",
    "MODEL_NAME",
    "BotHolder",
    "Guard",
    "add_document",
    "build_router",
    "client_address",
    "keys_match",
]
__all__ += ["list_documents", "remove_document", "split_text"]

MODEL_NAME = "policybot"
MAX_HISTORY = 50  # earlier questions taken with a question (API) or kept in the chat (turns)
UPLOAD_OVERHEAD = 64 * 1024  # multipart framing allowed on top of max_upload_bytes
_QUESTION = "申报截止日期是什么时候？"


class BotHolder:
    """The engine shared by the API and the UI; empty while it loads at startup."""

    def __init__(self, bot: PolicyBot | None = None, *, follow_disk: bool = False) -> None:
        self.bot, self.follow_disk = bot, follow_disk
        self.error: str | None = None

    def get(self) -> PolicyBot:
        bot = self.bot
        if bot is None:
            raise IndexMissingError(self.error or "the engine is still loading; try again shortly")
        if self.follow_disk:  # several workers: pick up index versions another worker committed
            bot.refresh_if_changed()
        return bot

    async def dependency(self) -> PolicyBot:
        """``get`` for a route: on the event loop when it is a look-up, in the thread pool when it
        may read what another process committed (a file read or a query, perhaps a reload). A sync
        dependency costs a thread-pool hop on every request."""
        if self.follow_disk:
            return await run_in_threadpool(self.get)
        return self.get()


# ---- request and response schemas -------------------------------------------------------------


class ErrorOut(BaseModel):
    detail: str = Field(examples=["no document 'x' in the index"])
    request_id: str | None = Field(default=None, description="set on 500 responses")


class ValidationErrorOut(BaseModel):
    detail: str = Field(examples=["body.question: String should have at least 1 character"])
    errors: list[dict[str, Any]] = []


AS_OF = "ISO date (YYYY-MM-DD) the statuses of cited documents are for (default today)"


def _iso_day(value: object) -> object:
    """``YYYY-MM-DD`` only (no timestamps, no other spellings)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date written YYYY-MM-DD")
    if not isinstance(value, str | date):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: Text = Field(min_length=1, examples=[_QUESTION], description="max_question_chars max")
    history: list[Text] = Field(default=[], max_length=MAX_HISTORY, description="earlier questions, oldest first")
    doc_ids: list[Text] | None = Field(
        default=None, max_length=100, description="answer from these documents only (404 for an unknown id)"
    )
    as_of: IsoDay | None = Field(default=None, examples=["2020-11-01"], description=AS_OF)


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: Text = Field(min_length=1, examples=["申报条件"])
    k: int | None = Field(default=None, ge=1, le=100, description="number of hits (default top_k)")
    doc_ids: list[Text] | None = Field(default=None, description="only these documents")


class RemovedOut(BaseModel):
    removed: list[str]
    deleted_files: list[str] = Field(description="files deleted from the corpus folder")


class StatusOut(BaseModel):
    status: str = Field(examples=["ready"])
    documents: int | None = None
    chunks: int | None = None


class ChatPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Text = "text"
    text: Text | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ChatPart] | None = Field(default=None, examples=[_QUESTION])

    @field_validator("content")
    @classmethod
    def _utf8_content(cls, value: str | list[ChatPart] | None) -> str | list[ChatPart] | None:
        problem = utf8_problem(value) if isinstance(value, str) else None
        if problem:  # here rather than in the union, for one error with a plain location
            raise ValueError(problem)
        return value

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatCompletionIn(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature etc. are accepted and ignored
    model: Text = Field(default=MODEL_NAME, description=f"must be {MODEL_NAME!r}")
    messages: list[ChatMessageIn] = Field(min_length=1, description="last user message = question")
    stream: bool = False
    as_of: IsoDay | None = Field(default=None, examples=["2020-11-01"], description=AS_OF)


class ChatMessageOut(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChoiceOut(BaseModel):
    index: int = 0
    message: ChatMessageOut
    finish_reason: Literal["stop"] = "stop"


class ChatCompletionOut(BaseModel):
    """OpenAI ``chat.completion`` plus two policybot fields: ``citations`` and ``refused``."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_NAME
    choices: list[ChoiceOut]
    citations: list[CitationOut] = Field(description="the sections the [n] markers cite")
    refused: bool = Field(description="true when the documents do not answer the question")
    see_also: list[CitationOut] = Field(
        default=[], description="with a refusal: the nearest sections, for a person to check"
    )


class ModelOut(BaseModel):
    id: str = MODEL_NAME
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "policybot"


class ModelListOut(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {c: {"model": ErrorOut} for c in codes}
    out[422] = {"model": ValidationErrorOut, "description": "invalid request"}
    out[429] = {"model": ErrorOut, "description": "rate limited; see the Retry-After header"}
    out[500] = {"model": ErrorOut, "description": "internal error, with its request_id"}
    return out


READ = _errors(401, 413, 503)
WRITE = _errors(401, 403, 404, 409, 413, 415, 503)


# ---- auth and rate limits ---------------------------------------------------------------------


class RateLimiter:
    """Sliding one-minute window per client id."""

    def __init__(self, per_minute: int, window: float = 60.0, *, detail: str | None = None) -> None:
        self.limit, self.window = per_minute, window
        self.detail = detail or f"rate limit of {per_minute} requests per minute exceeded"
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, *, count: bool = True) -> None:
        """429 when ``client`` has used up its window; else count this request (unless ``count=False``)."""
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 10_000:  # forget idle clients
                self._hits = {k: q for k, q in self._hits.items() if q and q[-1] > now - self.window}
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                wait = str(max(1, math.ceil(hits[0] + self.window - now)))
                raise HTTPException(429, self.detail, headers={"Retry-After": wait})
            if count:
                hits.append(now)

    def add(self, client: str) -> None:
        """Count one event for ``client`` without checking the limit."""
        with self._lock:
            self._hits.setdefault(client, deque()).append(time.monotonic())


def keys_match(given: str, keys: list[str]) -> bool:
    return any(hmac.compare_digest(given.encode(), k.encode()) for k in keys)


NO_ADMIN_KEYS = (
    "uploading and removing documents needs an admin key, and no admin keys are configured (set POLICYBOT_ADMIN_KEYS)"
)


class Guard:
    """API keys (Bearer or X-API-Key), admin keys for writes, per-client rate limits.

    Failed key checks (401, and 403 for a wrong admin key) are counted per client address: once
    they reach the per-minute limit, that address gets 429 with Retry-After, even with a right key
    (so guessing keys learns nothing), until the failures are a minute old.
    With API keys but no admin keys nobody may write; with no keys at all (loopback only) anyone may.
    """

    def __init__(self, settings: Settings) -> None:
        self.keys = [*settings.api_keys, *settings.admin_keys]
        self.open, self.admin_keys = not settings.api_keys, settings.admin_keys
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        limit = settings.rate_limit_per_minute
        self.failures = RateLimiter(
            limit, detail=f"more than {limit} failed API key checks per minute from this address"
        )

    def client(self, request: Request, given: str) -> str:
        address = _address(request)
        self.failures.check(address, count=False)
        if not self.open and not keys_match(given, self.keys):
            self.failures.add(address)
            raise _unauthorized("invalid API key" if given else "missing API key")
        ident = address if self.open else "key:" + hashlib.sha256(given.encode()).hexdigest()[:16]
        self.limiter.check(ident)
        return given

    def admin(self, request: Request, given: str) -> str:
        if self.admin_keys:
            if not keys_match(given, self.admin_keys):
                self.failures.add(_address(request))
                if not given:
                    raise _unauthorized("this action needs an admin key")
                raise HTTPException(403, "this action needs an admin key")
        elif not self.open:
            raise HTTPException(403, NO_ADMIN_KEYS)
        return given


def client_address(host: str | None) -> str:
    """The rate limiters' id of a client address."""
    return "ip:" + (host or "?")


def _address(request: Request) -> str:
    return client_address(request.client.host if request.client else None)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


# ---- documents --------------------------------------------------------------------------------


def safe_filename(name: str) -> str:
    """The base name of an upload with unsafe characters replaced; the suffix must be supported."""
    path = PurePosixPath(PurePosixPath((name or "").replace("\\", "/")).name)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise UnsupportedFormatError(f"{path.name or 'upload'}: unsupported type (use {supported})")
    stem = re.sub(r"[^\w.\-]+", "-", path.stem).strip(".-_")[:120] or "document"
    return stem + path.suffix.lower()


def add_document(bot: PolicyBot, settings: Settings, filename: str, data: bytes) -> DocumentOut:
    """Save an upload into the corpus folder and ingest just that file; undo the save on failure."""
    name, limit = safe_filename(filename), settings.max_upload_bytes
    if len(data) > limit:
        raise TooLargeError(f"{name} is over the upload limit of {limit} bytes")
    if not data.strip():
        raise DocumentError(f"{name}: the file is empty")
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    target = settings.corpus_dir / name
    doc_id = doc_id_for(target)
    with bot.writing():  # across workers, replicas and a CLI ingest: the file and its commit as one
        bot.refresh_if_changed()
        if target.exists() or any(d.meta.doc_id == doc_id for d in bot.documents()):
            raise ConflictError(f"document {doc_id!r} exists; delete it first to replace it")
        target.write_bytes(data)
        try:
            bot.ingest([target])
            added = next((d for d in list_documents(bot) if d.doc_id == doc_id), None)
            if added is None:
                raise StorageError(f"{name} was read but is not in the committed index")
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    return added


def list_documents(bot: PolicyBot) -> list[DocumentOut]:
    counts: dict[str, int] = {}
    for chunk in bot.index.chunks if bot.ready else ():
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    return [document_out(d, counts.get(d.meta.doc_id, 0)) for d in bot.documents()]


def remove_document(bot: PolicyBot, settings: Settings, doc_id: str) -> RemovedOut:
    """Remove a document from the index, and its file when that lies in the corpus folder."""
    with bot.writing():  # no other writer sees the file once the index lost it
        bot.refresh_if_changed()
        docs = {d.meta.doc_id: Path(d.meta.source) for d in bot.documents()}
        if doc_id not in docs:
            raise NotFoundError(f"no document {doc_id!r} in the index")
        source, deleted = docs[doc_id], []
        removed = bot.remove([doc_id])
        if source.resolve().is_relative_to(settings.corpus_dir.resolve()) and source.is_file():
            source.unlink()
            deleted.append(source.name)
    return RemovedOut(removed=removed, deleted_files=deleted)


def split_text(text: str) -> list[str]:
    """Pieces of an answer for streaming, cut after punctuation; they join back to ``text``."""
    return [p for p in re.split(r"(?<=[，。；：、！？,.;:!?\]])", text) if p]


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


# ---- routes -----------------------------------------------------------------------------------


def build_router(bot: PolicyBot | BotHolder, settings: Settings, guard: Guard | None = None) -> APIRouter:
    """All routes: probes, ``/api`` and ``/v1``, guarded by API keys and rate limits."""
    holder = bot if isinstance(bot, BotHolder) else BotHolder(bot)
    guard = guard or Guard(settings)
    bearer = HTTPBearer(auto_error=False, description="an API key as a Bearer token")
    header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key")
    Cred = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

    # async: a key check and a rate-limit count take microseconds, a thread-pool hop more
    async def client(request: Request, cred: Cred, key: Annotated[str | None, Depends(header)]) -> str:
        return guard.client(request, (cred.credentials if cred else key) or "")

    async def admin(request: Request, given: Annotated[str, Depends(client)]) -> str:
        return guard.admin(request, given)

    router = APIRouter()
    router.include_router(_probes(holder))
    limits: dict[str, Any] = {"dependencies": [Depends(client)], "max_body_size": settings.max_request_bytes}
    api = APIRouter(
        prefix="/api",
        tags=["policybot"],
        responses=READ,
        dependencies=[Depends(client)],
        max_body_size=settings.max_request_bytes,
    )
    _ask_routes(api, holder)
    _document_routes(api, holder, admin, settings)
    eligibility_routes(api, holder, _errors)
    add_lifecycle_routes(api, holder)
    router.include_router(api)
    router.include_router(_openai_routes(holder, limits))
    return router


def _probes(holder: BotHolder) -> APIRouter:
    r = APIRouter(tags=["probes"])  # no key, no rate limit

    @r.get("/healthz", response_model=StatusOut, response_model_exclude_none=True, summary="liveness")
    def healthz() -> StatusOut:
        return StatusOut(status="ok")

    not_ready: dict[int | str, dict[str, Any]] = {503: {"model": ErrorOut, "description": "loading, or no index yet"}}

    @r.get("/readyz", response_model=StatusOut, summary="readiness", responses=not_ready)
    def readyz() -> StatusOut:
        bot = holder.bot
        if bot is None or not bot.ready:
            raise IndexMissingError(holder.error or "not ready: the engine is loading")
        return StatusOut(status="ready", documents=len(bot.documents()), chunks=len(bot.index.chunks))

    return r


def _ask_routes(r: APIRouter, holder: BotHolder) -> None:
    Bot = Annotated[PolicyBot, Depends(holder.dependency)]

    def _answer(body: AskIn, bot: PolicyBot) -> AnswerOut:
        return answer_out(bot.ask(body.question, body.history, body.doc_ids, as_of=body.as_of))

    async def answer(body: AskIn, bot: Bot) -> AnswerOut:
        return await run_in_threadpool(_answer, body, bot)  # the one thread-pool hop of a question

    Answer = Annotated[AnswerOut, Depends(answer)]

    @r.post("/ask", response_model=AnswerOut, summary="answer with cited sections", responses=_errors(404))
    async def ask(out: Answer) -> AnswerOut:
        return out

    @r.post(
        "/ask/stream", response_class=EventSourceResponse, summary="the answer as SSE events", responses=_errors(404),
        description="`chunk` events (`{\"text\": ...}`) joining to the answer text, then one "
        "`citations` event (list of CitationOut), then `done` carrying the whole AnswerOut.",
    )  # fmt: skip
    def ask_stream(out: Answer) -> Iterator[ServerSentEvent]:
        for piece in split_text(out.answer):
            yield ServerSentEvent(event="chunk", raw_data=_json({"text": piece}))
        yield ServerSentEvent(event="citations", raw_data=_json([c.model_dump() for c in out.citations]))
        yield ServerSentEvent(event="done", raw_data=_json(out.model_dump()))

    @r.post("/search", response_model=list[HitOut], summary="ranked sections for a query")
    def search(body: SearchIn, bot: Bot) -> list[HitOut]:
        hits = bot.search(body.query, body.k, doc_ids=body.doc_ids)
        return [hit_out(h, rank) for rank, h in enumerate(hits, start=1)]

    Kind = Annotated[Literal["deadline", "target", "party"] | None, Query(alias="type")]

    @r.get("/facts", response_model=list[FactOut], summary="deadlines, targets and parties")
    def facts(bot: Bot, kind: Kind = None, doc: str | None = None) -> list[FactOut]:
        return [fact_out(f) for f in bot.facts(kind, doc)]


def _document_routes(r: APIRouter, holder: BotHolder, admin: Any, settings: Settings) -> None:
    Bot = Annotated[PolicyBot, Depends(holder.dependency)]
    write: dict[str, Any] = {"responses": WRITE, "dependencies": [Depends(admin)]}

    @r.get("/documents", response_model=list[DocumentOut], summary="indexed documents")
    def documents(bot: Bot) -> list[DocumentOut]:
        return list_documents(bot)

    @r.get(
        "/documents/rejected", response_model=list[RejectedOut],
        summary="files of the corpus folder that could not be ingested, with the reason",
    )  # fmt: skip
    def rejected(bot: Bot) -> list[RejectedOut]:
        return [RejectedOut(source=r.source, reason=r.reason, at=r.at) for r in bot.rejected()]

    @r.post(
        "/documents", response_model=DocumentOut, status_code=201, **write,
        max_body_size=settings.max_upload_bytes + UPLOAD_OVERHEAD,
        summary=f"upload and index one document ({', '.join(SUPPORTED_SUFFIXES)})",
    )  # fmt: skip
    def upload(file: Annotated[UploadFile, File()], bot: Bot) -> DocumentOut:
        data = file.file.read(settings.max_upload_bytes + 1)
        return add_document(bot, settings, file.filename or "", data)

    @r.delete("/documents/{doc_id}", response_model=RemovedOut, summary="remove a document", **write)
    def delete(doc_id: str, bot: Bot) -> RemovedOut:
        return remove_document(bot, settings, doc_id)


def _openai_routes(holder: BotHolder, limits: dict[str, Any]) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["openai"], responses=READ, **limits)

    @r.get("/models", response_model=ModelListOut, summary="the one model: policybot")
    def models() -> ModelListOut:
        return ModelListOut(data=[ModelOut()])

    @r.post(
        "/chat/completions", response_model=ChatCompletionOut, summary="OpenAI-compatible chat",
        description="The last user message is the question, earlier user messages its history. "
        "Besides the OpenAI fields the body has `citations`, `refused` and `see_also` (the nearest "
        "sections of a refusal); with `stream: true` "
        "they come on the final `chat.completion.chunk`, before `data: [DONE]`.",
        responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
                   404: {"model": ErrorOut, "description": "unknown model"}},
    )  # fmt: skip
    def chat(body: ChatCompletionIn, bot: Annotated[PolicyBot, Depends(holder.dependency)]) -> Any:
        if body.model != MODEL_NAME:
            raise NotFoundError(f"model {body.model!r} not found; use {MODEL_NAME!r}")
        users = [m.text for m in body.messages if m.role == "user"]
        if not users:
            raise InvalidQuestionError("no user message: the last user message is the question")
        out = answer_out(bot.ask(users[-1], users[:-1], as_of=body.as_of))
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if body.stream:
            return StreamingResponse(_chunks(out, cid, created), media_type="text/event-stream")
        message = ChatMessageOut(content=out.answer)
        return ChatCompletionOut(id=cid, created=created, choices=[ChoiceOut(message=message)],
                                 citations=out.citations, refused=out.refused, see_also=out.see_also)  # fmt: skip

    return r


def _chunks(out: AnswerOut, cid: str, created: int) -> Iterator[bytes]:
    base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_NAME}
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"content": piece} for piece in split_text(out.answer)]
    for delta in deltas:
        choice = {"index": 0, "delta": delta, "finish_reason": None}
        yield format_sse_event(data_str=_json({**base, "choices": [choice]}))
    final = {"index": 0, "delta": {}, "finish_reason": "stop"}
    citations = [c.model_dump() for c in out.citations]
    see_also = [c.model_dump() for c in out.see_also]
    last = {**base, "choices": [final], "citations": citations, "refused": out.refused, "see_also": see_also}
    yield format_sse_event(data_str=_json(last))
    yield format_sse_event(data_str="[DONE]")
