"""Issue 11, item 5: speakers as the file names them, through corpus.yaml, into the index and
its speaker filter; and item 4 end to end: events shown on the recording page, never searched nor quoted.
Invented people and words only."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from indexer.build import build_index
from indexer.search import SearchParams, SearchService
from indexer.sources import read_corpus
from webapp import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"


def make_corpus(root: Path, recordings: dict, people=None) -> Path:
    (root / "transcripts").mkdir(parents=True)
    for name in ("cite_eglantiers.trs", "marche_couvert.srt", "estaminet.cha"):
        shutil.copy(FIXTURES / name, root / "transcripts" / name)
    data = {"recordings": recordings}
    if people:
        data["people"] = people
    (root / "corpus.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def recording(records, rec_id):
    return next(r for r in records.recordings if r.id == rec_id)


CITE = {"title": "La cité des Églantiers", "transcript": "transcripts/cite_eglantiers.trs"}


def test_names_are_shown_as_the_file_writes_them(tmp_path):
    root = make_corpus(tmp_path / "c", {"cite": dict(CITE)})
    rec = recording(read_corpus(root), "cite")
    assert [p.speaker for p in rec.passages] == ["Enquêtrice", "BA725", None, "BA725"]  # not "Ba725"
    assert [s.name for s in rec.speakers] == ["Enquêtrice", "BA725"]
    # Two topics: each passage has its own, and the recording gets no single theme from the file.
    assert [p.topic for p in rec.passages] == ["la cité minière"] * 3 + ["le carreau de fosse"]
    assert rec.theme is None


def test_speaker_labels_keyed_by_the_name_written_in_the_file(tmp_path):
    root = make_corpus(tmp_path / "c", {"cite": {
        **CITE,
        "speaker_labels": {"BA725": "Prosper Delcourt", "enquetrice": "Nadège Wattiez", "BA752": "Personne"},
        "interviewer": "Nadège Wattiez",
    }})
    records = read_corpus(root)
    rec = recording(records, "cite")
    # "BA725" is the name the file gives spk1, "enquetrice" its "Enquêtrice" without accent or capital.
    assert [(p.speaker, p.interviewer) for p in rec.passages if p.speaker] == [
        ("Nadège Wattiez", True), ("Prosper Delcourt", False), ("Prosper Delcourt", False)]
    # The interviewer's question is no quote.
    warnings = [p for p in records.problems if p.severity == "warning" and "speaker_labels" in p.reason]
    assert [(p.file, p.line) for p in warnings] == [("corpus.yaml", 8)]
    assert "« BA752 » ne correspond à aucun intervenant de transcripts/cite_eglantiers.trs" in warnings[0].reason
    yaml_lines = (root / "corpus.yaml").read_text(encoding="utf-8").splitlines()
    assert yaml_lines[7].strip().startswith("BA752:")
    # The file's own spelling stays known, for the speaker filter.
    prosper = next(s for s in rec.speakers if s.name == "Prosper Delcourt")
    assert "BA725" in prosper.aliases


def test_internal_ids_still_work_as_keys(tmp_path):
    root = make_corpus(tmp_path / "c", {"cite": {**CITE, "speaker_labels": {"spk1": "Prosper Delcourt"}}})
    records = read_corpus(root)
    assert {p.speaker for p in recording(records, "cite").passages} == {"Enquêtrice", "Prosper Delcourt", None}
    assert not [p for p in records.problems if "speaker_labels" in p.reason]


def test_a_name_given_in_corpus_yaml_is_kept_as_written(tmp_path):
    root = make_corpus(tmp_path / "c", {"cite": {**CITE, "speakers": ["BA725", "Enquêtrice"]}})
    rec = recording(read_corpus(root), "cite")
    assert [s.name for s in rec.speakers] == ["BA725", "Enquêtrice"]


def test_the_one_declared_voice_names_the_unlabelled_cues(tmp_path):
    root = make_corpus(tmp_path / "c", {"marche": {
        "title": "Le marché couvert", "transcript": "transcripts/marche_couvert.srt",
        "speakers": [{"name": "Rémi Caron", "role": "maraîcher"}]}})
    rec = recording(read_corpus(root), "marche")
    by_text = {p.text: p.speaker for p in rec.passages}
    assert by_text["on y vient depuis toujours."] == "Rémi Caron"
    assert by_text["Bienvenue au marché couvert"] == "Claire"  # a label still wins
    assert by_text[""] is None  # sound events only: nobody's


def test_two_declared_speakers_name_no_unlabelled_cue(tmp_path):
    root = make_corpus(tmp_path / "c", {"marche": {
        "title": "Le marché couvert", "transcript": "transcripts/marche_couvert.srt",
        "speakers": ["Rémi Caron", "Claire"]}})
    rec = recording(read_corpus(root), "marche")
    assert next(p for p in rec.passages if p.text == "on y vient depuis toujours.").speaker is None


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> SearchService:
    base = tmp_path_factory.mktemp("speakers")
    root = make_corpus(base / "c", {
        "cite": {**CITE, "speaker_labels": {"BA725": "Prosper Delcourt"}},
        "estaminet": {"title": "L'estaminet", "transcript": "transcripts/estaminet.cha"},
    }, people=[{"name": "Prosper Delcourt", "aliases": ["Pépère Delcourt"]}])
    build_index(root, base / "index")
    return SearchService(base / "index")


def speakers_found(service, value):
    doc = service.search(SearchParams(q="", filters={"speaker": [value]}, mode="citations", per_page=50))
    return {p["speaker"] for p in doc["passages"]}


@pytest.mark.parametrize("value", ["Prosper Delcourt", "prosper delcourt", "PROSPER DELCOURT",
                                   "BA725", "ba725", "Pépère Delcourt", "pepere delcourt"])
def test_speaker_filter_folds_case_accents_and_knows_aliases(service, value):
    assert speakers_found(service, value) == {"Prosper Delcourt"}


def test_speaker_filter_finds_a_name_written_with_accents(service):
    assert speakers_found(service, "marcel delattre") == {"Marcel Delattre"}
    assert speakers_found(service, "Personne Inconnue") == set()


def test_events_are_shown_on_the_recording_page_but_never_searched_nor_quoted(service):
    rec = service.recording("cite")
    html = " ".join(p["html"] for p in rec["passages"])
    assert '<span class="event">[rire]</span>' in html
    assert '<span class="event">[rires]</span>' in html
    assert [p["topic"] for p in rec["passages"]][-1] == "le carreau de fosse"
    for query in ("rire", "rires"):
        doc = service.search(SearchParams(q=query, mode="citations"))
        assert doc["passages"] == [], query
    doc = service.search(SearchParams(q="c'est sûr", mode="citations"))
    [quote] = doc["passages"]
    assert quote["text"] == "oui c'est sûr on était bien on avait le jardin et les poules c'est vrai que"
    # No duration of the annotation "speaker" is anywhere in the index.
    assert service.search(SearchParams(q="0.643"))["total"] == 0


def test_untimed_chat_passages_are_found_without_a_moment(service):
    doc = service.search(SearchParams(q="javelot", mode="citations"))
    untimed = [p for p in doc["passages"] if p["start"] is None]
    assert untimed and all("t=" not in p["link"] for p in untimed)


def test_passages_of_events_only_are_never_found_nor_quoted(tmp_path):
    root = make_corpus(tmp_path / "c", {"marche": {"title": "Le marché couvert",
                                                   "transcript": "transcripts/marche_couvert.srt"}})
    build_index(root, tmp_path / "index")
    service = SearchService(tmp_path / "index")
    for mode in ("citations", "concordance", "results"):
        for q in ("", "marché", "Claire", "couvert"):
            doc = service.search(SearchParams(q=q, mode=mode, per_page=50))
            passages = doc.get("passages") or [p for r in doc.get("results") or [] for p in r["passages"]]
            assert all(p["text"] for p in passages), (mode, q)
            if mode == "concordance" and not q:
                assert passages == [] and doc["needs_words"]  # nothing to line up (issue 21, point 5)
            elif q in ("", "marché"):
                assert passages, (mode, q)
    # … but the recording page shows them, in their place, as transcript.
    rec = service.recording("marche")
    assert [p["html"] for p in rec["passages"]][0] == '<span class="event">[musique]</span>'
    assert rec["passages"][0]["verbatim"] and rec["passages"][0]["speaker"] is None


def test_pages_show_events_topics_and_untimed_utterances(tmp_path):
    root = make_corpus(tmp_path / "c", {
        "cite": {**CITE, "speaker_labels": {"BA725": "Prosper Delcourt"}},
        "estaminet": {"title": "L'estaminet", "transcript": "transcripts/estaminet.cha"},
    })
    build_index(root, tmp_path / "index")
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(root)}).test_client()

    page = BeautifulSoup(client.get("/enregistrement/cite").get_data(as_text=True), "html.parser")
    assert [e.get_text() for e in page.select(".turn__text .event")] == ["[rire]", "[rires]"]
    assert [t.get_text() for t in page.select(".turn__topic")][-1] == "le carreau de fosse"

    page = BeautifulSoup(client.get("/enregistrement/estaminet").get_data(as_text=True), "html.parser")
    turns = page.select("li.turn")
    assert len(turns) == 4
    assert [t.get("data-start") for t in turns][2:] == [None, None]  # no moment to play for CHAT without bullets
    assert "javelot" in turns[2].get_text()

    response = client.get("/?q=c'est+sûr&mode=citations")
    assert response.status_code == 200
    [quote] = BeautifulSoup(response.get_data(as_text=True), "html.parser").select("textarea.citation__text")
    assert "oui c'est sûr on était bien" in quote.get_text() and "rire" not in quote.get_text()


def test_odd_speaker_entries_are_reported_not_crashed_on(tmp_path):
    root = make_corpus(tmp_path / "c", {
        "cite": {**CITE, "speaker_labels": ["BA725", "Prosper"]},
        "marche": {"title": "Le marché", "transcript": "transcripts/marche_couvert.srt", "speakers": [["Rémi"]]},
    })
    records = read_corpus(root)
    assert [p.speaker for p in recording(records, "cite").passages] == ["Enquêtrice", "BA725", None, "BA725"]
    [problem] = [p for p in records.problems if "speaker_labels" in p.reason]
    assert (problem.file, problem.line) == ("corpus.yaml", 5)  # the line of "speaker_labels:"
    assert "doit être un dictionnaire" in problem.reason
