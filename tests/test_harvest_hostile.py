"""`artoiscast fetch` against hostile sites served on 127.0.0.1 and hostile corpus folders (issue 19).

Planted links where fetch writes, a server trickling one byte at a time, a
robots.txt redirecting to itself, a disk that fills up. Commands that could hang
on the old code run as subprocesses with a timeout (TimeoutExpired fails the
test); no test measures time.
"""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from indexer.harvest.client import ROBOTS_AGENT, PoliteClient
from test_corpus_writes import full_disk_available
from test_harvest import AUDIO, PAGES, Handler, build_site, fetch

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 90  # seconds: far above what fetch needs here, far below "held forever"
TRICKLE_PAUSE = 0.2  # seconds between two bytes of a trickling answer


class HostileHandler(Handler):
    """The invented site, plus paths answered one byte at a time (site.trickle) and headers
    added to some paths' answers (site.extra_headers: Content-Encoding …)."""

    def end_headers(self):
        for name, value in getattr(self.site, "extra_headers", {}).get(urlsplit(self.path).path, {}).items():
            self.send_header(name, value)
        super().end_headers()

    def respond(self, path: str) -> int:
        served = self.site.files.get(path)
        if path not in getattr(self.site, "trickle", ()) or served is None:
            return super().respond(path)
        self.send_response(200)
        self.send_header("Content-Type", served.content_type)
        self.send_header("Content-Length", str(len(served.body)))
        self.end_headers()
        try:
            for i in range(len(served.body)):
                self.wfile.write(served.body[i:i + 1])
                self.wfile.flush()
                time.sleep(TRICKLE_PAUSE)
        except OSError:  # the client hung up: what a bounded client does
            pass
        return 200


@pytest.fixture
def hostile():
    """The invented site of test_harvest on 127.0.0.1, with hostile behaviours to switch on."""
    site = build_site()
    site.trickle = set()
    site.extra_headers = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Hostile", (HostileHandler,), {"site": site}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def run_fetch(corpus: Path, base: str, *extra: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """The real command in a subprocess, bounded in time."""
    command = [*prefix, sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index",
               str(corpus.parent / "index"), "fetch", "--site", base + "/", "--delay", "0", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def outside_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "ailleurs"
    folder.mkdir()
    (folder / "victime.txt").write_text("à garder\n", encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- point 1: planted links


def test_links_planted_at_fetch_temporary_names_are_not_followed(hostile, tmp_path):
    base, _ = hostile
    outside = outside_folder(tmp_path)
    victim = outside / "victime.txt"
    corpus = tmp_path / "corpus"
    (corpus / "pages").mkdir(parents=True)
    (corpus / "audio").mkdir()
    for name in ("site.yaml.tmp", "harvest.json.tmp", "pages/brume-corons.html.tmp",
                 "audio/media-filets-guivarch.mp3.part"):
        (corpus / name).symlink_to(victim)
    result = fetch(corpus, base, "--audio")
    assert victim.read_text(encoding="utf-8") == "à garder\n"
    assert result.exit_code == 0, result.output
    assert (corpus / "pages" / "brume-corons.html").is_file() and not (corpus / "pages" / "brume-corons.html").is_symlink()
    assert json.loads((corpus / "harvest.json").read_text(encoding="utf-8"))["pages"]


def test_a_linked_part_file_is_refused_not_followed(hostile, tmp_path):
    base, _ = hostile
    outside = outside_folder(tmp_path)
    corpus = tmp_path / "corpus"
    (corpus / "audio").mkdir(parents=True)
    # A .part the manifest says can be resumed, planted as a link: resuming would append to the victim.
    manifest = {"pages": {}, "audio": {f"{base}/media/filets-guivarch.mp3": {
        "file": "filets.mp3", "partial": {"etag": "x", "last_modified": None}}}}
    (corpus / "harvest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (corpus / "audio" / "filets.mp3.part").symlink_to(outside / "victime.txt")
    result = fetch(corpus, base, "--audio")
    assert (outside / "victime.txt").read_text(encoding="utf-8") == "à garder\n"
    assert "filets.mp3.part" in result.stderr and "lien symbolique" in result.stderr


@pytest.mark.parametrize("folder", ["pages", "audio"])
def test_a_linked_pages_or_audio_folder_gets_nothing(hostile, tmp_path, folder):
    base, _ = hostile
    outside = outside_folder(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / folder).symlink_to(outside)
    result = fetch(corpus, base, "--audio")
    assert sorted(p.name for p in outside.iterdir()) == ["victime.txt"]
    assert f"« {folder} » est un lien symbolique" in result.stderr
    assert "Traceback" not in result.output + result.stderr


# --------------------------------------------------------------------------- point 3: slow servers


def test_a_trickling_page_is_cut_and_named(hostile, tmp_path):
    base, site = hostile
    site.trickle.add("/brume/corons.html")  # 2616 bytes at 5 a second: nine minutes unbounded
    corpus = tmp_path / "corpus"
    done = run_fetch(corpus, base, "--timeout", "2")
    assert f"délai dépassé : {base}/brume/corons.html coupé" in done.stderr
    assert "hors ligne" not in done.stderr  # the site answers: a slow page is not an offline site
    assert (corpus / "pages" / "textile-filature.html").is_file()  # the pages after it were fetched
    assert not (corpus / "pages" / "brume-corons.html").exists()


def test_a_trickling_audio_download_is_cut_and_kept_for_later(hostile, tmp_path):
    base, site = hostile
    assert len(AUDIO["/media/filets-guivarch.mp3"]) == 40_000  # at 5 bytes a second: over two hours
    site.trickle.add("/media/filets-guivarch.mp3")
    corpus = tmp_path / "corpus"
    done = run_fetch(corpus, base, "--audio", "--timeout", "2")
    assert f"audio {base}/media/filets-guivarch.mp3 : délai dépassé" in done.stderr
    manifest = json.loads((corpus / "harvest.json").read_text(encoding="utf-8"))
    assert not manifest["audio"][f"{base}/media/filets-guivarch.mp3"].get("sha256")
    verhaeghe = manifest["audio"][f"{base}/brume/audio/verhaeghe.mp3"]
    assert (corpus / "audio" / verhaeghe["file"]).stat().st_size == verhaeghe["size"]  # the others came


# --------------------------------------------------------------------------- point 7: robots.txt loop


def test_a_robots_txt_redirecting_to_itself_is_reported(hostile, tmp_path):
    base, site = hostile
    site.redirects["/robots.txt"] = "/robots.txt"
    corpus = tmp_path / "corpus"
    done = run_fetch(corpus, base, "--timeout", "2")
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    assert "robots.txt" in done.stderr and "plus de 5 redirections" in done.stderr
    assert site.statuses()["/robots.txt"] == [302] * 6  # the first request and five redirects, no more
    assert done.returncode == 1  # nothing may be fetched: the site forbids all


# --------------------------------------------------------------------------- points 8 and 12: what a page's bytes are


@pytest.mark.slow
def test_a_page_declaring_punycode_is_read_as_utf8(hostile, tmp_path):
    base, site = hostile
    # Decoded as punycode, every "a" is one more insertion into the text: minutes for this page.
    site.put("/textile/filature.html", b"<html><body><p>la navette du tisserand</p>-" + b"a" * 600_000,
             "text/html; charset=punycode")
    corpus = tmp_path / "corpus"
    done = run_fetch(corpus, base, "--timeout", "5")
    assert done.returncode == 0, done.stderr
    page = (corpus / "pages" / "textile-filature.html").read_text(encoding="utf-8")
    assert page.startswith("<html><body><p>la navette du tisserand</p>-aaa")


def test_a_gzip_page_is_decoded_and_a_binary_page_refused(hostile, tmp_path):
    base, site = hostile
    site.put("/textile/filature.html", gzip.compress((PAGES / "filature.html").read_bytes()), "text/html")
    site.extra_headers["/textile/filature.html"] = {"Content-Encoding": "gzip"}
    site.put("/ports/criee.html", bytes(range(256)) * 40, "text/html")  # binary, whatever the type says
    corpus = tmp_path / "corpus"
    result = fetch(corpus, base, "--timeout", "5")
    filature = (corpus / "pages" / "textile-filature.html").read_text(encoding="utf-8")
    assert "Les veillées de la Saint-Éloi" in filature  # gzip undone, then windows-1252 decoded
    assert not (corpus / "pages" / "ports-criee.html").exists()
    assert f"{base}/ports/criee.html : contenu binaire" in result.stderr


def test_a_compression_bomb_is_refused(hostile, tmp_path):
    base, site = hostile
    site.put("/textile/filature.html", gzip.compress(b"<p>" + b" " * (8 * 1024 * 1024)), "text/html")
    site.extra_headers["/textile/filature.html"] = {"Content-Encoding": "gzip"}
    corpus = tmp_path / "corpus"
    result = fetch(corpus, base, "--timeout", "5", "--max-page-size", "1")
    assert "une fois décompressé : trop volumineux" in result.stderr
    assert not (corpus / "pages" / "textile-filature.html").exists()


# --------------------------------------------------------------------------- point 13: a full disk


@pytest.mark.skipif(not full_disk_available(), reason="unshare/tmpfs unavailable")
def test_a_full_disk_during_fetch_is_a_clear_message(hostile, tmp_path):
    base, _ = hostile
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # A 200 KiB disk: the pages fit, a 1.3 MB audio file does not.
    mount = f'mount -t tmpfs -o size=200k tmpfs "{corpus}" && exec "$0" "$@"'
    done = run_fetch(corpus, base, "--audio", "--timeout", "5", prefix=("unshare", "-rm", "sh", "-c", mount))
    assert "Traceback" not in done.stderr, done.stderr
    assert "disque plein" in done.stderr and "audio/" in done.stderr
    assert done.returncode == 1


def test_each_redirect_is_paced_like_a_request(hostile):
    base, site = hostile
    site.redirects["/robots.txt"] = "/robots.txt"
    waits: list[float] = []
    client = PoliteClient({urlsplit(base).netloc}, delay=1.0, timeout=5, sleep=waits.append)
    assert not client.robots(base + "/").can_fetch(ROBOTS_AGENT, base + "/")  # unreadable: nothing allowed
    assert len(waits) == 5 and all(0 < wait <= 1.0 for wait in waits)  # a pause before every redirect followed
    assert "plus de 5 redirections" in client.robots_problems[base]
