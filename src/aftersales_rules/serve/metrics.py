"""``Metrics``: what ``GET /metrics`` shows, in Prometheus text, one registry per service.

A registry of its own (not prometheus_client's global one): two services in one process (tests, an
embedding program) count apart.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
# seconds: an evaluation takes about a millisecond; a batch or a timed-out request up to the time limit
BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class Metrics:
    """The service's counters, gauges and the latency histogram."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.evaluations = Counter(
            "aftersales_evaluations", "Cases decided, by resolution and issue kind.", ["resolution", "kind"], registry=r
        )
        self.errors = Counter(
            "aftersales_errors", "Requests refused or failed, by problem code (not_json, invalid_case, ...).",
            ["code"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "aftersales_request_duration_seconds", "Time to answer, by endpoint.", ["endpoint"], buckets=BUCKETS,
            registry=r,
        )  # fmt: skip
        self.reloads = Counter("aftersales_reloads", "Policy reloads that put a new policy in service.", registry=r)
        self.failed_reloads = Counter(
            "aftersales_reload_failures", "Policy reloads that failed (the previous policy kept serving).", registry=r
        )
        self.policy_loaded = Gauge(
            "aftersales_policy_loaded_timestamp_seconds", "When the policy in service was loaded.", registry=r
        )
        self.policy_info = Gauge(
            "aftersales_policy_info", "The policy in service (1) by name, version and digest.",
            ["name", "version", "digest"], registry=r,
        )  # fmt: skip
        self.shadow_compared = Counter(
            "aftersales_shadow_compared", "Cases the shadow policy decided as well.", registry=r
        )
        self.shadow_differences = Counter(
            "aftersales_shadow_differences", "Cases the shadow policy decided differently, by issue kind.", ["kind"],
            registry=r,
        )  # fmt: skip
        self.shadow_dropped = Counter(
            "aftersales_shadow_dropped", "Cases not tried on the shadow policy: its queue was full.", registry=r
        )
        self.shadow_queue = Gauge("aftersales_shadow_queue", "Cases waiting for the shadow policy.", registry=r)

    def policy(self, name: str, version: str, digest: str, loaded_at: float) -> None:
        """The policy now in service (the previous one's info series is removed)."""
        self.policy_info.clear()
        self.policy_info.labels(name, version, digest).set(1)
        self.policy_loaded.set(loaded_at)

    def render(self) -> bytes:
        return generate_latest(self.registry)
