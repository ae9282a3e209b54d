"""Load test, short version: 20 clients for 8 s against the real `artoiscast serve`
while `artoiscast index` rebuilds the index again and again (bench/load_test.py).

Not one request may fail (connection error, timeout or non-2xx), nor one rebuild,
and at least one rebuild must have been swapped in during the run. The full run
(60 s) writes docs/load-test.md:

    .venv/bin/python -m bench.load_test --clients 20 --seconds 60 --out docs/load-test.md
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.load_test import markdown, run

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_twenty_clients_during_reindexing():
    result = run(clients=20, seconds=8, corpus_src=REPO / "corpus")
    assert result["failures"] == 0, result["failure_examples"]
    assert result["server_errors"] == []
    assert result["rebuild_failures"] == []
    assert result["rebuilds"] >= 1
    assert result["requests"] > 20 and set(result["statuses"]) == {200}
    report = markdown(result, "python -m bench.load_test --clients 20 --seconds 8")
    assert "| **échecs** | **0** |" in report
