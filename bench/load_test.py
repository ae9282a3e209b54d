"""Load tests against the real `artoiscast serve`: while the index is rebuilt, and under attack.

    python -m bench.load_test --clients 20 --seconds 60 --out docs/load-test.md
    python -m bench.load_test --attack --clients 8 --hostile 8 --idle 110 --seconds 30 --out docs/load-test-attack.md

--attack (issue 14): on a generated archive (bench.generate_archive, --hours), normal
clients query alone for a while (the baseline), then again next to hostile clients -
searches of a hundred broad prefixes, broad exports, many-word queries that fall back to
any-word - and IDLE slowloris connections (a request line sent a byte at a time). The
normal queries' latency under attack is reported against ATTACK_P95_TARGET_MS; a hostile
request may be refused with the documented 503 (Retry-After), a normal one never.

Starts `artoiscast serve` on a free loopback port (a real waitress server, in
its own process), then runs CLIENTS threads that each send a fixed mix of
requests (search page, API, citations, concordance, recording pages) for
SECONDS, while another thread rebuilds the index again and again with
`artoiscast index` (each build writes a new generation and swaps it in).
Every non-2xx answer or connection error counts as a failure; latency
percentiles are reported. Requests go to 127.0.0.1 only, bounded in time.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parent.parent
QUERIES = ["énergie", "gaz de mine", '"bassin minier"', "photovolta*", "cybersecurite", "Loos-en-Gohelle",
           "ERBM", "emploi formation", "commerce Lens", "zzzzz", '"unbalanced', "-lens", "économie SAUF verte"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)  # time.monotonic() of each answer
    failures: list[str] = field(default_factory=list)
    by_status: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, status: int | None, error: str | None = None):
        with self.lock:
            self.latencies.append(seconds)
            self.answered_at.append(time.monotonic())
            if status is not None:
                self.by_status[status] = self.by_status.get(status, 0) + 1
            if error:
                self.failures.append(error)


def stop_server(server: subprocess.Popen, server_log, work: Path) -> list[str]:
    """Stops the server, removes the work folder, and returns the errors its log shows."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    server_log.close()
    log = (work / "serve.log").read_text(encoding="utf-8", errors="replace")
    shutil.rmtree(work, ignore_errors=True)
    return [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line][:10]


def request_mix(rng: random.Random, recording_ids: list[str], queries: list[str] = QUERIES) -> str:
    """A request a person would make: the API, a results page (or its page 2), citations or
    concordance, or a recording page with the words marked."""
    q = rng.choice(queries)
    kind = rng.random()
    if kind < 0.45:
        return "/api/search?" + urlencode({"q": q})
    if kind < 0.75:
        return "/?" + urlencode({"q": q, "page": rng.choice([1, 1, 2])})
    if kind < 0.85:
        return "/?" + urlencode({"q": q, "mode": rng.choice(["citations", "concordance"])})
    return f"/enregistrement/{quote(rng.choice(recording_ids))}?" + urlencode({"q": q})


def client(port: int, deadline: float, stats: Stats, seed: int, recording_ids: list[str], max_requests: int):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(max_requests):
        if time.monotonic() >= deadline:
            break
        path = request_mix(rng, recording_ids)
        started = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            error = None if 200 <= response.status < 300 else f"{response.status} {path}"
            stats.record(elapsed, response.status, error)
        except (OSError, http.client.HTTPException) as exc:
            stats.record(time.perf_counter() - started, None, f"{type(exc).__name__} {path}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()


def reindexer(corpus: Path, index: Path, deadline: float, env: dict, builds: list, failures: list):
    """Rebuilds the whole index in a loop: each build is a new generation swapped in."""
    while time.monotonic() < deadline:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index),
                               "index"], env=env, capture_output=True, text=True)
        builds.append(time.perf_counter() - started)
        if done.returncode != 0:
            failures.append(f"index exited {done.returncode}: {done.stderr[-300:]}")


# --------------------------------------------------------------------------- attack (issue 14)

ATTACK_P95_TARGET_MS = 1000  # normal queries' p95 while under attack, on 2 shared cores
NORMAL_QUERIES = ["énergie", "transition énergétique", "mine", "emploi", "commerce Lens", '"centre-ville"',
                  "patrimoine", "photovolta*", "santé", "zzzzz", "kermesse", "-lens", "terrils SAUF Douai"]
BROAD_PREFIXES = [a + b for a in "bcdefilmnoprstv" for b in "aeiou"]


def normal_request(rng: random.Random, recording_ids: list[str]) -> str:
    return request_mix(rng, recording_ids, NORMAL_QUERIES)


def hostile_request(rng: random.Random, kind: int) -> str:
    """What an attacker sends, varied so that no cache helps: a hundred broad prefixes,
    a broad export, or many words of which one is absent (the any-word retry)."""
    prefixes = rng.sample(BROAD_PREFIXES, len(BROAD_PREFIXES))
    if kind % 3 == 0:
        q = " ".join(f"{p}*" for p in (prefixes * 2)[:100])
        return "/api/search?" + urlencode({"q": q, "mode": rng.choice(["results", "concordance"])})
    if kind % 3 == 1:
        return "/export.csv?" + urlencode({"q": " ".join(f"{p}*" for p in prefixes[:3]),
                                           "sort": rng.choice(["relevance", "date"])})
    words = " ".join(rng.sample(["mine", "emploi", "commerce", "santé", "patrimoine", "énergie", "culture",
                                 "transport", "école", "terril", "usine", "quartier"], 8))
    return "/?" + urlencode({"q": f"{words} zz{rng.randrange(10**6)}"})


def timed_client(port: int, deadline: float, stats: Stats, next_path, ok_statuses: set[int],
                 max_requests: int = 100_000):
    """One visitor after another: a new connection for each request, as many people have."""
    for n in range(max_requests):
        if time.monotonic() >= deadline:
            break
        path = next_path(n)
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            error = None
            if response.status not in ok_statuses:
                error = f"{response.status} {path[:120]}"
            elif response.status == 503 and not response.getheader("Retry-After"):
                error = f"503 without Retry-After {path[:120]}"
            stats.record(elapsed, response.status, error)
        except (OSError, http.client.HTTPException) as exc:
            stats.record(time.perf_counter() - started, None, f"{type(exc).__name__} {path[:120]}: {exc}")
        finally:
            conn.close()


def idle_connections(port: int, count: int, deadline: float, held: list, opened: threading.Event):
    """Slowloris: ``count`` connections that send a request line one byte every few
    seconds and never finish it. ``held`` gets how many were still open at the end, and
    when they were let go."""
    sockets = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /?q=")
            sockets.append(sock)
        except OSError:
            break
    opened.set()
    while time.monotonic() < deadline:
        time.sleep(min(3.0, max(0.0, deadline - time.monotonic())))
        for sock in list(sockets):
            try:
                sock.sendall(b"a")
            except OSError:
                sockets.remove(sock)
    held.append(len(sockets))
    held.append(time.monotonic())
    for sock in sockets:
        sock.close()


def latency_summary(stats: Stats) -> dict:
    ms = [x * 1000 for x in stats.latencies]
    return {
        "requests": len(ms),
        "failures": len(stats.failures),
        "failure_examples": stats.failures[:10],
        "statuses": dict(sorted(stats.by_status.items())),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else None,
    }


def run_attack(clients: int, hostile: int, idle: int, seconds: float, hours: float = 10,
               baseline_seconds: Optional[float] = None, threads: int = 8) -> dict:
    """Normal clients alone (baseline), then next to hostile clients and idle connections."""
    from bench.generate_archive import generate

    work = Path(tempfile.mkdtemp(prefix="artoiscast-attack-"))
    corpus, index = work / "corpus", work / "index"
    generate(hours, corpus)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), "index"],
                   env=env, check=True, capture_output=True)
    state = json.loads((index / "corpus_state.json").read_text(encoding="utf-8"))
    recording_ids = sorted(state["specs"])
    port = free_port()
    server_log = open(work / "serve.log", "w", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index),
                               "serve", "--port", str(port), "--threads", str(threads)], env=env,
                              stdout=subprocess.DEVNULL, stderr=server_log, text=True)
    try:
        wait_until_up(port, server)
        baseline, normal, attack = Stats(), Stats(), Stats()
        held: list[int] = []

        def normal_clients(stats: Stats, deadline: float, seed: int) -> list[threading.Thread]:
            return [threading.Thread(target=timed_client, args=(
                port, deadline, stats, lambda n, rng=random.Random(seed + i): normal_request(rng, recording_ids),
                {200})) for i in range(clients)]

        deadline = time.monotonic() + (baseline_seconds if baseline_seconds is not None else seconds / 2)
        group = normal_clients(baseline, deadline, 0)
        for t in group:
            t.start()
        for t in group:
            t.join(timeout=seconds + 120)
        # The idle connections first: the normal clients then have to get new connections past them.
        deadline = time.monotonic() + seconds
        opened = threading.Event()
        idler = threading.Thread(target=idle_connections, args=(port, idle, deadline, held, opened))
        idler.start()
        opened.wait(60)
        group = [idler]
        group += [threading.Thread(target=timed_client, args=(
            port, deadline, attack, lambda n, i=i, rng=random.Random(1000 + i): hostile_request(rng, n + i),
            {200, 503})) for i in range(hostile)]
        group += normal_clients(normal, deadline, 100)
        for t in group[1:]:
            t.start()
        for t in group:
            t.join(timeout=seconds + 120)
    finally:
        server_errors = stop_server(server, server_log, work)
    return {
        "clients": clients, "hostile": hostile, "idle": idle, "seconds": seconds, "hours": hours,
        "passages": state.get("passages"), "threads": threads,
        "baseline": latency_summary(baseline),
        "normal": latency_summary(normal),
        "hostile_requests": latency_summary(attack),
        "idle_held": held[0] if held else 0,
        # Normal answers received while the idle connections were all still open (waitress's
        # default limit of 100 connections made normal clients wait for them to go).
        "normal_answered_during_idle": sum(1 for t in normal.answered_at if held and t < held[1]),
        "server_errors": server_errors,
        "target_p95_ms": ATTACK_P95_TARGET_MS,
    }


def attack_markdown(result: dict, command: str) -> str:
    base, normal, bad = result["baseline"], result["normal"], result["hostile_requests"]
    met = "atteint" if normal["p95_ms"] <= result["target_p95_ms"] else "**manqué**"

    def statuses(summary):
        return ", ".join(f"{k}: {v}" for k, v in summary["statuses"].items()) or "—"

    return f"""## Sous attaque : clients normaux à côté de clients hostiles (issue 14)

Commande : `{command}`

Machine : {os.cpu_count()} cœurs partagés ; serveur réel (`artoiscast serve`, waitress, {result['threads']} fils,
réglages par défaut : 2 requêtes coûteuses à la fois, 3 s par recherche, 1 000 connexions, 30 s d'inactivité)
sur 127.0.0.1 ; archive générée de {result['hours']:g} h ({result['passages']} passages, `bench.generate_archive`).

Clients hostiles : {result['hostile']} clients qui enchaînent des recherches de 100 préfixes larges (`ba* be* …`),
des exports CSV de préfixes larges et des requêtes de 9 mots dont un absent (repli « au moins un des mots »),
variées pour qu'aucun cache ne serve ; {result['idle']} connexions « slowloris » qui envoient une ligne de requête
un octet toutes les 3 s sans jamais la finir. Clients normaux : {result['clients']} clients (API, page de
recherche, citations, concordance, pages d'enregistrement).

| | requêtes | codes HTTP | échecs | p50 / p95 / p99 / max (ms) |
|---|---|---|---|---|
| normaux, seuls ({result['seconds'] / 2:g} s) | {base['requests']} | {statuses(base)} | {base['failures']} | {base['p50_ms']} / {base['p95_ms']} / {base['p99_ms']} / {base['max_ms']} |
| **normaux, sous attaque** ({result['seconds']:g} s) | {normal['requests']} | {statuses(normal)} | **{normal['failures']}** | {normal['p50_ms']} / **{normal['p95_ms']}** / {normal['p99_ms']} / {normal['max_ms']} |
| hostiles | {bad['requests']} | {statuses(bad)} | {bad['failures']} | {bad['p50_ms']} / {bad['p95_ms']} / {bad['p99_ms']} / {bad['max_ms']} |

Connexions slowloris encore ouvertes à la fin : {result['idle_held']} sur {result['idle']} (elles n'empêchent
plus personne de se connecter). Erreurs dans le journal du serveur : {len(result['server_errors'])}.

**Objectif : p95 des requêtes normales sous attaque ≤ {result['target_p95_ms']} ms — {met}.** Les requêtes
hostiles reçoivent 200 ou le 503 documenté (avec `Retry-After`) quand les places pour requêtes coûteuses sont
prises ; aucune requête normale n'échoue, aucun autre code 5xx.
"""


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def wait_until_up(port: int, proc: subprocess.Popen, timeout: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/search?q=lens")
            if conn.getresponse().status == 200:
                return time.monotonic() - started
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("serve did not answer in time")


def run(clients: int, seconds: float, corpus_src: Path, max_requests: int = 100_000) -> dict:
    work = Path(tempfile.mkdtemp(prefix="artoiscast-load-"))
    corpus = work / "corpus"
    shutil.copytree(corpus_src, corpus)
    index = work / "index"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), "index"],
                   env=env, check=True, capture_output=True)
    recording_ids = [r["recording"]["id"] for r in json.loads(subprocess.run(
        [sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), "search", "--json",
         "--per-page", "50"], env=env, check=True, capture_output=True, text=True).stdout)["results"]]
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up (64 KB of waitress's
    # "Task queue depth" warnings under load) and then blocks every thread that logs.
    server_log = open(work / "serve.log", "w", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index),
                               "serve", "--port", str(port), "--threads", "8"], env=env,
                              stdout=subprocess.DEVNULL, stderr=server_log, text=True)
    server_errors: list[str] = []
    try:
        startup = wait_until_up(port, server)
        stats = Stats()
        builds: list[float] = []
        build_failures: list[str] = []
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=client, args=(port, deadline, stats, i, recording_ids, max_requests))
                   for i in range(clients)]
        threads.append(threading.Thread(target=reindexer, args=(corpus, index, deadline, env, builds,
                                                                build_failures)))
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 120)
        wall = time.perf_counter() - started
    finally:
        server_errors = stop_server(server, server_log, work)
    ms = [x * 1000 for x in stats.latencies]
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(ms),
        "failures": len(stats.failures),
        "failure_examples": stats.failures[:10],
        "server_errors": server_errors,
        "statuses": stats.by_status,
        "throughput_rps": round(len(ms) / wall, 1) if wall else 0,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
        "rebuilds": len(builds),
        "rebuild_failures": build_failures,
        "rebuild_mean_s": round(statistics.fmean(builds), 2) if builds else None,
        "serve_startup_s": round(startup, 2),
    }


def markdown(result: dict, command: str) -> str:
    return f"""# Test de charge : 20 clients pendant une réindexation

Commande : `{command}`

Machine : {os.cpu_count()} cœurs ; serveur réel (`artoiscast serve`, waitress, 8 fils) sur 127.0.0.1,
clients et reconstructions de l'index dans d'autres processus sur la même machine.

| mesure | valeur |
|---|---|
| clients simultanés | {result['clients']} |
| durée | {result['seconds']} s |
| requêtes | {result['requests']} ({result['throughput_rps']} req/s) |
| **échecs** | **{result['failures']}** |
| codes HTTP | {', '.join(f'{k}: {v}' for k, v in sorted(result['statuses'].items()))} |
| latence p50 / p95 / p99 / max | {result['p50_ms']} / {result['p95_ms']} / {result['p99_ms']} / {result['max_ms']} ms |
| reconstructions complètes de l'index pendant le test | {result['rebuilds']} (moyenne {result['rebuild_mean_s']} s, échecs : {len(result['rebuild_failures'])}) |
| démarrage de `serve` (index existant) jusqu'à la première réponse | {result['serve_startup_s']} s |

Mélange de requêtes : 45 % `/api/search`, 30 % page de recherche (pages 1 et 2), 10 % modes citations et
concordance, 15 % pages d'enregistrement avec surlignage ; requêtes dont certaines malformées
(guillemet non fermé, exclusion seule). Chaque reconstruction écrit une nouvelle génération de l'index et
bascule le lien `index` ; le serveur la prend sans redémarrer.
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--attack", action="store_true", help="normal clients next to hostile ones (issue 14)")
    parser.add_argument("--hostile", type=int, default=8)
    parser.add_argument("--idle", type=int, default=110)
    parser.add_argument("--hours", type=float, default=10)
    args = parser.parse_args()
    if args.attack:
        result = run_attack(args.clients, args.hostile, args.idle, args.seconds, args.hours)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        if args.out:
            command = (f"python -m bench.load_test --attack --clients {args.clients} --hostile {args.hostile} "
                       f"--idle {args.idle} --hours {args.hours:g} --seconds {args.seconds:g}")
            args.out.write_text(attack_markdown(result, command), encoding="utf-8")
        failed = result["normal"]["failures"] or result["hostile_requests"]["failures"] or result["server_errors"]
        sys.exit(1 if failed else 0)
    result = run(args.clients, args.seconds, args.corpus)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.out:
        command = f"python -m bench.load_test --clients {args.clients} --seconds {args.seconds:g} --out {args.out}"
        args.out.write_text(markdown(result, command), encoding="utf-8")
    sys.exit(1 if result["failures"] or result["rebuild_failures"] else 0)


if __name__ == "__main__":
    main()
