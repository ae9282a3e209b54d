"""Shared fixtures: the default corpus, indexed once per test session into a temporary folder."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.search import SearchService

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "corpus"
SEED_PAGE = DEFAULT_CORPUS / "pages" / "economie.txt"


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
