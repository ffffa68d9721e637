"""``aftersales serve``: the policy as an HTTP decision service (the optional extra ``serve``).

``create_app(Settings(rules=Path("rules")))`` is an ASGI application: ``POST /v1/plans`` and the rest
(docs/service.md). Only the command line imports this package; it never imports the command line.
"""

from __future__ import annotations

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
