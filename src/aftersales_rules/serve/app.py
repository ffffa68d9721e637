"""``create_app``: the decision service as an ASGI application (FastAPI), ready for uvicorn.

Starting it puts the policy in service (the one given, or the rules loaded on a thread, ``/readyz``
503 until then), watches the rules folder, reloads on SIGHUP when it runs on the main thread, and
starts the shadow policy; stopping it ends all of that.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from ..policy import Policy
from .api import add_api
from .batch import add_batch
from .context import Context
from .live import LivePolicy, install_sighup
from .metrics import Metrics
from .openapi import openapi_document
from .page import add_pages
from .problems import install_handlers
from .settings import Settings
from .shadow import Shadow

__all__ = ["create_app"]


def create_app(settings: Settings, policy: Policy | None = None, candidate: Policy | None = None) -> FastAPI:
    """The service for ``settings``; ``policy`` and ``candidate`` when the caller loaded them already (the
    command line does, to report a broken policy before it listens)."""
    metrics = Metrics()
    ctx = Context(settings, metrics, LivePolicy(settings.rules, metrics, settings.debounce_ms))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.shadow is not None or candidate is not None:
            shadow_policy = candidate if candidate is not None else Policy.load(settings.shadow)  # type: ignore[arg-type]
            ctx.shadow = Shadow(shadow_policy, metrics, settings.shadow_log, settings.shadow_queue)
        if policy is not None:
            ctx.live.start(policy)
        else:
            threading.Thread(target=ctx.live.start, name="aftersales-load", daemon=True).start()
        if settings.watch:
            ctx.live.watch()
        restore = install_sighup(ctx.live)
        try:
            yield
        finally:
            restore()
            ctx.close()

    app = FastAPI(title="aftersales-rules decision service", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.context = ctx
    install_handlers(app, metrics)
    add_api(app, ctx)
    add_batch(app, ctx)
    add_pages(app)

    documents: dict[str | None, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        serving = ctx.live.policy
        key = serving.digest if serving is not None else None
        if key not in documents:  # the case's schema is fitted to the policy: made again after a reload
            documents.clear()
            documents[key] = openapi_document(app, serving)
        return documents[key]

    app.openapi = openapi  # type: ignore[method-assign]
    return app
