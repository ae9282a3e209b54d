"""Shared fixtures: the default corpus, indexed once per test session into a temporary folder;
the archives of bench/generate_archive.py, each generated once per session; the CLI runners."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.build import build_index
from indexer.cli import main
from indexer.search import SearchService

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "corpus"
SEED_PAGE = DEFAULT_CORPUS / "pages" / "economie.txt"
CLI_TIMEOUT = 120  # seconds: a command that hangs fails its test


def invoke_cli(corpus: Path, index: Path, *args: str, **kwargs):
    """`artoiscast --corpus CORPUS --index INDEX ARGS` in this process (click's runner)."""
    return CliRunner().invoke(main, ["--corpus", str(corpus), "--index", str(index), *args], **kwargs)


def run_cli(corpus: Path, index: Path, *args: str, env: dict | None = None, timeout: float = CLI_TIMEOUT,
            **kwargs) -> subprocess.CompletedProcess:
    """The real command in a child process, bounded in time (TimeoutExpired fails the test)."""
    return subprocess.run([sys.executable, "-m", "indexer", "--corpus", str(corpus), "--index", str(index), *args],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})}, **kwargs)


@pytest.fixture(scope="session")
def default_corpus(tmp_path_factory) -> Path:
    """A copy of the default corpus, so no test writes into the repository."""
    target = tmp_path_factory.mktemp("default") / "corpus"
    shutil.copytree(DEFAULT_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def default_index(default_corpus) -> Path:
    index_dir = default_corpus.parent / "index"
    build_index(default_corpus, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def default_records(default_corpus):
    from indexer.sources import read_corpus

    return read_corpus(default_corpus)


@pytest.fixture(scope="session")
def service(default_index) -> SearchService:
    return SearchService(default_index)


@pytest.fixture(scope="session")
def generated_archive(tmp_path_factory):
    """``generated_archive(hours, seed)``: the folder of that synthetic archive (bench/generate_archive.py),
    generated once per session (once per xdist worker) and shared by the modules that ask for the same one.
    Read only: a module that adds recordings to its archive copies it first (``shutil.copytree``)."""
    from bench.generate_archive import generate

    made: dict[tuple[float, int], Path] = {}

    def archive(hours: float, seed: int) -> Path:
        if (hours, seed) not in made:
            folder = tmp_path_factory.mktemp(f"archive-{hours:g}h-seed{seed}") / "archive"
            generate(hours, folder, seed=seed)
            made[hours, seed] = folder
        return made[hours, seed]

    return archive
