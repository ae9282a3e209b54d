"""Serving the web application: `artoiscast serve`'s processes, apart from the command line.

The index is checked (and rebuilt when missing or stale) by a background build in a child
process, so the server listens at once; with several workers, a pre-fork server: the port is
bound once, the workers are forked and accept from it, and the parent restarts a worker that
dies and stops them all with itself.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional

import click

from .schema import read_state


class BackgroundBuild:
    """`artoiscast index --if-stale` in a child process, so that `serve` listens at once.

    A corpus can hold a file that takes a build forever (a FIFO, a huge or endless
    file): the server never waits for it. It serves the last good index meanwhile (or a
    503 "en construction" page when there is none) and picks up the new generation when
    the build swaps it in. A child process, not a thread, so that a build that runs past
    ``timeout`` seconds - or out of memory - can be stopped without touching the server.
    """

    def __init__(self, corpus_dir: Path, index_dir: Path, timeout: float):
        self.command = [sys.executable, "-m", "indexer", "--corpus", str(corpus_dir), "--index", str(index_dir),
                        "index", "--if-stale"]
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.stopping = False

    def start(self, on_end=None):
        # In the server's process group: stopping the server (Ctrl+C, a kill of the group) stops the build.
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL)
        threading.Thread(target=self._watch, args=(on_end,), name="index-build", daemon=True).start()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _watch(self, on_end=None):
        try:
            self._wait()
        finally:
            if on_end:
                on_end()

    def _wait(self):
        try:
            code = self.process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            self.stopping = False
            click.echo(f"Construction de l'index arrêtée après {self.timeout:g} s (--build-timeout) : "
                       f"l'index précédent, s'il existe, reste servi. Voir « artoiscast check ».", err=True)
            return
        if code and not self.stopping:
            click.echo("Échec de la construction de l'index en arrière-plan : l'index précédent, s'il existe, "
                       "reste servi.", err=True)

    def stop(self):
        self.stopping = True
        if self.running():
            self.process.kill()
            self.process.wait(timeout=10)


# Two serving processes where there are two cores: one process computes on one core at a time (the GIL).
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)


def server_address(host: str, port: int) -> str:
    """The address links can use when no --base-url is given; none for a wildcard host."""
    if host in ("", "0.0.0.0", "::", "*"):
        return ""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def local_citations_warning(base_url: str, host: str, port: int) -> Optional[str]:
    """What `serve` says at start when the links of citations and exports would not be the public
    site's: without --base-url they carry the listening address (a local one for a reader)."""
    if base_url:
        return None
    address = server_address(host, port)
    where = f"l'adresse locale {address}" if address else "des liens relatifs, sans adresse de site"
    return (f"Attention : sans --base-url, les citations (RIS, BibTeX, CSL-JSON, COinS, Dublin Core, "
            f"« Copier la citation ») et les exports portent {where}, que vos lecteurs ne pourront pas "
            f"ouvrir. Donnez l'adresse publique : artoiscast serve --base-url https://recherche.example.org "
            f"(ou ARTOISCAST_BASE_URL).")


def waitress_options(threads: int, connection_limit: int, channel_timeout: float) -> dict:
    """waitress's limits, set rather than left to defaults: its default of 100 connections
    lets 100 idle clients lock everyone out; idle connections are closed after
    ``channel_timeout`` seconds. Only GET and HEAD are served, so bodies stay tiny."""
    return {
        "threads": threads,
        "connection_limit": connection_limit,
        "channel_timeout": channel_timeout,
        "cleanup_interval": max(1, min(10, int(channel_timeout // 2) or 1)),
        "asyncore_use_poll": True,  # select() stops at 1,024 descriptors
        "max_request_header_size": 65536,
        "max_request_body_size": 65536,
        "ident": "artoiscast-search",
    }


def run_server(config: dict, build: BackgroundBuild, host: str, port: int, options: dict, workers: int):
    """Serves the web application on ``host:port`` with waitress, the index being checked
    (and rebuilt when it is missing or stale) by ``build`` meanwhile; with ``workers`` > 1,
    several processes behind the port (serve_workers)."""
    from waitress import serve as waitress_serve

    from webapp import create_app

    # SIGTERM (systemd, kill) ends like Ctrl+C, so that the build below is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if workers > 1:
        serve_workers(config, build, host, port, options, workers)
        return
    build.start()
    say_build_started(Path(config["INDEX_DIR"]))
    app = create_app(config)
    click.echo(f"artoiscast-search sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    try:
        waitress_serve(app, host=host, port=port, **options)
    finally:
        build.stop()


def say_build_started(index_dir: Path):
    click.echo("Vérification de l'index en arrière-plan (reconstruit s'il manque ou date) ; "
               + ("l'index actuel est servi en attendant." if read_state(index_dir)
                  else "les pages indiquent « index en construction » en attendant."))


class SharedBuildFlag:
    """Whether the background build runs, as the worker processes see it: the build is the
    parent's child process, which a worker cannot poll, so the parent writes a shared byte."""

    def __init__(self):
        import multiprocessing

        self._value = multiprocessing.Value("b", 0, lock=False)

    def set(self, running: bool):
        self._value.value = int(running)

    def running(self) -> bool:
        return bool(self._value.value)


def listening_socket(host: str, port: int) -> socket.socket:
    """The port, bound and listening once, before the workers are forked: they all accept
    from this one socket, and a connection goes to whichever worker takes it first."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024)


def serve_workers(config: dict, build: "BackgroundBuild", host: str, port: int, options: dict, workers: int):
    """Several processes behind one port (a pre-fork server): Python threads share one core
    (the GIL), processes use them all. Each worker has its own waitress, search service and
    cache; the parent only runs the background build, restarts a worker that dies, and
    stops them all with itself."""
    from waitress import serve as waitress_serve

    from webapp import create_app

    sock = listening_socket(host, port)
    flag = SharedBuildFlag()
    flag.set(True)

    parent = os.getpid()

    def orphaned_watch():
        # A parent killed outright (SIGKILL, out of memory) cannot stop its workers: they stop themselves.
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    def run_worker():
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        threading.Thread(target=orphaned_watch, name="orphan-watch", daemon=True).start()
        code = 0
        try:
            waitress_serve(create_app({**config, "INDEX_BUILD": flag}), sockets=[sock], **options)
        except KeyboardInterrupt:
            pass
        except BaseException:  # said on the terminal; the parent starts another worker
            import traceback

            traceback.print_exc()
            code = 1
        os._exit(code)

    def fork_worker() -> int:
        pid = os.fork()
        if pid == 0:
            run_worker()
        return pid

    pids = {fork_worker() for _ in range(workers)}  # forked before any thread of the parent starts
    build.start(on_end=lambda: flag.set(False))
    say_build_started(Path(config["INDEX_DIR"]))
    click.echo(f"artoiscast-search sur http://{host}:{port}/ ({workers} processus ; Ctrl+C pour arrêter)")
    restarts = 0
    try:
        while True:
            time.sleep(0.5)  # not os.wait(): it would reap the build too, whose end its own thread awaits
            ended = [(pid, status) for pid, status in map(lambda p: os.waitpid(p, os.WNOHANG), list(pids)) if pid]
            if not ended:
                continue
            pid, status = ended[0]
            pids.discard(pid)
            restarts += 1
            if restarts > 10 * workers:
                raise click.ClickException("Les processus du serveur s'arrêtent les uns après les autres : arrêt.")
            click.echo(f"Un processus du serveur s'est arrêté ({status}) : il est remplacé.", err=True)
            pids.add(fork_worker())
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        build.stop()
        sock.close()
