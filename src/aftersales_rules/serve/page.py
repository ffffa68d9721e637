"""The playground page at ``/`` and the API reference at ``/docs``: every asset ships in the package.

The assets are read once, from the package (``static/``), into a table; a request can only pick one
of them by name, never name a file. Each page is answered with a strict Content-Security-Policy:
scripts, styles and requests to this service only, no inline script, no frame, no form target; and
the scripts put whatever comes from a case into the page as text (``textContent``), never as markup.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import Response

from .problems import ServiceProblem

__all__ = ["ASSETS", "CSP", "add_pages"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SAFE = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
ASSETS = ("index.html", "docs.html", "playground.js", "docs.js", "common.js", "style.css", "example.json",
          "favicon.svg")  # fmt: skip


def _read() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("aftersales_rules").joinpath("serve", "static")
    return {name: (folder.joinpath(name).read_bytes(), TYPES["." + name.rpartition(".")[2]]) for name in ASSETS}


def add_pages(app: FastAPI) -> None:
    assets = _read()

    def answer(name: str) -> Response:
        content, media_type = assets[name]
        return Response(content, media_type=media_type, headers=SAFE)

    @app.get("/", include_in_schema=False)
    async def playground() -> Response:
        return answer("index.html")

    @app.get("/docs", include_in_schema=False)
    async def reference() -> Response:
        return answer("docs.html")

    @app.get("/static/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in assets or name.endswith(".html"):
            raise ServiceProblem("not_found", "no such asset")
        return answer(name)
