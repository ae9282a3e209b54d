"""Hostile content inside corpus files: work that grew with the square of the input,
absurd timecodes, duplicate ids and file names that are not UTF-8.

Fixtures are generated here (invented words). Work is bounded with an alarm:
a test fails if the code under test does not finish, never on how long it took.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

import conftest
from indexer.analysis import FRENCH
from indexer.highlight import Match, find_matches, snippet
from indexer.records import Cue
from indexer.search import SearchParams, SearchService
from indexer.sources import read_corpus
from indexer.transcripts import passages_from_cues, read_transcript
from indexer.transcripts.passages import MAX_PASSAGE_CHARS

REPO = Path(__file__).resolve().parent.parent
BOUND = 120  # seconds: the quadratic versions needed minutes to hours here; the linear ones, about a second


@contextmanager
def must_finish(seconds: int = BOUND):
    def give_up(signum, frame):
        raise TimeoutError(f"not finished after {seconds} s: the work is not bounded")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(corpus: Path, index: Path, *args: str) -> subprocess.CompletedProcess:
    return conftest.run_cli(corpus, index, *args, timeout=BOUND)


def term(word: str) -> str:
    return next(iter(FRENCH(word, mode="query"))).text


# --------------------------------------------------------------------------- passages


def test_a_hundred_thousand_cues_at_the_same_instant_make_bounded_passages():
    cues = [Cue(5.0, 5.0, f"mot{i % 7}", "GASTON", i + 1) for i in range(100_000)]
    with must_finish():
        passages = passages_from_cues(cues)
    assert sum(len(p.cues) for p in passages) == len(cues)  # nothing lost
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)
    assert passages[0].line == 1 and passages[1].line == passages[0].line + len(passages[0].cues)


def test_a_huge_cue_is_cut_into_passages_and_reported(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "transcripts").mkdir(parents=True)
    words = 300_000
    (corpus / "transcripts" / "fleuve.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour Gaston.\n\n"
        "00:00:02.000 --> 00:00:09.000\n" + "bobine " * words + "\n", encoding="utf-8")
    (corpus / "corpus.yaml").write_text("recordings:\n  fleuve:\n    title: Un fleuve de mots\n"
                                        "    transcript: transcripts/fleuve.vtt\n", encoding="utf-8")
    with must_finish():
        records = read_corpus(corpus)
    [rec] = records.recordings
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in rec.passages)
    assert sum(p.text.count("bobine") for p in rec.passages) == words  # every word kept
    assert all((p.start, p.end) == (2.0, 9.0) for p in rec.passages[1:])
    [warning] = [p for p in records.problems if "découpé" in p.reason]
    assert (warning.file, warning.line, warning.severity) == ("transcripts/fleuve.vtt", 6, "warning")


# --------------------------------------------------------------------------- snippets


def test_a_ten_megabyte_passage_gives_a_snippet_in_bounded_work():
    text = "charbon " * 1_250_000
    with must_finish():
        matches = find_matches(text, {term("charbon")})
        html = snippet(text, matches)
    assert "<mark>charbon</mark>" in html and len(html) < 2_000


def test_the_densest_window_is_found_in_one_pass_over_many_matches():
    sparse = "abcdefghi " * 150_000  # a match every 10 characters, as an old index's long passage could give
    text = sparse + "mine " * 60 + "fin"
    matches = [Match(i, i + 9) for i in range(0, len(sparse), 10)]
    matches += [Match(len(sparse) + i, len(sparse) + i + 4) for i in range(0, 300, 5)]  # twice as dense
    with must_finish():
        html = snippet(text, matches)
    assert html.count("<mark>mine</mark>") >= 40 and html.count("abcdefghi") <= 4


@pytest.mark.parametrize("name, payload", [
    ("chevrons.vtt", "<" * 400_000),
    ("voix.vtt", "<v " * 150_000),
    ("classes.vtt", "<v." * 150_000),
    ("chevrons.srt", "<" * 400_000),
    ("accolades.srt", "{\\" * 200_000),
])
def test_markup_that_never_closes_is_read_in_one_pass(tmp_path, name, payload):
    path = tmp_path / name
    header, comma = ("WEBVTT\n\n", ".") if name.endswith(".vtt") else ("", ",")
    path.write_text(f"{header}00:00:01{comma}000 --> 00:00:02{comma}000\nUn métier {payload} à tisser.\n\n"
                    f"00:00:03{comma}000 --> 00:00:04{comma}000\nLa navette.\n", encoding="utf-8")
    with must_finish():
        transcript = read_transcript(path)
    assert transcript.readable and transcript.cues[-1].text == "La navette."
    assert "métier" in transcript.cues[0].text


@pytest.mark.parametrize("name, content", [
    ("espaces.srt", "1\n00:00:01,000 --> 00:00:02,000\n" + " " * 300_000 + "Gaston parle\n\n"
                    "2\n00:00:03,000 --> 00:00:04,000\nLa navette.\n"),
    ("espaces.txt", "00:01 Gaston" + " " * 300_000 + "parle\n" + " " * 300_000 + "suite\n"
                    "[" + " " * 300_000 + "00:02] début\n00:03 La navette.\n"),
])
def test_long_runs_of_spaces_are_read_in_one_pass(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with must_finish():
        transcript = read_transcript(path)
    assert transcript.readable and transcript.cues[-1].text == "La navette."
    assert transcript.cues[0].text.startswith("Gaston parle")


# --------------------------------------------------------------------------- timecodes


BIG_HOURS = "7" * 450


@pytest.mark.parametrize("name, content, bad_line", [
    ("heures.vtt", f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nun\n\n{BIG_HOURS}:00:00.000 --> {BIG_HOURS}:00:01.000\n"
                   "deux\n\n00:00:03.000 --> 00:00:04.000\ntrois\n", 6),
    ("heures.srt", f"1\n00:00:01,000 --> 00:00:02,000\nun\n\n2\n{BIG_HOURS}:00:00,000 --> 00:00:01,000\ndeux\n\n"
                   "3\n00:00:03,000 --> 00:00:04,000\ntrois\n", 6),
    ("heures.vtt", f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nun\n\n{'9' * 5000}:00:00.000 --> 00:00:01.000\n"
                   "deux\n\n00:00:03.000 --> 00:00:04.000\ntrois\n", 6),
])
def test_hours_of_hundreds_of_digits_skip_the_cue_and_keep_the_rest(tmp_path, name, content, bad_line):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    transcript = read_transcript(path)
    assert [cue.text for cue in transcript.cues] == ["un", "trois"]
    [error] = transcript.problems
    assert error.line == bad_line and "horodatage impossible" in error.reason and len(error.reason) < 120


def test_a_json_number_of_thousands_of_digits_skips_its_segment_only(tmp_path):
    path = tmp_path / "nombres.json"
    segments = '[{"start": 1, "end": 2, "text": "un"},\n {"start": %s, "end": 2, "text": "deux"},\n' \
               ' {"start": 3, "end": 4, "text": "trois"}]' % ("1" * 5000)
    path.write_text('{"segments": %s}' % segments, encoding="utf-8")
    transcript = read_transcript(path)
    assert transcript.readable and [cue.text for cue in transcript.cues] == ["un", "trois"]
    assert len([p for p in transcript.problems if p.severity == "error"]) == 1


# --------------------------------------------------------------------------- duplicate ids


def test_duplicate_recording_keys_and_page_ids_are_reported_with_their_line(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "pages").mkdir(parents=True)
    (corpus / "pages" / "economie.txt").write_bytes((REPO / "corpus" / "pages" / "economie.txt").read_bytes())
    (corpus / "corpus.yaml").write_text("""site: https://example.org/
pages:
  - id: economie
    file: pages/economie.txt
  - id: economie
    file: pages/autre.txt
recordings:
  veillee:
    title: La première veillée
  veillee:
    title: La seconde veillée
    title: Un titre répété
places: [Lens]
places: [Liévin]
""", encoding="utf-8")
    records = read_corpus(corpus)
    found = {(p.line, p.severity): p.reason for p in records.problems if p.file == "corpus.yaml"}
    assert "« economie »" in found[(5, "error")] and "ligne 3" in found[(5, "error")]
    assert "« veillee » est décrit deux fois" in found[(10, "error")]
    assert "« recordings.veillee.title » en double" in found[(12, "warning")]
    assert "« places » en double" in found[(14, "error")]
    result = run_cli(corpus, tmp_path / "index", "check")
    assert result.returncode == 1
    assert "corpus.yaml:5: error:" in result.stdout and "corpus.yaml:10: error:" in result.stdout


# --------------------------------------------------------------------------- file names that are not UTF-8


def test_a_file_name_that_is_not_utf8_does_not_stop_the_index(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "transcripts").mkdir(parents=True)
    (corpus / "transcripts" / "veillee.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nLa navette file sur le métier.\n", encoding="utf-8")
    (corpus / "transcripts" / os.fsdecode(b"notes-\xe9t\xe9.vtt")).write_text("WEBVTT\n", encoding="utf-8")
    (corpus / "corpus.yaml").write_text(
        "recordings:\n  veillee:\n    title: La veillée\n    transcript: transcripts/veillee.vtt\n", encoding="utf-8")
    index = tmp_path / "index"
    built = run_cli(corpus, index, "index")
    assert built.returncode == 0, built.stderr
    assert SearchService(index).search(SearchParams(q="navette"))["total"] == 1
    assert run_cli(corpus, index, "index", "--if-stale").stdout.startswith("Index à jour")


def test_page_files_that_are_not_utf8_are_named_without_corpus_yaml(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "pages").mkdir(parents=True)
    page = (REPO / "corpus" / "pages" / "economie.txt").read_bytes()
    (corpus / "pages" / "economie.txt").write_bytes(page)
    (corpus / "pages" / os.fsdecode(b"caf\xe9.txt")).write_bytes(page)
    index = tmp_path / "index"
    check = run_cli(corpus, index, "check")
    assert "caf\\xe9.txt" in check.stdout and "UTF-8" in check.stdout and check.returncode == 1
    built = run_cli(corpus, index, "index")
    assert built.returncode == 0, built.stderr
    assert SearchService(index).search(SearchParams(q="grisou"))["total"] >= 1


def test_a_huge_page_paragraph_becomes_bounded_passages_and_is_reported(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "pages").mkdir(parents=True)
    words = 200_000
    page = (REPO / "corpus" / "pages" / "economie.txt").read_text(encoding="utf-8")
    page = page.replace("\n", "\nLes terrils " + "gravelotte " * words + "\n", 1)  # in the page's introduction
    (corpus / "pages" / "economie.txt").write_text(page, encoding="utf-8")
    (corpus / "corpus.yaml").write_text("pages:\n  - id: economie\n    file: pages/economie.txt\n", encoding="utf-8")
    with must_finish():
        records = read_corpus(corpus)
    passages = [p for rec in records.recordings for p in rec.passages]
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)
    assert sum(p.text.count("gravelotte") for p in passages) == words
    assert any(p.file == "pages/economie.txt" and "découpé" in p.reason for p in records.problems)


def test_corpus_yaml_lines_are_known_down_to_a_speaker_label(tmp_path):
    from indexer.corpus import load_corpus

    (tmp_path / "corpus.yaml").write_text("recordings:\n  veillee:\n    title: La veillée\n"
                                          "    speaker_labels:\n      SPEAKER_00: Gaston\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert corpus.line("recordings.veillee") == 2 and corpus.line("recordings.veillee.title") == 3
    assert corpus.line("recordings.veillee.speaker_labels.SPEAKER_00") == 5
    assert corpus.line("recordings.veillee.audio") == 2  # a key it does not have: the entry's line
