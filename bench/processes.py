"""Processes under measure, for bench/run_benchmark.py: a command run to its end (wall time,
peak memory of its process tree), a server on a loopback port, a keep-alive HTTP client.

Memory is read from /proc (Linux); only loopback connections are made.
"""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent  # where the measured commands run
PROBE = {"q": "terril"}  # the query used to tell that a server answers


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
