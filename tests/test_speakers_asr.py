"""Who speaks, offline (issue 18, points 2 and 3): three synthetic interviews by one interviewer,
each guest a voice of its own (pitch and speed), two of them over a bed of noise or music.
`artoiscast transcribe` must find the speech, say what stayed without text, and name the voices
with no recording labelled by hand; then search, the speaker filter and citations mode work on
the automatic transcripts as on human ones.

espeak-ng's words are mostly misrecognised (~90 % WER): nothing here looks at the words, only at
times and voices, which is what synthetic speech is good for.
"""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from asr_fixtures import model, model_cache, one_job, speech  # noqa: F401  (pytest fixtures)
from bench.speech import INTERVIEWER, INTERVIEWS, synthesize, tools_missing
from indexer import transcribe as asr
from indexer.corpus.auto_transcripts import read_provenance
from indexer.speech import whisper_model
from indexer.build import build_index
from indexer.cli import main
from indexer.search import SearchParams, SearchService

pytestmark = [pytest.mark.asr, pytest.mark.slow]  # three interviews transcribed: a minute


@pytest.fixture(scope="module")
def transcribed(tmp_path_factory, model_cache):  # noqa: F811
    if tools_missing():
        pytest.fail("espeak-ng et sox manquent (make test les installe)")
    folder = tmp_path_factory.mktemp("interviews")
    corpus = folder / "corpus"
    (corpus / "audio").mkdir(parents=True)
    truth, entries = {}, []
    for rec_id, (guest, bed, sentences) in INTERVIEWS.items():
        made = synthesize(folder, rec_id, sentences, bed=bed)
        shutil.copy(made.path, corpus / "audio" / f"{rec_id}.wav")
        truth[rec_id] = made
        entries.append(f"  {rec_id}:\n    title: Entretien {rec_id}\n    audio: audio/{rec_id}.wav\n"
                       f"    speakers: [{guest}]\n")
    (corpus / "corpus.yaml").write_text(
        "site: https://exemple.invalid/\npages: []\npeople:\n"
        f"  - name: {INTERVIEWER}\n    interviewer: true\n    role: animateur\n"
        "recordings:\n" + "".join(entries), encoding="utf-8")
    original = whisper_model.default_cache_dir
    whisper_model.default_cache_dir = lambda: model_cache  # the model assembled once a session
    try:
        result = CliRunner().invoke(main, ["--corpus", str(corpus), "transcribe", "--device", "cpu",
                                           "--compute-type", "int8"])
    finally:
        whisper_model.default_cache_dir = original
    index = folder / "index"
    build_index(corpus, index)
    return corpus, index, truth, result


def segments_of(corpus, rec_id):
    return json.loads((corpus / "transcripts" / "auto" / f"{rec_id}.json").read_text(encoding="utf-8"))


def overlap(a, b, c, d) -> float:
    return max(0.0, min(b, d) - max(a, c))


def test_every_second_of_speech_has_text_or_is_reported(transcribed):
    corpus, _, truth, result = transcribed
    assert result.exit_code in (0, 3), result.output  # 3: speech without text, listed
    for rec_id, made in truth.items():
        data = segments_of(corpus, rec_id)
        coverage = data["provenance"]["coverage"]
        assert coverage["speech_seconds"] > 0.8 * sum(e - s for s, e in zip(made.starts, made.ends))
        missing = coverage["missing"]
        for start, end in zip(made.starts, made.ends):
            with_text = sum(overlap(start, end, s["start"], s["end"]) for s in data["segments"])
            reported = sum(overlap(start, end, a, b) for a, b in missing)
            assert with_text + reported >= 0.7 * (end - start), (rec_id, start, end, data["segments"], missing)
        if missing:
            assert f"{rec_id} : parole sans texte" in result.output
        assert "parole détectée" in result.output


def test_nine_tenths_of_the_speech_are_attributed_to_the_right_person(transcribed):
    corpus, _, truth, result = transcribed
    for rec_id, made in truth.items():
        data = segments_of(corpus, rec_id)
        right = total = 0.0
        for start, end, who in zip(made.starts, made.ends, made.speakers):
            for segment in data["segments"]:
                shared = overlap(start, end, segment["start"], segment["end"])
                total += shared
                right += shared if segment.get("speaker") == who else 0.0
        assert total and right / total >= 0.9, (rec_id, right / total, data["segments"])
        speakers = data["provenance"]["speakers"]
        assert speakers["automatic"] is True
        assert {v["name"] for v in speakers["voices"].values()} >= {INTERVIEWER, INTERVIEWS[rec_id][0]}
        assert all(0.5 <= s["speaker_confidence"] <= 1 for s in data["segments"] if s.get("speaker"))
    assert f"voix nommées : {INTERVIEWER}" in result.output


def test_the_speaker_filter_and_citations_find_the_guest_never_the_interviewer(transcribed):
    corpus, index, truth, _ = transcribed
    service = SearchService(index)
    for rec_id, (guest, _, _) in INTERVIEWS.items():
        made = truth[rec_id]
        doc = service.search(SearchParams.from_args({"speaker": guest, "mode": "citations", "per_page": 50}))
        passages = [p for p in doc["passages"] if p["recording_id"] == rec_id]
        assert passages, (rec_id, doc)
        for passage in passages:
            assert passage["speaker"] == guest
            assert passage["speaker_attribution"]["automatic"] is True
            assert 0.5 <= passage["speaker_attribution"]["confidence"] <= 1
            for start, end, who in zip(made.starts, made.ends, made.speakers):
                if who == INTERVIEWER:  # no interviewer sentence in a guest's quote
                    assert overlap(start, end, passage["start"], passage["end"]) < 0.3, (passage, start, end)
        results = service.search(SearchParams.from_args({"speaker": guest}))
        assert rec_id in {r["recording"]["id"] for r in results["results"]}


def test_check_shows_each_recordings_coverage(transcribed):
    corpus, _, _, _ = transcribed
    result = CliRunner().invoke(main, ["--corpus", str(corpus), "check"])
    assert result.output.count("couverture : parole détectée") == len(INTERVIEWS), result.output


def test_speech_the_decoder_drops_is_decoded_again_and_marked(tmp_path, speech, model):  # noqa: F811
    """The issue's "speech vanishes silently": Whisper's own checks (no-speech probability and mean
    log probability) drop windows the VAD found speech in - 58 of 72 s of one real interview. Here
    the first pass's checks are made strict enough to drop every window of real (synthetic) speech:
    all of it must come back from the relaxed second decoding, marked low-confidence (its words
    shown as uncertain), at the right times, and the coverage must say so."""
    from indexer.sources import read_corpus

    made = speech["emission-bassin"]  # bench.speech.INTERVIEW, synthesized once a session
    corpus = tmp_path / "corpus"
    (corpus / "audio").mkdir(parents=True)
    shutil.copy(made.path, corpus / "audio" / "emission.wav")
    (corpus / "corpus.yaml").write_text("site: https://exemple.invalid/\npages: []\nrecordings:\n  emission:\n"
                                        "    title: Une émission\n    audio: audio/emission.wav\n", encoding="utf-8")
    job, corpus_info = one_job(corpus, "emission")
    strict = asr.Options(no_speech_threshold=0.0, log_prob_threshold=0.0)
    result = asr.transcribe_file(model, job, corpus_info, strict)
    assert result.status == "done", result.message
    data = json.loads(job.output.read_text(encoding="utf-8"))
    coverage = data["provenance"]["coverage"]
    assert coverage["recovered_seconds"] >= 0.8 * coverage["speech_seconds"] > 0, coverage
    assert data["segments"] and all(s.get("low_confidence") for s in data["segments"])
    for start, end in zip(made.starts, made.ends):  # every sentence: text, or reported without
        with_text = sum(overlap(start, end, s["start"], s["end"]) for s in data["segments"])
        reported = sum(overlap(start, end, a, b) for a, b in coverage["missing"])
        assert with_text + reported >= 0.7 * (end - start), (start, end, data["segments"], coverage)
    provenance = read_provenance(corpus, "transcripts/auto/emission.json")
    words = [w for s in data["segments"] for w in s["words"]]
    assert len(provenance["uncertain"]) == len(words)  # every recovered word is shown as uncertain
    assert read_corpus(corpus).recordings[0].automatic
