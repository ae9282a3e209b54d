"""`artoiscast serve --workers 2`: two processes behind one port (issue 13).

A real server on loopback, in its own session; its processes are read from /proc
(Linux). Checks that both workers exist and answer, that a worker that dies is
replaced, and that stopping the server stops its workers.
"""
from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from indexer.build import build_index

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists() or not hasattr(os, "fork"),
                                reason="reads processes from /proc, forks")


def children(pid: int) -> list[int]:
    """The worker processes of ``pid``: its children running the same command (forked).

    Only this server's own children are counted, so the tests are safe next to other xdist workers."""
    try:
        own = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z" and cmdline == own:
            found.append(int(entry.name))
    return sorted(found)


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


@pytest.fixture(scope="module")
def server(tmp_path_factory, generated_archive):
    from webapp_fixtures import free_port

    work = tmp_path_factory.mktemp("workers")
    corpus, index = generated_archive(1, 5), work / "index"
    build_index(corpus, index)
    port = free_port()
    log = open(work / "serve.log", "w+b")
    process = subprocess.Popen(
        [sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), "serve",
         "--port", str(port), "--workers", "2"],
        env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert wait_for(lambda: get(port, "/api/search?q=terril") == 200 or process.poll() is not None, 60)
        assert process.poll() is None, (work / "serve.log").read_text()
        yield process, port
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
        log.close()


def get(port: int, path: str) -> int:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status
    except OSError:
        return 0


def test_two_workers_answer_on_one_port(server):
    process, port = server
    assert len(wait_for(lambda: len(children(process.pid)) == 2 and children(process.pid))) == 2
    statuses: list[int] = []
    words = ["terril", "mine", "fosse", "charbon", "école", "ouvrier", "gare", "marché"]

    def client(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        for i in range(10):
            conn.request("GET", f"/api/search?q={quote(words[(n + i) % len(words)])}&page={1 + i % 3}")
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [200] * 40


def test_a_worker_that_dies_is_replaced(server):
    process, port = server
    workers = wait_for(lambda: len(children(process.pid)) == 2 and children(process.pid))
    os.kill(workers[0], signal.SIGKILL)
    replaced = wait_for(lambda: (lambda now: len(now) == 2 and workers[0] not in now and now)(children(process.pid)))
    assert replaced and workers[1] in replaced
    assert all(get(port, f"/api/search?q=mine&page={p}") == 200 for p in range(1, 6))


def test_stopping_the_server_stops_its_workers(server):
    process, port = server
    workers = wait_for(lambda: len(children(process.pid)) == 2 and children(process.pid))
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    gone = wait_for(lambda: not any(Path(f"/proc/{pid}").exists() and
                                    "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:1]
                                    for pid in workers))
    assert gone
    assert get(port, "/api/search?q=terril") == 0  # nobody listens any more


def test_workers_stop_when_their_parent_is_killed_outright(tmp_path, generated_archive):
    """SIGKILL leaves the parent no time to stop its workers: they notice and stop by themselves."""
    from webapp_fixtures import free_port

    corpus, index = generated_archive(0.5, 5), tmp_path / "index"
    build_index(corpus, index)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), "serve",
         "--port", str(port), "--workers", "2"],
        env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        assert wait_for(lambda: get(port, "/api/search?q=terril") == 200, 60)
        workers = wait_for(lambda: len(children(process.pid)) == 2 and children(process.pid))
        assert workers
        process.kill()
        process.wait(timeout=10)
        assert wait_for(lambda: get(port, "/api/search?q=terril") == 0, 20)  # nobody listens any more
        assert not any(Path(f"/proc/{pid}").exists() and
                       Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
                       for pid in workers)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
