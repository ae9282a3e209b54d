"""The layers of the code (scripts/layers.py): no import cycle, no import from a lower
layer to a higher one, and the search side never imports the build side."""
from __future__ import annotations

import subprocess
import sys

import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent / "scripts"))
import layers  # noqa: E402


def test_the_code_respects_its_layers():
    assert layers.problems() == []


def test_the_script_says_ok_and_exits_zero():
    done = subprocess.run([sys.executable, str(layers.REPO / "scripts" / "layers.py")],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "ok")


def test_a_cycle_and_an_upward_import_are_found():
    edges = layers.graph()
    # The cycle issue 22 found: the corpus reading site.yaml, site.yaml's reader needing the corpus.
    edges["indexer.corpus.sitelist"] = edges["indexer.corpus.sitelist"] | {"indexer.corpus"}
    edges["indexer.sources"] = edges["indexer.sources"] | {"indexer.transcribe"}  # reading -> speech recognition
    edges["indexer.search"] = edges["indexer.search"] | {"indexer.index"}  # search -> build
    found = layers.problems(edges)
    assert any(line.startswith("cycle:") and "indexer.corpus.sitelist" in line for line in found)
    assert "indexer.sources (reading) imports indexer.transcribe (acquisition)" in found
    assert "indexer.search (search) imports indexer.index (build)" in found


@pytest.mark.parametrize("module, layer", [("indexer.corpus.manifest", "corpus"), ("indexer.transcripts.vtt", "reading"),
                                           ("webapp.views", "interface"), ("indexer.speech.decode", "acquisition")])
def test_modules_fall_in_their_layer(module, layer):
    assert layers.layer_of(module) == layer


def test_serving_lives_outside_the_command_line():
    """`serve`'s process supervision (fork, restarts, the background build) is indexer/serving.py's."""
    edges = layers.graph()
    assert "indexer.serving" in edges["indexer.cli"]
    cli_source = (layers.REPO / "indexer" / "cli.py").read_text(encoding="utf-8")
    assert "os.fork" not in cli_source and "Popen" not in cli_source
