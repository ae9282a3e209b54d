"""The web app on a missing, corrupt or locked index, and while the index is rebuilt.

Whatever is wrong with the index, every page answers a French 503 that says what is
wrong and the way out (« artoiscast index --rebuild »), never a stack trace; once
the index is rebuilt the same app serves it, without a restart. A build that fails
leaves the previous index serving; a build that succeeds is picked up at once.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from indexer import cli
from webapp import SECURITY_HEADERS, create_app
from webapp_fixtures import make_test_corpus

REPO = Path(__file__).resolve().parent.parent

INDEX_PAGES = ["/", "/?q=terril", "/?q=orchidées&mode=citations", "/?q=terril&mode=concordance",
               "/enregistrement/terril-vert", "/export.csv?q=terril", "/export.json?q=terril"]
INDEX_API = ["/api/search?q=terril", "/api/recordings", "/api/recordings/terril-vert"]


@pytest.fixture
def site(tmp_path):
    """An invented corpus and where its index goes (not built yet)."""
    return make_test_corpus(tmp_path / "corpus"), tmp_path / "var" / "index"


def artoiscast(corpus: Path, index: Path, *args: str):
    """The `artoiscast` command, in this process (so monkeypatches apply)."""
    return CliRunner().invoke(cli.main, ["--corpus", str(corpus), "--index", str(index), *args])


def app_for(corpus: Path, index: Path):
    return create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus)})


def assert_unavailable(client, what: str):
    """503 everywhere the index is needed: French, what is wrong, the way out, no trace."""
    for url in INDEX_PAGES:
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.headers["Retry-After"]
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
        text = response.get_data(as_text=True)
        page = BeautifulSoup(text, "html.parser")
        assert page.html["lang"] == "fr" and "Index indisponible" in page.h1.get_text(), url
        message = page.select_one(".error-page__message").get_text()
        assert what in message and "artoiscast index --rebuild" in message, url
        assert "sans redémarrer" in message or "inutile de redémarrer" in message
        assert "Traceback" not in text and "Error" not in text and "/index" not in text, url
    for url in INDEX_API:
        response = client.get(url)
        assert response.status_code == 503 and response.mimetype == "application/json", url
        assert list(response.get_json()) == ["error"]
        assert what in response.get_json()["error"] and "artoiscast index --rebuild" in response.get_json()["error"]
    # What does not need the index still works.
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/audio/test.wav", headers={"Range": "bytes=0-3"}).status_code == 206


def assert_serving(client):
    page = BeautifulSoup(client.get("/?q=navette").get_data(as_text=True), "html.parser")
    assert [h.get_text(strip=True) for h in page.select(".result__title")] == ["Les bobines de la rue Pasteur"]
    for url in INDEX_PAGES + INDEX_API:
        assert client.get(url).status_code == 200, url


def test_missing_index_then_built_without_restart(site):
    corpus, index = site
    client = app_for(corpus, index).test_client()
    assert_unavailable(client, "n'a pas encore été construit")
    result = artoiscast(corpus, index, "index", "--rebuild")
    assert result.exit_code == 0, result.output
    assert_serving(client)  # the same app: no restart


def corrupt(generation: Path, how: str):
    # A segment is several files (postings, terms, columns, stored fields): damage them all.
    segment_files = [f for f in generation.glob("MAIN_*") if f.is_file() and f.stat().st_size]
    assert segment_files
    toc = next(generation.glob("_*.toc"))
    if how == "segment-cut-in-half":
        for segment in segment_files:
            with open(segment, "r+b") as f:
                f.truncate(segment.stat().st_size // 2)
    elif how == "segment-emptied":
        for segment in segment_files:
            with open(segment, "r+b") as f:
                f.truncate(0)
    elif how == "segment-garbled":
        for segment in segment_files:
            data = bytearray(segment.read_bytes())
            for i in range(0, len(data), 5):
                data[i] ^= 0x5A
            segment.write_bytes(bytes(data))
    elif how == "toc-garbled":
        toc.write_bytes(b"\x00pas un index whoosh\xff" * 10)
    elif how == "toc-missing":
        toc.unlink()
    elif how == "state-garbled":
        (generation / "corpus_state.json").write_text("{ pas du json", encoding="utf-8")
    elif how == "generation-emptied":
        for item in generation.iterdir():
            item.unlink()
    elif how == "generation-deleted":  # the link now points nowhere
        shutil.rmtree(generation)
    elif how == "generation-is-a-file":
        shutil.rmtree(generation)
        generation.write_text("ceci n'est pas un index", encoding="utf-8")
    else:
        raise ValueError(how)


@pytest.mark.parametrize("how", ["segment-cut-in-half", "segment-emptied", "segment-garbled", "toc-garbled",
                                 "toc-missing", "state-garbled", "generation-emptied", "generation-deleted",
                                 "generation-is-a-file"])
def test_corrupt_index_then_rebuilt_without_restart(site, how):
    corpus, index = site
    assert artoiscast(corpus, index, "index").exit_code == 0
    assert index.is_symlink()
    corrupt(index.resolve(), how)
    client = app_for(corpus, index).test_client()
    what = "n'a pas encore été construit" if how == "generation-deleted" else "illisible"
    assert_unavailable(client, what)
    result = artoiscast(corpus, index, "index", "--rebuild")
    assert result.exit_code == 0, result.output
    assert_serving(client)


def test_index_broken_while_serving_then_rebuilt(site):
    """The link swapped to a broken generation under a running app: 503, then back after a rebuild."""
    corpus, index = site
    assert artoiscast(corpus, index, "index").exit_code == 0
    client = app_for(corpus, index).test_client()
    assert_serving(client)
    broken = index.parent / "index.gen-cassee"
    shutil.copytree(index.resolve(), broken)
    corrupt(broken, "segment-cut-in-half")
    tmp_link = index.parent / ".lien"
    os.symlink(broken.name, tmp_link)
    os.replace(tmp_link, index)
    assert_unavailable(client, "illisible")
    assert artoiscast(corpus, index, "index", "--rebuild").exit_code == 0
    assert_serving(client)


def test_a_legacy_plain_directory_index_is_served_and_replaced(site):
    """An index directory from before generations (no link): served, then swapped for a link."""
    corpus, index = site
    assert artoiscast(corpus, index, "index").exit_code == 0
    generation = index.resolve()
    index.unlink()
    shutil.move(generation, index)
    client = app_for(corpus, index).test_client()
    assert_serving(client)
    assert artoiscast(corpus, index, "index", "--rebuild").exit_code == 0
    assert index.is_symlink()
    assert_serving(client)


def test_locked_index_is_still_served_and_rebuilt(site):
    """A writer holding the Whoosh lock (or a lock left by a crash) does not stop readers,
    nor a rebuild, which writes a new generation beside it."""
    from whoosh import index as whoosh_index

    corpus, index = site
    assert artoiscast(corpus, index, "index").exit_code == 0
    client = app_for(corpus, index).test_client()
    writer = whoosh_index.open_dir(str(index.resolve())).writer()  # holds MAIN_WRITELOCK
    try:
        assert_serving(client)
        (corpus / "transcripts" / "filature.vtt").write_text(
            (corpus / "transcripts" / "filature.vtt").read_text(encoding="utf-8").replace("navette", "zéphyrine"),
            encoding="utf-8")
        result = artoiscast(corpus, index, "index")
        assert result.exit_code == 0, result.output
        document = client.get("/api/search?q=zéphyrine").get_json()
        assert [r["recording"]["id"] for r in document["results"]] == ["filature-pasteur"]
    finally:
        writer.cancel()
    # A stale lock file in the current generation: still served; --rebuild clears it.
    (index.resolve() / "MAIN_WRITELOCK").write_text("verrou orphelin", encoding="utf-8")
    assert client.get("/api/search?q=zéphyrine").status_code == 200
    assert artoiscast(corpus, index, "index", "--rebuild").exit_code == 0
    assert client.get("/api/search?q=zéphyrine").get_json()["total"] == 1


def test_failed_build_leaves_the_old_index_serving(site, monkeypatch):
    from indexer import vocabulary

    corpus, index = site
    assert artoiscast(corpus, index, "index").exit_code == 0
    client = app_for(corpus, index).test_client()
    assert_serving(client)
    generation = index.resolve()
    before = client.get("/api/search?q=terril").get_json()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vocabulary.VocabularyBuilder, "save", disk_full)
    (corpus / "transcripts" / "filature.vtt").write_text(
        (corpus / "transcripts" / "filature.vtt").read_text(encoding="utf-8").replace("navette", "zéphyrine"),
        encoding="utf-8")
    result = artoiscast(corpus, index, "index", "--rebuild")
    assert result.exit_code == 2 and "L'index précédent est conservé" in result.output
    assert index.resolve() == generation
    assert sorted(p.name for p in index.parent.glob("index.gen-*")) == [generation.name]  # the partial one removed
    after = client.get("/api/search?q=terril").get_json()
    before.pop("took_ms"), after.pop("took_ms")
    assert after == before
    assert client.get("/api/search?q=zéphyrine").get_json()["total"] == 0
    assert_serving(client)
    monkeypatch.undo()
    assert artoiscast(corpus, index, "index").exit_code == 0
    assert client.get("/api/search?q=zéphyrine").get_json()["total"] == 1


def test_reindexing_while_serving_is_picked_up_without_restart(site):
    corpus, index = site
    assert artoiscast(corpus, index, "index").exit_code == 0
    app = app_for(corpus, index)
    client = app.test_client()
    service = app.extensions["search_service"]
    assert_serving(client)
    first = service.snapshot()
    transcript = corpus / "transcripts" / "terril.vtt"
    for round_, word in enumerate(["zéphyrine", "quetzalcoatl"]):
        transcript.write_text(transcript.read_text(encoding="utf-8").replace("moutons", word).replace(
            "zéphyrine", word), encoding="utf-8")
        assert artoiscast(corpus, index, "index").exit_code == 0
        document = client.get(f"/api/search?q={word}").get_json()
        assert [r["recording"]["id"] for r in document["results"]] == ["terril-vert"], word
        page = BeautifulSoup(client.get(f"/enregistrement/terril-vert?q={word}").get_data(as_text=True),
                             "html.parser")
        assert [m.get_text() for m in page.select(".turn mark")] == [word]
    assert service.snapshot() is not first and service.snapshot().generation != first.generation
    assert client.get("/api/search?q=moutons").get_json()["total"] == 0
    # Old generations are cleaned up: the current one and the one before it, no more.
    assert len(list(index.parent.glob("index.gen-*"))) <= 2


# --------------------------------------------------------------------------- damaged while serving (issue 14, item 5)


def truncate_segments(generation: Path):
    """What a full disk or a careless copy does to the serving generation: every segment file cut in half."""
    for segment in generation.glob("MAIN_*"):
        if segment.is_file() and segment.stat().st_size:
            with open(segment, "r+b") as f:
                f.truncate(segment.stat().st_size // 2)


@pytest.mark.slow
def test_segments_truncated_under_load_give_503_then_update_and_if_stale_rebuild(site):
    """Segment files of the live generation truncated while clients query a real server:
    every answer is a 200 (before) or the 503 with the --rebuild advice, never a 500; then
    `index --if-stale` and `index --update` see that the index cannot be read and rebuild it."""
    import http.client
    import threading

    from webapp_fixtures import LiveServer

    corpus, index = site
    assert artoiscast(corpus, index, "index").exit_code == 0
    # A slot per client thread: every 503 here is the index's, none is "too many exports at once".
    app = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus), "EXPENSIVE_SLOTS": 8})
    statuses: dict[int, int] = {}
    bodies: list[str] = []
    truncated = threading.Event()
    stop = threading.Event()

    def client(port: int, n: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        queries = ["terril", "orchidées", "navette", "bobines", "sch*", "moutons conservatoire", "zzz OR terril"]
        i = n
        while not stop.is_set():
            i += 1
            q = queries[i % len(queries)]
            if truncated.is_set():  # a query never asked: a fast server has every one above cached by now
                q += f" OR zz{i}"
            path = ["/api/search?q=", "/?q=", "/export.csv?q="][i % 3] + quote(q)
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                continue
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status != 200:
                bodies.append(body)
            if truncated.is_set() and sum(v for k, v in statuses.items() if k != 200) > 60:
                stop.set()
        conn.close()

    with LiveServer(app) as server:
        port = int(server.url.rsplit(":", 1)[1])
        threads = [threading.Thread(target=client, args=(port, n)) for n in range(4)]
        for t in threads:
            t.start()
        waited = time.monotonic() + 60
        while sum(statuses.values()) < 40 and time.monotonic() < waited:  # the index is read by every thread
            stop.wait(0.05)
        truncate_segments(index.resolve())
        truncated.set()
        stop.wait(60)  # bounded: the clients stop by themselves once they have seen 60 failures
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert set(statuses) <= {200, 503}, statuses
        assert statuses.get(503, 0) > 60
        assert all("artoiscast index --rebuild" in body for body in bodies)
        assert not any("Erreur interne" in body or "Traceback" in body for body in bodies)

        result = artoiscast(corpus, index, "index", "--if-stale")
        assert result.exit_code == 0 and "Index construit" in result.output, result.output
        assert_serving(app.test_client())
        truncate_segments(index.resolve())
        assert app.test_client().get("/api/search?q=fauche").status_code == 503  # a query not cached yet
        result = artoiscast(corpus, index, "index", "--update")
        assert result.exit_code == 0 and "reconstruit en entier" in result.output, result.output
        assert_serving(app.test_client())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("GET", "/api/search?q=navette")
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["total"] == 1


# --------------------------------------------------------------------------- serve never waits for a build (item 2)


class Serve:
    """`artoiscast serve` for real, in its own process group (so that the build it starts
    is stopped with it), on a free loopback port."""

    def __init__(self, corpus: Path, index: Path, *args: str):
        from webapp_fixtures import free_port

        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), "serve",
             "--port", str(self.port), *args], env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def get(self, path: str, timeout: float = 30, headers: Optional[dict] = None):
        """The first answer within ``timeout`` seconds (the server may still be starting)."""
        import http.client

        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.output()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"serve did not answer {path} in {timeout} s:\n{self.output()}")
                time.sleep(0.2)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # the server and the build it started
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.log.close()


def block_a_transcript(corpus: Path):
    """A FIFO in place of a transcript: reading it waits for a writer that never comes."""
    transcript = corpus / "transcripts" / "filature.vtt"
    transcript.unlink()
    os.mkfifo(transcript)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_serve_answers_at_once_with_the_last_good_index_while_a_build_cannot_finish(site):
    corpus, index = site
    assert artoiscast(corpus, index, "index").exit_code == 0
    block_a_transcript(corpus)  # the corpus changed: serve starts a build, which may never end
    with Serve(corpus, index) as server:
        status, headers, body = server.get("/api/search?q=navette")
        assert status == 200, body
        if json.loads(body)["total"] != 1:
            # Not the last good index: only possible if the build ended (a corpus reader that
            # refuses FIFOs at once) and swapped in an index without the blocked transcript.
            assert "Index construit" in server.output() or "Échec" in server.output()
        status, _, _ = server.get("/?q=terril")
        assert status == 200


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_serve_without_any_index_says_it_is_being_built(site):
    corpus, index = site
    block_a_transcript(corpus)
    with Serve(corpus, index) as server:
        status, headers, body = server.get("/?q=terril")
        # The build cannot finish while the FIFO blocks it (or, if the corpus reader refuses
        # FIFOs, finishes quickly): either way the server answered instead of waiting.
        if status == 503:
            assert "en construction" in body and headers["Retry-After"]
        else:
            assert status == 200


def test_the_building_page(site):
    """While serve's background build runs and there is no index: a 503 that says so."""
    corpus, index = site

    class Running:
        def running(self):
            return True

    app = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus), "INDEX_BUILD": Running()})
    client = app.test_client()
    for url in ("/?q=terril", "/api/search?q=terril", "/export.csv?q=terril"):
        response = client.get(url)
        assert response.status_code == 503 and response.headers["Retry-After"]
        assert "en construction" in response.get_data(as_text=True), url


def test_serve_closes_idle_connections_and_links_ignore_the_host_header(site):
    """`serve`'s waitress limits are set (here a 2 s idle timeout): a connection that sends
    nothing is closed by the server; and links use the address served on, not the Host sent."""
    import socket

    corpus, index = site
    assert artoiscast(corpus, index, "index").exit_code == 0
    with Serve(corpus, index, "--channel-timeout", "2") as server:
        status, _, body = server.get("/api/search?q=navette", headers={"Host": "evil.example",
                                                                       "X-Forwarded-Host": "evil.example"})
        assert status == 200 and "evil" not in body
        link = json.loads(body)["results"][0]["passages"][0]["link"]
        assert link.startswith(f"http://127.0.0.1:{server.port}/enregistrement/filature-pasteur")
        idle = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        try:
            idle.settimeout(30)  # bounded: the server closes it long before
            assert idle.recv(1024) == b""  # closed by the server, without an answer
        finally:
            idle.close()
