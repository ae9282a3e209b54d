"""Index build safety: generations behind a link, atomic swap, failed builds,
staleness, recovery with `artoiscast index --rebuild`, and clear errors."""
from __future__ import annotations

import itertools
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import indexer.index
from indexer.build import build_index, index_is_stale
from indexer.cli import main
from indexer.schema import IndexUnavailable
from indexer.search import SearchParams, SearchService

PAGES = Path(__file__).parent / "fixtures" / "pages"
PAGE_URL = "https://example.org/brume/corons.html"
CORPUS_YAML = f"""site: https://example.org/
pages:
  - id: corons
    url: {PAGE_URL}
    title: la mémoire des corons
    file: pages/corons.html
"""


@pytest.fixture
def corpus_dir(tmp_path):
    root = tmp_path / "corpus"
    (root / "pages").mkdir(parents=True)
    shutil.copy(PAGES / "corons.html", root / "pages" / "corons.html")
    (root / "corpus.yaml").write_text(CORPUS_YAML, encoding="utf-8")
    return root


@pytest.fixture
def index_dir(tmp_path):
    return tmp_path / "var" / "index"


@pytest.fixture
def distinct_stamps(monkeypatch):
    """Each build gets its own generation name, even within one second.

    (A generation is named after the second and the process id; the test
    `test_two_builds_in_a_row` checks that this alone is enough.)
    """
    real = time.strftime
    counter = itertools.count(1)

    def strftime(fmt, *args):
        if fmt == "%Y%m%d-%H%M%S" and not args:
            return f"20990101-{next(counter):06d}"
        return real(fmt, *args)

    monkeypatch.setattr(time, "strftime", strftime)


def generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.parent.glob(f"{index_dir.name}.gen-*"))


def total(service: SearchService, q: str) -> int:
    return service.search(SearchParams(q=q))["total"]


def run(corpus_dir, index_dir, *args):
    return CliRunner().invoke(main, ["--corpus", str(corpus_dir), "--index", str(index_dir), *args])


def garble_segments(index_dir: Path):
    # A segment is several files (postings, terms, columns, stored fields): garble them all.
    segments = [f for f in index_dir.resolve().glob("MAIN_*") if f.is_file() and f.stat().st_size]
    assert segments
    for seg in segments:
        size = seg.stat().st_size
        seg.write_bytes(b"\x00garbled\xff" * 10 + b"x" * (size // 3))


# --------------------------------------------------------------------------- generations


def test_two_builds_in_a_row(corpus_dir, index_dir):
    # Two builds within the same second (a test, `serve` rebuilding after a quick
    # edit, a script) must both succeed: the second one swaps in a new generation.
    build_index(corpus_dir, index_dir)
    first = os.readlink(index_dir)
    build_index(corpus_dir, index_dir)
    second = os.readlink(index_dir)
    assert second != first
    assert generations(index_dir) == sorted([first, second])


def test_link_points_to_the_new_generation_and_two_remain(corpus_dir, index_dir, distinct_stamps):
    build_index(corpus_dir, index_dir)
    assert index_dir.is_symlink()
    first = os.readlink(index_dir)
    assert not os.path.isabs(first)  # relative: the folder can be moved
    assert generations(index_dir) == [first]
    assert (index_dir / "corpus_state.json").is_file()

    build_index(corpus_dir, index_dir)
    second = os.readlink(index_dir)
    assert second != first
    assert generations(index_dir) == sorted([first, second])  # the previous one kept for open searchers

    build_index(corpus_dir, index_dir)
    third = os.readlink(index_dir)
    assert generations(index_dir) == sorted([second, third])
    assert total(SearchService(index_dir), "saxhorn") == 1
    # No temporary link is left behind (the build lock's empty file stays, for the next build).
    assert sorted(p.name for p in index_dir.parent.iterdir()) == sorted([".index.build-lock", "index", second, third])


def test_searcher_follows_the_new_generation(corpus_dir, index_dir, distinct_stamps):
    build_index(corpus_dir, index_dir)
    service = SearchService(index_dir)
    assert total(service, "saxhorn") == 1
    assert total(service, "accordéoniste") == 0
    page = corpus_dir / "pages" / "corons.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "Le saxhorn reste", "L'accordéoniste et le saxhorn restent"), encoding="utf-8")
    build_index(corpus_dir, index_dir)
    assert total(service, "accordéoniste") == 1  # no restart needed


def test_failed_build_leaves_the_old_index_serving(corpus_dir, index_dir, monkeypatch, distinct_stamps):
    build_index(corpus_dir, index_dir)
    before_link, before_generations = os.readlink(index_dir), generations(index_dir)
    opened_before = SearchService(index_dir)
    assert total(opened_before, "saxhorn") == 1

    real_documents = indexer.index.documents
    seen = []

    def failing_documents(rec):
        seen.append(rec.id)
        if len(seen) >= 4:
            raise RuntimeError("panne au milieu de la construction")
        yield from real_documents(rec)

    monkeypatch.setattr(indexer.index, "documents", failing_documents)
    page = corpus_dir / "pages" / "corons.html"
    page.write_text(page.read_text(encoding="utf-8").replace("saxhorn", "hélicon"), encoding="utf-8")
    with pytest.raises(RuntimeError, match="panne au milieu"):
        build_index(corpus_dir, index_dir)
    assert len(seen) == 4  # it did fail midway

    assert os.readlink(index_dir) == before_link
    assert generations(index_dir) == before_generations  # the partial generation is removed
    assert total(opened_before, "saxhorn") == 1  # a service opened before still answers ...
    assert total(SearchService(index_dir), "saxhorn") == 1  # ... and so does a new one
    assert total(SearchService(index_dir), "hélicon") == 0

    # The command says so, and exits non-zero.
    seen.clear()
    result = run(corpus_dir, index_dir, "index")
    assert result.exit_code == 2
    assert "panne au milieu de la construction" in result.stderr
    assert "L'index précédent est conservé." in result.stderr
    assert os.readlink(index_dir) == before_link


FAIL_WHILE_READING = """
import sys, time
import indexer.sources
from indexer.build import build_index

real_attach = indexer.sources.attach_transcript
calls = []

def attach_then_fail(*args, **kwargs):
    calls.append(1)
    if len(calls) == 5:  # the writer processes have started, and are done with what they got
        time.sleep(1)
        raise RuntimeError("panne en lisant le corpus")
    return real_attach(*args, **kwargs)

indexer.sources.attach_transcript = attach_then_fail
try:
    build_index(sys.argv[1], sys.argv[2], procs=2)
except RuntimeError as error:
    print(error)
"""


def test_build_failing_while_the_corpus_is_read_stops_its_writers(tmp_path, generated_archive):
    """The corpus is read while two writer processes index it: a failure then (or an
    interruption) stops them, the command ends and the previous index stays. Whoosh's
    own cancel() left them waiting, and Python waited for them forever."""
    import subprocess
    import sys

    archive = generated_archive(6, 3)
    index = tmp_path / "index"
    build_index(archive, index, procs=2)
    before = os.readlink(index), generations(index)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-c", FAIL_WHILE_READING, str(archive), str(index)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "panne en lisant le corpus" in done.stdout
    assert (os.readlink(index), generations(index)) == before


# --------------------------------------------------------------------------- staleness


def test_index_is_stale(corpus_dir, index_dir):
    assert index_is_stale(corpus_dir, index_dir)  # no index yet
    build_index(corpus_dir, index_dir)
    assert not index_is_stale(corpus_dir, index_dir)
    page = corpus_dir / "pages" / "corons.html"
    page.write_text(page.read_text(encoding="utf-8") + "\n<p>Une ligne de plus.</p>\n", encoding="utf-8")
    assert index_is_stale(corpus_dir, index_dir)


def test_index_is_stale_when_a_file_is_added_or_yaml_changes(corpus_dir, index_dir, distinct_stamps):
    build_index(corpus_dir, index_dir)
    (corpus_dir / "transcripts").mkdir()
    (corpus_dir / "transcripts" / "nouveau.vtt").write_text("WEBVTT\n", encoding="utf-8")
    assert index_is_stale(corpus_dir, index_dir)
    build_index(corpus_dir, index_dir)
    assert not index_is_stale(corpus_dir, index_dir)
    with (corpus_dir / "corpus.yaml").open("a", encoding="utf-8") as f:
        f.write("places: [Bois-Fleuri]\n")
    assert index_is_stale(corpus_dir, index_dir)


def test_index_if_stale_skips_an_up_to_date_index(corpus_dir, index_dir):
    assert run(corpus_dir, index_dir, "index").exit_code == 0
    link = os.readlink(index_dir)
    result = run(corpus_dir, index_dir, "index", "--if-stale")
    assert result.exit_code == 0
    assert result.output == f"Index à jour : {index_dir}\n"
    assert os.readlink(index_dir) == link


# --------------------------------------------------------------------------- broken indexes


def test_missing_index_raises_index_unavailable(tmp_path):
    service = SearchService(tmp_path / "nulle-part" / "index")
    with pytest.raises(IndexUnavailable, match="artoiscast index --rebuild"):
        service.search(SearchParams(q="fanfare"))


def test_search_command_on_a_missing_index(tmp_path, corpus_dir):
    result = run(corpus_dir, tmp_path / "nulle-part", "search", "fanfare")
    assert result.exit_code == 2
    assert "artoiscast index --rebuild" in result.stderr


def test_rebuild_recovers_from_a_garbled_segment(corpus_dir, index_dir, distinct_stamps):
    build_index(corpus_dir, index_dir)
    garble_segments(index_dir)
    with pytest.raises(Exception):
        SearchService(index_dir).search(SearchParams(q="saxhorn"))
    result = run(corpus_dir, index_dir, "index", "--rebuild")
    assert result.exit_code == 0, result.output
    assert "Index construit" in result.output
    assert total(SearchService(index_dir), "saxhorn") == 1


def test_garbled_index_raises_index_unavailable(corpus_dir, index_dir):
    # The message says what to do, whatever is wrong with the files (index.py: "missing, locked or corrupt").
    build_index(corpus_dir, index_dir)
    garble_segments(index_dir)
    with pytest.raises(IndexUnavailable, match="artoiscast index --rebuild"):
        SearchService(index_dir).search(SearchParams(q="saxhorn"))


def test_search_command_on_a_garbled_index_says_what_to_do(corpus_dir, index_dir):
    build_index(corpus_dir, index_dir)
    garble_segments(index_dir)
    result = run(corpus_dir, index_dir, "search", "saxhorn")
    assert result.exit_code == 2
    assert "artoiscast index --rebuild" in result.stderr


def test_rebuild_recovers_from_a_dangling_link(corpus_dir, index_dir, distinct_stamps):
    build_index(corpus_dir, index_dir)
    shutil.rmtree(index_dir.resolve())
    assert index_dir.is_symlink() and not index_dir.exists()
    with pytest.raises(IndexUnavailable, match="artoiscast index --rebuild"):
        SearchService(index_dir).search(SearchParams(q="saxhorn"))
    result = run(corpus_dir, index_dir, "index", "--rebuild")
    assert result.exit_code == 0, result.output
    assert index_dir.is_symlink() and index_dir.exists()
    assert total(SearchService(index_dir), "saxhorn") == 1


def test_rebuild_replaces_a_plain_directory_without_index(corpus_dir, index_dir, distinct_stamps):
    index_dir.mkdir(parents=True)
    (index_dir / "_MAIN_1.toc").write_bytes(b"pas un index")
    with pytest.raises(IndexUnavailable, match="artoiscast index --rebuild"):
        SearchService(index_dir).search(SearchParams(q="saxhorn"))
    result = run(corpus_dir, index_dir, "index", "--rebuild")
    assert result.exit_code == 0, result.output
    assert index_dir.is_symlink()
    assert total(SearchService(index_dir), "saxhorn") == 1
