"""The benchmark of issues 6 and 13: archive scale, Whoosh application vs SQLite FTS5.

    .venv/bin/python -m bench.run_benchmark --hours 100 1000 --out docs/performance.md
    make bench-quick     # the same at 5 h, in about a minute (report in var/bench-quick)

For each size N (hours of recordings):
1. generates the synthetic archive (bench/generate_archive.py) under --workdir,
   or reuses it when the manifest says it is the same (hours, seed, version),
   and draws the first-sight queries from it (bench/query_sample.py, seeded);
2. builds both indexes in subprocesses, measuring wall time, words/s, peak RSS
   and size: ``artoiscast ... index`` (the application) and
   ``python -m bench.fts5_baseline build``;
3. the headline, first sight (bench/first_sight.py): fresh servers of both
   systems side by side, every sampled query asked once, the systems
   interleaved query by query; then other new queries with 4 concurrent
   clients; then the first queries again (cached, secondary); then the
   application's time by stage, in process (bench/stage_timers.py);
4. for each system in turn (never both at once): starts its HTTP server on a
   free loopback port, measures the time until /api/search answers, runs
   issue 6's fixed query mix (a fixed number of requests per query class,
   sequential, then a small number of concurrent clients; both bounded in
   time), reads the server's peak RSS, then adds one 1-hour transcript to the
   corpus, runs the system's indexing command, and measures when a search finds it;
5. restores the corpus and writes the markdown report (and results.json, and
   every first-sight answer in N h/first-sight.json, in the work directory).

The application side is skipped, with the reason in the report, when it is not
there or fails; the FTS5 side always runs. Only loopback connections are made.

The processes measured (commands, servers, the HTTP client) are bench/processes.py's; the
markdown report is written by bench/report.py.
"""
from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import first_sight, fts5_baseline, generate_archive, query_sample, stage_timers
from bench.processes import PROBE, REPO, Client, Server, free_port, run_measured
from bench.report import kept_sections, render_markdown

DEFAULT_WORKDIR = REPO / "var" / "bench"
EXTRA_ID = "synth-extra-000001"
# An invented word spoken in the added transcript only: when a search finds it,
# the new recording is visible.
MARKER = "zythogalibot"


# ---------------------------------------------------------------------------
# The query mix
# ---------------------------------------------------------------------------

def query_mix(manifest: dict) -> dict[str, list[dict]]:
    """Query classes -> the request parameters cycled through in that class.

    Words come from the generator's vocabulary (frequent and rare ones); the
    speaker filter uses interviewers and the guests heard most often.
    """
    people = manifest["interviewers"][:3] + manifest["frequent_guests"][:5]
    speaker_words = ["terril", "fosse", "formation", "patrimoine", "logement", "jeunes", "commune", "travail"]
    return {
        "single word": [{"q": w} for w in [
            "terril", "chevalement", "coron", "formation", "patrimoine", "galibot", "logement", "energie",
            "brasserie", "colombophilie"]],
        "several words": [{"q": w} for w in [
            "mine charbon", "rénovation cités", "emploi jeunes formation", "fosse puits mineurs",
            "musée exposition Lens", "terril randonnée nature", "grève syndicat patron", "usine batterie emploi"]],
        "phrase": [{"q": w} for w in [
            '"bassin minier"', '"cité minière"', '"transition énergétique"', '"salle des pendus"',
            "\"à l'époque\"", '"mon père"', '"catastrophe de Courrières"', '"gueules noires"']],
        "prefix": [{"q": w} for w in ["min*", "réno*", "form*", "charb*", "patrim*", "industri*", "chevale*", "gal*"]],
        "facet filters": [
            {"q": "terril", "theme": "environnement et terrils"},
            {"q": "formation", "year": "2021"},
            {"q": "fosse", "kind": "interview"},
            {"q": "logement", "place": "Lens"},
            {"q": "musée", "theme": "culture et Louvre-Lens", "year": "2024"},
            {"q": "emploi", "place": "Liévin", "kind": "reportage"},
        ],
        # The API returns highlighted snippets with every result; this class
        # asks for 20 results of frequent terms, so up to 60 highlighted passages.
        "highlights": [{"q": w, "per_page": "20"} for w in [
            "jeunes", "commune", '"bassin minier"', "travail famille", "fosse", "histoire"]],
        "speaker filter": [{"q": w, "speaker": p} for w, p in zip(speaker_words, people)],
        "page 2": [{"q": w, "page": "2"} for w in ["terril", "mine charbon", '"bassin minier"', "form*", "patrimoine", "logement"]],
    }


# ---------------------------------------------------------------------------
# Latency
# ---------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarize(latencies: list[float], totals: list[int], errors: int) -> dict:
    if not latencies:
        return {"n": 0, "errors": errors}
    ms = [x * 1000 for x in latencies]
    return {
        "n": len(ms),
        "errors": errors,
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "p99": round(percentile(ms, 99), 2),
        "max": round(max(ms), 2),
        "mean_total": round(sum(totals) / len(totals), 1) if totals else None,
    }


def answer_total(status: int, body: bytes) -> int | None:
    if status != 200:
        return None
    try:
        return int(json.loads(body)["total"])
    except (ValueError, KeyError, TypeError):
        return None


def measure_latency(port: int, mix: dict[str, list[dict]], args) -> dict:
    """Sequential run per class, then a concurrent run of the whole mix."""
    client = Client(port)
    for name, variants in mix.items():  # one warm-up pass: these figures are for queries already seen
        for params in variants:
            client.get(params)
    sequential = {}
    for name, variants in mix.items():
        latencies, totals, errors = [], [], 0
        deadline = time.perf_counter() + args.class_seconds
        for params in itertools.islice(itertools.cycle(variants), args.requests):
            if time.perf_counter() > deadline:
                break
            status, body, seconds = client.get(params)
            total = answer_total(status, body)
            if total is None:
                errors += 1
                continue
            latencies.append(seconds)
            totals.append(total)
        sequential[name] = summarize(latencies, totals, errors)
    client.close()

    # Concurrent: the classes interleaved, args.concurrency clients at once.
    work = [params for group in itertools.zip_longest(*mix.values()) for params in group if params]
    jobs = itertools.islice(itertools.cycle(work), args.concurrent_requests)
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + args.concurrent_seconds

    def worker():
        own = Client(port)
        while time.perf_counter() < deadline:
            with lock:
                params = next(jobs, None)
            if params is None:
                break
            status, body, seconds = own.get(params)
            with lock:
                if status == 200:
                    latencies.append(seconds)
                else:
                    errors[0] += 1
        own.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    concurrent = summarize(latencies, [], errors[0])
    concurrent.update(clients=args.concurrency, throughput=round(len(latencies) / wall, 1) if wall else None)
    return {"sequential": sequential, "concurrent": concurrent}


def measure_in_process(db_path: Path, mix: dict[str, list[dict]], requests: int) -> dict:
    """FTS5 engine alone (no HTTP, no JSON): p50 per class, for reference."""
    searcher = fts5_baseline.Fts5Search(db_path)
    out = {}
    for name, variants in mix.items():
        for params in variants:
            searcher.search(params)
        times = []
        for params in itertools.islice(itertools.cycle(variants), requests):
            started = time.perf_counter()
            searcher.search(params)
            times.append(time.perf_counter() - started)
        out[name] = summarize(times, [], 0)
    searcher.close()
    return out


def wait_visible(port: int, timeout: float) -> bool:
    client = Client(port, timeout=10)
    deadline = time.perf_counter() + timeout
    try:
        while time.perf_counter() < deadline:
            status, body, _ = client.get({"q": MARKER})
            if (answer_total(status, body) or 0) > 0:
                return True
            time.sleep(0.05)
        return False
    finally:
        client.close()


# ---------------------------------------------------------------------------
# The two systems
# ---------------------------------------------------------------------------

def app_command() -> tuple[list[str] | None, str]:
    """How to run the application's CLI, or None and why not."""
    script = Path(sys.executable).parent / "artoiscast"
    if script.exists():
        cmd = [str(script)]
    elif importlib.util.find_spec("indexer.__main__") is not None:
        cmd = [sys.executable, "-m", "indexer"]
    else:
        return None, "the application is not there yet: no `artoiscast` console script and no `indexer/__main__.py`"
    probe = subprocess.run(cmd + ["--help"], cwd=REPO, capture_output=True, text=True, timeout=120)
    if probe.returncode != 0 or "serve" not in probe.stdout + probe.stderr:
        return None, f"`{' '.join(cmd)} --help` failed or lists no `serve` command:\n{(probe.stdout + probe.stderr)[-1500:]}"
    return cmd, ""


def system_commands(system: str, app: list[str] | None, corpus: Path, index: Path, index_args: list[str] = ()):
    """(build command, serve command for a port, add command) of one system."""
    py = sys.executable
    if system == "fts5":
        return (
            [py, "-m", "bench.fts5_baseline", "build", "--corpus", str(corpus), "--db", str(index)],
            lambda port: [py, "-m", "bench.fts5_baseline", "serve", "--db", str(index), "--host", "127.0.0.1", "--port", str(port)],
            [py, "-m", "bench.fts5_baseline", "add", "--corpus", str(corpus), "--db", str(index), "--id", EXTRA_ID],
        )
    base = app + ["--corpus", str(corpus), "--index", str(index)]
    # Adding a transcript = the file + its corpus.yaml entry, then `index --update`.
    index_cmd = base + ["index"] + list(index_args)
    update_cmd = base + ["index", "--update"]
    return index_cmd, lambda port: base + ["serve", "--host", "127.0.0.1", "--port", str(port)], update_cmd


def remove_index(index: Path) -> None:
    """Removes an index: a file, a directory, or a symlink to the current generation and its siblings."""
    for sibling in index.parent.glob(index.name + ".gen-*"):
        shutil.rmtree(sibling, ignore_errors=True)
    if index.is_symlink() or index.is_file():
        index.unlink()
    elif index.is_dir():
        shutil.rmtree(index)


def path_size(path: Path) -> int:
    path = path.resolve()  # the application's index is a symlink to its current generation
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return fts5_baseline.db_size(path) if path.exists() else 0


def build_system(system: str, app, corpus: Path, index: Path, manifest: dict, work: Path, args) -> dict:
    """Builds one system's index from scratch (measured)."""
    label = "Whoosh" if system == "whoosh" else "FTS5"
    build_cmd, _, _ = system_commands(system, app, corpus, index, args.index_args.split())
    remove_index(index)
    print(f"  [{label}] building ...", flush=True)
    build = run_measured(build_cmd, work / f"{system}-build.log", args.build_timeout)
    result: dict = {"build": build}
    if not build["ok"]:
        result["error"] = f"index build failed ({build['error']}):\n{build['log']}"
        return result
    build["words_per_second"] = round(manifest["words"] / build["seconds"]) if build["seconds"] else None
    result["index_bytes"] = path_size(index)
    print(f"  [{label}] built in {build['seconds']} s, {result['index_bytes'] / 1e6:.0f} MB", flush=True)
    return result


def measure_first_sight(built: dict, queries, work: Path, args) -> dict:
    """The headline: fresh servers of every built system, side by side (see bench/first_sight.py).

    built: system -> its serve command for a port (a function)."""
    servers: dict[str, Server] = {}
    try:
        for system, serve_cmd in built.items():
            port = free_port()
            servers[system] = Server(serve_cmd(port), port, work / f"{system}-first-sight.log")
            servers[system].start(args.startup_timeout)
        print(f"  first sight: {len(queries.first_sight)} queries, then {len(queries.concurrent)} with "
              f"{args.concurrency} clients, on {', '.join(servers)} ...", flush=True)
        return first_sight.measure(servers, Client, queries, args)
    except RuntimeError as error:
        return {"error": str(error)}
    finally:
        for server in servers.values():
            server.stop()


def serve_system(system: str, app, corpus: Path, index: Path, manifest: dict, mix: dict, work: Path, args) -> dict:
    """Server start, memory, the fixed mix (repeated, so mostly cached) and adding a transcript."""
    label = "Whoosh" if system == "whoosh" else "FTS5"
    _, serve_cmd, add_cmd = system_commands(system, app, corpus, index, args.index_args.split())
    result: dict = {}
    port = free_port()
    server = Server(serve_cmd(port), port, work / f"{system}-serve.log")
    try:
        result["startup_seconds"] = round(server.start(args.startup_timeout), 2)
        result["memory_after_start"] = server.memory_kb()
        print(f"  [{label}] answering after {result['startup_seconds']} s; measuring the fixed mix ...", flush=True)
        result["latency"] = measure_latency(port, mix, args)
        result["memory_after_queries"] = server.memory_kb()

        # One more 1-hour transcript; the corpus is restored afterwards.
        print(f"  [{label}] adding a 1-hour transcript ...", flush=True)
        yaml_path = corpus / "corpus.yaml"
        size_before = yaml_path.stat().st_size
        try:
            extra = generate_archive.append_recording(corpus, EXTRA_ID, 60, manifest["seed"], marker=MARKER)
            started = time.perf_counter()
            added = run_measured(add_cmd, work / f"{system}-add.log", args.build_timeout)
            add = {"words": extra["words"], "index_seconds": added["seconds"], "peak_rss_kb": added.get("peak_rss_kb"), "ok": added["ok"]}
            if not added["ok"]:
                add["error"] = added.get("error", "") + "\n" + added["log"]
            elif wait_visible(port, args.visible_timeout):
                add["visible_seconds"] = round(time.perf_counter() - started, 2)
                add["needed_restart"] = False
            else:
                server.stop()
                server.start(args.startup_timeout)
                add["needed_restart"] = True
                if wait_visible(port, args.visible_timeout):
                    add["visible_seconds"] = round(time.perf_counter() - started, 2)
            result["add"] = add
        finally:
            with open(yaml_path, "r+b") as f:
                f.truncate(size_before)
            (corpus / "transcripts" / f"{EXTRA_ID}.vtt").unlink(missing_ok=True)
    except RuntimeError as error:
        result["error"] = str(error)
    finally:
        server.stop()
    return result


# ---------------------------------------------------------------------------

def prepare_archive(hours: float, seed: int, work: Path, regenerate: bool) -> tuple[Path, dict]:
    corpus = work / f"archive-{hours:g}h"
    manifest_path = corpus / generate_archive.MANIFEST
    if manifest_path.exists() and not regenerate:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        same = (manifest.get("hours"), manifest.get("seed"), manifest.get("generator_version")) == (hours, seed, generate_archive.GENERATOR_VERSION)
        if same and not (corpus / "transcripts" / f"{EXTRA_ID}.vtt").exists():
            print(f"  reusing {corpus}", flush=True)
            return corpus, manifest
    print(f"  generating {hours:g} h into {corpus} ...", flush=True)
    return corpus, generate_archive.generate(hours, corpus, seed)


def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    try:
        from importlib.metadata import version
        whoosh = version("Whoosh-Reloaded")
    except Exception:
        whoosh = "?"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu, "cpus": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "whoosh": whoosh, "commit": commit or "(none)",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark of issues 6 and 13: Whoosh application vs SQLite FTS5 at archive scale")
    parser.add_argument("--hours", type=float, nargs="+", default=[100, 1000], help="archive sizes (default: 100 1000)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "performance.md", help="markdown report")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="archives, indexes, logs (default var/bench)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--systems", nargs="+", choices=["whoosh", "fts5"], default=["whoosh", "fts5"])
    parser.add_argument("--query-seed", type=int, default=13, help="seed of the first-sight query set")
    parser.add_argument("--per-class", type=int, default=30, help="first-sight queries per class (12 classes), sequential")
    parser.add_argument("--concurrent-per-class", type=int, default=16, help="first-sight queries per class, concurrent run")
    parser.add_argument("--first-sight-seconds", type=float, default=900,
                        help="time bound of each first-sight step (sequential, concurrent, cached)")
    parser.add_argument("--requests", type=int, default=200, help="fixed mix: sequential requests per query class")
    parser.add_argument("--class-seconds", type=float, default=60, help="time bound of one class's sequential run")
    parser.add_argument("--concurrency", type=int, default=4, help="clients in the concurrent run")
    parser.add_argument("--concurrent-requests", type=int, default=400)
    parser.add_argument("--concurrent-seconds", type=float, default=120)
    parser.add_argument("--build-timeout", type=float, default=3 * 3600)
    parser.add_argument("--startup-timeout", type=float, default=300)
    parser.add_argument("--visible-timeout", type=float, default=30, help="wait for an added transcript before restarting the server")
    parser.add_argument("--regenerate", action="store_true", help="generate the archives even when present")
    parser.add_argument("--index-args", default="", help="extra options for `artoiscast index`, e.g. '--procs 2'")
    args = parser.parse_args(argv)

    args.workdir.mkdir(parents=True, exist_ok=True)
    app, app_missing = (None, "not requested (--systems)")
    if "whoosh" in args.systems:
        app, app_missing = app_command()
        if app is None:
            print(f"Whoosh side skipped: {app_missing}", flush=True)

    results = {"machine": machine_info(), "argv": sys.argv[1:] if argv is None else argv, "sizes": []}
    for hours in args.hours:
        print(f"== {hours:g} hours", flush=True)
        work = args.workdir / f"{hours:g}h"
        work.mkdir(parents=True, exist_ok=True)
        corpus, manifest = prepare_archive(hours, args.seed, args.workdir, args.regenerate)
        mix = query_mix(manifest)
        started = time.perf_counter()
        queries = query_sample.sample_queries(corpus, args.query_seed, args.per_class, args.concurrent_per_class,
                                              reserved=[PROBE["q"], MARKER])
        size = {"hours": hours, "corpus": manifest, "mix": mix, "systems": {},
                "queries": {"seed": args.query_seed, "sampled_in_seconds": round(time.perf_counter() - started, 1),
                            "first_sight": len(queries.first_sight), "concurrent": len(queries.concurrent),
                            "short": queries.short,
                            "examples": {cls: [q.params for q in queries.first_sight if q.cls == cls][:3]
                                         for cls in query_sample.CLASSES}}}
        systems = {"whoosh": (app, work / "whoosh-index"), "fts5": (None, work / "fts5.sqlite")}
        servable = {}
        for system in args.systems:
            program, index = systems[system]
            if system == "whoosh" and app is None:
                size["systems"]["whoosh"] = {"skipped": app_missing}
                continue
            size["systems"][system] = build_system(system, program, corpus, index, manifest, work, args)
            if "error" not in size["systems"][system]:
                servable[system] = system_commands(system, program, corpus, index)[1]
        if servable:
            headline = measure_first_sight(servable, queries, work, args)
            records = headline.pop("records", {})
            size["first_sight"] = headline
            if "whoosh" in servable and "error" not in headline:
                print("  stage timers (in process) ...", flush=True)
                headline["stages"] = stage_timers.measure(systems["whoosh"][1], queries.first_sight, args.first_sight_seconds)
            (work / "first-sight.json").write_text(json.dumps(
                {"queries": [{"class": q.cls, **q.params} for q in queries.first_sight], "answers": records},
                ensure_ascii=False, indent=1), encoding="utf-8")
        for system in servable:
            program, index = systems[system]
            size["systems"][system].update(serve_system(system, program, corpus, index, manifest, mix, work, args))
        db = systems["fts5"][1]
        if "fts5" in servable and db.exists() and "error" not in size["systems"]["fts5"]:
            size["systems"]["fts5"]["in_process"] = measure_in_process(db, mix, min(args.requests, 100))
        results["sizes"].append(size)
        (args.workdir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_markdown(results, args) + kept_sections(args.out), encoding="utf-8")
    print(f"written {args.out} (raw figures: {args.workdir / 'results.json'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
