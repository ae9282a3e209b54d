"""The headline of the benchmark (issue 13): latency of queries the server has never seen.

The servers of every system under test are started fresh, side by side; each is
probed until it answers, then asked the warm-up queries (one of each class, not
measured, so that loading the index is not counted as a query's time). Then:

1. sequential first sight: every query of the sampled set (bench/query_sample.py),
   once, one client per system, the systems interleaved query by query (who goes
   first alternates), so that load from elsewhere on the machine hits both alike;
2. concurrent first sight: other never-seen queries, ``clients`` at once, in
   blocks of ``clients`` x 5 queries, the systems taking turns block by block;
3. cached (secondary): the queries of step 1 asked once more, interleaved the same way.

Every answer is read to its last byte; a non-200 answer or a broken connection
is an error (counted, never a fast answer). The application's own time
(``took_ms``) and its stage timers (a ``timings`` object, if the API returns
one) are collected too. Each step is bounded in time: past its deadline the
rest of its queries are not asked, and the report says how many were.
"""
from __future__ import annotations

import json
import math
import os
import threading
import time
from typing import Callable

from bench.query_sample import CLASSES, QuerySet

TARGET_MS = 100.0
BLOCK_PER_CLIENT = 5


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def answer(status: int, body: bytes, seconds: float, cls: str) -> dict:
    """One asked query, as kept in results.json."""
    record = {"class": cls, "ms": round(seconds * 1000, 2), "status": status}
    if status == 200:
        try:
            doc = json.loads(body)
            record["total"] = int(doc["total"])
            if doc.get("partial"):
                record["partial"] = True  # the application cut the search short (its time limit)
            if isinstance(doc.get("took_ms"), (int, float)):
                record["took_ms"] = doc["took_ms"]
            if isinstance(doc.get("timings"), dict):
                record["timings"] = {k: v for k, v in doc["timings"].items() if isinstance(v, (int, float))}
        except (ValueError, KeyError, TypeError):
            record["status"] = -1  # 200 but not the expected JSON: an error
    return record


def summarize(records: list[dict]) -> dict:
    """p50/p95/max of the answered ones, the share of all asked answered within TARGET_MS."""
    ok = [r for r in records if r["status"] == 200]
    out = {"n": len(records), "errors": len(records) - len(ok)}
    if not ok:
        return out
    ms = [r["ms"] for r in ok]
    took = [r["took_ms"] for r in ok if "took_ms" in r]
    out.update(
        p50=round(percentile(ms, 50), 2), p95=round(percentile(ms, 95), 2), max=round(max(ms), 2),
        within_target=round(sum(1 for x in ms if x <= TARGET_MS) / len(records), 3),
        mean_total=round(sum(r["total"] for r in ok) / len(ok), 1),
        no_hits=sum(1 for r in ok if r["total"] == 0),
        partial=sum(1 for r in ok if r.get("partial")),
    )
    if took:
        out.update(took_p50=round(percentile(took, 50), 2), took_p95=round(percentile(took, 95), 2))
    stages: dict[str, float] = {}
    for r in ok:
        for name, value in r.get("timings", {}).items():
            stages[name] = stages.get(name, 0.0) + value
    if stages:
        out["timings_mean_ms"] = {name: round(total / len(ok), 2) for name, total in stages.items()}
    return out


def by_class(records: list[dict]) -> dict:
    out = {"all": summarize(records)}
    for cls in CLASSES:
        mine = [r for r in records if r["class"] == cls]
        if mine:
            out[cls] = summarize(mine)
    return out


def ask_interleaved(clients: dict, queries: list, deadline: float) -> dict[str, list[dict]]:
    """Each query once to every system, one after the other; the first system alternates."""
    names = list(clients)
    records: dict[str, list[dict]] = {name: [] for name in names}
    for i, query in enumerate(queries):
        if time.perf_counter() > deadline:
            break
        for name in (names if i % 2 == 0 else names[::-1]):
            status, body, seconds = clients[name].get(query.params)
            records[name].append(answer(status, body, seconds, query.cls))
    return records


def ask_concurrently(make_client: Callable, port: int, queries: list, clients: int) -> tuple[list[dict], float]:
    """The queries shared among ``clients`` threads (one connection each); (records, wall seconds)."""
    todo = iter(queries)
    lock = threading.Lock()
    records: list[dict] = []

    def worker():
        own = make_client(port)
        try:
            while True:
                with lock:
                    query = next(todo, None)
                if query is None:
                    return
                status, body, seconds = own.get(query.params)
                record = answer(status, body, seconds, query.cls)
                with lock:
                    records.append(record)
        finally:
            own.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return records, time.perf_counter() - started


def concurrent_blocks(make_client: Callable, ports: dict[str, int], queries: list, clients: int, deadline: float) -> dict:
    """Blocks of queries, each asked by every system in turn (the first one alternates)."""
    names = list(ports)
    records: dict[str, list[dict]] = {name: [] for name in names}
    wall = {name: 0.0 for name in names}
    size = clients * BLOCK_PER_CLIENT
    for b, start in enumerate(range(0, len(queries), size)):
        if time.perf_counter() > deadline:
            break
        for name in (names if b % 2 == 0 else names[::-1]):
            got, seconds = ask_concurrently(make_client, ports[name], queries[start:start + size], clients)
            records[name] += got
            wall[name] += seconds
    out = {}
    for name in names:
        summary = summarize(records[name])
        ok = summary["n"] - summary["errors"]
        summary.update(clients=clients, seconds=round(wall[name], 2),
                       throughput=round(ok / wall[name], 1) if wall[name] else None)
        out[name] = summary
    return out


def measure(servers: dict, make_client: Callable, queries: QuerySet, args) -> dict:
    """servers: system name -> a started Server (fresh: it has only answered the probe)."""
    clients = {name: make_client(server.port) for name, server in servers.items()}
    load_before = os.getloadavg()
    try:
        for query in queries.warmup:
            for client in clients.values():
                client.get(query.params)
        started = time.perf_counter()
        sequential = ask_interleaved(clients, queries.first_sight, started + args.first_sight_seconds)
        sequential_seconds = time.perf_counter() - started
        concurrent = concurrent_blocks(make_client, {n: s.port for n, s in servers.items()}, queries.concurrent,
                                       args.concurrency, time.perf_counter() + args.first_sight_seconds)
        asked = queries.first_sight[:min(len(r) for r in sequential.values())] if sequential else []
        cached = ask_interleaved(clients, asked, time.perf_counter() + args.first_sight_seconds)
    finally:
        for client in clients.values():
            client.close()
    return {
        "sequential": {name: by_class(r) for name, r in sequential.items()},
        "sequential_seconds": round(sequential_seconds, 1),
        "planned": len(queries.first_sight),
        "concurrent": concurrent,
        "cached": {name: by_class(r) for name, r in cached.items()},
        "records": sequential,
        # Other work on the machine makes tails longer: the 1-minute load average before and after.
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }
