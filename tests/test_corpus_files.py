"""A hostile corpus cannot read outside its folder, block the indexer, or exhaust memory.

Every fixture is generated here in tmp_path (invented people, invented words).
Commands run as real subprocesses with a timeout and a memory ceiling, so a
regression (a FIFO read that blocks, a YAML bomb that expands) fails the test
instead of hanging the suite. No test measures time: each asserts that the
command finished and what it reported.
"""
from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest

import conftest
from indexer.corpus_files import (CorpusFileError, DEFAULT_MAX_FILE_MB, max_file_bytes, read_corpus_file,
                                  resolve_corpus_path)
from indexer.index import corpus_state
from indexer.search import SearchParams, SearchService

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # seconds: far above what these small corpora need, far below "blocked forever"
MEMORY_CEILING = 3 * 1024 ** 3

VEILLEE_VTT = """WEBVTT

00:00:01.000 --> 00:00:05.000
<v Odile Marchal>Hortense, que tissiez-vous à la veillée des bobineuses ?

00:00:05.000 --> 00:00:11.000
<v Hortense Vandamme>Des mouchoirs brodés de coquelicots, pour la ducasse.
"""
SECRET_WORD = "zorglubette"
SECRET_VTT = f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nLe mot secret est {SECRET_WORD}.\n"
SECRET_PAGE = f"Les sujets et thèmes de la page :\n- Un secret\nLe mot secret est {SECRET_WORD}.\n"


def _ceiling():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))


def run_cli(corpus: Path, index: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command, bounded in time and memory (TimeoutExpired fails the test)."""
    return conftest.run_cli(corpus, index, *args, env=env, timeout=TIMEOUT, preexec_fn=_ceiling)


def make_corpus(root: Path, yaml_text: str) -> Path:
    corpus = root / "corpus"
    (corpus / "transcripts").mkdir(parents=True)
    (corpus / "pages").mkdir()
    (corpus / "transcripts" / "veillee.vtt").write_text(VEILLEE_VTT, encoding="utf-8")
    (corpus / "corpus.yaml").write_text(yaml_text, encoding="utf-8")
    return corpus


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of ``text`` containing ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def total(index: Path, query: str) -> int:
    return SearchService(index).search(SearchParams(q=query))["total"]


# --------------------------------------------------------------------------- outside the corpus


def test_names_leading_out_of_the_corpus_are_errors_and_nothing_of_them_is_indexed(tmp_path):
    (tmp_path / "secret.txt").write_text(SECRET_PAGE, encoding="utf-8")
    (tmp_path / "secret.vtt").write_text(SECRET_VTT, encoding="utf-8")
    yaml_text = f"""site: https://example.org/
pages:
  - id: absolu
    file: {tmp_path / 'secret.txt'}
  - id: remonte
    file: ../secret.txt
  - id: environ
    file: /proc/self/environ
recordings:
  veillee:
    title: La veillée des bobineuses
    transcript: transcripts/veillee.vtt
  fuite:
    title: Une fuite
    transcript: ../secret.vtt
  lien:
    title: Un lien symbolique
    transcript: transcripts/lien.vtt
"""
    corpus = make_corpus(tmp_path, yaml_text)
    (corpus / "transcripts" / "lien.vtt").symlink_to(tmp_path / "secret.vtt")
    index = tmp_path / "index"

    check = run_cli(corpus, index, "check")
    assert check.returncode == 1, check.stdout
    for needle in (f"file: {tmp_path}", "file: ../secret.txt", "file: /proc/self/environ",
                   "transcript: ../secret.vtt", "transcript: transcripts/lien.vtt"):
        line = line_of(yaml_text, needle)
        assert any(f"corpus.yaml:{line}: error:" in out and "hors du dossier du corpus" in out
                   for out in check.stdout.splitlines()), (needle, check.stdout)
    assert SECRET_WORD not in check.stdout

    built = run_cli(corpus, index, "index")
    assert built.returncode == 0, built.stdout + built.stderr
    assert total(index, SECRET_WORD) == 0
    assert total(index, "coquelicots") == 1  # the rest of the corpus is indexed


# --------------------------------------------------------------------------- FIFO, devices, folders


def test_a_fifo_a_device_link_and_a_folder_are_refused_without_blocking(tmp_path):
    yaml_text = """site: https://example.org/
pages:
  - id: dossier
    file: pages/dossier.txt
recordings:
  veillee:
    title: La veillée des bobineuses
    transcript: transcripts/veillee.vtt
  tube:
    title: Un tube nommé
    transcript: transcripts/tube.vtt
  zero:
    title: Un périphérique
    transcript: transcripts/zero.vtt
"""
    corpus = make_corpus(tmp_path, yaml_text)
    os.mkfifo(corpus / "transcripts" / "tube.vtt")
    (corpus / "transcripts" / "zero.vtt").symlink_to("/dev/zero")
    (corpus / "pages" / "dossier.txt").mkdir()
    os.mkfifo(corpus / "pages" / "autre-tube.txt")  # named by nothing: only the corpus fingerprint sees it
    index = tmp_path / "index"

    check = run_cli(corpus, index, "check")
    assert check.returncode == 1
    out = check.stdout
    assert f"corpus.yaml:{line_of(yaml_text, 'tube.vtt')}: error: recordings.tube : transcript" in out
    assert "tube nommé" in out
    assert f"corpus.yaml:{line_of(yaml_text, 'zero.vtt')}: error:" in out and "hors du dossier du corpus" in out
    assert f"corpus.yaml:{line_of(yaml_text, 'file: pages/dossier.txt')}: error:" in out and "c'est un dossier" in out

    built = run_cli(corpus, index, "index")
    assert built.returncode == 0, built.stderr
    assert total(index, "coquelicots") == 1
    again = run_cli(corpus, index, "index", "--if-stale")
    assert again.returncode == 0 and "Index à jour" in again.stdout
    update = run_cli(corpus, index, "index", "--update")  # fingerprints the files corpus.yaml names
    assert update.returncode == 0 and "Index à jour" in update.stdout


def test_the_module_refuses_what_is_not_a_regular_file_inside_the_root(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "bon.txt").write_text("un texte", encoding="utf-8")
    os.mkfifo(root / "tube.txt")
    (root / "dehors.txt").symlink_to(tmp_path / "ailleurs.txt")
    (tmp_path / "ailleurs.txt").write_text("hors du corpus", encoding="utf-8")
    (root / "boucle.txt").symlink_to(root / "boucle.txt")
    assert read_corpus_file(root, "bon.txt") == "un texte".encode()
    assert resolve_corpus_path(root, "bon.txt") == (root / "bon.txt").resolve()
    for name, reason in [("tube.txt", "tube nommé"), ("dehors.txt", "hors du dossier"), ("../ailleurs.txt", "hors du"),
                         ("absent.txt", "introuvable"), (".", "dossier"), ("", "vide"), ("a\0b", "caractère nul"),
                         (os.fsdecode(b"caf\xe9.txt"), "UTF-8"), ("boucle.txt", "boucle"),
                         ("/etc/absent-de-partout", "hors du dossier"), ("x" * 5000, "illisible")]:
        with pytest.raises(CorpusFileError) as error:
            read_corpus_file(root, name)
        assert reason in str(error.value), name[:50]
        assert len(str(error.value)) < 300


# --------------------------------------------------------------------------- size limits


def test_files_over_the_size_limit_are_reported_and_skipped(tmp_path):
    yaml_text = """site: https://example.org/
pages:
  - id: enorme
    file: pages/enorme.txt
recordings:
  veillee:
    title: La veillée des bobineuses
    transcript: transcripts/veillee.vtt
  longue:
    title: Une transcription trop longue
    transcript: transcripts/longue.vtt
"""
    corpus = make_corpus(tmp_path, yaml_text)
    cue = "00:00:01.000 --> 00:00:02.000\nLe métier à tisser de la filature grince encore.\n\n"
    (corpus / "transcripts" / "longue.vtt").write_text("WEBVTT\n\n" + cue * 40_000, encoding="utf-8")  # 3.2 MB
    (corpus / "pages" / "enorme.txt").write_text("Les sujets et thèmes de la page :\n- Un thème\n" + "x" * 3_000_000,
                                                 encoding="utf-8")
    index = tmp_path / "index"
    limited = {"ARTOISCAST_MAX_FILE_MB": "1"}

    check = run_cli(corpus, index, "check", env=limited)
    assert check.returncode == 1
    assert "transcripts/longue.vtt" in check.stdout and "pages/enorme.txt" in check.stdout
    assert check.stdout.count("fichier de plus de 1 Mo (taille maximale)") == 2
    assert "ARTOISCAST_MAX_FILE_MB" in check.stdout

    built = run_cli(corpus, index, "index", env=limited)
    assert built.returncode == 0
    assert total(index, "coquelicots") == 1 and total(index, "grince") == 0
    assert run_cli(corpus, index, "index", "--if-stale", env=limited).stdout.startswith("Index à jour")


def test_the_size_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("ARTOISCAST_MAX_FILE_MB", raising=False)
    assert max_file_bytes() == DEFAULT_MAX_FILE_MB * 1024 * 1024
    monkeypatch.setenv("ARTOISCAST_MAX_FILE_MB", "0.5")
    assert max_file_bytes() == 512 * 1024
    for wrong in ("beaucoup", "-3", "0", "nan"):
        monkeypatch.setenv("ARTOISCAST_MAX_FILE_MB", wrong)
        assert max_file_bytes() == DEFAULT_MAX_FILE_MB * 1024 * 1024


def test_the_corpus_fingerprint_reads_no_file_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("ARTOISCAST_MAX_FILE_MB", "1")
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "gros.bin").write_bytes(b"\0" * (2 * 1024 * 1024))
    (root / "petit.txt").write_text("un texte", encoding="utf-8")
    (root / "dehors.txt").symlink_to("/etc/hostname")
    state = corpus_state(root)
    assert "taille maximale" in state["gros.bin"] and "hors du dossier" in state["dehors.txt"]
    assert len(state["petit.txt"]) == 64  # a sha256


# --------------------------------------------------------------------------- YAML aliases


def billion_laughs() -> str:
    """A 1 KB corpus.yaml whose aliases expand to 9**9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},"
                     f"*{previous},*{previous},*{previous}]")
    lines += ["recordings:", "  bombe:", "    title: Une bombe", "    notes: *i"]
    text = "\n".join(lines) + "\n"
    assert len(text) < 1100
    return text


def test_a_yaml_alias_bomb_fails_fast_in_check_and_in_index(tmp_path):
    corpus = make_corpus(tmp_path, """site: https://example.org/
recordings:
  veillee:
    title: La veillée des bobineuses
    transcript: transcripts/veillee.vtt
""")
    index = tmp_path / "index"
    assert run_cli(corpus, index, "index").returncode == 0
    bomb = billion_laughs()
    (corpus / "corpus.yaml").write_text(bomb, encoding="utf-8")

    check = run_cli(corpus, index, "check")
    assert check.returncode == 1
    assert "alias YAML" in check.stdout and f"corpus.yaml:{line_of(bomb, 'b: &b')}: error" in check.stdout

    built = run_cli(corpus, index, "index")
    assert built.returncode == 2
    assert "alias YAML" in built.stderr and "index précédent est conservé" in built.stderr
    assert total(index, "coquelicots") == 1
    first = run_cli(corpus, tmp_path / "nouvel-index", "index")  # no index yet: none is built from it
    assert first.returncode == 2 and "alias YAML" in first.stderr and "aucun index construit" in first.stderr
    assert not (tmp_path / "nouvel-index" / "corpus_state.json").exists()


def test_a_corpus_yaml_nested_too_deep_fails_in_check_not_later_in_index(tmp_path):
    nested = "recordings:\n  veillee:\n    title: La veillée\n    notes: " + "[" * 900 + "]" * 900 + "\n"
    corpus = make_corpus(tmp_path, nested)
    index = tmp_path / "index"
    check = run_cli(corpus, index, "check")
    assert check.returncode == 1 and "corpus.yaml:4: error: YAML refusé : imbrication" in check.stdout
    built = run_cli(corpus, index, "index")
    assert built.returncode == 2 and "imbrication" in built.stderr and "RecursionError" not in built.stderr


def test_fingerprints_never_read_a_file_outside_the_corpus(tmp_path):
    from indexer.build import fingerprints
    from indexer.corpus import load_corpus

    secret = tmp_path / "secret.vtt"
    secret.write_text(SECRET_VTT, encoding="utf-8")
    corpus = make_corpus(tmp_path, "recordings:\n  fuite:\n    title: Une fuite\n    transcript: ../secret.vtt\n"
                                   "  lien:\n    title: Un lien\n    transcript: transcripts/lien.vtt\n")
    (corpus / "transcripts" / "lien.vtt").symlink_to(secret)
    before = fingerprints(load_corpus(corpus)).specs
    secret.write_text(SECRET_VTT.replace(SECRET_WORD, "autre chose"), encoding="utf-8")
    assert fingerprints(load_corpus(corpus)).specs == before  # its content never reached the digest


# --------------------------------------------------------------------------- the harvester's own files


def test_site_yaml_and_harvest_json_are_read_like_corpus_yaml(tmp_path):
    """site.yaml and harvest.json are corpus files too: an alias bomb, a FIFO or a link
    out of the corpus in their place is refused at once, and the curated pages still count."""
    from indexer.corpus import load_corpus
    from indexer.corpus.manifest import Manifest

    corpus = tmp_path / "corpus"
    (corpus / "pages").mkdir(parents=True)
    (corpus / "pages" / "une.txt").write_text("Une page\n", encoding="utf-8")
    (corpus / "corpus.yaml").write_text("pages:\n  - id: une\n    file: pages/une.txt\n", encoding="utf-8")
    (corpus / "site.yaml").write_text(billion_laughs(), encoding="utf-8")
    outside = tmp_path / "secret.json"
    outside.write_text('{"audio": {"https://x.example/a.mp3": {"file": "a.mp3"}}}', encoding="utf-8")
    os.symlink(outside, corpus / "harvest.json")

    loaded = load_corpus(corpus)
    assert [p.id for p in loaded.pages] == ["une"]
    assert any(p.file == "site.yaml" and "alias" in p.reason for p in loaded.problems)
    assert Manifest.load(corpus).audio == {}  # the file outside the corpus is never read

    (corpus / "site.yaml").unlink()
    os.mkfifo(corpus / "site.yaml")
    loaded = load_corpus(corpus)  # a FIFO would block a plain read forever
    assert [p.id for p in loaded.pages] == ["une"]
    assert any(p.file == "site.yaml" for p in loaded.problems)


def test_an_automatic_transcript_linked_from_outside_is_never_read(tmp_path):
    """transcripts/auto/<id>.json is found by name, not declared: a link there to a file
    outside the corpus is refused like any other corpus path."""
    import json as jsonlib

    from indexer.sources import read_corpus

    corpus = tmp_path / "corpus"
    (corpus / "transcripts" / "auto").mkdir(parents=True)
    (corpus / "corpus.yaml").write_text("recordings:\n  veillee-1:\n    title: Une veillée\n", encoding="utf-8")
    outside = tmp_path / "ailleurs.json"
    outside.write_text(jsonlib.dumps({
        "provenance": {"automatic": True, "model": "base", "date": "2026-01-01"},
        "segments": [{"start": 0.0, "end": 2.0, "text": "motdepasse zorglubien"}]}), encoding="utf-8")
    os.symlink(outside, corpus / "transcripts" / "auto" / "veillee-1.json")

    records = read_corpus(corpus)
    (rec,) = records.recordings
    assert rec.automatic is None
    assert not any("zorglubien" in p.text for p in rec.passages)
