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
"""
from __future__ import annotations

import argparse
import http.client
import importlib.util
import itertools
import json
import math
import os
import platform
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

from bench import first_sight, fts5_baseline, generate_archive, query_sample, stage_timers

REPO = Path(__file__).resolve().parent.parent
DEFAULT_WORKDIR = REPO / "var" / "bench"
TARGET_MS = 100.0
EXTRA_ID = "synth-extra-000001"
# An invented word spoken in the added transcript only: when a search finds it,
# the new recording is visible.
MARKER = "zythogalibot"
PROBE = {"q": "terril"}  # the query used to tell that a server answers


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
# Processes: wall time, peak memory, servers
# ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(c) for c in children.read_text().split()]
            except OSError:
                pass
    return pids


def proc_status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    return sum(proc_status_kb(p, "VmRSS") for p in process_tree(pid))


def run_measured(cmd: list[str], log: Path, timeout: float) -> dict:
    """Runs a command to its end: wall time, peak RSS (its own, and its process tree's, sampled)."""
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        peak_tree = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            peak_tree = max(peak_tree, tree_rss_kb(proc.pid))
            if time.perf_counter() - started > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return {"ok": False, "error": f"timed out after {timeout:.0f} s", "seconds": timeout, "log": tail(log)}
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    result = {
        "ok": proc.returncode == 0,
        "seconds": round(seconds, 2),
        "peak_rss_kb": max(usage.ru_maxrss, peak_tree),
        "log": tail(log),
    }
    if proc.returncode != 0:
        result["error"] = f"exit status {proc.returncode}"
    return result


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log, repeated lines shown once."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    kept: list[str] = []
    for line in text:
        if not kept or line != kept[-1]:
            kept.append(line)
    return "\n".join(kept[-lines:])


class Client:
    """One keep-alive HTTP connection to the server under test."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def get(self, params: dict) -> tuple[int, bytes, float]:
        """(status, body, seconds); status 0 when the connection failed."""
        path = "/api/search?" + urlencode(params)
        started = time.perf_counter()
        for attempt in (1, 2):  # one retry: a server may close an idle keep-alive connection
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                body = response.read()
                return response.status, body, time.perf_counter() - started
            except TimeoutError:
                # The server has the request: asking again would be a second sight of the query.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                return 0, b"", time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                started = time.perf_counter()
        return 0, b"", time.perf_counter() - started

    def close(self) -> None:
        self.conn.close()


class Server:
    """A server subprocess on a loopback port."""

    def __init__(self, cmd: list[str], port: int, log: Path):
        self.cmd, self.port, self.log = cmd, port, log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float) -> float:
        """Starts it; returns the seconds until /api/search answered 200."""
        started = time.perf_counter()
        self.out = open(self.log, "ab")
        self.proc = subprocess.Popen(self.cmd, cwd=REPO, stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True)
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with status {self.proc.returncode}:\n{tail(self.log)}")
            client = Client(self.port, timeout=5)
            status, _, _ = client.get(PROBE)
            client.close()
            if status == 200:
                return time.perf_counter() - started
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout:.0f} s:\n{tail(self.log)}")

    def memory_kb(self) -> dict:
        pids = process_tree(self.proc.pid)
        return {
            "rss_kb": sum(proc_status_kb(p, "VmRSS") for p in pids),
            "peak_rss_kb": sum(proc_status_kb(p, "VmHWM") for p in pids),
        }

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            self.out.close()
        self.proc = None


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


# Sections after this line are written by other benchmarks (speech recognition, build and
# first-sight studies): a new report keeps them as they are.
KEPT_MARKER = "<!-- Below: sections kept as they are when bench/run_benchmark.py rewrites this file. -->"


def kept_sections(out: Path) -> str:
    """The part of an existing report from KEPT_MARKER on (with the marker), or just the marker."""
    try:
        text = out.read_text(encoding="utf-8")
    except OSError:
        text = ""
    at = text.find(KEPT_MARKER)
    return "\n" + (text[at:] if at >= 0 else KEPT_MARKER + "\n")


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


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def fmt_seconds(value) -> str:
    if value is None:
        return "—"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def fmt_mb(kb_or_bytes, unit="kb") -> str:
    if not kb_or_bytes:
        return "—"
    mb = kb_or_bytes / 1024 if unit == "kb" else kb_or_bytes / 1e6
    return f"{mb:,.0f} MB" if mb >= 10 else f"{mb:.1f} MB"


def fmt_ms(value) -> str:
    return "—" if value is None else (f"{value:.1f}" if value < 100 else f"{value:.0f}")


def ratio(a, b) -> str:
    if a is None or b is None or not b:
        return "—"
    return f"{a / b:.1f}×"


def dig(data: dict, *keys):
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def render_markdown(results: dict, args) -> str:
    m = results["machine"]
    command = " ".join([".venv/bin/python -m bench.run_benchmark"] + [shlex.quote(a) for a in results["argv"]])
    lines = [
        "# Performance at archive scale",
        "",
        "Issue 6: *1,000 hours of interviews, answered in under 100 ms* on a 2-core machine; issue 13: *fast on the",
        "first asking* - the headline is the latency of queries the server has never seen (p95 ≤ 100 ms for every class).",
        "This file is written by `bench/run_benchmark.py`; do not edit it by hand. To reproduce:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Run on {m['date']}, commit `{m['commit']}`: {m['cpus']} CPU ({m['cpu']}), {m['memory_gb']} GB RAM, "
        f"{m['os']}, Python {m['python']}, SQLite {m['sqlite']}, Whoosh-Reloaded {m['whoosh']}.",
        "",
        "Ratios are **application (Whoosh) / SQLite FTS5**: above 1× the application is slower or bigger.",
        "",
        "## Corpus",
        "",
        "Synthetic, generated by `python -m bench.generate_archive --hours N --out DIR --seed S`: WebVTT transcripts with",
        "voice tags, one interviewer and 1–3 guests per recording, 20–60 min recordings, cues of 4–8 s. All people are invented.",
        "",
        "| hours | recordings | words | words/hour | cues | speakers | VTT + yaml size | generated in |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in results["sizes"]:
        c = s["corpus"]
        lines.append(f"| {s['hours']:g} | {c['recordings']:,} | {c['words']:,} | {c['words_per_hour']:,} | {c['cues']:,} | "
                     f"{c['distinct_speakers']:,} | {fmt_mb(c['bytes'], 'bytes')} | {fmt_seconds(c.get('generation_seconds'))} |")

    for s in results["sizes"]:
        w = s["systems"].get("whoosh", {"skipped": "not run"})
        f = s["systems"].get("fts5", {"skipped": "not run"})
        lines += ["", f"## {s['hours']:g} hours", ""]
        for label, r in (("Application (Whoosh)", w), ("SQLite FTS5", f)):
            if "skipped" in r:
                lines += [f"**{label}: not measured** — {r['skipped']}", ""]
            elif "error" in r:
                lines += [f"**{label}: failed** —", "", "```", r["error"][-2000:], "```", ""]
        lines += render_first_sight(s)
        lines += ["", "### Build, server, update", ""]
        rows = [
            ("Full index build", fmt_seconds(dig(w, "build", "seconds")), fmt_seconds(dig(f, "build", "seconds")),
             ratio(dig(w, "build", "seconds"), dig(f, "build", "seconds"))),
            ("Indexing speed, words/s (ratio: FTS5 ÷ app)", f"{dig(w, 'build', 'words_per_second') or 0:,}" if dig(w, "build", "words_per_second") else "—",
             f"{dig(f, 'build', 'words_per_second') or 0:,}" if dig(f, "build", "words_per_second") else "—",
             ratio(dig(f, "build", "words_per_second"), dig(w, "build", "words_per_second"))),
            ("Peak memory of the build", fmt_mb(dig(w, "build", "peak_rss_kb")), fmt_mb(dig(f, "build", "peak_rss_kb")),
             ratio(dig(w, "build", "peak_rss_kb"), dig(f, "build", "peak_rss_kb"))),
            ("Index size on disk", fmt_mb(dig(w, "index_bytes"), "bytes"), fmt_mb(dig(f, "index_bytes"), "bytes"),
             ratio(dig(w, "index_bytes"), dig(f, "index_bytes"))),
            ("Server start until /api/search answers", fmt_seconds(dig(w, "startup_seconds")), fmt_seconds(dig(f, "startup_seconds")),
             ratio(dig(w, "startup_seconds"), dig(f, "startup_seconds"))),
            ("Server memory after start", fmt_mb(dig(w, "memory_after_start", "rss_kb")), fmt_mb(dig(f, "memory_after_start", "rss_kb")),
             ratio(dig(w, "memory_after_start", "rss_kb"), dig(f, "memory_after_start", "rss_kb"))),
            ("Server peak memory during the queries", fmt_mb(dig(w, "memory_after_queries", "peak_rss_kb")),
             fmt_mb(dig(f, "memory_after_queries", "peak_rss_kb")),
             ratio(dig(w, "memory_after_queries", "peak_rss_kb"), dig(f, "memory_after_queries", "peak_rss_kb"))),
            ("Add a 1-hour transcript: indexing command", fmt_seconds(dig(w, "add", "index_seconds")), fmt_seconds(dig(f, "add", "index_seconds")),
             ratio(dig(w, "add", "index_seconds"), dig(f, "add", "index_seconds"))),
            ("Add a 1-hour transcript: until a search finds it", add_visible(w), add_visible(f),
             ratio(dig(w, "add", "visible_seconds"), dig(f, "add", "visible_seconds"))),
        ]
        lines += ["| | application (Whoosh) | SQLite FTS5 | ratio |", "| --- | ---: | ---: | ---: |"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]

        lines += [
            "",
            "### Secondary: issue 6's fixed query mix, repeated (mostly cached; one client, keep-alive; ms)",
            "",
            "| query class | requests | app p50 | app p95 | app p99 | FTS5 p50 | FTS5 p95 | FTS5 p99 | ratio p50 | ratio p95 | app ≤ 100 ms (p95) | mean total app / FTS5 |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: |",
        ]
        for name in s["mix"]:
            a = dig(w, "latency", "sequential", name) or {}
            b = dig(f, "latency", "sequential", name) or {}
            n = max(a.get("n", 0), b.get("n", 0))
            target = "—" if a.get("p95") is None else ("yes" if a["p95"] <= TARGET_MS else "**no**")
            errors = sum(x.get("errors", 0) for x in (a, b))
            lines.append(
                f"| {name} | {n}{f' ({errors} errors)' if errors else ''} | {fmt_ms(a.get('p50'))} | {fmt_ms(a.get('p95'))} | {fmt_ms(a.get('p99'))} | "
                f"{fmt_ms(b.get('p50'))} | {fmt_ms(b.get('p95'))} | {fmt_ms(b.get('p99'))} | "
                f"{ratio(a.get('p50'), b.get('p50'))} | {ratio(a.get('p95'), b.get('p95'))} | {target} | "
                f"{a.get('mean_total', '—') if a else '—'} / {b.get('mean_total', '—') if b else '—'} |"
            )
        a = dig(w, "latency", "concurrent") or {}
        b = dig(f, "latency", "concurrent") or {}
        clients = a.get("clients") or b.get("clients") or args.concurrency
        lines += [
            "",
            f"### Secondary: the fixed mix under concurrency ({clients} clients, the classes interleaved, repeated; ms)",
            "",
            "| | requests | p50 | p95 | p99 | max | throughput (req/s) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for label, r in (("application (Whoosh)", a), ("SQLite FTS5", b)):
            lines.append(f"| {label} | {r.get('n', '—')} | {fmt_ms(r.get('p50'))} | {fmt_ms(r.get('p95'))} | {fmt_ms(r.get('p99'))} | "
                         f"{fmt_ms(r.get('max'))} | {r.get('throughput', '—')} |")
        lines.append(f"| ratio | | {ratio(a.get('p50'), b.get('p50'))} | {ratio(a.get('p95'), b.get('p95'))} | "
                     f"{ratio(a.get('p99'), b.get('p99'))} | | {ratio(b.get('throughput'), a.get('throughput'))} |")
        if f.get("in_process"):
            lines += ["", "FTS5 engine alone (in process, no HTTP or JSON), p50 in ms: " + ", ".join(
                f"{name} {fmt_ms(v.get('p50'))}" for name, v in f["in_process"].items()) + "."]

    lines += [
        "",
        "## The queries",
        "",
        "**First sight** (the headline): drawn at random from each archive's own transcripts by `bench/query_sample.py`",
        "(seeded), never repeated - not even in another spelling: no two queries give the application's analyzer the same",
        "terms, so none can be answered from its per-generation cache. Classes: a single word whose term is *frequent*",
        "(≥ 500 per million words: the few hundred most frequent terms), *medium* or *rare* (< 25 per million, or heard",
        "once); *two words* spoken in the same cue; a *phrase* of 2-3 adjacent words of a cue; a *prefix* (2-6 first",
        "letters of a spoken word, then `*`); each again *+ facet*: one filter (theme, year, kind or speaker) taken from",
        "the recording and speaker the words come from. Some of one run's queries (`/api/search` parameters):",
        "",
    ]
    if results["sizes"]:
        for cls, examples in results["sizes"][-1].get("queries", {}).get("examples", {}).items():
            if examples:
                lines.append(f"- **{cls}**: " + "; ".join(
                    f"`{v['q']}`" + "".join(f" ({k}: {x})" for k, x in v.items() if k != "q") for v in examples))
        short = results["sizes"][-1].get("queries", {}).get("short")
        if short:
            lines += ["", "Too few new queries in the archive for: " + ", ".join(f"{c} ({n} missing)" for c, n in short.items()) + "."]
    lines += [
        "",
        "**Fixed mix** (secondary, issue 6): each class cycles through these requests, asked again and again.",
        "",
    ]
    if results["sizes"]:
        for name, variants in results["sizes"][-1]["mix"].items():
            lines.append(f"- **{name}**: " + "; ".join("`" + urlencode(v) + "`" for v in variants))
    lines += [
        "",
        "## How it is measured",
        "",
        f"- First sight: {args.per_class} queries per class ({len(query_sample.CLASSES)} classes) asked once each, after one warm-up",
        "  query per class, on fresh servers of both systems running side by side (idle while the other answers), the",
        "  application and FTS5 interleaved query by query, who goes first alternating; then, with",
        f"  {args.concurrency} clients, {args.concurrent_per_class} other new queries per class, in blocks of {args.concurrency * first_sight.BLOCK_PER_CLIENT} queries that each",
        "  system answers in turn (throughput: answers over the time spent in its blocks); then the first queries again",
        f"  (cached, secondary). Each step is bounded at {args.first_sight_seconds:g} s. `≤ 100 ms` is the share of all queries asked",
        "  answered within 100 ms (an error - a non-200 answer or no answer in 30 s - counts as a miss; \"partial\" counts",
        "  the answers the application cut short at its time limit). Filter document sets are cached per generation like",
        "  the query's own results, so a filter value seen before may be cheaper, as on a live server.",
        f"- Fixed mix: {args.requests} requests per class (fewer if the class takes more than {args.class_seconds:g} s), one",
        "  keep-alive HTTP connection, after one warm-up pass over every query. Latency is from sending the request to",
        f"  the last byte of the body, measured by the client. Concurrent: {args.concurrency} clients, {args.concurrent_requests} requests",
        f"  (bounded at {args.concurrent_seconds:g} s). Client and server share the machine, as they would for a user.",
        "- Apart from the first-sight steps, the two servers run one after the other, never together. The application is served by `artoiscast serve` (waitress);",
        "  FTS5 by `python -m bench.fts5_baseline serve` (stdlib `ThreadingHTTPServer`), both returning the same JSON shape.",
        "- Build: wall time of the indexing command (a new process, reading the corpus from disk); peak memory is the",
        "  largest of the process's own `ru_maxrss` and its process tree's resident memory sampled every 50 ms. Server memory:",
        "  `VmRSS` / `VmHWM` of its process tree.",
        "- Adding a transcript: a 1-hour recording (VTT + corpus.yaml entry) is added, the system's indexing command is run",
        "  (`artoiscast ... index --update` for the application; `fts5_baseline add` for FTS5), and the running server is asked for a word only that transcript holds until it finds it. If it does not",
        f"  within {args.visible_timeout:g} s, the server is restarted (reported). The corpus is restored afterwards.",
        "- FTS5: passages are speaker turns cut into ~30 s windows, tokenizer `unicode61 remove_diacritics 2`, bm25 ranking,",
        "  up to 3 `snippet()` passages per result, facet counts with GROUP BY over all matching recordings, top 20 values each.",
        "  It does less than the application: no stemming (a plural does not find the singular), no stop words, no",
        "  spelling suggestion, places found by exact gazetteer match. The `mean total` column shows how many recordings",
        "  each side found, to check that both answer comparable questions.",
        "- The synthetic speech is grammatical-looking French without meaning, with a long tail of rare and invented",
        "  words (Zipf-like), so that vocabulary size and posting lists resemble real transcripts.",
    ]
    return "\n".join(lines) + "\n"


def share(value) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def render_first_sight(size: dict) -> list[str]:
    """The headline tables of one archive size."""
    fs = size.get("first_sight")
    if not fs:
        return ["**First sight: not measured** (no system could be built).", ""]
    if "error" in fs:
        return ["**First sight: failed** —", "", "```", fs["error"][-2000:], "```", ""]
    w = fs["sequential"].get("whoosh", {})
    f = fs["sequential"].get("fts5", {})
    asked = max((x["all"]["n"] for x in fs["sequential"].values()), default=0)
    lines = [
        f"### First sight: queries the servers have never seen (headline; ms; target p95 ≤ {TARGET_MS:.0f} ms for every class)",
        "",
        f"{asked} queries drawn from this archive (seed {size['queries']['seed']}), each asked once, on fresh servers, "
        "the application and FTS5 interleaved query by query; one client, keep-alive."
        + (f" **Only {asked} of {fs['planned']} asked within the time bound.**" if asked < fs["planned"] else "")
        + (f" Load average of the machine (1 min) before / after: {fs['load_average'][0]} / {fs['load_average'][1]}"
           f" on {os.cpu_count()} CPUs." if fs.get("load_average") else ""),
        "",
        "| query class | queries | app p50 | app p95 | app max | app ≤ 100 ms | FTS5 p50 | FTS5 p95 | FTS5 max | FTS5 ≤ 100 ms "
        "| ratio p95 | app p95 ≤ 100 ms | mean total app / FTS5 (no hits) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: |",
    ]
    for cls in ["all"] + list(query_sample.CLASSES):
        a, b = w.get(cls, {}), f.get(cls, {})
        if not a and not b:
            continue
        errors = a.get("errors", 0) + b.get("errors", 0)
        partial = a.get("partial", 0) + b.get("partial", 0)
        target = "—" if a.get("p95") is None else ("yes" if a["p95"] <= TARGET_MS else "**no**")
        label = "**all**" if cls == "all" else cls
        lines.append(
            f"| {label} | {max(a.get('n', 0), b.get('n', 0))}{f' ({errors} errors)' if errors else ''}"
            f"{f' ({partial} partial)' if partial else ''} | "
            f"{fmt_ms(a.get('p50'))} | {fmt_ms(a.get('p95'))} | {fmt_ms(a.get('max'))} | {share(a.get('within_target'))} | "
            f"{fmt_ms(b.get('p50'))} | {fmt_ms(b.get('p95'))} | {fmt_ms(b.get('max'))} | {share(b.get('within_target'))} | "
            f"{ratio(a.get('p95'), b.get('p95'))} | {target} | "
            f"{a.get('mean_total', '—')} ({a.get('no_hits', '—')}) / {b.get('mean_total', '—')} ({b.get('no_hits', '—')}) |")
    a_all, b_all = w.get("all", {}), f.get("all", {})
    if a_all.get("took_p50") is not None:
        lines += ["", f"Time the application reports itself (`took_ms`, search only, without HTTP and JSON): p50 "
                      f"{fmt_ms(a_all['took_p50'])}, p95 {fmt_ms(a_all['took_p95'])} ms; FTS5's "
                      f"{fmt_ms(b_all.get('took_p50'))} / {fmt_ms(b_all.get('took_p95'))} ms."]
    stages = a_all.get("timings_mean_ms")
    if stages:
        total = sum(stages.values()) or 1
        lines += ["", "Where the application's time goes (the API's stage timers, mean per query): " + ", ".join(
            f"{name} {fmt_ms(ms)} ms ({ms / total * 100:.0f} %)" for name, ms in stages.items()) + "."]
    in_process = fs.get("stages") or {}
    if in_process.get("stages"):
        total = in_process["mean_ms"] or 1
        lines += ["", f"Where the application's time goes, by stage (the same queries, once each, to a fresh `SearchService` "
                      f"in the harness's process, no HTTP; exclusive time, mean of {in_process['n']} queries, "
                      f"{fmt_ms(in_process['mean_ms'])} ms in all): " + ", ".join(
                          f"{name} {fmt_ms(ms)} ms ({ms / total * 100:.0f} %)"
                          for name, ms in sorted(in_process["stages"].items(), key=lambda kv: -kv[1])) + "."]
    elif in_process.get("error"):
        lines += ["", f"Stage timers: not measured ({in_process['error']})."]

    conc = fs.get("concurrent", {})
    a, b = conc.get("whoosh", {}), conc.get("fts5", {})
    clients = a.get("clients") or b.get("clients") or "—"
    lines += [
        "",
        f"### First sight with {clients} concurrent clients (other never-seen queries, every class mixed; ms)",
        "",
        "| | queries | p50 | p95 | max | ≤ 100 ms | throughput (queries/s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, r in (("application (Whoosh)", a), ("SQLite FTS5", b)):
        if r:
            errors = (f" ({r['errors']} errors)" if r.get("errors") else "") + (f" ({r['partial']} partial)" if r.get("partial") else "")
            lines.append(f"| {label} | {r.get('n', '—')}{errors} | {fmt_ms(r.get('p50'))} | {fmt_ms(r.get('p95'))} | "
                         f"{fmt_ms(r.get('max'))} | {share(r.get('within_target'))} | {r.get('throughput', '—')} |")
    if a and b:
        lines.append(f"| ratio | | {ratio(a.get('p50'), b.get('p50'))} | {ratio(a.get('p95'), b.get('p95'))} | | | "
                     f"{ratio(b.get('throughput'), a.get('throughput'))} |")

    cw, cf = fs.get("cached", {}).get("whoosh", {}), fs.get("cached", {}).get("fts5", {})
    lines += [
        "",
        "### Secondary: the same queries asked again (the application answers from its cache; ms)",
        "",
        "| query class | queries | app p50 | app p95 | app max | FTS5 p50 | FTS5 p95 | FTS5 max |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for cls in ["all"] + list(query_sample.CLASSES):
        a, b = cw.get(cls, {}), cf.get(cls, {})
        if a or b:
            lines.append(f"| {'**all**' if cls == 'all' else cls} | {max(a.get('n', 0), b.get('n', 0))} | "
                         f"{fmt_ms(a.get('p50'))} | {fmt_ms(a.get('p95'))} | {fmt_ms(a.get('max'))} | "
                         f"{fmt_ms(b.get('p50'))} | {fmt_ms(b.get('p95'))} | {fmt_ms(b.get('max'))} |")
    return lines


def add_visible(r: dict) -> str:
    add = r.get("add") if isinstance(r, dict) else None
    if not add:
        return "—"
    if not add.get("ok"):
        return "failed"
    if add.get("visible_seconds") is None:
        return "not found"
    return fmt_seconds(add["visible_seconds"]) + (" (server restarted)" if add.get("needed_restart") else "")


if __name__ == "__main__":
    sys.exit(main())
