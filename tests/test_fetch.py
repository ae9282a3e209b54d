"""`artoiscast fetch` against a real HTTP server on 127.0.0.1, then index and search what it fetched."""
from __future__ import annotations

import functools
import json
import shutil
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from indexer.cli import main
from indexer.corpus import load_corpus

FIXTURES = Path(__file__).parent / "fixtures" / "pages"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture
def site(tmp_path):
    """A local web site serving the fixture pages; yields its base URL."""
    root = tmp_path / "site"
    (root / "brume").mkdir(parents=True)
    (root / "textile").mkdir()
    shutil.copy(FIXTURES / "corons.html", root / "brume" / "corons.html")
    shutil.copy(FIXTURES / "filature.html", root / "textile" / "filature.html")  # windows-1252 bytes
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_corpus(root: Path, pages: list[dict]):
    root.mkdir(parents=True, exist_ok=True)
    (root / "corpus.yaml").write_text(yaml.safe_dump({"site": "https://example.org/", "pages": pages},
                                                     allow_unicode=True), encoding="utf-8")


def run(corpus: Path, index: Path, *args: str):
    return CliRunner().invoke(main, ["--corpus", str(corpus), "--index", str(index), *args])


def test_fetch_writes_the_pages(site, tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, [
        {"id": "corons", "url": f"{site}/brume/corons.html", "title": "la mémoire des corons"},
        {"id": "filature", "url": f"{site}/textile/filature.html", "title": "les métiers du textile",
         "file": "pages/filature.html"},
        {"id": "sans-adresse", "title": "une page sans url", "file": "pages/sans-adresse.txt"},
    ])
    result = run(corpus, index, "fetch", "--delay", "0", "--timeout", "5")
    assert result.exit_code == 0, result.output
    fetched = corpus / "pages" / "corons.html"
    assert fetched.read_text(encoding="utf-8") == (FIXTURES / "corons.html").read_text(encoding="utf-8")
    size = (FIXTURES / "corons.html").stat().st_size
    assert f"corons : {size} octets -> {fetched}" in result.output
    # A page listed without a file is read from the copy fetch made: no hand edit of corpus.yaml.
    assert "indiquez « file: pages/corons.html » dans corpus.yaml" not in result.output
    assert {p.id: p.file for p in load_corpus(corpus).pages}["corons"] == "pages/corons.html"
    # A windows-1252 page (served without charset) is stored as UTF-8, accents intact.
    filature = (corpus / "pages" / "filature.html").read_bytes().decode("utf-8")
    assert "Les veillées de la Saint-Éloi" in filature and "14 février 2021" in filature
    assert "filature : " in result.output and "indiquez « file: pages/filature.html »" not in result.output
    assert "sans-adresse : pas d'adresse (url) dans corpus.yaml, ignorée" in result.output
    assert sorted(p.name for p in (corpus / "pages").iterdir()) == ["corons.html", "filature.html"]  # no .tmp left


def test_fetch_unreachable_site_keeps_the_local_copy(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    url = f"http://127.0.0.1:{unused_port()}/brume/corons.html"
    write_corpus(corpus, [{"id": "corons", "url": url, "file": "pages/corons.html"}])
    (corpus / "pages").mkdir()
    local = corpus / "pages" / "corons.html"
    local.write_text("<html><body><p>copie locale précieuse</p></body></html>", encoding="utf-8")
    result = run(corpus, index, "fetch", "--delay", "0", "--timeout", "5")
    assert result.exit_code == 1
    assert f"corons : impossible de joindre {url}" in result.stderr
    assert "La copie locale existante est conservée." in result.stderr
    assert local.read_text(encoding="utf-8") == "<html><body><p>copie locale précieuse</p></body></html>"
    assert [p.name for p in (corpus / "pages").iterdir()] == ["corons.html"]


def test_fetch_http_error_is_reported(site, tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, [
        {"id": "absente", "url": f"{site}/brume/absente.html"},
        {"id": "corons", "url": f"{site}/brume/corons.html", "file": "pages/corons.html"},
    ])
    result = run(corpus, index, "fetch", "--delay", "0", "--timeout", "5")
    assert result.exit_code == 1  # one page failed ...
    assert f"absente : le site a répondu 404 pour {site}/brume/absente.html" in result.stderr
    assert (corpus / "pages" / "corons.html").is_file()  # ... the other one is fetched all the same
    assert not (corpus / "pages" / "absente.html").exists()


def test_fetched_page_is_indexed_and_found(site, tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    page_url = f"{site}/brume/corons.html"
    write_corpus(corpus, [{"id": "corons", "url": page_url, "title": "la mémoire des corons"}])
    assert run(corpus, index, "fetch", "--delay", "0", "--timeout", "5").exit_code == 0
    write_corpus(corpus, [{"id": "corons", "url": page_url, "title": "la mémoire des corons",
                           "file": "pages/corons.html"}])

    indexed = run(corpus, index, "index")
    assert indexed.exit_code == 0, indexed.output
    assert "(5 audio/vidéo)" in indexed.output

    found = run(corpus, index, "search", "saxhorn", "--json")
    assert found.exit_code == 0, found.output
    doc = json.loads(found.output)
    assert doc["total"] == 1
    rec = doc["results"][0]["recording"]
    assert rec["id"] == "corons-fanfare-cite-glycines-melodie-carpentier"
    assert rec["page_url"] == page_url
    assert rec["audio_url"] == "https://example.org/audio/carpentier.mp3"
    assert [(s["name"], s["interviewer"]) for s in rec["speakers"]] == [
        ("Mélodie Carpentier", False), ("Odile Marchal", True)]
    assert "<mark>saxhorn</mark>" in doc["results"][0]["passages"][0]["snippet"]

    # The relative href of a bare "écouter" is resolved against the page's url.
    potiron = json.loads(run(corpus, index, "search", "potiron", "--speaker", "Gaston Verhaeghe", "--json").output)
    assert [r["recording"]["audio_url"] for r in potiron["results"]] == [f"{site}/brume/audio/verhaeghe.mp3"]
    # The script of the page was not indexed.
    assert json.loads(run(corpus, index, "search", "zorglubification", "--json").output)["total"] == 0


def test_fetch_never_writes_outside_pages(site, tmp_path):
    """A curated id is free text: one that would lead out of pages/ is refused, not followed."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, [
        {"id": "../../evasion", "url": f"{site}/brume/corons.html"},
        {"id": "sous/dossier", "url": f"{site}/brume/corons.html"},
        {"id": "corons", "url": f"{site}/brume/corons.html", "file": "pages/corons.html"},
    ])
    result = run(corpus, index, "fetch", "--delay", "0", "--timeout", "5")
    assert result.exit_code == 1
    assert "../../evasion : cet identifiant ne peut pas servir de nom de fichier" in result.stderr
    assert "sous/dossier : cet identifiant ne peut pas servir de nom de fichier" in result.stderr
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file() and not p.is_relative_to(tmp_path / "site"))
    assert written == ["corpus/corpus.yaml", "corpus/harvest.json", "corpus/pages/corons.html"]
