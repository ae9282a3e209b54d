"""Names the corpus knows, found where speech recognition misspelled them (issue 18, point 4).

An invented corpus: a person "Gaëlle Vanderbecque" and an organisation "Société Minière
Hautbois (SMH)" in corpus.yaml, an automatic transcript (transcripts/auto/<id>.json,
provenance.automatic) where they are heard "gaël vendre bec" and "ès ème ache", and a
human transcript with the same ordinary words. Real files, real index, real web app.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from indexer.analysis import FRENCH, EXACT, TextWithNames, index_terms
from indexer.build import build_index
from indexer.corpus import load_corpus
from indexer.names import KnownNames, corpus_names, find_approximate_names, phonetic_key
from indexer.search import SearchParams, SearchService
from indexer.sources import read_corpus
from webapp import create_app

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"

NAMES = {"Gaëlle Vanderbecque": [], "Société Minière Hautbois": ["SMH"], "Yann-Loïc Fouquerel": []}

AUTOMATIC = {
    "provenance": {"automatic": True, "model": "whisper-base", "date": "2026-01-15", "reviewed": False},
    "language": "fr",
    "segments": [
        {"id": 0, "start": 0.0, "end": 4.0, "text": " Bonjour, nous recevons aujourd'hui gaël vendre bec, directrice."},
        {"id": 1, "start": 61.0, "end": 65.0, "text": " Elle travaille à la société ès ème ache depuis dix ans."},
        {"id": 2, "start": 125.0, "end": 129.0, "text": " Il faut vendre le bec verseur, dit-on au marché couvert."},
        {"id": 3, "start": 190.0, "end": 194.0, "text": " Merci à Jocelin Trého pour la visite."},
    ],
}

HUMAN_SRT = """1
00:00:00,000 --> 00:00:04,000
On a parlé de Gaël, qui veut vendre un bec verseur.

2
00:00:05,000 --> 00:00:09,000
Les ateliers de la Société Minière Hautbois ferment en mai.
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("names") / "corpus"
    (root / "transcripts" / "auto").mkdir(parents=True)
    (root / "transcripts" / "auto" / "emission-carreau.json").write_text(
        json.dumps(AUTOMATIC, ensure_ascii=False), encoding="utf-8")
    (root / "transcripts" / "atelier.srt").write_text(HUMAN_SRT, encoding="utf-8")
    data = {
        "people": [{"name": "Gaëlle Vanderbecque", "organisation": "Société Minière Hautbois"}],
        "organisations": [{"name": "Société Minière Hautbois", "aliases": ["SMH"]}],
        "recordings": {
            # A speaker of this recording only (as a page would give): known for it alone.
            "emission-carreau": {"title": "Le carreau de fosse", "date": "2025-03", "speakers": ["Josselin Tréhout"]},
            "entretien-atelier": {"title": "L'atelier", "transcript": "transcripts/atelier.srt"},
        },
    }
    (root / "corpus.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def service(corpus, tmp_path_factory) -> SearchService:
    index_dir = tmp_path_factory.mktemp("names-index") / "index"
    build_index(corpus, index_dir)
    return SearchService(index_dir)


@pytest.fixture(scope="module")
def client(corpus, service):
    app = create_app({"INDEX_DIR": str(service.index_dir), "CORPUS_DIR": str(corpus)})
    return app.test_client()


# --------------------------------------------------------------------------- the phonetic key and the matcher


@pytest.mark.parametrize("written, heard", [
    ("Gaëlle Vanderbecque", "gaël vendre bec"),
    ("SMH", "ès ème ache"),
    ("Yann Fouant", "Yann Fou an"),
    ("Beaulieu", "bolieu"),
    ("Philippe", "Filip"),
    ("Quentin", "Kantin"),
])
def test_french_spellings_of_the_same_sounds_get_close_keys(written, heard):
    key, other = phonetic_key(written.split()), phonetic_key(heard.split())
    assert key[:3] == other[:3] and abs(len(key) - len(other)) <= 1, (key, other)


def test_a_known_name_heard_misspelled_is_found_at_its_words():
    known = KnownNames(NAMES)
    text = "Bonjour, nous recevons gaël vendre bec, puis la société ès ème ache."
    found = find_approximate_names(text, known)
    assert [(a.name, a.heard) for a in found] == [("Gaëlle Vanderbecque", "gaël vendre bec"),
                                                  ("Société Minière Hautbois", "ès ème ache")]
    assert all(text[a.start:a.end] == a.heard for a in found)


def test_an_invented_channel_heard_as_an_ordinary_word_and_its_letters():
    known = KnownNames({"VFM TV": []})
    found = find_approximate_names("hier soir sur Femme TV, le débat", known)
    assert [(a.name, a.heard) for a in found] == [("VFM TV", "Femme TV")]
    # The letters must be heard as letters or an acronym: not "femme de", "ESAAT de".
    assert find_approximate_names("une femme de tête", known) == []


def test_common_words_written_names_and_other_sentences_are_left_alone():
    known = KnownNames(NAMES)
    assert find_approximate_names("Il faut vendre le bec verseur au marché.", known) == []
    # Written as the name: the normal search finds it, nothing approximate.
    assert find_approximate_names("Nous recevons Gaëlle Vanderbecque, de la SMH.", known) == []
    # A name's words never span a full stop or a comma.
    assert find_approximate_names("Gaël. Vendre bec.", known) == []
    # Short names are not looked for: "Lens" would be "l'an", "lent" …
    assert not KnownNames({"Lens": []}).forms


def test_on_the_default_corpus_page_names_are_almost_never_found_in_ordinary_text():
    """economie.txt holds real names and ordinary text: with every name corpus.yaml knows, the
    matcher finds (nearly) nothing - figures in docs/transcription.md."""
    known = KnownNames(corpus_names(load_corpus(DEFAULT_CORPUS)))
    text = (DEFAULT_CORPUS / "pages" / "economie.txt").read_text(encoding="utf-8")
    words = len(re.findall(r"\w+", text))
    found = [a for line in text.splitlines() for a in find_approximate_names(line, known)]
    found_lower = [a for line in text.lower().splitlines() for a in find_approximate_names(line, known)]
    assert words > 6000
    assert len(found) <= 2 and len(found_lower) <= 2, [(a.heard, a.name) for a in found + found_lower]


def test_the_index_holds_the_name_at_the_heard_words_positions():
    text = "nous recevons gaël vendre bec directrice"
    names = [[14, 29, "Gaëlle Vanderbecque", "gaël vendre bec", "Gaëlle Vanderbecque"]]
    french = index_terms(TextWithNames(text, names), exact=False)
    exact = index_terms(TextWithNames(text, names), exact=True)
    plain = {t.text: t.pos for t in FRENCH(text, positions=True)}
    assert french["gael"] == [plain["gael"]] and french["vanderbecqu"] == [plain["gael"] + 1]
    assert exact["gaelle vanderbecque"] == [exact["gael"][0]]
    # Paired with the words around the heard ones, for quoted phrases that go on past the name.
    assert exact["recevons gaelle"] == exact["recevons gael"]
    assert exact["vanderbecque directrice"] == [exact["gael"][0] + 1]
    # The plain text's terms are all still there, at their positions.
    for term, positions in index_terms(text, exact=False).items():
        assert set(positions) <= set(french[term])
    assert {t.text for t in EXACT(text)} <= set(exact)


# --------------------------------------------------------------------------- reading, search, views


def test_reading_keeps_the_text_as_heard_and_notes_the_spans(corpus):
    records = read_corpus(corpus)
    automatic = next(r for r in records.recordings if r.id == "emission-carreau")
    human = next(r for r in records.recordings if r.id == "entretien-atelier")
    spans = [a for p in automatic.passages for a in p.approximate]
    assert {(a[2], a[3]) for a in spans} == {("Gaëlle Vanderbecque", "gaël vendre bec"),
                                             ("Société Minière Hautbois", "ès ème ache"),
                                             ("Josselin Tréhout", "Jocelin Trého")}
    assert all("Vanderbecque" not in p.text and "Hautbois" not in p.text for p in automatic.passages)
    assert not any(p.approximate for p in human.passages)  # a human transcript is as written


def passages_for(service, q, mode="results"):
    result = service.search(SearchParams.from_args({"q": q, "mode": mode}))
    if mode == "results":
        return [(r["recording"]["id"], p) for r in result["results"] for p in r["passages"]]
    return [(p["recording_id"], p) for p in result["passages"]]


@pytest.mark.parametrize("q", ["Gaëlle Vanderbecque", '"Gaëlle Vanderbecque"', "vanderbecque", "Vanderb*",
                               '"aujourd\'hui Gaëlle Vanderbecque directrice"'])
def test_a_search_for_the_name_finds_the_automatic_passage_marked_approximate(service, q):
    found = passages_for(service, q)
    assert [rec_id for rec_id, _ in found] == ["emission-carreau"]
    passage = found[0][1]
    assert "gaël vendre bec" in passage["text"] and "Vanderbecque" not in passage["text"]
    assert ('<mark class="approx" title="nom reconnu approximativement : Gaëlle Vanderbecque">'
            'gaël vendre bec</mark>') in passage["snippet"]
    assert {"name": "Gaëlle Vanderbecque", "heard": "gaël vendre bec", "matched": True}.items() \
        <= passage["approximate_names"][0].items()
    start, end = passage["approximate_names"][0]["start"], passage["approximate_names"][0]["end"]
    assert passage["text"][start:end] == "gaël vendre bec"


def test_an_acronym_heard_letter_by_letter_is_found_by_the_acronym_and_the_name(service):
    by_acronym = passages_for(service, "SMH", mode="citations")
    assert [rec_id for rec_id, _ in by_acronym] == ["emission-carreau"]
    assert "ès ème ache</mark>" in by_acronym[0][1]["snippet"]
    by_name = {rec_id for rec_id, _ in passages_for(service, "Société Minière Hautbois")}
    assert by_name == {"emission-carreau", "entretien-atelier"}  # the human transcript writes it


def test_ordinary_words_are_not_matched_as_the_name(service):
    found = passages_for(service, "vendre bec", mode="citations")
    assert {rec_id for rec_id, _ in found} == {"emission-carreau", "entretien-atelier"}
    for _, passage in found:
        assert 'class="approx"' not in passage["snippet"]  # a search for the words marks the words
    human = passages_for(service, "Gaëlle", mode="citations")
    assert all('class="approx"' in p["snippet"] for rec_id, p in human if rec_id == "emission-carreau")


def test_the_recordings_own_speaker_is_a_known_name(service):
    found = passages_for(service, "Tréhout", mode="citations")
    assert [rec_id for rec_id, _ in found] == ["emission-carreau"]
    assert "Jocelin Trého</mark>" in found[0][1]["snippet"]


def test_pages_api_and_exports_say_the_name_was_recognised_approximately(client):
    results = client.get("/?q=Vanderbecque").get_data(as_text=True)
    assert "nom reconnu approximativement : <strong>Gaëlle Vanderbecque</strong> (entendu « gaël vendre bec »)" \
        in results
    citations = client.get("/?q=Vanderbecque&mode=citations").get_data(as_text=True)
    assert "(entendu « gaël vendre bec »)" in citations
    # The citation to copy quotes the words as heard, and says which name they were taken for.
    quote = re.search(r'<textarea[^>]*>([^<]*)</textarea>', citations).group(1)
    assert quote.startswith("« Bonjour, nous recevons aujourd&#39;hui gaël vendre bec, directrice. »")
    assert quote.endswith("nom reconnu approximativement : Gaëlle Vanderbecque (entendu « gaël vendre bec »)")
    page = client.get("/enregistrement/emission-carreau?q=Vanderbecque").get_data(as_text=True)
    assert '<mark class="approx" title="nom reconnu approximativement : Gaëlle Vanderbecque">gaël vendre bec</mark>' \
        in page
    # On the recording page every name heard is suggested, asked for or not.
    assert "<strong>Société Minière Hautbois</strong> (entendu « ès ème ache »)" in page
    api = client.get("/api/search?q=Vanderbecque&mode=citations").get_json()
    assert api["passages"][0]["approximate_names"][0]["name"] == "Gaëlle Vanderbecque"
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv?q=Vanderbecque").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert rows[0]["noms approximatifs"] == "nom reconnu approximativement : Gaëlle Vanderbecque " \
                                           "(entendu « gaël vendre bec »)"
    assert "gaël vendre bec" in rows[0]["texte"]


def test_a_corpus_with_too_many_names_is_searched_for_the_first_ones_and_says_so(tmp_path, monkeypatch):
    from indexer import names as names_module
    from indexer import sources
    monkeypatch.setattr(names_module, "MAX_FORMS", 3)
    monkeypatch.setattr(sources, "MAX_FORMS", 3)
    root = tmp_path / "corpus"
    (root / "transcripts" / "auto").mkdir(parents=True)
    (root / "transcripts" / "auto" / "emission-carreau.json").write_text(
        json.dumps(AUTOMATIC, ensure_ascii=False), encoding="utf-8")
    people = [{"name": f"Personne Inventée{'e' * n}"} for n in range(5)] + [{"name": "Gaëlle Vanderbecque"}]
    data = {"people": people, "recordings": {"emission-carreau": {"title": "Le carreau de fosse"}}}
    (root / "corpus.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    records = read_corpus(root)
    warnings = [str(p) for p in records.problems if "approximativement" in p.reason]
    assert warnings == ["corpus.yaml: warning: plus de 3 noms et variantes : 3 ne sont pas cherchés "
                        "approximativement dans les transcriptions automatiques"]
    assert not any(p.approximate for r in records.recordings for p in r.passages)  # the name was left out
