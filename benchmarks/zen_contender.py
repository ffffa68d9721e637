"""The zen-engine contender: the reference policy's decisions as a JDM decision graph.

``zen/reference.json`` is one decision table (hit policy ``first``: the first
matching row wins, rows in the order of the policy's clauses) followed by an
expression node that caps the refund at goods + postage paid. It decides from
the same derived inputs the plain-Python baseline uses (``baseline.derive``:
goods, profit cap, within the no-reason window, seller_error, money in cents);
the time to derive them is part of this contender's time, as it is part of the
engine's.

The graph is loaded once through a static loader and evaluated with
``ZenEngine.evaluate(key, context)``, which keeps the compiled decision cached
(``ZenDecision.evaluate`` re-prepares the graph on every call in zen-engine
2.1: about 20 times slower, so it is not what a fair user would call).
"""

from __future__ import annotations

import json
from pathlib import Path

from baseline import derive, show_cents

GRAPH = Path(__file__).resolve().parent / "zen" / "reference.json"
KEY = "reference"
FIGURES = ("resolution", "return_advanced_by", "return_borne_by", "outbound_borne_by", "outbound_method")


class ZenContender:
    def __init__(self, graph: Path = GRAPH):
        import zen  # the optional `bench` dependency group

        content = json.loads(graph.read_text(encoding="utf-8"))
        self.engine = zen.ZenEngine({"loader": {"type": "static", "content": {KEY: content}}})
        self.engine.get_decision(KEY).validate()

    def evaluate(self, context: dict) -> dict:
        """zen alone, on derived inputs."""
        return self.engine.evaluate(KEY, context)["result"]

    def decide(self, case: dict) -> dict:
        """Derive the inputs, evaluate the graph: the figures, as the baseline returns them."""
        result = self.engine.evaluate(KEY, derive(case))["result"]
        out = {name: result.get(name) for name in FIGURES}  # zen leaves null outputs out
        out["refund_total"] = show_cents(int(result["refund_total"]))
        return out
