"""One process serving the API (``/api``, ``/v1``, probes) and the Gradio chat (``/``).

``create_app(settings, bot=None)`` builds the FastAPI app; without a bot it loads the engine once
at startup in a background thread (the first start prepares the model and ingests the corpus), so
``/healthz`` answers at once and ``/readyz`` says 503 until the index is loaded. ``serve`` runs it
with uvicorn on ``settings.host:settings.port``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policybot.config import Settings, StoreBackend
from policybot.errors import ConfigError, PolicybotError
from policybot.ingest.loading import SUPPORTED_SUFFIXES
from policybot.service import PolicyBot
from policybot.surfaces.api import UPLOAD_OVERHEAD, BotHolder, Guard, build_router, client_address

__all__ = ["configure_logging", "create_app", "load_engine", "serve"]

WORKER_HEALTHCHECK_SECONDS = 120

log = logging.getLogger("policybot.surfaces.server")
access_log = logging.getLogger("policybot.access")

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("httpx", "sentence_transformers", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)


class RequestContext:
    """Request id (``X-Request-ID``), one access log line per request, and a last-resort 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started, status, sent = time.perf_counter(), 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status, sent = message["status"], True
                MutableHeaders(scope=message).append("X-Request-ID", rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"request_id": rid})
            if not sent:
                await _internal_error(rid)(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )


class BodyLimits:
    """413 before reading an ``/api`` or ``/v1`` body whose Content-Length is over its limit.

    Bodies without a Content-Length are cut off by the routes' own ``max_body_size``."""

    def __init__(self, app: ASGIApp, request_limit: int, upload_limit: int) -> None:
        self.app, self.request_limit, self.upload_limit = app, request_limit, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(("/api/", "/v1/")):
            upload = scope["path"].rstrip("/") == "/api/documents"
            limit = self.upload_limit if upload else self.request_limit
            length = dict(scope.get("headers") or []).get(b"content-length", b"")
            if length.isdigit() and int(length) > limit:
                detail = f"the request body is {int(length)} bytes; the limit is {limit}"
                await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ChatUploads:
    """The chat's upload route (``/gradio_api/upload``) takes only what the documents tab needs:
    a supported document type, within the upload limit, and nothing once API keys are set without
    admin keys (nobody may add documents then)."""

    _PATH = re.compile(r"/gradio_api/upload/?$")
    _FILENAME = re.compile(rb'filename="([^"\r\n]*)"')

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self.limit = settings.max_upload_bytes + UPLOAD_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self._PATH.search(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self.settings.api_keys and not self.settings.admin_keys:
            await JSONResponse({"detail": "uploads are disabled: no admin keys are set"}, 403)(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await JSONResponse({"detail": f"the upload is over {self.limit} bytes"}, 413)(scope, receive, send)
                return
        names = [n.decode("utf-8", "replace") for n in self._FILENAME.findall(body)]
        bad = [n for n in names if Path(n).suffix.lower() not in SUPPORTED_SUFFIXES]
        if bad or not names:
            detail = f"{bad[0] if bad else 'the upload'}: only {', '.join(sorted(SUPPORTED_SUFFIXES))} files"
            await JSONResponse({"detail": detail}, 415)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class LoginLimits:
    """The chat's login form (``POST /login``, the API key as password) shares the API's count of
    failed key checks per client address: 429 once they reach the per-minute limit."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app, self.guard = app, guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != "/login":
            await self.app(scope, receive, send)
            return
        address = client_address((scope.get("client") or (None,))[0])
        try:
            self.guard.failures.check(address, count=False)
        except HTTPException as exc:
            await JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)(scope, receive, send)
            return

        async def count_failures(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (400, 401):
                self.guard.failures.add(address)  # gradio answers a wrong password with 400
            await send(message)

        await self.app(scope, receive, count_failures)


def _printable(text: str) -> str:
    """``text`` with anything UTF-8 cannot encode (lone surrogates) written as ``\\udc00``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _internal_error(rid: str | None) -> JSONResponse:
    return JSONResponse({"detail": "internal error", "request_id": rid}, status_code=500)


def _add_handlers(app: FastAPI) -> None:
    async def policybot_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PolicybotError)
        return JSONResponse({"detail": _printable(exc.message)}, status_code=exc.status_code)

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [  # a JSON key or message may hold a lone surrogate that UTF-8 cannot carry
            {
                "loc": [_printable(str(x)) for x in e.get("loc", ())],
                "msg": _printable(str(e.get("msg", ""))),
                "type": _printable(str(e.get("type", ""))),
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5]) or "invalid request"
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            return JSONResponse({"detail": "the request body is not JSON in UTF-8"}, status_code=422)
        return await http_exception_handler(request, exc)

    async def crash(request: Request, exc: Exception) -> JSONResponse:
        rid = getattr(request.state, "request_id", None)
        log.error("unhandled error", exc_info=exc, extra={"request_id": rid})
        return _internal_error(rid)

    app.add_exception_handler(PolicybotError, policybot_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crash)


def load_engine(holder: BotHolder, settings: Settings, *, sync_corpus: bool = True) -> None:
    """Load the engine into ``holder``. An existing index is served at once and the corpus folder
    synced behind it; with no index yet, the corpus is ingested first."""
    started = time.perf_counter()
    log.info(
        "loading the embedding model from %s (the first start converts it: a minute or so)",
        settings.model_dir,
    )
    try:
        bot = PolicyBot.load(settings, require_index=False, batch_questions=True)
    except Exception as exc:
        holder.error = f"the engine failed to load: {exc}"
        log.exception("the engine failed to load")
        return
    if bot.ready:
        holder.bot = bot  # serve the existing index at once; the corpus folder is synced behind it
        log.info("engine loaded in %.1fs: %d documents", time.perf_counter() - started, len(bot.documents()))
    if not bot.ready or (sync_corpus and settings.corpus_dir.is_dir()):
        _sync(bot, settings)
    if holder.bot is None:
        holder.bot = bot
        log.info("engine loaded in %.1fs: %d documents", time.perf_counter() - started, len(bot.documents()))


def _sync(bot: PolicyBot, settings: Settings) -> None:
    """Bring the index up to date with the corpus folder. Incremental: unchanged files are not even
    parsed; a file that cannot be read is recorded as rejected (``GET /api/documents/rejected``)."""
    log.info("bringing the index in %s up to date with %s", settings.index_dir, settings.corpus_dir)
    try:
        report = bot.ingest(progress=False)
    except PolicybotError as exc:
        log.error("ingesting %s failed (serving the existing index): %s", settings.corpus_dir, exc.message)
        return
    log.info("corpus synced: %s", report.summary())
    for rejection in report.rejected:
        log.warning("rejected %s: %s", rejection.source, rejection.reason)


def _new_app(**kwargs: Any) -> FastAPI:
    """A FastAPI app serving the Swagger UI and ReDoc assets itself, so /docs works offline."""
    try:
        from fastapi_offline import FastAPIOffline
    except ImportError:  # without fastapi-offline, /docs loads its assets from a CDN
        return FastAPI(**kwargs)
    return FastAPIOffline(**kwargs)


def create_app(
    settings: Settings,
    bot: PolicyBot | None = None,
    *,
    ui: bool = True,
    sync_corpus: bool = True,
    load_now: bool = False,
    ui_after_load: bool = False,
) -> FastAPI:
    """The API and (unless ``ui=False``) the Gradio chat at ``/``, sharing one engine. The engine
    loads in the background when the server starts, or at once with ``load_now``. With
    ``ui_after_load`` (``serve``) the chat is built and mounted once the engine has loaded, while
    the server already answers: importing Gradio and building the chat take longer than loading the
    engine, and ``/readyz`` need not wait for them; until then ``/`` says the chat is starting."""
    # several workers, or replicas sharing a database: pick up what another process committed
    holder = BotHolder(bot, follow_disk=settings.workers > 1 or settings.store is StoreBackend.POSTGRES)
    loading: list[threading.Thread] = []

    def start_loading() -> None:
        if holder.bot is None and not loading:
            loading.append(
                threading.Thread(
                    target=load_engine,
                    args=(holder, settings),
                    kwargs={"sync_corpus": sync_corpus},
                    name="policybot-load",
                    daemon=True,
                )
            )
            loading[0].start()

    if load_now:
        start_loading()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        start_loading()
        async with AsyncExitStack() as stack:  # holds a chat mounted later until shutdown
            later = asyncio.create_task(_mount_ui_later(app, holder, settings, guard, stack)) if deferred else None
            try:
                yield
            finally:
                if later is not None:
                    later.cancel()

    app = _new_app(
        title="policybot",
        version="0.1.0",
        description="Cited answers from Chinese government policy documents. Send an API key as "
        "`Authorization: Bearer KEY` or `X-API-Key: KEY` when the server has keys set.",
        lifespan=lifespan,
    )
    app.state.holder = holder
    _add_handlers(app)
    upload_limit = settings.max_upload_bytes + UPLOAD_OVERHEAD
    app.add_middleware(BodyLimits, request_limit=settings.max_request_bytes, upload_limit=upload_limit)
    guard = Guard(settings)
    app.add_middleware(LoginLimits, guard=guard)
    app.add_middleware(ChatUploads, settings=settings)
    app.add_middleware(RequestContext)
    app.include_router(build_router(holder, settings, guard))
    deferred = ui and ui_after_load
    if deferred:
        app.router.routes.append(Route("/", _chat_starting, name="chat-starting"))
    elif ui:
        _mount_ui(app, holder, settings, guard)
    return app


_STARTING = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1">
<title>policybot</title></head><body><p>聊天界面正在启动，请稍候… / The chat is starting…</p></body></html>"""


async def _chat_starting(request: Request) -> Response:
    """``/`` while the chat is being built: a page that reloads itself."""
    return HTMLResponse(_STARTING, status_code=503, headers={"Retry-After": "1"})


async def _mount_ui_later(
    app: FastAPI, holder: BotHolder, settings: Settings, guard: Guard, stack: AsyncExitStack
) -> None:
    """Once the engine has loaded (or failed to), build and mount the chat (in a thread: importing
    Gradio and building it hold the interpreter for seconds), then run Gradio's start-up on the event
    loop as ``mount_gradio_app``'s lifespan would, and drop the "starting" page."""
    while holder.bot is None and holder.error is None:
        await asyncio.sleep(0.05)
    try:
        gradio_app = await asyncio.to_thread(_mount_ui, app, holder, settings, guard)
        await stack.enter_async_context(gradio_app.router.lifespan_context(gradio_app))
        blocks = gradio_app.get_blocks()
        blocks.run_startup_events()
        await blocks.run_extra_startup_events()
    except Exception:
        log.exception("the chat failed to start (the API is served)")
        return
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "name", None) != "chat-starting"]
    log.info("chat mounted at /")


def _mount_ui(app: FastAPI, holder: BotHolder, settings: Settings, guard: Guard) -> Any:
    """Mount the Gradio chat at ``/``; returns Gradio's app."""
    import gradio as gr

    from policybot.surfaces.api import keys_match
    from policybot.surfaces.ui import UI_CSS, build_ui

    keys = [*settings.api_keys, *settings.admin_keys]
    auth: Callable[[str, str], bool] | None = None
    if settings.api_keys:

        def auth(user: str, password: str) -> bool:
            return keys_match(password, keys)

    gr.mount_gradio_app(
        app,
        build_ui(holder, settings, guard),
        path="/",
        css=UI_CSS,
        auth=auth,
        auth_message="API key as the password / 以 API 密钥作为密码",
        footer_links=["api", "settings"],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        max_file_size=settings.max_upload_bytes,
        show_error=False,  # only gr.Error messages (ours, in the UI's language) reach the user
    )
    return getattr(app.router.routes[-1], "app", None)  # the Mount that mount_gradio_app appended


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """No API keys: serve on a loopback address only, and say so."""
    if settings.api_keys:
        return
    if not is_loopback(settings.host):
        raise ConfigError(
            f"refusing to serve on {settings.host} without API keys: set POLICYBOT_API_KEYS, or serve on 127.0.0.1"
        )
    log.warning(
        "no API keys set (POLICYBOT_API_KEYS): the API and chat are open to anyone on this "
        "machine; serving on the loopback address %s only",
        settings.host,
    )


def worker_app() -> FastAPI:
    """uvicorn factory for ``workers > 1``; each worker reads its settings from the environment."""
    configure_logging()
    return create_app(Settings(), sync_corpus=False, ui_after_load=True)  # the parent process synced the corpus


def _export(settings: Settings) -> None:
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            # lists (the keys) as JSON, so a key holding a comma survives the trip
            os.environ[f"POLICYBOT_{name.upper()}"] = json.dumps(value) if isinstance(value, list) else str(value)


def serve(settings: Settings) -> None:
    """Run the API and chat with uvicorn (blocks until stopped)."""
    import uvicorn

    configure_logging()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    check_exposure(settings)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
    }
    log.info(
        "serving on http://%s:%d (chat at /, API at /api and /v1, docs at /docs)",
        settings.host,
        settings.port,
    )
    if settings.workers == 1:
        uvicorn.run(create_app(settings, load_now=True, ui_after_load=True), **options)
        return
    holder = BotHolder()  # prepare the model and the index once, before the workers start
    load_engine(holder, settings)
    del holder
    _export(settings)
    # uvicorn kills a worker that misses a 5 s health ping; a worker loading the model or embedding
    # an upload on two busy cores can, and the kill lost the request in flight (500s, 503s, restarts)
    uvicorn.run(
        "policybot.surfaces.server:worker_app",
        factory=True,
        workers=settings.workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **options,
    )
