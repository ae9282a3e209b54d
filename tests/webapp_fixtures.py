"""Shared fixtures of the web app tests: a small invented corpus, its WAV file, apps and a live server.

Imported by tests/test_webapp_views.py, tests/test_webapp_browser.py and the security
tests (test_security, test_fuzz_queries, test_xss_browser, test_index_faults);
tests/conftest.py is left to the indexer tests.

The corpus is invented (people, words, places), so the tests say exactly what
they expect; a few tests also run on the default corpus (corpus/ of the repository).
"""
from __future__ import annotations

import math
import os
import shutil
import socket
import struct
import threading
import wave
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from indexer.build import build_index
from webapp import create_app

# Debian's Chromium, driven by Playwright; never a browser Playwright downloads.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium absent: .ci/run (make test) must install Debian's chromium")
        pytest.skip("Chromium absent (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "corpus"

AUDIO_SECONDS = 60
AUDIO_RATE = 8000

CORPUS_YAML = """\
site: https://artoiscast.fr/
pages: []
people:
  - name: Josiane Wattebled
    aliases: [Josiane WATTEBLED]
    role: journaliste
    organisation: Radio Chevalement
    interviewer: true
places: [Haillicourt, Wingles]
recordings:
  terril-vert:
    title: "Le terril qui devint forêt"
    date: "14 mai 2024"
    theme: Paysages miniers
    kind: interview
    audio: audio/test.wav
    page_url: https://artoiscast.fr/paysages.html
    transcript: transcripts/terril.vtt
    speakers:
      - {name: Josiane Wattebled, role: journaliste, organisation: Radio Chevalement, interviewer: true}
      - {name: Gaston Verbrugge, role: botaniste, organisation: Conservatoire des Terrils}
  filature-pasteur:
    title: "Les bobines de la rue Pasteur"
    date: "2019"
    theme: Industrie textile
    kind: entretien
    page_url: https://artoiscast.fr/filature.html
    transcript: transcripts/filature.vtt
    speakers:
      - {name: Josiane Wattebled, interviewer: true}
      - {name: Mireille Dubrulle, role: ancienne bobineuse, organisation: Filature Pasteur}
"""

TERRIL_VTT = """\
WEBVTT

00:00.000 --> 00:06.000
<v Josiane Wattebled>Bonjour Gaston, racontez-nous la naissance de la forêt sur le terril d'Haillicourt.

00:06.000 --> 00:18.000
<v Gaston Verbrugge>Sur le schiste noir, les bouleaux ont poussé tout seuls, sans que personne ne plante rien.

00:18.000 --> 00:22.000
<v Josiane Wattebled>Et les orchidées, on en trouve vraiment ?

00:22.000 --> 00:36.000
<v Gaston Verbrugge>Oui, les orchidées sauvages fleurissent en juin sur le versant sud, là où le schiste chauffe au soleil.

00:36.000 --> 00:42.000
<v Josiane Wattebled>Qui entretient ce paysage aujourd'hui ?

00:42.000 --> 00:58.000
<v Gaston Verbrugge>Le conservatoire fauche deux fois par an ; les moutons font le reste sur le plateau du chevalement.
"""

FILATURE_VTT = """\
WEBVTT

00:00.000 --> 00:05.000
<v Josiane Wattebled>Mireille, vous avez commencé à quel âge à la filature ?

00:05.000 --> 00:20.000
<v Mireille Dubrulle>À quatorze ans. La navette claquait toute la journée, le contremaître criait &lt;plus vite&gt; et on rentrait avec le bruit des bobines dans la tête.

00:20.000 --> 00:24.000
<v Josiane Wattebled>Et les bouleaux du terril d'en face ?

00:24.000 --> 00:40.000
<v Mireille Dubrulle>On les voyait de l'atelier à Wingles ; le terril était encore noir, sans un arbre.
"""

# Passage numbers and times of the invented transcripts, for the assertions.
ORCHIDS_PASSAGE = {"recording": "terril-vert", "n": 3, "start": 22.0, "end": 36.0}


def write_wav(path: Path, seconds: int = AUDIO_SECONDS, rate: int = AUDIO_RATE) -> Path:
    """A quiet 440 Hz tone, 8 kHz mono 16-bit: small, and a real file a browser can seek in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        second = b"".join(struct.pack("<h", int(1200 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(rate))
        out.writeframes(second * seconds)
    return path


def make_test_corpus(root: Path) -> Path:
    """Writes the invented corpus under ``root`` and returns it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "corpus.yaml").write_text(CORPUS_YAML, encoding="utf-8")
    (root / "transcripts").mkdir(exist_ok=True)
    (root / "transcripts" / "terril.vtt").write_text(TERRIL_VTT, encoding="utf-8")
    (root / "transcripts" / "filature.vtt").write_text(FILATURE_VTT, encoding="utf-8")
    write_wav(root / "audio" / "test.wav")
    # Something next to audio/ that must never be served by /audio/.
    (root / "secret.txt").write_text("ne doit pas être servi", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def test_corpus(tmp_path_factory) -> Path:
    return make_test_corpus(tmp_path_factory.mktemp("webapp") / "corpus")


@pytest.fixture(scope="session")
def test_index(test_corpus) -> Path:
    index_dir = test_corpus.parent / "index"
    records = build_index(test_corpus, index_dir)
    assert not records.errors, records.errors  # the invented corpus itself must be clean
    return index_dir


@pytest.fixture
def app(test_corpus, test_index):
    # The address the site is served at, as `serve` sets it: absolute links in citations and the API.
    return create_app({"INDEX_DIR": str(test_index), "CORPUS_DIR": str(test_corpus),
                       "SERVER_ADDRESS": "http://localhost"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def default_index_dir(tmp_path_factory) -> Path:
    """The default corpus, copied and indexed in a temporary folder (nothing written in the repository)."""
    root = tmp_path_factory.mktemp("webapp-default")
    corpus = root / "corpus"
    shutil.copytree(DEFAULT_CORPUS, corpus)
    build_index(corpus, root / "index")
    return root


@pytest.fixture
def default_client(default_index_dir):
    app = create_app({"INDEX_DIR": str(default_index_dir / "index"), "CORPUS_DIR": str(default_index_dir / "corpus")})
    return app.test_client()


# --------------------------------------------------------------------------- live server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The app served for real by waitress in a background thread (as `artoiscast serve` does)."""

    def __init__(self, app):
        from waitress.server import create_server

        self.server = create_server(app, host="127.0.0.1", port=free_port(), threads=4, ident="artoiscast-test")
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        if not app.config.get("SERVER_ADDRESS"):
            app.config["SERVER_ADDRESS"] = self.url  # as `serve` does: links use the address listened on
        self.closing = False
        self.thread = threading.Thread(target=self._run, name="waitress-test", daemon=True)

    def _run(self):
        try:
            self.server.run()
        except Exception:  # noqa: BLE001
            # close() from the test thread pulls the sockets from under the loop's select():
            # "Bad file descriptor" then is the normal end, not an error.
            if not self.closing:
                raise

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closing = True
        self.server.close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(test_corpus, test_index):
    app = create_app({"INDEX_DIR": str(test_index), "CORPUS_DIR": str(test_corpus)})
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def default_live_server(default_index_dir):
    app = create_app({"INDEX_DIR": str(default_index_dir / "index"), "CORPUS_DIR": str(default_index_dir / "corpus")})
    with LiveServer(app) as server:
        yield server


# --------------------------------------------------------------------------- hostile corpus

HOSTILE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "hostile"


def make_hostile_corpus(root: Path) -> Path:
    """tests/fixtures/hostile (markup, event handlers, "javascript:" links and "</textarea>" in every
    field a page shows) copied under ``root``, with the invented WAV as audio/test.wav."""
    shutil.copytree(HOSTILE_CORPUS, root)
    write_wav(root / "audio" / "test.wav", seconds=AUDIO_SECONDS)
    (root / "secret.txt").write_text("ne doit pas être servi", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory) -> tuple[Path, Path]:
    """(corpus, index) of the hostile corpus, built once per session."""
    corpus = make_hostile_corpus(tmp_path_factory.mktemp("hostile") / "corpus")
    index_dir = corpus.parent / "index"
    build_index(corpus, index_dir)
    return corpus, index_dir


@pytest.fixture(scope="session")
def hostile_live_server(hostile_index):
    corpus, index_dir = hostile_index
    app = create_app({"INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus)})
    with LiveServer(app) as server:
        yield server


def soup(response) -> BeautifulSoup:
    """A page's HTML, parsed (the response must be a 200)."""
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def heading(page: BeautifulSoup) -> str:
    """The results' heading ("N enregistrements …"), spaces collapsed."""
    return " ".join(page.select_one(".results__count").get_text(" ", strip=True).split())
