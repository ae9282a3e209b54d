"""`artoiscast transcribe`: the real model (Whisper base from its PyPI packages) on real speech
(espeak-ng sentences joined by sox, each sentence's start known).

What holds is asserted - times, the words the model reliably recovers, provenance,
resume, bad files reported while the others go on. Word error rate and the effect of
priming are measured by bench/asr_benchmark.py and reported in docs/transcription.md.
"""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asr_fixtures import model, model_cache, speech, corpus, one_job, transcripts, add_transcript  # noqa: F401  (pytest fixtures)
from indexer import transcribe as asr
from indexer.corpus.auto_transcripts import LOW_PROBABILITY, uncertain_spans
from indexer.build import build_index, update_index
from indexer.cli import main
from indexer.records import Recording
from indexer.search import SearchParams, SearchService
from indexer.speech import whisper_model
from indexer.sources import read_corpus
from webapp import create_app

pytestmark = pytest.mark.asr

# --------------------------------------------------------------------------- the model itself


def test_packaged_model_is_assembled_once_and_checked(model_cache, model):
    folder = Path(whisper_model.resolve_model("base", model_cache))
    assert folder.parent == model_cache
    assert {p.name for p in folder.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    assert whisper_model.resolve_model("base", model_cache) == str(folder)  # reused, not assembled again


def test_a_corrupted_part_is_refused(tmp_path, monkeypatch):
    spec = whisper_model.PACKAGED_MODELS["base"]
    bad = whisper_model.PackagedModel(spec.parts, "0" * 64, spec.files_from)
    monkeypatch.setitem(whisper_model.PACKAGED_MODELS, "base", bad)
    with pytest.raises(whisper_model.TranscribeError, match="sha256"):
        whisper_model.resolve_model("base", tmp_path)
    assert not any(tmp_path.iterdir())  # nothing half-written left in the cache


@pytest.mark.slow
def test_segments_and_words_start_when_the_sentences_do(corpus, speech, model):
    job, corpus_info = one_job(corpus, "emission-bassin")
    result = asr.transcribe_file(model, job, corpus_info, asr.Options())
    assert result.status == "done"
    data = json.loads(job.output.read_text(encoding="utf-8"))
    truth = speech["emission-bassin"]
    starts = [segment["start"] for segment in data["segments"]]
    # Every sentence starts a segment (the model cuts a segment after a pause) …
    for start in truth.starts:
        assert min(abs(s - start) for s in starts) <= 0.5, (start, starts)
    # … and no segment or word starts in a silence.
    for word in [w["start"] for s in data["segments"] for w in s["words"]] + starts:
        assert any(s - 0.5 <= word <= e for s, e in zip(truth.starts, truth.ends)), (word, truth.starts)
    words = data["segments"][0]["words"]
    assert all(0 <= w["probability"] <= 1 and w["start"] <= w["end"] for w in words)
    assert data["provenance"]["automatic"] is True and data["provenance"]["model"] == "whisper-base"
    assert not job.partial.exists()


def test_priming_terms_come_from_the_corpus_and_the_recording():
    from indexer.corpus import Corpus, Organisation
    from indexer.records import Speaker

    corpus = Corpus(root=Path("."), places=["Liévin", "Lens"], thesaurus=[["PMA", "Pôle Métropolitain"]],
                    organisations=[Organisation("Maison des Mineurs", ["MDM", "la maison"])])
    rec = Recording(id="x", title="t", speakers=[Speaker("Odile Warembourg", organisation="Coopérative des Terrils")])
    terms = asr.vocabulary_terms(corpus, rec)
    assert terms[:2] == ["Odile Warembourg", "Coopérative des Terrils"]
    assert {"Liévin", "Lens", "Maison des Mineurs", "MDM", "PMA"} <= set(terms)
    assert "la maison" not in terms and "Pôle Métropolitain" not in terms
    assert len(asr.priming_text(terms * 100)) <= asr.PROMPT_CHARS


# --------------------------------------------------------------------------- long work


@pytest.mark.slow
def test_an_interrupted_run_resumes_after_the_last_segment_written(corpus, speech, model):
    job, corpus_info = one_job(corpus, "emission-bassin")
    truth = speech["emission-bassin"]
    stopped = asr.transcribe_file(model, job, corpus_info, asr.Options(), stop_after=truth.ends[0])
    assert stopped.status == "interrupted" and not job.output.exists()
    # The resume file: a header, the first pass (speech and voices), then one line per decoded unit.
    lines = job.partial.read_text(encoding="utf-8").splitlines()
    written = [json.loads(line) for line in lines[2:]]
    assert written and written[-1]["end"] < truth.ends[-1]
    # Mark what was written, to see that the restart keeps it rather than doing it again.
    written[0]["segments"][0]["text"] = "DÉJÀ FAIT " + written[0]["segments"][0]["text"]
    job.partial.write_text("\n".join(lines[:2] + [json.dumps(s, ensure_ascii=False) for s in written]) + "\n",
                           encoding="utf-8")
    seen = []
    resumed = asr.transcribe_file(model, job, corpus_info, asr.Options(), progress=lambda d, t: seen.append(d))
    assert resumed.status == "done"
    assert seen[0] == pytest.approx(written[-1]["end"])  # the progress starts where the first run stopped
    segments = json.loads(job.output.read_text(encoding="utf-8"))["segments"]
    assert segments[0]["text"].startswith("DÉJÀ FAIT ")
    # The rest is there, at the right times, and nothing was done twice.
    assert min(abs(s["start"] - truth.starts[-1]) for s in segments) <= 0.5, (truth.starts, written, segments)
    assert all(a["end"] <= b["start"] + 0.01 for a, b in zip(segments, segments[1:]))


def test_a_partial_file_of_other_audio_is_not_reused(corpus, model):
    job, corpus_info = one_job(corpus, "reportage-puits")
    job.partial.parent.mkdir(parents=True, exist_ok=True)
    job.partial.write_text(json.dumps({"audio": {"file": "autre.wav"}}) + "\n"
                           + json.dumps({"start": 0, "end": 99, "text": "AUTRE", "words": []}) + "\n")
    asr.transcribe_file(model, job, corpus_info, asr.Options())
    assert "AUTRE" not in job.output.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the command, then search


@pytest.mark.slow
def test_transcribe_reports_bad_files_and_goes_on_then_update_makes_it_searchable(corpus, speech, tmp_path,
                                                                                  model_cache, monkeypatch):
    monkeypatch.setattr(whisper_model, "default_cache_dir", lambda: model_cache)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    runner = CliRunner()
    result = runner.invoke(main, ["--corpus", str(corpus), "--index", str(index_dir), "transcribe",
                                  "--device", "cpu", "--compute-type", "int8"])
    assert result.exit_code == 1, result.output  # two files failed …
    assert "silence-seul : silence-seul.wav : aucune parole détectée" in result.output
    assert "fichier-abime : fichier-abime.wav : fichier audio illisible" in result.output
    assert "Terminé : 2 transcrit(s) (0 avec de la parole restée sans texte), 2 en échec" in result.output
    auto = corpus / "transcripts" / "auto"
    assert sorted(p.name for p in auto.glob("*.json")) == ["emission-bassin.json", "reportage-puits.json"]

    again = runner.invoke(main, ["--corpus", str(corpus), "transcribe", "emission-bassin"])
    assert "déjà transcrit" in again.output and "--force" in again.output

    check = runner.invoke(main, ["--corpus", str(corpus), "check"])
    assert "transcription : transcripts/auto/emission-bassin.json" in check.output
    assert "automatique non relue : whisper-base" in check.output

    updated = update_index(corpus, index_dir)
    assert not updated.full and updated.replaced == {"emission-bassin", "reportage-puits"}
    service = SearchService(index_dir)
    doc = service.search(SearchParams.from_args({"q": "merci beaucoup", "mode": "citations"}))
    assert [p["recording_id"] for p in doc["passages"]] == ["emission-bassin"]
    passage = doc["passages"][0]
    assert passage["automatic"]["model"] == "whisper-base" and passage["automatic"]["date"]
    assert passage["speaker"] is None  # no diarization: nobody is named
    # The passage (one 30-second window of the turn) starts when the speech does; its
    # cues keep each sentence's time.
    assert passage["start"] == pytest.approx(speech["emission-bassin"].starts[0], abs=0.5)
    assert min(abs(cue[0] - speech["emission-bassin"].starts[-1]) for cue in passage["cues"]) <= 0.5
    # Its link opens the audio at the phrase's first word (the word times of the model), not at the
    # passage start 17 s earlier: within 1 s before the words (a few hundredths late at worst).
    said = speech["emission-bassin"].starts[-1]
    assert said - 1.0 <= passage["at"] <= said + 0.2, (passage["at"], said)
    assert f"t={passage['at']:g}" in passage["link"]
    printed = runner.invoke(main, ["--corpus", str(corpus), "--index", str(index_dir), "search", "merci", "beaucoup"])
    assert "[transcription automatique non relue, whisper-base]" in printed.output


@pytest.mark.slow
def test_a_human_transcript_replaces_the_automatic_one(corpus, model):
    job, corpus_info = one_job(corpus, "reportage-puits")
    asr.transcribe_file(model, job, corpus_info, asr.Options())
    records = read_corpus(corpus)
    rec = next(r for r in records.recordings if r.id == "reportage-puits")
    assert rec.automatic and rec.transcript == "transcripts/auto/reportage-puits.json"
    (corpus / "transcripts" / "humain.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.600\nLes habitants racontent la fermeture des puits.\n", encoding="utf-8")
    text = (corpus / "corpus.yaml").read_text(encoding="utf-8").replace(
        "    audio: audio/reportage-puits.wav\n",
        "    audio: audio/reportage-puits.wav\n    transcript: transcripts/humain.vtt\n")
    (corpus / "corpus.yaml").write_text(text, encoding="utf-8")
    rec = next(r for r in read_corpus(corpus).recordings if r.id == "reportage-puits")
    assert rec.automatic is None and rec.transcript == "transcripts/humain.vtt"
    assert [p.text for p in rec.passages if p.verbatim] == ["Les habitants racontent la fermeture des puits."]
    jobs, _ = asr.plan(read_corpus(corpus), [])
    assert "reportage-puits" not in [j.recording.id for j in jobs]


# --------------------------------------------------------------------------- provenance in the views


@pytest.fixture
def transcribed_app(corpus, tmp_path, transcripts):  # noqa: F811
    for rec_id in ("emission-bassin", "reportage-puits"):
        add_transcript(corpus, transcripts, rec_id)
    build_index(corpus, tmp_path / "index")
    return create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(corpus)})


@pytest.mark.slow
def test_provenance_shown_on_the_page_in_the_api_exports_and_citations(transcribed_app, corpus):
    client = transcribed_app.test_client()
    page = client.get("/enregistrement/emission-bassin").get_data(as_text=True)
    assert "Transcription automatique non relue" in page and "whisper-base" in page
    assert "locuteur non identifié" in page
    data = json.loads((corpus / "transcripts/auto/emission-bassin.json").read_text(encoding="utf-8"))
    unsure = [w for s in data["segments"] for w in s["words"] if w["probability"] < LOW_PROBABILITY]
    assert unsure, "the synthetic speech always leaves the model unsure of some words"
    assert page.count('<span class="incertain"') >= len(unsure) * 0.8
    first = unsure[0]["word"]
    assert f'title="mot incertain (reconnaissance automatique)">{first}' in page.replace("&#39;", "'")

    api = client.get("/api/search?q=merci+beaucoup&mode=citations").get_json()
    assert api["passages"][0]["automatic"]["model"] == "whisper-base"
    citations = client.get("/?q=merci+beaucoup&mode=citations").get_data(as_text=True)
    assert "transcription automatique non relue (whisper-base," in citations
    assert "locuteur non identifié" in citations
    assert "ne sont attribués à personne" in citations
    export = client.get("/export.csv?q=merci+beaucoup").get_data(as_text=True)
    assert "transcription automatique non relue (whisper-base" in export


# --------------------------------------------------------------------------- without the extra, and on a terminal


def test_without_the_extra_the_command_says_how_to_install_it(corpus, monkeypatch):
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # import fails as when it is not installed
    result = CliRunner().invoke(main, ["--corpus", str(corpus), "transcribe"])
    assert result.exit_code == 2
    assert "pip install -e '.[asr]'" in result.output


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_shows_minutes_real_time_factor_and_time_left(monkeypatch):
    clock = iter([0.0, 0.0, 30.0, 30.0, 60.0])
    monkeypatch.setattr(asr.time, "perf_counter", lambda: next(clock))
    screen = Terminal()
    line = asr.ProgressLine(total_seconds=1200, stream=screen)
    line.start_file("[1/2] emission")
    line.update(0, 600)
    line.update(300, 600)  # 300 s of audio in 30 s: 0.10× real time
    shown = screen.getvalue().split("\r")[-1]
    assert "[1/2] emission 5.0/10.0 min" in shown
    assert "0.10× temps réel" in shown and "reste 0.5 min" in shown
    assert "total 5.0/20.0 min, reste ~1.5 min" in shown
    quiet = io.StringIO()  # not a terminal: no progress line (the command prints one line per file)
    asr.ProgressLine(100, stream=quiet).update(10, 100)
    assert quiet.getvalue() == ""


def test_uncertain_words_are_found_as_whole_words_and_marked_with_the_query():
    from indexer.highlight import Match, mark_uncertain

    text = "Une émission où m'aimait le <terril>."
    spans = uncertain_spans(text, [(0.0, 5.0)], [(1.0, "m"), (2.0, "'aimait"), (9.0, "Une")])
    assert [text[a:b] for a, b in spans] == ["m", "'aimait"]  # not the "m" of "émission"; 9 s is outside
    html = mark_uncertain(text, [Match(text.index("m'"), text.index(" le"))], spans)
    assert html.count('class="incertain"') == 2 and html.count("<mark>") == 2
    assert "&lt;terril&gt;" in html  # still escaped
