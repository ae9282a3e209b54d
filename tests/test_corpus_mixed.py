"""A mixed corpus: a page recording completed by a transcript, a transcript-only
recording described in corpus.yaml, and a WhisperX file with speaker labels.

Everything is built in tmp_path from real files: the HTML fixture page and
small transcripts written here (invented people only).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from conftest import invoke_cli
from indexer.build import build_index
from indexer.corpus import Corpus, PageSource
from indexer.page import parse_page
from indexer.search import SearchParams, SearchService
from indexer.sources import read_corpus
from indexer.transcripts import read_transcript

PAGES = Path(__file__).parent / "fixtures" / "pages"
PAGE_URL = "https://example.org/brume/corons.html"

VTT = """WEBVTT

00:00:01.000 --> 00:00:05.000
<v Odile Marchal>Mélodie, comment est née la fanfare des Glycines ?

00:00:05.000 --> 00:00:11.500
<v Mélodie Carpentier>Elle est née d'une querelle de trombonistes au café du Coron.

00:00:11.500 --> 00:00:16.000
<v Mélodie Carpentier>Le saxhorn baryton est arrivé plus tard, avec le curé.
"""

# Cue 4 has a malformed timing line ("->"): skipped and reported, the rest is read.
SRT = """1
00:00:02,000 --> 00:00:06,000
Odile Marchal : Hortense, que tissiez-vous à la veillée ?

2
00:00:06,000 --> 00:00:12,250
Hortense Vandamme : Des mouchoirs brodés de coquelicots, pour la Saint-Éloi.

3
00:00:12,250 --> 00:00:18,000
Hortense Vandamme : Ma grand-mère chantait la complainte du navetteur.

4
00:00:18,000 -> 00:00:21,000
Odile Marchal : Cette ligne de temps est mal écrite.

5
00:00:21,000 --> 00:00:25,500
Odile Marchal : Et les enfants, que faisaient-ils à la veillée ?
"""
SRT_BAD_LINE = 14  # the timing line of cue 4

WHISPERX = {
    "segments": [
        {"start": 0.5, "end": 4.0, "text": " Prosper, depuis quand réparez-vous les métiers à filer ?",
         "speaker": "SPEAKER_00",
         "words": [{"word": "Prosper,", "start": 0.5, "end": 1.0, "score": 0.9, "speaker": "SPEAKER_00"}]},
        {"start": 4.2, "end": 9.75, "text": " Depuis la grève des bobineuses, en soixante-huit.",
         "speaker": "SPEAKER_01"},
        {"start": 9.75, "end": 15.0, "text": " Le graissage des navettes, c'était mon affaire.",
         "speaker": "SPEAKER_01"},
    ],
    "word_segments": [],
}

TRANSCRIPTS = {
    "transcripts/carpentier.vtt": "webvtt",
    "transcripts/veillee.srt": "srt",
    "transcripts/bobinage.json": "whisperx",
}


def page_recording_id() -> str:
    """The id the parser gives the Carpentier interview of the fixture page."""
    html = (PAGES / "corons.html").read_text(encoding="utf-8")
    source = PageSource("corons", PAGE_URL, "la mémoire des corons", "pages/corons.html")
    result = parse_page(html, source, Corpus(root=PAGES), source.file)
    [rec] = [r for r in result.recordings if r.guests and r.guests[0].name == "Mélodie Carpentier"]
    return rec.id


PAGE_REC = page_recording_id()


def make_corpus(root: Path, people=None, bobinage_extra=None) -> Path:
    (root / "pages").mkdir(parents=True)
    (root / "transcripts").mkdir()
    shutil.copy(PAGES / "corons.html", root / "pages" / "corons.html")
    (root / "transcripts" / "carpentier.vtt").write_text(VTT, encoding="utf-8")
    (root / "transcripts" / "veillee.srt").write_text(SRT, encoding="utf-8")
    (root / "transcripts" / "bobinage.json").write_text(json.dumps(WHISPERX, ensure_ascii=False), encoding="utf-8")
    bobinage = {
        "title": "L'atelier de bobinage",
        "date": "2021",
        "theme": "Mémoire ouvrière",
        "transcript": "transcripts/bobinage.json",
        "speaker_labels": {"SPEAKER_00": "Odile Marchal", "SPEAKER_01": "Prosper Lefebvre"},
        **(bobinage_extra or {}),
    }
    description = {
        "site": "https://example.org/",
        "pages": [{"id": "corons", "url": PAGE_URL, "title": "la mémoire des corons", "file": "pages/corons.html"}],
        "people": people or [],
        "recordings": {
            PAGE_REC: {"transcript": "transcripts/carpentier.vtt"},
            "veillee-tisserands": {
                "title": "La veillée des tisserands",
                "date": "5 novembre 2022",
                "theme": "Mémoire ouvrière",
                "speakers": [{"name": "Hortense Vandamme", "role": "tisserande"},
                             {"name": "Odile Marchal", "interviewer": True}],
                "transcript": "transcripts/veillee.srt",
            },
            "atelier-bobinage": bobinage,
        },
    }
    (root / "corpus.yaml").write_text(yaml.safe_dump(description, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    return root


@pytest.fixture
def corpus_dir(tmp_path):
    return make_corpus(tmp_path / "corpus")


@pytest.fixture
def records(corpus_dir):
    return read_corpus(corpus_dir)


@pytest.fixture
def index_dir(corpus_dir, tmp_path):
    index = tmp_path / "var" / "index"
    build_index(corpus_dir, index)
    return index


def recording(records, rec_id):
    [rec] = [r for r in records.recordings if r.id == rec_id]
    return rec


def verbatim(rec):
    return [(p.speaker, p.interviewer, p.start, p.end, p.text) for p in rec.passages if p.verbatim]


def run(corpus_dir, index_dir, *args):
    return invoke_cli(corpus_dir, index_dir, *args)


# --------------------------------------------------------------------------- records


def test_page_recording_id_is_stable():
    assert PAGE_REC == "corons-fanfare-cite-glycines-melodie-carpentier"


def test_page_recording_completed_by_its_transcript(records):
    rec = recording(records, PAGE_REC)
    assert rec.transcript == "transcripts/carpentier.vtt"
    assert rec.source == "pages/corons.html" and rec.audio_url == "https://example.org/audio/carpentier.mp3"
    # The page's editorial passages first, the words spoken after them, in one recording.
    assert [(p.label, p.verbatim) for p in rec.passages] == [
        ("présentation", False), ("résumé", False), ("transcription", True), ("transcription", True)]
    assert all(p.start is None and p.speaker is None for p in rec.passages[:2])
    assert verbatim(rec) == [
        ("Odile Marchal", True, 1.0, 5.0, "Mélodie, comment est née la fanfare des Glycines ?"),
        ("Mélodie Carpentier", False, 5.0, 16.0,
         "Elle est née d'une querelle de trombonistes au café du Coron. "
         "Le saxhorn baryton est arrivé plus tard, avec le curé."),
    ]
    assert rec.passages[3].cues == [(5.0, 11.5), (11.5, 16.0)]
    # The page's speakers are kept, not duplicated by the transcript's.
    assert [(s.name, s.interviewer) for s in rec.speakers] == [("Mélodie Carpentier", False), ("Odile Marchal", True)]


def test_transcript_only_recording_from_corpus_yaml(records):
    rec = recording(records, "veillee-tisserands")
    assert (rec.title, rec.theme, rec.date, rec.date_label) == (
        "La veillée des tisserands", "Mémoire ouvrière", "2022-11-05", "5 novembre 2022")
    assert (rec.media, rec.kind, rec.source, rec.transcript) == ("audio", "entretien", "corpus.yaml",
                                                                   "transcripts/veillee.srt")
    assert [(s.name, s.role, s.interviewer) for s in rec.speakers] == [
        ("Hortense Vandamme", "tisserande", False), ("Odile Marchal", None, True)]
    assert verbatim(rec) == [
        ("Odile Marchal", True, 2.0, 6.0, "Hortense, que tissiez-vous à la veillée ?"),
        ("Hortense Vandamme", False, 6.0, 18.0,
         "Des mouchoirs brodés de coquelicots, pour la Saint-Éloi. Ma grand-mère chantait la complainte du navetteur."),
        ("Odile Marchal", True, 21.0, 25.5, "Et les enfants, que faisaient-ils à la veillée ?"),
    ]
    assert all(p.label == "transcription" for p in rec.passages)


def test_whisperx_speaker_labels_mapped_to_people(records):
    rec = recording(records, "atelier-bobinage")
    assert (rec.title, rec.date, rec.transcript) == ("L'atelier de bobinage", "2021", "transcripts/bobinage.json")
    assert [(p.speaker, p.start, p.end) for p in rec.passages] == [
        ("Odile Marchal", 0.5, 4.0), ("Prosper Lefebvre", 4.2, 15.0)]
    assert all(p.verbatim and p.label == "transcription" for p in rec.passages)
    assert not any(p.speaker and p.speaker.startswith("SPEAKER_") for p in rec.passages)
    assert {s.name for s in rec.speakers} == {"Odile Marchal", "Prosper Lefebvre"}


def test_whisperx_interviewer_named_in_yaml_is_marked(tmp_path):
    root = make_corpus(tmp_path / "c", bobinage_extra={"interviewer": "Odile Marchal"})
    rec = recording(read_corpus(root), "atelier-bobinage")
    assert [(p.speaker, p.interviewer) for p in rec.passages] == [("Odile Marchal", True), ("Prosper Lefebvre", False)]


def test_interviewer_known_from_people_marks_transcript_passages(tmp_path):
    # corpus.yaml's people say Odile Marchal is an interviewer: the recording lists her
    # as one, and her transcribed questions must be marked as the interviewer's too.
    root = make_corpus(tmp_path / "c", people=[{"name": "Odile Marchal", "interviewer": True}])
    rec = recording(read_corpus(root), "atelier-bobinage")
    assert [(s.name, s.interviewer) for s in rec.speakers] == [("Odile Marchal", True), ("Prosper Lefebvre", False)]
    assert [(p.speaker, p.interviewer) for p in rec.passages] == [("Odile Marchal", True), ("Prosper Lefebvre", False)]


def test_transcript_labels_spelled_as_aliases_get_the_canonical_name(tmp_path):
    root = tmp_path / "c"
    (root / "transcripts").mkdir(parents=True)
    (root / "transcripts" / "ducasse.srt").write_text(
        "1\n00:00:01,000 --> 00:00:04,000\nODILE : Et la ducasse, Hortense ?\n\n"
        "2\n00:00:04,000 --> 00:00:08,000\nHORTENSE VANDAMME : On dansait sur la place.\n", encoding="utf-8")
    (root / "corpus.yaml").write_text(yaml.safe_dump({
        "people": [{"name": "Odile Marchal", "aliases": ["ODILE"]}],
        "recordings": {"ducasse": {"title": "La ducasse", "transcript": "transcripts/ducasse.srt",
                                   "interviewer": "Odile Marchal"}},
    }, allow_unicode=True), encoding="utf-8")
    rec = recording(read_corpus(root), "ducasse")
    speakers = [s.name for s in rec.speakers]
    # An alias gives the person's name; an unknown name is shown as the file writes it (issue 11).
    assert speakers == ["Odile Marchal", "HORTENSE VANDAMME"]
    # The passages name the same people as the recording (the Intervenant facet and filter use them).
    assert [(p.speaker, p.interviewer) for p in rec.passages] == [("Odile Marchal", True), ("HORTENSE VANDAMME", False)]


def test_counts_reconcile_for_every_transcript(corpus_dir, records):
    for rel, fmt in TRANSCRIPTS.items():
        transcript = read_transcript(corpus_dir / rel)
        assert transcript.format == fmt
        [rec] = [r for r in records.recordings if r.transcript == rel]
        in_passages = sum(len(p.cues) for p in rec.passages if p.verbatim)
        reported = [p for p in records.problems if p.file == rel and p.severity == "error"]
        assert transcript.cues_read == in_passages + len(reported), rel
        stats = records.formats[fmt]
        assert (stats.files, stats.cues_read, stats.cues_indexed, stats.skipped) == (
            1, transcript.cues_read, in_passages, len(reported))
    assert {fmt: (s.cues_read, s.cues_indexed, s.skipped, s.passages) for fmt, s in records.formats.items()} == {
        "webvtt": (3, 3, 0, 2), "srt": (5, 4, 1, 3), "whisperx": (3, 3, 0, 2)}
    [bad] = [p for p in records.problems if p.severity == "error"]
    assert (bad.file, bad.line) == ("transcripts/veillee.srt", SRT_BAD_LINE)
    assert "00:00:18,000 -> 00:00:21,000" in bad.reason


# --------------------------------------------------------------------------- CLI


def test_check_lists_the_malformed_cue_and_fails(corpus_dir, tmp_path):
    result = run(corpus_dir, tmp_path / "index", "check")
    assert result.exit_code == 1
    assert re.search(rf"^  transcripts/veillee\.srt:{SRT_BAD_LINE}: error: ligne de temps illisible", result.output,
                     re.M)
    assert f"[audio] {PAGE_REC}  (pages/corons.html:" in result.output
    assert "transcription : transcripts/carpentier.vtt (2 passages verbatim)" in result.output
    assert "[audio] veillee-tisserands  (corpus.yaml)" in result.output
    assert "Transcriptions srt : 1 fichiers, 5 segments lus, 4 indexés, 1 écartés, 3 passages" in result.output
    assert "1 erreur(s)" in result.output
    assert not (tmp_path / "index").exists()  # check never writes an index


def test_index_indexes_the_rest_and_prints_a_summary_per_format(corpus_dir, tmp_path):
    index = tmp_path / "index"
    result = run(corpus_dir, index, "index")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  srt      1 fichiers, 5 segments lus, 4 indexés, 1 écartés, 3 passages" in lines
    assert "  webvtt   1 fichiers, 3 segments lus, 3 indexés, 0 écartés, 2 passages" in lines
    assert "  whisperx 1 fichiers, 3 segments lus, 3 indexés, 0 écartés, 2 passages" in lines
    assert "Pages : 1 ; transcriptions : 3 fichiers" in lines
    assert any(re.match(rf"  transcripts/veillee\.srt:{SRT_BAD_LINE}: error: ", line) for line in lines)
    # The well-formed cues around the bad one are searchable.
    service = SearchService(index)
    doc = service.search(SearchParams(q="complainte navetteur"))
    assert [r["recording"]["id"] for r in doc["results"]] == ["veillee-tisserands"]
    assert service.search(SearchParams(q="faisaient enfants"))["total"] == 1
    assert service.search(SearchParams(q="mal écrite"))["total"] == 0


def test_recording_view_has_summary_and_verbatim_side_by_side(index_dir):
    rec = SearchService(index_dir).recording(PAGE_REC)
    assert rec["transcript"] == "transcripts/carpentier.vtt"
    assert [(p["n"], p["label"], p["verbatim"], p["start"]) for p in rec["passages"]] == [
        (0, "présentation", False, None), (1, "résumé", False, None),
        (2, "transcription", True, 1.0), (3, "transcription", True, 5.0)]


def test_search_by_speaker_gives_timed_verbatim_passages_with_links(corpus_dir, index_dir):
    result = run(corpus_dir, index_dir, "search", "navettes", "--speaker", "Prosper Lefebvre", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["total"] == 1
    [hit] = doc["results"]
    assert hit["recording"]["id"] == "atelier-bobinage"
    [passage] = hit["passages"]
    assert (passage["speaker"], passage["verbatim"], passage["start"], passage["end"]) == (
        "Prosper Lefebvre", True, 4.2, 15.0)
    assert "<mark>navettes</mark>" in passage["snippet"]
    link = urlsplit(passage["link"])
    assert link.path == "/enregistrement/atelier-bobinage"
    assert parse_qs(link.query)["t"] == ["9.75,15"]  # opens the recording at the cue holding the word
    assert passage["link"].startswith("http://127.0.0.1:5000/enregistrement/atelier-bobinage?t=")

    # --speaker narrows to that person's words: Odile's question about the same recording is left out.
    both = json.loads(run(corpus_dir, index_dir, "search", "métiers OR navettes", "--json").output)
    assert {p["speaker"] for r in both["results"] if r["recording"]["id"] == "atelier-bobinage"
            for p in r["passages"]} == {"Odile Marchal", "Prosper Lefebvre"}


def test_search_filters_a_page_recording_by_its_transcript_speaker(corpus_dir, index_dir):
    doc = json.loads(run(corpus_dir, index_dir, "search", "trombonistes", "--speaker", "Mélodie Carpentier",
                         "--json", "--base-url", "https://recherche.example.org").output)
    [hit] = doc["results"]
    [passage] = hit["passages"]
    assert (passage["start"], passage["end"], passage["verbatim"]) == (5.0, 16.0, True)
    assert passage["link"].startswith(f"https://recherche.example.org/enregistrement/{PAGE_REC}?t=5,16")


def test_citations_leave_out_the_interviewer(index_dir):
    service = SearchService(index_dir)
    results = service.search(SearchParams(q="veillée"))
    speakers = {(p["speaker"], p["interviewer"]) for r in results["results"] for p in r["passages"]}
    assert ("Odile Marchal", True) in speakers  # her question matches "veillée" ...
    # ... but is no quote; and Hortense never says "veillée" (only the title does): no quote at all.
    assert service.search(SearchParams(q="veillée", mode="citations"))["passages"] == []
    citations = service.search(SearchParams(q="veillée OU mouchoirs", mode="citations"))
    assert citations["passages"], citations
    assert all(p["verbatim"] and not p["interviewer"] for p in citations["passages"])
    assert [p["speaker"] for p in citations["passages"]] == ["Hortense Vandamme"]
    assert "<mark>mouchoirs</mark>" in citations["passages"][0]["snippet"]


def test_citations_leave_out_an_interviewer_known_from_people(tmp_path):
    root = make_corpus(tmp_path / "c", people=[{"name": "Odile Marchal", "interviewer": True}])
    index = tmp_path / "index"
    build_index(root, index)
    citations = SearchService(index).search(SearchParams(q="métiers filer", mode="citations"))
    assert [p["speaker"] for p in citations["passages"]] == []


def test_recordings_come_one_at_a_time_complete_and_in_order(corpus_dir):
    """The build indexes each recording as soon as it is read (CorpusReading): the same
    recordings as read_corpus, in the same order, each already complete when it comes
    (a page recording after its transcript is attached), their number known before."""
    import copy

    from indexer.sources import CorpusReading

    whole = read_corpus(corpus_dir)
    reading = CorpusReading(corpus_dir)
    assert reading.count == len(whole.recordings) > 2
    as_they_came = [copy.deepcopy(rec) for rec in reading.recordings]
    assert as_they_came == whole.recordings == reading.records.recordings
    assert any(rec.source != "corpus.yaml" and rec.transcript for rec in as_they_came)  # a page's, completed
    assert reading.records.problems == whole.problems
    assert reading.records.files == whole.files
    assert reading.records.formats == whole.formats
