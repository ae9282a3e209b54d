"""Issue 12, points 10 and 11: the command line as people type it, and progress on a terminal.

Runs on the invented corpus of tests/webapp_fixtures.py; the terminal is a real
pseudo-terminal (pty), the command a real process.
"""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from indexer.cli import main
from webapp_fixtures import make_test_corpus

REPO = Path(__file__).resolve().parent.parent


def test_corpus_and_index_options_after_the_subcommand(tmp_path):
    corpus = make_test_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "2 enregistrements" in result.output and str(index) in result.output
    result = CliRunner().invoke(main, ["search", "orchidées", "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "Le terril qui devint forêt" in result.output
    result = CliRunner().invoke(main, ["check", "--corpus", str(corpus)])
    assert "terril-vert" in result.output
    # Before the subcommand, as before; after it wins when both are given.
    result = CliRunner().invoke(main, ["--index", str(tmp_path / "ailleurs"), "search", "orchidées", "--index", str(index)])
    assert "Le terril qui devint forêt" in result.output
    for command in ("fetch", "check", "index", "search", "serve"):
        help_text = CliRunner().invoke(main, [command, "--help"]).output
        assert "--corpus" in help_text and "--index" in help_text, command


def run_in_terminal(args: list[str], cwd: Path) -> str:
    """The command run with a pseudo-terminal as its output, as a person at a terminal sees it."""
    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="120")
    process = subprocess.Popen([sys.executable, "-m", "indexer", *args], stdin=slave, stdout=slave, stderr=slave,
                               cwd=cwd, env=env)
    os.close(slave)
    out = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
        process.wait(timeout=120)
    assert process.returncode == 0, out
    return out.decode("utf-8")


def test_index_shows_progress_on_a_terminal_only(tmp_path):
    corpus = make_test_corpus(tmp_path / "corpus")
    shown = run_in_terminal(["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")], tmp_path)
    assert "\rIndexation : 2/2 enregistrements (100 %)" in shown
    assert " mots, " in shown and "mots/s" in shown and "reste ~" in shown
    assert "Index construit" in shown

    quiet = run_in_terminal(["index", "--quiet", "--corpus", str(corpus), "--index", str(tmp_path / "index")], tmp_path)
    assert "Indexation :" not in quiet and "Index construit" in quiet

    # Not a terminal (a script, a log): no progress line either.
    piped = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert piped.exit_code == 0 and "Indexation :" not in piped.output and "\r" not in piped.output
