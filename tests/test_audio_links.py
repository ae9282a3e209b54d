"""Audio goes through the corpus-file rules (issue 19, point 2): a link planted in audio/
that leads out of the corpus is neither transcribed nor served, and `check` reports it."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import invoke_cli
from indexer.sources import read_corpus
from indexer.transcribe import plan
from webapp import create_app

CORPUS_YAML = """\
site: https://exemple.invalid/
pages: []
recordings:
  veillee-quenouille:
    title: La veillée de la quenouille
  chanson-berceau:
    title: Une chanson de berceau
"""
WAVE = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00" + b"data\x00\x00\x00\x00"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "corpus.yaml").write_text(CORPUS_YAML, encoding="utf-8")
    return root


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    folder = tmp_path / "hors-corpus"
    folder.mkdir()
    (folder / "veillee-quenouille.wav").write_bytes(WAVE)
    return folder


def planned(corpus: Path) -> tuple[set[str], list[str]]:
    jobs, notes = plan(read_corpus(corpus), ["veillee-quenouille", "chanson-berceau"])
    return {job.recording.id for job in jobs}, notes


def check(corpus: Path):
    return invoke_cli(corpus, corpus.parent / "index", "check")


def test_an_audio_file_linked_out_of_the_corpus_is_not_transcribed_and_is_reported(corpus, secret):
    (corpus / "audio").mkdir()
    (corpus / "audio" / "veillee-quenouille.wav").symlink_to(secret / "veillee-quenouille.wav")
    (corpus / "audio" / "chanson-berceau.wav").write_bytes(WAVE)  # a real file: transcribed
    ids, notes = planned(corpus)
    assert ids == {"chanson-berceau"}
    assert any(note.startswith("veillee-quenouille : pas de fichier audio local") for note in notes)
    result = check(corpus)
    assert "audio/veillee-quenouille.wav" in result.output and "hors du dossier du corpus" in result.output
    assert "audio/chanson-berceau.wav" not in result.output.split("avertissement(s)")[1]


def test_an_audio_folder_linked_out_of_the_corpus_is_not_read_nor_served(corpus, secret):
    (corpus / "audio").symlink_to(secret)
    ids, _ = planned(corpus)
    assert ids == set()
    result = check(corpus)
    assert "audio: error: lien vers un dossier hors du corpus" in result.output
    app = create_app({"INDEX_DIR": str(corpus.parent / "index"), "CORPUS_DIR": str(corpus)})
    assert app.test_client().get("/audio/veillee-quenouille.wav").status_code == 404


def test_a_link_inside_the_corpus_is_fine(corpus):
    (corpus / "sons").mkdir()
    (corpus / "sons" / "berceau.wav").write_bytes(WAVE)
    (corpus / "audio").mkdir()
    (corpus / "audio" / "chanson-berceau.wav").symlink_to(corpus / "sons" / "berceau.wav")
    ids, _ = planned(corpus)
    assert ids == {"chanson-berceau"}
    assert "chanson-berceau.wav" not in check(corpus).output.split("avertissement(s)")[1]
