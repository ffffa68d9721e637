"""``POST /v1/plans`` on a loopback port against in-process evaluation: requests a second, p50 and p99.

    .venv/bin/python benchmarks/serve.py                    # 3,000 requests from 8 clients, at most 60 s
    .venv/bin/python benchmarks/serve.py --requests 500 --clients 4 --seconds 20

The same cases (``generate_cases``, every issue kind in turn, one JSON line each) are evaluated first
in this process, one call at a time (``Policy.evaluate`` and ``Plan.to_json``: what the service
does for a request, without HTTP), then posted to ``aftersales serve`` running in a subprocess
(uvicorn, default settings, ``--no-watch``) by ``--clients`` threads with a keep-alive connection
each, every answer checked against the in-process plan. Bounded: ``--requests`` in all, and the
clients stop at ``--seconds`` whatever is left. Writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from aftersales_rules import Policy
from aftersales_rules.case import ISSUE_KINDS
from aftersales_rules.testing import generate_cases

ROOT = Path(__file__).resolve().parent.parent


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _figures(name: str, latencies: list[float], wall: float) -> dict:
    return {
        "how": name,
        "requests": len(latencies),
        "per_second": len(latencies) / wall,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
    }


def in_process(policy: Policy, bodies: list[bytes]) -> tuple[dict, list[str]]:
    for body in bodies[:200]:  # warm up
        policy.evaluate(json.loads(body)).to_json()
    plans, latencies = [], []
    start = time.perf_counter()
    for body in bodies:
        t = time.perf_counter()
        plans.append(policy.evaluate(json.loads(body)).to_json() + "\n")
        latencies.append(time.perf_counter() - t)
    return _figures("in process (1 thread)", latencies, time.perf_counter() - start), plans


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback(rules: Path, bodies: list[bytes], plans: list[str], clients: int, seconds: float) -> dict:
    port = _free_port()
    command = [str(Path(sys.executable).parent / "aftersales"), "serve", str(rules), "--port", str(port), "--no-watch"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        with httpx.Client(base_url=base) as http:  # warm up
            for body in bodies[:200]:
                http.post("/v1/plans", content=body)
        latencies: list[float] = []
        wrong: list[int] = []
        lock = threading.Lock()
        turn = iter(range(len(bodies)))
        stop_at = time.monotonic() + seconds

        def client() -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                while time.monotonic() < stop_at:
                    with lock:
                        i = next(turn, None)
                    if i is None:
                        return
                    t = time.perf_counter()
                    answer = http.post("/v1/plans", content=bodies[i])
                    took = time.perf_counter() - t
                    with lock:
                        latencies.append(took)
                        if answer.text != plans[i]:
                            wrong.append(i)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        if wrong:
            raise SystemExit(f"{len(wrong)} answers differ from the in-process plans (first: case {wrong[0]})")
        return _figures(f"POST /v1/plans, loopback ({clients} clients)", latencies, wall)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0, help="the clients stop then, whatever is left")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    cases = generate_cases(args.requests, seed=2026, kinds=list(ISSUE_KINDS))
    bodies = [json.dumps(c, ensure_ascii=False).encode() for c in cases]
    policy = Policy.load(args.rules)
    local, plans = in_process(policy, bodies)
    served = loopback(args.rules, bodies, plans, args.clients, args.seconds)
    rows = [local, served]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; {args.requests:,} cases")
    print("| how | requests | requests/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['how']} | {r['requests']:,} | {r['per_second']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")


if __name__ == "__main__":
    main()
