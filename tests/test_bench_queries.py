"""The first-sight benchmark's query sampler (issue 13), on a small generated archive.

Checks what makes the headline figures mean "first sight": the set is the same
for the same seed, covers every class, never asks the application the same
query twice, and its phrases, word pairs and prefixes come from the archive
(SQLite FTS5 finds every one of them, filters included).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bench import fts5_baseline, query_sample
from bench.query_sample import CLASSES, FACET_SUFFIX, query_key

REPO = Path(__file__).resolve().parent.parent
PER_CLASS = 6
CONCURRENT_PER_CLASS = 3


@pytest.fixture(scope="module")
def archive(generated_archive) -> Path:
    return generated_archive(2, 4)


@pytest.fixture(scope="module")
def cues(archive) -> list[str]:
    """Every cue's text, read here with a plain regex, not with the sampler's reader."""
    texts = []
    for path in sorted((archive / "transcripts").glob("*.vtt")):
        texts += re.findall(r"^<v [^>]+>(.*)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return texts


@pytest.fixture(scope="module")
def queries(archive):
    return query_sample.sample_queries(archive, 21, PER_CLASS, CONCURRENT_PER_CLASS, reserved=["terril"])


def everything(queries) -> list:
    return queries.warmup + queries.first_sight + queries.concurrent


def test_same_seed_same_queries_other_seed_others(archive, queries):
    again = query_sample.sample_queries(archive, 21, PER_CLASS, CONCURRENT_PER_CLASS, reserved=["terril"])
    assert [(q.cls, q.params) for q in everything(again)] == [(q.cls, q.params) for q in everything(queries)]
    other = query_sample.sample_queries(archive, 22, PER_CLASS, CONCURRENT_PER_CLASS, reserved=["terril"])
    assert {q.params["q"] for q in other.first_sight} != {q.params["q"] for q in queries.first_sight}


def test_every_class_is_covered(queries):
    assert queries.short == {}
    assert Counter(q.cls for q in queries.warmup) == {cls: 1 for cls in CLASSES}
    assert Counter(q.cls for q in queries.first_sight) == {cls: PER_CLASS for cls in CLASSES}
    assert Counter(q.cls for q in queries.concurrent) == {cls: CONCURRENT_PER_CLASS for cls in CLASSES}
    for q in everything(queries):
        filters = set(q.params) - {"q"}
        assert len(filters) == (1 if q.cls.endswith(FACET_SUFFIX) else 0), q
        assert filters <= {"theme", "year", "kind", "speaker"}
        text = q.params["q"]
        base = q.cls.removesuffix(FACET_SUFFIX)
        if base == "phrase":
            assert re.fullmatch(r'"\w+( \w+){1,2}"', text), text
        elif base == "prefix":
            assert re.fullmatch(r"\w{2,6}\*", text), text
        elif base == "two words":
            assert re.fullmatch(r"\w+ \w+", text), text
        else:
            assert re.fullmatch(r"\w+", text), text


def test_no_query_is_asked_twice(queries):
    asked = everything(queries)
    assert len({q.params["q"] for q in asked}) == len(asked)
    # Not even in another spelling: what the application's analyzer makes of them differs too.
    assert len({query_key(q.params["q"]) for q in asked}) == len(asked)
    assert query_key("terril") not in {query_key(q.params["q"]) for q in asked}
    assert query_key("Fosses") == query_key("fosse")  # the key is what the app's cache sees


def test_queries_come_from_the_archive(queries, cues):
    spoken = [" " + " ".join(c.lower().split()) + " " for c in cues]
    words = Counter(w for c in cues for w in re.findall(r"[^\W\d_]+", c.lower()))
    for q in everything(queries):
        text = q.params["q"]
        base = q.cls.removesuffix(FACET_SUFFIX)
        if base == "phrase":
            phrase = " " + text.strip('"') + " "
            assert any(phrase in cue for cue in spoken), f"phrase not in the archive: {text}"
        elif base == "two words":
            a, b = text.split()
            assert any(re.search(rf"\b{a}\b", cue) and re.search(rf"\b{b}\b", cue) for cue in spoken), text
        elif base == "prefix":
            assert any(w.startswith(text[:-1]) for w in words), text
        else:
            assert words[text] > 0, text


def test_word_classes_are_ordered_by_frequency(archive, queries):
    words = Counter()
    for path in (archive / "transcripts").glob("*.vtt"):
        words.update(re.findall(r"[^\W\d_]+", path.read_text(encoding="utf-8").lower()))
    counts = {cls: [words[q.params["q"]] for q in everything(queries) if q.cls.startswith(cls)]
              for cls in ("word, frequent", "word, medium", "word, rare")}
    # Counts are of the word's term (its stem), so a spelling can be rarer than its term; the classes still order.
    assert min(counts["word, frequent"]) > max(counts["word, rare"])
    assert sorted(counts["word, medium"])[len(counts["word, medium"]) // 2] > max(counts["word, rare"])


def test_fts5_finds_every_query_filters_included(archive, queries, tmp_path):
    db = tmp_path / "fts5.sqlite"
    fts5_baseline.build(archive, db)
    searcher = fts5_baseline.Fts5Search(db)
    try:
        for q in everything(queries):
            assert searcher.search(q.params)["total"] >= 1, q.params
    finally:
        searcher.close()


def test_filters_come_from_the_recording_of_the_words(archive, queries):
    recordings = yaml.safe_load((archive / "corpus.yaml").read_text("utf-8"))["recordings"].values()
    values = {
        "theme": {r["theme"] for r in recordings},
        "kind": {r["kind"] for r in recordings},
        "year": {str(r["date"])[:4] for r in recordings},
        "speaker": {s["name"] for r in recordings for s in r["speakers"]},
    }
    for q in everything(queries):
        for name, value in q.params.items():
            if name != "q":
                assert value in values[name], (name, value)


def test_words_are_cut_as_both_engines_cut_them():
    # "aujourd'hui" is one word to the application and two to FTS5: never a query word.
    assert query_sample.spoken_words("Aujourd'hui, l'époque de Loos-en-Gohelle, jusqu'à l’usine.") == [
        "époque", "de", "loos", "en", "gohelle", "à", "usine"]


def test_same_queries_in_another_process(archive):
    """Nothing depends on Python's per-process string hashing: two processes draw the same set."""
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)}
        run = subprocess.run([sys.executable, "-m", "bench.query_sample", "--corpus", str(archive), "--seed", "5",
                              "--per-class", "3", "--concurrent-per-class", "2"],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == len(CLASSES) * (1 + 3 + 2)


def test_a_read_budget_spreads_the_reading_over_the_archive(archive):
    size = sum(p.stat().st_size for p in (archive / "transcripts").glob("*.vtt"))
    whole = query_sample.read_archive(archive, 1)
    enough = query_sample.read_archive(archive, 1, budget_bytes=size)
    every_other = query_sample.read_archive(archive, 1, budget_bytes=-(-size // 2))  # every other recording
    assert enough.words == whole.words
    assert 0 < every_other.words < whole.words
    assert len(whole.recordings) >= 3
    assert {s.recording for s, _ in every_other.cues} == set(range(0, len(whole.recordings), 2))
