"""Issue 19's majors and minors outside the harvester: corpus.yaml's own size limit (9), the
308 redirect's Location (10), one index build at a time (11), invisible characters in names
and titles (14). Generated corpora, invented people and words."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from indexer.cli import main
from indexer.search import SearchParams, SearchService
from indexer.sources import read_corpus
from webapp import create_app

REPO = Path(__file__).resolve().parent.parent
BOUND = 240  # seconds


def run_cli(corpus: Path, index: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def small_corpus(root: Path, recordings: int = 3) -> Path:
    (root / "transcripts").mkdir(parents=True)
    lines = ["recordings:"]
    for i in range(recordings):
        (root / "transcripts" / f"bobine-{i}.vtt").write_text(
            "WEBVTT\n\n" + "".join(f"00:00:{j:02d}.000 --> 00:00:{j:02d}.900\n<v Gaston Vermeulen>La navette "
                                   f"numéro {j} de la bobine {i}, courtepointe.\n\n" for j in range(50)),
            encoding="utf-8")
        lines += [f"  bobine-{i}:", f"    title: Bobine {i}", f"    transcript: transcripts/bobine-{i}.vtt"]
    (root / "corpus.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


# --------------------------------------------------------------------------- point 9


def test_corpus_yaml_has_its_own_smaller_limit(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    places = "".join(f"  - Hameau-de-la-Bobinette-{i}\n" for i in range(170_000))  # about 5 MB
    (corpus / "corpus.yaml").write_text("places:\n" + places, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index",
                           str(tmp_path / "index"), "check"], capture_output=True, text=True, timeout=BOUND,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "corpus.yaml" in done.stdout and "fichier de plus de 4 Mo" in done.stdout
    assert "ARTOISCAST_MAX_YAML_MB" in done.stdout
    assert done.returncode == 1


# --------------------------------------------------------------------------- point 10


def test_the_double_slash_redirect_never_names_the_client_host(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "audio").mkdir(parents=True)
    (corpus / "audio" / "berceuse.mp3").write_bytes(b"ID3 invented")
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "CORPUS_DIR": str(corpus)}).test_client()
    response = client.get("/audio//berceuse.mp3?t=3", headers={"Host": "evil.example"})
    assert response.status_code == 308
    assert response.headers["Location"] == "/audio/berceuse.mp3?t=3"
    followed = client.get(response.headers["Location"])
    assert followed.status_code == 200 and followed.data == b"ID3 invented"


# --------------------------------------------------------------------------- point 11


def test_concurrent_index_runs_take_turns(tmp_path):
    corpus, index = small_corpus(tmp_path / "corpus"), tmp_path / "var" / "index"
    runs = [run_cli(corpus, index, "index", "--quiet") for _ in range(3)]
    outputs = [run.communicate(timeout=BOUND) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    found = SearchService(index).search(SearchParams.from_args({"q": "courtepointe"}))
    assert found["total"] >= 3
    generations = [p for p in index.parent.iterdir() if p.name.startswith("index.gen-")]
    assert len(generations) <= 2  # the current one and the one before: no unfinished one left


def test_a_build_that_cannot_wait_says_so(tmp_path):
    corpus, index = small_corpus(tmp_path / "corpus"), tmp_path / "var" / "index"
    index.parent.mkdir(parents=True)
    with open(index.parent / ".index.build-lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another build is under way
        run = run_cli(corpus, index, "index", "--quiet", env={"ARTOISCAST_BUILD_WAIT": "1"})
        out, err = run.communicate(timeout=BOUND)
    assert run.returncode == 3
    assert "une autre construction de l'index" in err and "l'index en service est conservé" in err
    assert not index.exists()


# --------------------------------------------------------------------------- point 14


def test_invisible_characters_are_stripped_from_names_and_titles(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "transcripts").mkdir(parents=True)
    (corpus / "transcripts" / "sosies.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Amandine Crochet>Bonjour, je tricote.\n\n"
        "00:00:03.000 --> 00:00:05.000\n<v Amandine\u200b Croch\u202eet>Moi aussi, je tricote.\n",
        encoding="utf-8")
    (corpus / "corpus.yaml").write_text(
        "recordings:\n  sosies:\n    title: \"Titre \u202egnp.exe\"\n    theme: \"Tri\u200bcot\"\n"
        "    transcript: transcripts/sosies.vtt\n", encoding="utf-8")
    [rec] = read_corpus(corpus).recordings
    assert rec.title == "Titre gnp.exe" and rec.theme == "Tricot"
    assert [s.name for s in rec.speakers] == ["Amandine Crochet"]
    assert {p.speaker for p in rec.passages} == {"Amandine Crochet"}
    result = CliRunner().invoke(main, ["--corpus", str(corpus), "--index", str(tmp_path / "index"), "check"])
    assert "\u202e" not in result.output and "\u200b" not in result.output
