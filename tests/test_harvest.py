"""`artoiscast fetch --site … --audio` against an invented site served on 127.0.0.1.

The site is built from fixture files (tests/fixtures/site, tests/fixtures/pages):
a home page whose menu links to theme pages in different styles, pages that
404, that robots.txt forbids, that redirect to another host, media files served
with ETag / Last-Modified and Range support, one page that changes between runs.
The server records every request, so the tests count what was downloaded again.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from click.testing import CliRunner
from conftest import invoke_cli
from indexer.cli import main
from indexer.corpus import load_corpus
from indexer.harvest.client import USER_AGENT, PoliteClient
from indexer.corpus.manifest import downloaded_audio_files
from indexer.search import SearchParams, SearchService
from indexer.sources import read_corpus
from webapp import create_app

FIXTURES = Path(__file__).parent / "fixtures"
SITE = FIXTURES / "site"
PAGES = FIXTURES / "pages"


def media_bytes(name: str, size: int) -> bytes:
    """Invented "audio": deterministic bytes, different for every name."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{name}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


@dataclass
class Served:
    body: bytes
    content_type: str
    version: int = 1  # Last-Modified moves with it


@dataclass
class InventedSite:
    files: dict[str, Served] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    cut_once: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before the connection drops
    no_length: set[str] = field(default_factory=set)  # paths answered without Content-Length
    log: list[tuple[str, int, str]] = field(default_factory=list)  # (path, status, Range header)
    agents: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, path: str, body: bytes, content_type: str):
        old = self.files.get(path)
        self.files[path] = Served(body, content_type, (old.version + 1) if old else 1)

    def statuses(self, since: int = 0) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for path, status, _ in self.log[since:]:
            out.setdefault(path, []).append(status)
        return out


class Handler(BaseHTTPRequestHandler):
    site: InventedSite

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.respond(urlsplit(self.path).path)

    def send_response(self, code, message=None):
        # Logged before the client can read the answer, so a test never misses a request.
        with self.site.lock:
            self.site.log.append((urlsplit(self.path).path, code, self.headers.get("Range") or ""))
            self.site.agents.add(self.headers.get("User-Agent") or "")
        super().send_response(code, message)

    def respond(self, path: str) -> int:
        if path in self.site.redirects:
            self.send_response(302)
            self.send_header("Location", self.site.redirects[path])
            self.end_headers()
            return 302
        served = self.site.files.get(path)
        if served is None:
            self.send_error(404)
            return 404
        etag = '"' + hashlib.sha256(served.body).hexdigest()[:16] + '"'
        modified = formatdate(1_700_000_000 + 3600 * served.version, usegmt=True)
        if self.headers.get("If-None-Match") == etag or (
                not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return 304
        body, status, start = served.body, 200, 0
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match and self.headers.get("If-Range") in (None, etag, modified):
            start = int(match.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return 416
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", served.content_type)
        if path not in self.site.no_length:
            self.send_header("Content-Length", str(len(body) - start))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        cut = self.site.cut_once.pop(path, None)
        self.wfile.write(body[start:start + cut] if cut is not None else body[start:])
        self.wfile.flush()
        return status


AUDIO = {
    "/media/criee-kerbrat.mp3": media_bytes("kerbrat", 1_300_000),  # over 1 Mio: the size-limit test
    "/media/filets-guivarch.mp3": media_bytes("guivarch", 40_000),
    "/media/port-penhoat.mp3": media_bytes("penhoat", 30_000),  # linked from the page's second version only
    "/brume/audio/verhaeghe.mp3": media_bytes("verhaeghe", 25_000),
    "/textile/sons/filature.mp3": media_bytes("filature", 20_000),
}


def build_site() -> InventedSite:
    site = InventedSite()
    site.put("/", (SITE / "accueil.html").read_bytes(), "text/html; charset=utf-8")
    site.put("/robots.txt", (SITE / "robots.txt").read_bytes(), "text/plain")
    site.put("/brume/corons.html", (PAGES / "corons.html").read_bytes(), "text/html; charset=utf-8")
    site.put("/textile/filature.html", (PAGES / "filature.html").read_bytes(), "text/html")  # windows-1252
    site.put("/ports/criee.html", (SITE / "criee.html").read_bytes(), "text/html; charset=utf-8")
    site.put("/prive/brouillon.html", b"<p>brouillon interdit aux robots</p>", "text/html")
    for path, body in AUDIO.items():
        site.put(path, body, "audio/mpeg")
    # "/sons/ducasse.mp3" is not there (404); "/audio/lecocq.mp3" answers an HTML error page with 200.
    site.put("/audio/lecocq.mp3", b"<html><body>Fichier introuvable</body></html>", "text/html")
    return site


@pytest.fixture
def served(tmp_path):
    """The invented site on 127.0.0.1; yields (base URL, site, stop())."""
    site = build_site()
    handler = type("SiteHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    # Same server, another host name: a redirect there leaves the site.
    site.redirects["/ancienne.html"] = f"http://localhost:{port}/ports/criee.html"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stopped = []

    def stop():
        if not stopped:
            server.shutdown()
            server.server_close()
            thread.join(5)
            stopped.append(True)

    try:
        yield f"http://127.0.0.1:{port}", site, stop
    finally:
        stop()


def fetch(corpus: Path, base: str, *extra: str):
    return CliRunner().invoke(main, ["--corpus", str(corpus), "--index", str(corpus.parent / "index"), "fetch",
                                     "--site", base + "/", "--delay", "0", "--timeout", "5", *extra])


def cli(corpus: Path, *args: str):
    return invoke_cli(corpus, corpus.parent / "index", *args)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def site_list(corpus: Path) -> dict[str, str]:
    data = yaml.safe_load((corpus / "site.yaml").read_text(encoding="utf-8"))
    return {p["id"]: p["url"] for p in data["pages"]}


def search(index: Path, q: str) -> dict:
    return SearchService(index).search(SearchParams.from_args({"q": q}))


# --------------------------------------------------------------------------- first run


def test_first_run_fetches_the_menu_pages_and_their_audio(served, tmp_path):
    base, site, _ = served
    corpus = tmp_path / "corpus"
    result = fetch(corpus, base, "--audio")
    assert result.exit_code == 0, result.output

    assert site_list(corpus) == {"brume-corons": f"{base}/brume/corons.html",
                                 "textile-filature": f"{base}/textile/filature.html",
                                 "ports-criee": f"{base}/ports/criee.html"}
    assert sorted(p.name for p in (corpus / "pages").iterdir()) == [
        "brume-corons.html", "ports-criee.html", "textile-filature.html"]
    filature = (corpus / "pages" / "textile-filature.html").read_text(encoding="utf-8")
    assert "Les veillées de la Saint-Éloi" in filature  # windows-1252 on the site, UTF-8 in the corpus

    requested = site.statuses()
    assert requested["/robots.txt"] == [200]
    assert "/prive/brouillon.html" not in requested  # robots.txt: Disallow: /prive/
    assert "/plan-de-la-brume.pdf" not in requested and "/recherche.html" not in requested
    assert requested["/disparue.html"] == [404] and requested["/ancienne.html"] == [302]
    assert requested["/ports/criee.html"] == [200]  # once, though linked twice (with an anchor)
    assert site.agents == {USER_AGENT}
    assert "interdit par robots.txt" in result.stderr
    assert f"disparue : le site a répondu 404 pour {base}/disparue.html" in result.stderr
    assert f"redirection vers un autre site refusée (http://localhost:" in result.stderr

    # Audio: every "écouter" link of the site's pages, into audio/, checksummed.
    manifest = json.loads((corpus / "harvest.json").read_text(encoding="utf-8"))
    for path, body in AUDIO.items():
        if path == "/media/port-penhoat.mp3":
            continue
        entry = manifest["audio"][base + path]
        assert (corpus / "audio" / entry["file"]).read_bytes() == body
        assert entry["sha256"] == hashlib.sha256(body).hexdigest() and entry["size"] == len(body)
    assert manifest["audio"][f"{base}/brume/audio/verhaeghe.mp3"]["file"] == "brume-audio-verhaeghe.mp3"
    assert manifest["audio"][f"{base}/brume/audio/verhaeghe.mp3"]["pages"] == ["brume-corons"]
    # Broken links are reported and skipped; links to other sites are not followed.
    assert f"lien audio cassé {base}/sons/ducasse.mp3 : le site a répondu 404" in result.stderr
    assert f"lien audio cassé {base}/audio/lecocq.mp3 : type de contenu inattendu « text/html »" in result.stderr
    assert manifest["dead"][f"{base}/sons/ducasse.mp3"]["status"] == 404  # recorded dead: not audio
    assert f"{base}/audio/lecocq.mp3" not in manifest["audio"]
    assert "lien(s) hors du site ignoré(s)" in result.output
    assert not [p for p in (corpus / "audio").iterdir() if p.suffix == ".part"]
    assert sorted(p.name for p in (corpus / "audio").iterdir()) == sorted(
        e["file"] for e in manifest["audio"].values() if not e.get("dead"))

    # check / index read the harvested pages with no hand edit, and play the local copies.
    records = read_corpus(corpus)
    assert {p.id for p in records.corpus.pages} == {"brume-corons", "textile-filature", "ports-criee"}
    verhaeghe = next(r for r in records.recordings if r.audio_url == f"{base}/brume/audio/verhaeghe.mp3")
    assert verhaeghe.audio_file == "brume-audio-verhaeghe.mp3"
    ducasse = next(r for r in records.recordings if r.audio_url == f"{base}/sons/ducasse.mp3")
    assert ducasse.audio_file is None
    assert cli(corpus, "index").exit_code == 0
    found = search(tmp_path / "index", "potiron")
    links = {r["recording"]["id"]: r["recording"]["audio_url"] for r in found["results"]}
    assert links[verhaeghe.id] == "/audio/brume-audio-verhaeghe.mp3"  # the local player, offline
    assert links[ducasse.id] is None  # its link is dead: no player (tests/test_links.py)
    # The web application serves the downloaded file, seekable (Range) for the ?t= links.
    app = create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(corpus)})
    with app.test_client() as client:
        whole = client.get("/audio/brume-audio-verhaeghe.mp3")
        assert whole.status_code == 200 and whole.data == AUDIO["/brume/audio/verhaeghe.mp3"]
        tail = client.get("/audio/brume-audio-verhaeghe.mp3", headers={"Range": "bytes=24000-"})
        assert tail.status_code == 206 and tail.data == AUDIO["/brume/audio/verhaeghe.mp3"][24000:]


# --------------------------------------------------------------------------- incremental


def test_second_run_fetches_only_what_changed_and_update_indexes_it(served, tmp_path):
    base, site, _ = served
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    assert fetch(corpus, base, "--audio").exit_code == 0
    assert cli(corpus, "index").exit_code == 0
    assert search(index, "chalutabulle")["total"] == 0

    # Nothing changed: every page and file answers 304, and the corpus is left as it was.
    before, mark = snapshot(corpus), len(site.log)
    unchanged = fetch(corpus, base, "--audio")
    assert unchanged.exit_code == 0, unchanged.output
    statuses = site.statuses(mark)
    assert statuses["/robots.txt"] == [200]
    # Only robots.txt is read again: broken links are remembered, not asked again before their retry day.
    assert sorted(path for path, got in statuses.items() if 200 in got) == ["/robots.txt"]
    assert "/audio/lecocq.mp3" not in statuses and "/sons/ducasse.mp3" not in statuses
    assert sum(got.count(304) for got in statuses.values()) == 1 + 3 + 4  # home, 3 pages, 4 audio files
    assert snapshot(corpus) == before
    assert cli(corpus, "index", "--update").output.startswith("Index à jour : rien n'a changé")

    # A new interview on one page: only that page (and its new audio) is downloaded.
    site.put("/ports/criee.html", (SITE / "criee-v2.html").read_bytes(), "text/html; charset=utf-8")
    mark = len(site.log)
    changed = fetch(corpus, base, "--audio")
    assert changed.exit_code == 0, changed.output
    statuses = site.statuses(mark)
    downloaded = sorted(path for path, got in statuses.items() if 200 in got)
    assert downloaded == ["/media/port-penhoat.mp3", "/ports/criee.html", "/robots.txt"]  # not the dead lecocq
    assert statuses["/brume/corons.html"] == [304] and statuses["/media/criee-kerbrat.mp3"] == [304]
    assert "ports-criee : " in changed.output and "brume-corons : inchangée" in changed.output

    # index --update reindexes that page's recordings only, and the new interview is found.
    on_page = read_corpus(corpus).page_recordings["ports-criee"]
    updated = cli(corpus, "index", "--update")
    assert updated.exit_code == 0, updated.output
    assert f"{len(on_page)} enregistrement(s) réindexé(s)" in updated.output
    found = search(index, "chalutabulle")
    assert found["total"] == 1
    rec = found["results"][0]["recording"]
    assert [s["name"] for s in rec["speakers"]] == ["Yves Penhoat", "Odile Marchal"]
    assert rec["audio_url"] == "/audio/media-port-penhoat.mp3"
    assert search(index, "saxhorn")["total"] == 1  # the other pages are still there


def test_a_page_keeps_its_id_and_curated_pages_win(served, tmp_path):
    base, site, _ = served
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "corpus.yaml").write_text(yaml.safe_dump({"site": base + "/", "pages": [
        # The same URL as a menu page: curated, so not listed again in site.yaml.
        {"id": "criee", "url": f"{base}/ports/criee.html", "title": "la criée", "file": "pages/criee.html"},
        # The id a menu page would get, for another page: the curated one keeps it.
        {"id": "brume-corons", "title": "une page locale", "file": "pages/locale.txt"},
    ]}, allow_unicode=True), encoding="utf-8")
    (corpus / "pages").mkdir()
    (corpus / "pages" / "locale.txt").write_text("Une page locale sans lien.\n", encoding="utf-8")
    (corpus / "site.yaml").write_text(yaml.safe_dump({"site": base + "/", "pages": [
        {"id": "tissage", "url": f"{base}/textile/filature.html"},
        # Listed by an earlier run, but a curated page has taken this id since.
        {"id": "brume-corons", "url": f"{base}/brume/corons.html"}]}), encoding="utf-8")

    result = fetch(corpus, base)
    assert result.exit_code == 0, result.output
    assert site_list(corpus) == {"tissage": f"{base}/textile/filature.html",  # already listed: keeps its id
                                 "brume-corons-2": f"{base}/brume/corons.html"}
    assert (corpus / "pages" / "criee.html").is_file() and (corpus / "pages" / "tissage.html").is_file()
    assert not (corpus / "pages" / "brume-corons.html").exists()
    corpus_pages = {p.id: (p.url, p.file) for p in load_corpus(corpus).pages}
    assert corpus_pages == {
        "criee": (f"{base}/ports/criee.html", "pages/criee.html"),
        "brume-corons": (None, "pages/locale.txt"),
        "tissage": (f"{base}/textile/filature.html", "pages/tissage.html"),
        "brume-corons-2": (f"{base}/brume/corons.html", "pages/brume-corons-2.html"),
    }


def test_site_list_is_untrusted(tmp_path):
    """A hand-edited or hostile site.yaml: bad ids and paths are reported and left out."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "corpus.yaml").write_text("pages:\n  - id: maison\n    url: https://example.org/maison.html\n"
                                        "    file: pages/maison.txt\n", encoding="utf-8")
    (corpus / "site.yaml").write_text(yaml.safe_dump({"pages": [
        {"id": "../../secret", "url": "https://example.org/a.html"},
        {"id": "ok", "url": "javascript:alert(1)"},
        {"id": "maison-bis", "url": "https://example.org/maison.html"},  # a curated page's url
        {"id": "jardin", "url": "https://example.org/jardin.html", "file": "/etc/passwd"},
    ]}), encoding="utf-8")
    corpus_read = load_corpus(corpus)
    assert [(p.id, p.file) for p in corpus_read.pages] == [("maison", "pages/maison.txt"),
                                                           ("jardin", "pages/jardin.html")]
    reasons = [str(p) for p in corpus_read.problems]
    assert any("identifiant invalide" in r and "../../secret" in r for r in reasons)
    assert any("ok" in r and "adresse http(s) attendue" in r for r in reasons)


def test_a_page_new_in_the_menu_is_indexed_by_update(served, tmp_path):
    base, site, _ = served
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    assert fetch(corpus, base).exit_code == 0
    assert cli(corpus, "index").exit_code == 0
    new_entry = '<td><a href="ports/quai.html">le quai</a></td>\n  <td><a href="disparue.html">'
    home = (SITE / "accueil.html").read_text(encoding="utf-8").replace('<td><a href="disparue.html">', new_entry)
    site.put("/", home.encode("utf-8"), "text/html; charset=utf-8")
    site.put("/ports/quai.html", (SITE / "criee-v2.html").read_bytes(), "text/html; charset=utf-8")
    result = fetch(corpus, base)
    assert result.exit_code == 0, result.output
    assert "site.yaml : 4 pages récoltées (1 nouvelles)" in result.output
    assert site_list(corpus)["ports-quai"] == f"{base}/ports/quai.html"
    on_page = read_corpus(corpus).page_recordings["ports-quai"]
    updated = cli(corpus, "index", "--update")
    assert f"{len(on_page)} enregistrement(s) réindexé(s)" in updated.output, updated.output
    assert [r["recording"]["id"] for r in search(index, "chalutabulle")["results"]] == [
        "ports-quai-port-port-brumaire-2025-yves-penhoat"]


def test_depth_2_follows_the_links_of_the_theme_pages(served, tmp_path):
    base, site, _ = served
    criee = (SITE / "criee.html").read_text(encoding="utf-8").replace(
        "<p>Ce site imaginaire", '<p><a href="archives.html">les archives de la criée</a></p>\n<p>Ce site imaginaire')
    site.put("/ports/criee.html", criee.encode("utf-8"), "text/html; charset=utf-8")
    archives = "<html><head><title>les archives</title></head><body><p>Registres de la criée.</p></body></html>"
    site.put("/ports/archives.html", archives.encode("utf-8"), "text/html; charset=utf-8")
    shallow, deep = tmp_path / "menu", tmp_path / "profond"
    assert fetch(shallow, base).exit_code == 0
    assert "ports-archives" not in site_list(shallow)
    assert fetch(deep, base, "--depth", "2").exit_code == 0
    assert site_list(deep)["ports-archives"] == f"{base}/ports/archives.html"
    assert "accueil" not in site_list(deep)  # the theme pages' "retour au menu" is the home page: not a theme


def test_audio_downloaded_later_is_picked_up_by_update(served, tmp_path):
    base, _, _ = served
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    assert fetch(corpus, base).exit_code == 0
    assert cli(corpus, "index").exit_code == 0
    assert cli(corpus, "index", "--if-stale").output.startswith("Index à jour")
    assert fetch(corpus, base, "--audio").exit_code == 0
    # harvest.json changed: the index is stale, and only the pages whose audio came are read again.
    records = read_corpus(corpus)
    with_audio = [page for page, ids in records.page_recordings.items()
                  if any(r.audio_file for r in records.recordings if r.id in ids)]
    assert sorted(with_audio) == ["brume-corons", "ports-criee", "textile-filature"]
    updated = cli(corpus, "index", "--update")
    expected = sum(len(records.page_recordings[page]) for page in with_audio)
    assert f"{expected} enregistrement(s) réindexé(s)" in updated.output, updated.output
    found = search(index, "ravaude")["results"][0]["recording"]
    assert found["audio_url"] == "/audio/media-filets-guivarch.mp3"


def test_robots_crawl_delay_is_honoured(served):
    base, site, _ = served
    site.put("/robots.txt", b"User-agent: *\nCrawl-delay: 2\nDisallow: /prive/\n", "text/plain")
    pauses: list[float] = []
    client = PoliteClient({urlsplit(base).netloc}, delay=0, timeout=5, sleep=pauses.append)
    for path in ("/", "/ports/criee.html"):
        with client.get(base + path) as response:
            response.read(1 << 20)
    assert len(pauses) == 2 and all(0 < p <= 2 for p in pauses)  # with --delay 0, no pause at all otherwise


def test_the_client_waits_between_requests(served):
    base, _, _ = served
    pauses: list[float] = []
    client = PoliteClient({urlsplit(base).netloc}, delay=0.5, timeout=5, sleep=pauses.append)
    for path in ("/", "/ports/criee.html", "/brume/corons.html"):
        with client.get(base + path) as response:
            response.read(1 << 20)
    # robots.txt, then three pages: a pause before each request but the first, never longer than the delay.
    assert client.requests == 4 and len(pauses) == 3
    assert all(0 < p <= 0.5 for p in pauses)


# --------------------------------------------------------------------------- audio


def test_a_file_put_in_audio_by_hand_is_never_overwritten(served, tmp_path):
    base, _, _ = served
    corpus = tmp_path / "corpus"
    (corpus / "audio").mkdir(parents=True)
    (corpus / "audio" / "brume-audio-verhaeghe.mp3").write_bytes(b"mon enregistrement")
    assert fetch(corpus, base, "--audio").exit_code == 0
    assert (corpus / "audio" / "brume-audio-verhaeghe.mp3").read_bytes() == b"mon enregistrement"
    assert (corpus / "audio" / "brume-audio-verhaeghe-2.mp3").read_bytes() == AUDIO["/brume/audio/verhaeghe.mp3"]


def test_downloaded_audio_stays_inside_the_audio_folder(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "audio").mkdir(parents=True)
    (corpus / "audio" / "bon.mp3").write_bytes(b"son")
    (corpus / "audio" / "lien.mp3").symlink_to(tmp_path / "ailleurs.mp3")
    (tmp_path / "ailleurs.mp3").write_bytes(b"hors du corpus")
    (corpus / "corpus.yaml").write_text("pages: []\n", encoding="utf-8")
    entries = {"https://example.org/bon.mp3": {"file": "bon.mp3", "sha256": "x"},
               "https://example.org/remonte.mp3": {"file": "../corpus.yaml", "sha256": "x"},
               "https://example.org/absolu.mp3": {"file": "/etc/hostname", "sha256": "x"},
               "https://example.org/lien.mp3": {"file": "lien.mp3", "sha256": "x"},
               "https://example.org/partiel.mp3": {"file": "bon.mp3"},
               "https://example.org/absent.mp3": {"file": "absent.mp3", "sha256": "x"}}
    (corpus / "harvest.json").write_text(json.dumps({"audio": entries}), encoding="utf-8")
    assert downloaded_audio_files(corpus) == {"https://example.org/bon.mp3": "bon.mp3"}



def test_an_interrupted_audio_download_resumes_with_a_range_request(served, tmp_path):
    base, site, _ = served
    corpus = tmp_path / "corpus"
    big = "/media/criee-kerbrat.mp3"
    site.cut_once[big] = 400_000  # the connection drops after 400,000 bytes
    first = fetch(corpus, base, "--audio")
    assert first.exit_code == 0, first.output
    assert f"audio {base}{big} : téléchargement interrompu à 400000/1300000 octets" in first.stderr
    part = corpus / "audio" / "media-criee-kerbrat.mp3.part"
    assert part.read_bytes() == AUDIO[big][:400_000]
    assert not (corpus / "audio" / "media-criee-kerbrat.mp3").exists()
    assert read_corpus(corpus).recordings and all(
        r.audio_file != "media-criee-kerbrat.mp3" for r in read_corpus(corpus).recordings)

    mark = len(site.log)
    second = fetch(corpus, base, "--audio")
    assert second.exit_code == 0, second.output
    assert [(status, rng) for path, status, rng in site.log[mark:] if path == big] == [(206, "bytes=400000-")]
    assert (corpus / "audio" / "media-criee-kerbrat.mp3").read_bytes() == AUDIO[big]
    assert not part.exists()
    entry = json.loads((corpus / "harvest.json").read_text(encoding="utf-8"))["audio"][base + big]
    assert entry["sha256"] == hashlib.sha256(AUDIO[big]).hexdigest() and "partial" not in entry
    assert "audio/media-criee-kerbrat.mp3 : 1300000 octets (repris)" in second.output


def test_a_partial_download_of_a_file_that_changed_starts_again(served, tmp_path):
    base, site, _ = served
    corpus = tmp_path / "corpus"
    small = "/media/filets-guivarch.mp3"
    site.cut_once[small] = 10_000
    assert fetch(corpus, base, "--audio").exit_code == 0
    changed = media_bytes("guivarch-v2", 41_000)
    site.put(small, changed, "audio/mpeg")  # If-Range no longer matches: the whole new file comes
    mark = len(site.log)
    assert fetch(corpus, base, "--audio").exit_code == 0
    assert [status for path, status, _ in site.log[mark:] if path == small] == [200]
    assert (corpus / "audio" / "media-filets-guivarch.mp3").read_bytes() == changed


def test_size_and_type_limits(served, tmp_path):
    base, site, _ = served
    corpus = tmp_path / "corpus"
    site.put("/ports/criee.html", b"<html><body>" + b"<p>vague</p>" * 100_000 + b"</body></html>", "text/html")
    site.put("/textile/filature.html", (PAGES / "filature.html").read_bytes(), "text/plain")
    result = fetch(corpus, base, "--audio", "--max-audio-size", "1", "--max-page-size", "1")
    assert result.exit_code == 0, result.output
    assert "ports-criee : 1171 Kio annoncés (limite 1024 Kio) : trop volumineux, ignoré" in result.stderr
    assert "textile-filature : type de contenu inattendu « text/plain »" in result.stderr
    assert site_list(corpus) == {"brume-corons": f"{base}/brume/corons.html"}
    assert sorted(p.name for p in (corpus / "pages").iterdir()) == ["brume-corons.html"]
    # The big media file was linked from the refused page: make it reachable from a page that is fetched.
    site.put("/ports/criee.html", (SITE / "criee.html").read_bytes(), "text/html")
    result = fetch(corpus, base, "--audio", "--max-audio-size", "1")
    assert (f"audio non téléchargé {base}/media/criee-kerbrat.mp3 : 1269 Kio (limite 1024 Kio) : trop volumineux"
            in result.stderr)
    assert not [p for p in (corpus / "audio").iterdir() if "criee-kerbrat" in p.name]
    assert (corpus / "audio" / "media-filets-guivarch.mp3").is_file()
    # No announced length: the download stops at the limit, and nothing of it is kept.
    site.no_length.add("/media/criee-kerbrat.mp3")
    result = fetch(corpus, base, "--audio", "--max-audio-size", "1")
    assert f"audio non téléchargé {base}/media/criee-kerbrat.mp3 : plus de 1024 Kio" in result.stderr
    assert not [p for p in (corpus / "audio").iterdir() if "criee-kerbrat" in p.name]


# --------------------------------------------------------------------------- offline


def test_offline_changes_nothing(served, tmp_path):
    base, _, stop = served
    corpus = tmp_path / "corpus"
    assert fetch(corpus, base, "--audio").exit_code == 0
    before = snapshot(corpus)
    stop()
    result = fetch(corpus, base, "--audio")
    assert result.exit_code == 1
    assert f"Impossible de joindre {base}/" in result.stderr
    assert "Êtes-vous hors ligne ? Rien n'a été modifié dans le corpus." in result.stderr
    assert snapshot(corpus) == before


def test_offline_on_a_new_corpus_creates_nothing(served, tmp_path):
    base, _, stop = served
    stop()
    corpus = tmp_path / "nouveau"
    result = fetch(corpus, base)
    assert result.exit_code == 1 and "hors ligne" in result.stderr
    assert not corpus.exists()
