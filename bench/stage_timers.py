"""Where a first-sight search spends its time, by stage, measured in the harness's own process.

The API reports no stage timers, and the benchmark does not change the
application; so this opens the index with the application's own
``SearchService`` (a fresh one: empty cache), wraps a few of its steps with
timers, and asks it the first-sight queries once each. Times are exclusive (a
stage's time leaves out the stages it calls), per query, without HTTP; "JSON"
is ``json.dumps`` of the answer. A step the application no longer has is simply
not reported; whatever is not wrapped is "other".
"""
from __future__ import annotations

import importlib
import json
import time
from contextlib import contextmanager

# (module of indexer.search, owner, attribute, stage): functions a module calls by its own name
# (owner None), and methods of the classes a search goes through (patched on the class).
STAGES = [
    ("document", None, "parse", "query parsing"),
    ("matching", "DocumentSets", "matched", "matching (+ filters)"),
    ("matching", "DocumentSets", "facets", "facet counts"),
    ("matching", "DocumentSets", "ranked", "ranking"),
    ("document", "SearchDocument", "grouped", "grouping by recording"),
    ("passages", "Shaper", "passage", "passages + highlights"),
    ("document", None, "suggest", "spelling suggestion"),
]


class StageClock:
    """Exclusive time per stage: a stage's time minus that of the timed stages inside it."""

    def __init__(self):
        self.totals: dict[str, float] = {}
        self.inner: list[float] = []

    def wrap(self, function, stage: str):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            self.inner.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                inside = self.inner.pop()
                self.totals[stage] = self.totals.get(stage, 0.0) + elapsed - inside
                if self.inner:
                    self.inner[-1] += elapsed
        return timed


@contextmanager
def patched(clock: StageClock):
    """The stages' functions wrapped by the clock, and put back afterwards."""
    undo = []
    for module_name, owner_name, name, stage in STAGES:
        try:
            module = importlib.import_module(f"indexer.search.{module_name}")
        except ImportError:
            continue  # a step the application no longer has is not reported
        owner = getattr(module, owner_name, None) if owner_name else module
        original = owner.__dict__.get(name) if owner is not None else None
        if callable(original):
            setattr(owner, name, clock.wrap(original, stage))
            undo.append((owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in undo:
            setattr(owner, name, original)


def measure(index_dir, queries: list, seconds: float) -> dict:
    """Mean exclusive milliseconds per stage over the queries (each asked once, fresh service)."""
    try:
        from indexer import search as module
    except ImportError as error:  # the application is not there
        return {"error": f"indexer.search not importable: {error}"}
    service = module.SearchService(index_dir)
    service.search(module.SearchParams.from_args({"q": "terril"}))  # opens the index: not a query's time
    clock = StageClock()
    total = 0.0
    asked = 0
    deadline = time.perf_counter() + seconds
    with patched(clock):
        for query in queries:
            if time.perf_counter() > deadline:
                break
            started = time.perf_counter()
            doc = service.search(module.SearchParams.from_args(query.params))
            encoding = time.perf_counter()
            json.dumps(doc, ensure_ascii=False)
            clock.totals["JSON"] = clock.totals.get("JSON", 0.0) + time.perf_counter() - encoding
            total += time.perf_counter() - started
            asked += 1
    if not asked:
        return {"n": 0}
    stages = {stage: round(t / asked * 1000, 2) for stage, t in clock.totals.items()}
    stages["other"] = round(max(0.0, total / asked * 1000 - sum(stages.values())), 2)
    return {"n": asked, "mean_ms": round(total / asked * 1000, 2), "stages": stages}
