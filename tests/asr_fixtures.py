"""Shared fixtures of the speech-recognition tests: speech synthesized by espeak-ng and sox,
the packaged Whisper base model loaded once, and a small invented corpus around them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.speech import INTERVIEW, REPORT, silence, synthesize, tools_missing
from indexer import transcribe as asr
from indexer.sources import read_corpus

CORPUS_YAML = """\
site: https://exemple.invalid/
pages: []
people:
  - name: Odile Warembourg
    organisation: Coopérative des Terrils
places: [Liévin, Lens, Loos-en-Gohelle]
organisations:
  - name: Coopérative des Terrils
  - name: Maison des Mineurs
    aliases: [MDM]
thesaurus:
  - [gaz de mine, grisou]
recordings:
  emission-bassin:
    title: Une émission sur le bassin minier
    audio: audio/emission-bassin.wav
    speakers: [Odile Warembourg]
  reportage-puits:
    title: Reportage sur les puits
    audio: audio/reportage-puits.wav
  silence-seul:
    title: Un enregistrement muet
    audio: audio/silence-seul.wav
  fichier-abime:
    title: Un fichier abîmé
    audio: audio/fichier-abime.wav
"""


@pytest.fixture(scope="session")
def speech(tmp_path_factory):
    missing = tools_missing()
    if missing:
        pytest.fail(f"outils absents : {', '.join(missing)} (make test installe espeak-ng et sox)")
    folder = tmp_path_factory.mktemp("speech")
    return {"emission-bassin": synthesize(folder, "emission-bassin", INTERVIEW),
            "reportage-puits": synthesize(folder, "reportage-puits", REPORT)}


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model(model_cache):
    return asr.load_model("base", device="cpu", compute_type="int8", cpu_threads=2, cache_dir=model_cache)


def make_corpus(root: Path, speech) -> Path:
    audio = root / "audio"
    audio.mkdir(parents=True)
    (root / "corpus.yaml").write_text(CORPUS_YAML, encoding="utf-8")
    for rec_id, made in speech.items():
        shutil.copy(made.path, audio / f"{rec_id}.wav")
    silence(audio / "silence-seul.wav")
    (audio / "fichier-abime.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage" * 40)
    return root


@pytest.fixture
def corpus(tmp_path, speech):
    return make_corpus(tmp_path / "corpus", speech)


@pytest.fixture(scope="session")
def transcripts(tmp_path_factory, speech, model):
    """The two spoken recordings transcribed once a session (default options): the tests about what
    follows a transcription (views, player) copy these instead of running Whisper again."""
    root = make_corpus(tmp_path_factory.mktemp("transcribed") / "corpus", speech)
    done = {}
    for rec_id in speech:
        job, corpus_info = one_job(root, rec_id)
        result = asr.transcribe_file(model, job, corpus_info, asr.Options())
        assert result.status == "done", result.message
        done[rec_id] = job.output
    return done


def add_transcript(corpus_root: Path, transcripts, rec_id: str) -> Path:
    """Put the session's transcript of ``rec_id`` where `artoiscast transcribe` writes it."""
    job, _ = one_job(corpus_root, rec_id)
    job.output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(transcripts[rec_id], job.output)
    return job.output


def one_job(corpus_root: Path, rec_id: str) -> tuple[asr.Job, object]:
    records = read_corpus(corpus_root)
    jobs, _ = asr.plan(records, [rec_id])
    assert [j.recording.id for j in jobs] == [rec_id]
    return jobs[0], records.corpus
