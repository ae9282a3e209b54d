"""Links open the audio at the words found, not at the passage start (issue 18, point 1),
and a media link found dead is not audio (point 5).

An invented corpus: an automatic transcript (Whisper JSON with word times) whose
searched word is said 20.4 s into a passage starting at 0, and a human WebVTT whose
passage holds three cues, the word in the third (at 16 s). Every link, time and
export of a passage must give the word's second, less WORD_LEAD (0.2 s: the link lands
just before the word), or the cue's start without word times.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from indexer.anchors import WORD_LEAD, cue_spans, time_at
from indexer.build import build_index
from indexer.highlight import Match, mark_cues
from indexer.search import SearchService
from indexer.transcripts.whisper import word_offsets
from webapp import create_app
from test_harvest import cli, fetch, media_bytes, served  # noqa: F401  (served: the invented site, a fixture)
from webapp_fixtures import LiveServer, browser, write_wav  # noqa: F401  (browser: a fixture)

CORPUS_YAML = """\
site: https://artoiscast.fr/
pages: []
recordings:
  criee-auto:
    title: "La criée des grivolandiers"
    date: "2023"
    kind: interview
    audio: audio/test.wav
  veillee-vtt:
    title: "La veillée des toupinettes"
    date: "2022"
    kind: interview
    transcript: transcripts/veillee.vtt
    speakers:
      - {name: Ernestine Quarouble, role: conteuse}
"""

VEILLEE_VTT = """\
WEBVTT

00:00.000 --> 00:08.000
<v Ernestine Quarouble>Au village on se retrouvait le soir chez la voisine du moulin.

00:08.000 --> 00:16.000
<v Ernestine Quarouble>Les hommes fumaient près du poêle et les enfants jouaient aux osselets.

00:16.000 --> 00:24.000
<v Ernestine Quarouble>Puis venait la toupinette, une chanson que personne n'a jamais écrite.
"""


def segment(start: float, end: float, words: list[tuple[str, float]]) -> dict:
    """A Whisper segment whose words are timed as given (each lasting until the next)."""
    timed = [{"word": " " + w, "start": t, "end": (words[i + 1][1] if i + 1 < len(words) else end),
              "probability": 0.9} for i, (w, t) in enumerate(words)]
    return {"start": start, "end": end, "text": " " + " ".join(w for w, _ in words), "words": timed}


def spaced(text: str, start: float, end: float) -> list[tuple[str, float]]:
    words = text.split()
    step = (end - start) / len(words)
    return [(w, round(start + i * step, 2)) for i, w in enumerate(words)]


# One passage (one unknown voice, 0 - 30 s): the word "grivolandier" at 20.4 s (its cue starts
# at 18 s), again at 26.1 s; "brumasse" only in a cue without word times (at 12 s).
AUTO_SEGMENTS = [
    segment(0.0, 6.0, spaced("Ce matin-là les bateaux rentraient tard au port.", 0.3, 5.5)),
    segment(6.0, 12.0, spaced("Les femmes attendaient sur la cale avec les paniers.", 6.2, 11.6)),
    {"start": 12.0, "end": 18.0, "text": " La brumasse couvrait toute la baie ce jour-là."},
    segment(18.0, 24.0, [("Le", 18.2), ("vieux", 18.9), ("marin", 19.6), ("grivolandier", 20.4),
                         ("vendait", 21.3), ("ses", 21.9), ("coques.", 22.4)]),
    segment(24.0, 30.0, [("On", 24.3), ("appelait", 24.8), ("ça", 25.6), ("un", 25.8), ("grivolandier", 26.1),
                         ("chez", 27.0), ("nous.", 27.6)]),
]


def make_corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "corpus.yaml").write_text(CORPUS_YAML, encoding="utf-8")
    (root / "transcripts" / "auto").mkdir(parents=True)
    (root / "transcripts" / "veillee.vtt").write_text(VEILLEE_VTT, encoding="utf-8")
    auto = {"provenance": {"automatic": True, "model": "whisper-test", "date": "2026-01-02", "reviewed": False},
            "language": "fr", "segments": AUTO_SEGMENTS}
    (root / "transcripts" / "auto" / "criee-auto.json").write_text(json.dumps(auto, ensure_ascii=False),
                                                                    encoding="utf-8")
    write_wav(root / "audio" / "test.wav", seconds=40)
    return root


@pytest.fixture(scope="module")
def corpus_and_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("links")
    corpus = make_corpus(root / "corpus")
    records = build_index(corpus, root / "index")
    assert not records.errors, records.errors
    return corpus, root / "index"


@pytest.fixture
def client(corpus_and_index):
    corpus, index = corpus_and_index
    return create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus),
                       "SERVER_ADDRESS": "http://localhost"}).test_client()


def t_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["t"][0].split(",")[0]


# --------------------------------------------------------------------------- the time of a character


def test_word_offsets_find_each_timed_word_in_order():
    text = "Le marin grivolandier, et le grivolandier."
    words = [{"word": " Le", "start": 1.0}, {"word": " marin", "start": 1.5}, {"word": " grivolandier,", "start": 2.0},
             {"word": " et", "start": 2.6}, {"word": " le"}, {"word": " grivolandier.", "start": 3.4},
             {"word": " absent", "start": 3.9}]
    assert word_offsets(text, words) == [(0, 1.0), (3, 1.5), (9, 2.0), (23, 2.6), (29, 3.4)]
    assert word_offsets(text, "pas une liste") == []


def test_time_at_a_word_else_its_cue_else_the_passage_start():
    stored = {"start": 10.0, "cues": [[10.0, 14.0], [14.0, 20.0]],
              "anchors": {"c": [0, 20], "w": [0, 20, 6, 150]}}  # words said at 10.2 and 11.5 in the first cue
    assert time_at(stored, 0) == 10.2 - WORD_LEAD
    assert time_at(stored, 8) == 11.5 - WORD_LEAD  # inside the second timed word
    assert time_at(stored, 25) == 14.0  # a cue without word times: its start
    assert time_at({"start": 10.0}, 25) == 10.0  # an index without anchors: the passage start


# --------------------------------------------------------------------------- every view of a passage


def test_api_link_and_at_are_the_words_second(client):
    doc = client.get("/api/search?q=grivolandier").get_json()
    passage = doc["results"][0]["passages"][0]
    assert passage["recording_id"] == "criee-auto"
    assert passage["start"] == 0.0  # the passage still starts where it starts
    assert passage["at"] == 20.2
    assert t_of(passage["link"]) == "20.2"
    # The recording's own API: with the query, each hit passage at its word.
    rec = client.get("/api/recordings/criee-auto?q=grivolandier").get_json()
    hit = next(p for p in rec["passages"] if p["hit"])
    assert hit["at"] == 20.2 and t_of(hit["link"]) == "20.2"


def test_a_phrase_link_opens_at_its_first_word(client):
    passage = client.get('/api/search?q="marin grivolandier"').get_json()["results"][0]["passages"][0]
    assert passage["at"] == 19.4


def test_a_cue_without_word_times_gives_its_start(client):
    auto = client.get("/api/search?q=brumasse").get_json()["results"][0]["passages"][0]
    assert auto["at"] == 12.0
    human = client.get("/api/search?q=toupinette").get_json()["results"][0]["passages"][0]
    assert (human["recording_id"], human["start"], human["at"]) == ("veillee-vtt", 0.0, 16.0)
    assert t_of(human["link"]) == "16"


def test_results_page_play_link_at_the_word(client):
    page = BeautifulSoup(client.get("/?q=grivolandier").get_data(as_text=True), "html.parser")
    play = page.select_one("a.play")
    assert t_of(play["href"]) == "20.2"
    assert "0:20" in play.get_text()


def test_citation_text_and_copied_link_at_the_word(client):
    page = BeautifulSoup(client.get("/?q=toupinette&mode=citations").get_data(as_text=True), "html.parser")
    text = page.select_one("textarea.citation__text").get_text()
    assert "à 0:16, http://localhost/enregistrement/veillee-vtt?t=16,24" in text, text


def test_exports_at_the_word(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv?q=grivolandier").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert rows[0]["début (s)"] == "0" and rows[0]["mots à (s)"] == "20.2"
    assert t_of(rows[0]["lien"]) == "20.2"
    data = client.get("/export.json?q=toupinette").get_json()
    assert data["passages"][0]["at"] == 16.0 and t_of(data["passages"][0]["link"]) == "16"


def test_concordance_each_occurrence_at_its_own_word(client):
    data = client.get("/export.json?q=grivolandier&mode=concordance").get_json()
    assert [(row["at"], t_of(row["link"])) for row in data["occurrences"]] == [(20.2, "20.2"), (25.9, "25.9")]
    page = BeautifulSoup(client.get("/?q=grivolandier&mode=concordance").get_data(as_text=True), "html.parser")
    assert [t_of(a["href"]) for a in page.select(".kwic-who a.play")] == ["20.2", "25.9"]


def test_recording_page_without_query_keeps_the_passage_start(client):
    rec = client.get("/api/recordings/criee-auto").get_json()
    assert [(p["start"], p["at"], t_of(p["link"])) for p in rec["passages"]] == [(0.0, 0.0, "0")]
    page = BeautifulSoup(client.get("/enregistrement/criee-auto").get_data(as_text=True), "html.parser")
    turn = page.select_one(".turn")
    assert turn["data-at"] == turn["data-start"] == "0.0"
    # The transcript is cut into its cues, for the player to mark the one heard.
    assert [c["data-start"] for c in turn.select(".cue")][:4] == ["0.0", "6.0", "12.0", "18.0"]
    assert "grivolandier" in turn.select(".cue")[3].get_text()


def test_recording_page_at_the_word_and_citation_files(client):
    page = BeautifulSoup(client.get("/enregistrement/criee-auto?t=20.4,30&q=grivolandier").get_data(as_text=True),
                         "html.parser")
    assert page.select_one("audio")["src"] == "/audio/test.wav#t=20.4"
    assert page.select_one(".turn.is-hit")["data-at"] == "20.2"
    assert t_of(page.select_one("a.timeline__hit-link")["href"]) == "20.2"
    ris_link = next(a["href"] for a in page.select(".cite-formats a") if a.get_text() == "RIS")
    ris = client.get(ris_link).get_data(as_text=True)
    assert re.search(r"^UR  - http://localhost/enregistrement/criee-auto\?t=20\.4\r?$", ris, re.M), ris
    bib = client.get("/citation/bib/criee-auto?t=20.4").get_data(as_text=True)
    assert "criee-auto?t=20.4}" in bib


# --------------------------------------------------------------------------- in the browser


@pytest.mark.browser
def test_player_lands_at_the_word_and_marks_its_cue(browser, corpus_and_index):  # noqa: F811
    corpus, index = corpus_and_index
    app = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus)})
    with LiveServer(app) as server:
        context = browser.new_context(locale="fr-FR")
        try:
            page = context.new_page()
            page.set_default_timeout(15000)
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server.url + "/?q=grivolandier")
            page.click("a.play")
            page.wait_for_url(re.compile(r"/enregistrement/criee-auto\?t=20\.2"))
            page.wait_for_function("""() => {
                const audio = document.getElementById('audio');
                return audio && audio.readyState >= 1 && audio.currentTime > 0;
            }""")
            current = page.evaluate("document.getElementById('audio').currentTime")
            assert 20.4 - 1.0 <= current <= 20.4, current  # within 1 s before the word (said at 20.4)
            cue = page.wait_for_selector(".cue.is-current-cue")
            assert cue.get_attribute("data-start") == "18.0"
            assert "grivolandier" in cue.text_content()
            assert errors == []
        finally:
            context.close()


# --------------------------------------------------------------------------- dead audio (point 5)


def test_a_dead_audio_link_is_not_audio(served, tmp_path):  # noqa: F811
    """The invented site's "/sons/ducasse.mp3" answers 404: after `fetch --audio` its recording
    has no player, does not count « avec audio », and its page says the audio is not available."""
    base, site, _ = served
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    assert fetch(corpus, base, "--audio").exit_code == 0
    assert cli(corpus, "index").exit_code == 0
    dead_url = f"{base}/sons/ducasse.mp3"
    rec = next(r for r in SearchService(index).recordings() if r["source_audio_url"] == dead_url)
    assert (rec["has_audio"], rec["audio_url"], rec["audio_dead"]) == (False, None, True)
    app = create_app({"INDEX_DIR": str(index), "CORPUS_DIR": str(corpus)})
    with app.test_client() as client:
        page = BeautifulSoup(client.get(f"/enregistrement/{rec['id']}").get_data(as_text=True), "html.parser")
        assert page.select_one("audio") is None
        assert "L'audio de cet enregistrement n'est pas disponible" in page.select_one(".no-audio").get_text()
        # « Avec audio : oui » counts the recordings with a player only.
        with_audio = {r["id"] for r in SearchService(index).recordings() if r["has_audio"]}
        facet = client.get("/api/search?q=").get_json()["facets"]["audio"]
        assert {v["value"]: v["count"] for v in facet}.get("oui", 0) == len(with_audio)
        assert rec["id"] not in with_audio
    # The file comes back on the site: once the dead link is due to be asked again (a week later,
    # here set to today), the next fetch downloads it, and --update plays it.
    site.put("/sons/ducasse.mp3", media_bytes("ducasse", 10_000), "audio/mpeg")
    manifest_file = corpus / "harvest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["dead"][dead_url]["retry_after"] = date.today().isoformat()
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    assert fetch(corpus, base, "--audio").exit_code == 0
    manifest = json.loads((corpus / "harvest.json").read_text(encoding="utf-8"))
    assert manifest["audio"][dead_url]["sha256"] and dead_url not in manifest.get("dead", {})
    assert cli(corpus, "index", "--update").exit_code == 0
    rec = next(r for r in SearchService(index).recordings() if r["source_audio_url"] == dead_url)
    assert rec["has_audio"] and rec["audio_url"].startswith("/audio/") and not rec["audio_dead"]


def test_cue_spans_keep_every_word_mark_and_event():
    """The recording page's transcript cut into cues loses nothing: a mark across two cues
    is cut in two, an event at a cue's end stays in that cue, the text reads the same."""
    text = "Bonjour à tous. Le terril est vert."
    stored = {"start": 5.0, "cues": [[5.0, 8.0], [8.0, 12.0]], "anchors": {"c": [0, 16], "w": []}}
    html = mark_cues(text, [Match(10, 18)], [(15, "[rires]")], [[19, 25]], cue_spans(stored, len(text)))
    page = BeautifulSoup(html, "html.parser")
    cues = page.select("span.cue")
    assert [(c["data-start"], c["data-end"]) for c in cues] == [("5.0", "8.0"), ("8.0", "12.0")]
    assert [m.get_text() for m in page.select("mark")] == ["tous.", "Le"]
    assert cues[0].select_one(".event").get_text() == "[rires]"
    assert cues[1].select_one(".incertain").get_text() == "terril"
    assert " ".join(page.get_text().replace("[rires]", "").split()) == text
