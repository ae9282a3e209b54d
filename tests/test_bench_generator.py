"""The benchmark's synthetic archive generator and its SQLite FTS5 baseline (issue 6).

Small archives only (minutes to a few hours of speech): checks the shape of
what is written, not speed.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bench import fts5_baseline, generate_archive
from bench.generate_archive import EXCLUDED_NAMES, WORDS_PER_HOUR

REPO = Path(__file__).resolve().parent.parent
CUE_TIMES = re.compile(r"^(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)$")
WORD = re.compile(r"\S*\w\S*")


def seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def read_cues(path: Path) -> list[tuple[float, float, str, str]]:
    """(start, end, voice, text) of every cue; fails on anything that is not plain WebVTT with voice tags."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "WEBVTT"
    cues = []
    for i, line in enumerate(lines):
        match = CUE_TIMES.match(line)
        if match:
            payload = lines[i + 1]
            voice = re.match(r"^<v ([^>]+)>(.+)$", payload)
            assert voice, f"{path.name}:{i + 2}: no voice tag: {payload!r}"
            cues.append((seconds(match.group(1)), seconds(match.group(2)), voice.group(1), voice.group(2)))
    return cues


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    return out, generate_archive.generate(0.05, out, seed=3)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    return out, generate_archive.generate(3, out, seed=11)


def test_tiny_archive_is_valid_vtt_and_yaml(tiny):
    out, manifest = tiny
    corpus = yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))
    assert corpus["pages"] == []
    assert "Loos-en-Gohelle" in corpus["places"]
    assert len(corpus["recordings"]) == manifest["recordings"] == 1
    (rec_id, entry), = corpus["recordings"].items()
    assert re.fullmatch(r"synth-\d{6}", rec_id)
    assert {"title", "date", "theme", "kind", "transcript", "speakers"} <= set(entry)
    assert re.fullmatch(r"\d{4}(-\d\d){0,2}", entry["date"])

    cues = read_cues(out / entry["transcript"])
    words = sum(len(WORD.findall(text)) for *_, text in cues)
    assert words == manifest["words"]
    # 0.05 h at about 9,000 words per hour
    assert abs(words - 0.05 * WORDS_PER_HOUR) <= 0.15 * 0.05 * WORDS_PER_HOUR

    # Times go forward; cues last about 4-8 s.
    for (start, end, _, _), (next_start, _, _, _) in zip(cues, cues[1:]):
        assert start < end <= next_start
    durations = sorted(end - start for start, end, _, _ in cues)
    assert 4.0 <= durations[len(durations) // 2] <= 8.0
    assert durations[-1] <= 10.0

    # One interviewer and 1-3 guests, all heard, every voice declared.
    speakers = entry["speakers"]
    assert sum(1 for s in speakers if s.get("interviewer")) == 1
    assert 1 <= len(speakers) - 1 <= 3
    voices = {voice for _, _, voice, _ in cues}
    assert voices <= {s["name"] for s in speakers}
    assert len(voices) >= 2


def test_small_archive_has_the_stated_properties(small):
    out, manifest = small
    corpus = yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))
    recordings = corpus["recordings"]
    assert len(recordings) >= 3
    assert abs(manifest["words_per_hour"] - WORDS_PER_HOUR) <= 0.05 * WORDS_PER_HOUR
    assert abs(manifest["seconds"] - 3 * 3600) < 1

    text = ""
    for i, entry in enumerate(recordings.values()):
        cues = read_cues(out / entry["transcript"])
        length = cues[-1][1]
        if i < len(recordings) - 1:  # the last one is cut to fit the hours asked
            assert 20 * 60 - 30 <= length <= 60 * 60 + 30
        assert 2 <= len(entry["speakers"]) <= 4
        text += " ".join(t for *_, t in cues) + " "
    # Spoken French: elisions, accents, plurals, hyphenated place names, fillers.
    assert re.search(r"\b[ldjnsc]'\w", text) and "qu'" in text
    assert re.search(r"[éèàçêô]", text)
    assert re.search(r"\b\w+-\w+-\w+\b", text)
    assert " euh" in text.lower()
    assert {entry["theme"] for entry in recordings.values()} <= set(manifest["themes"])


def test_people_are_invented(small):
    out, manifest = small
    corpus = yaml.safe_load((out / "corpus.yaml").read_text(encoding="utf-8"))
    names = {s["name"] for entry in corpus["recordings"].values() for s in entry["speakers"]}
    interviewers, guests = generate_archive.make_people(11)
    assert names <= {p.name for p in interviewers + guests}
    assert not names & EXCLUDED_NAMES
    # No generated name is one of the real people named in the real corpus.
    real_text = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in (REPO / "corpus").rglob("*.txt"))
    assert not [name for name in names if name in real_text]


def test_generation_is_deterministic(tmp_path):
    a = generate_archive.generate(0.05, tmp_path / "a", seed=5)
    b = generate_archive.generate(0.05, tmp_path / "b", seed=5)
    assert (tmp_path / "a" / "corpus.yaml").read_text("utf-8").split("\n", 1)[1] == (tmp_path / "b" / "corpus.yaml").read_text("utf-8").split("\n", 1)[1]
    vtt = "transcripts/synth-000001.vtt"
    assert (tmp_path / "a" / vtt).read_bytes() == (tmp_path / "b" / vtt).read_bytes()
    assert a["words"] == b["words"]
    generate_archive.generate(0.05, tmp_path / "c", seed=6)
    assert (tmp_path / "c" / vtt).read_bytes() != (tmp_path / "a" / vtt).read_bytes()


def test_query_syntax_to_fts5():
    assert fts5_baseline.to_match('fosse "bassin minier" min*') == '"fosse" "bassin minier" "min"*'
    assert fts5_baseline.to_match("l'époque \"\" *") == "\"l'époque\""
    assert fts5_baseline.to_match("  ") == ""


def test_fts5_baseline_answers_with_facets_and_snippets(small, tmp_path):
    out, manifest = small
    db = tmp_path / "fts5.sqlite"
    stats = fts5_baseline.build(out, db)
    assert stats["recordings"] == manifest["recordings"]
    assert stats["words"] == manifest["words"]
    searcher = fts5_baseline.Fts5Search(db)

    # A word the transcripts certainly hold: the first long word of the first cue of a guest.
    entry = next(iter(yaml.safe_load((out / "corpus.yaml").read_text("utf-8"))["recordings"].values()))
    word = max(re.findall(r"\w{6,}", read_cues(out / entry["transcript"])[3][3]), key=len)
    answer = searcher.search({"q": word})
    assert answer["total"] >= 1
    assert sum(f["count"] for f in answer["facets"]["theme"]) == answer["total"]
    assert sum(f["count"] for f in answer["facets"]["kind"]) == answer["total"]
    assert answer["facets"]["speaker"] and answer["facets"]["year"]
    first = answer["results"][0]
    assert first["recording"]["id"].startswith("synth-")
    assert 1 <= len(first["passages"]) <= 3
    passage = first["passages"][0]
    assert "<mark>" in passage["snippet"] and passage["verbatim"] is True
    assert passage["speaker"] and passage["start"] < passage["end"]

    # Accents folded: the same word without its accents finds the same recordings.
    folded = fts5_baseline.Fts5Search(db).search({"q": word.translate(str.maketrans("éèêàçô", "eeeaco"))})
    assert folded["total"] == answer["total"]

    # Filters narrow the answer; the speaker filter keeps that person's passages.
    theme = answer["facets"]["theme"][0]
    filtered = searcher.search({"q": word, "theme": theme["value"]})
    assert filtered["total"] == theme["count"]
    speaker = answer["facets"]["speaker"][0]["value"]
    by_speaker = searcher.search({"q": word, "speaker": speaker})
    assert all(p["speaker"] == speaker for r in by_speaker["results"] for p in r["passages"])

    # Page 2 continues page 1.
    common = searcher.search({"q": "les", "per_page": 2})
    page2 = searcher.search({"q": "les", "per_page": 2, "page": 2})
    assert common["total"] >= 3
    assert {r["recording"]["id"] for r in common["results"]}.isdisjoint(r["recording"]["id"] for r in page2["results"])


def test_added_recording_becomes_searchable(small, tmp_path):
    out, manifest = small
    db = tmp_path / "fts5.sqlite"
    fts5_baseline.build(out, db)
    yaml_path = out / "corpus.yaml"
    before = yaml_path.read_bytes()
    try:
        extra = generate_archive.append_recording(out, "synth-extra-000001", minutes=20, seed=11, marker="zythogalibot")
        assert "synth-extra-000001" in yaml.safe_load(yaml_path.read_text("utf-8"))["recordings"]
        assert extra["words"] > 0
        assert fts5_baseline.Fts5Search(db).search({"q": "zythogalibot"})["total"] == 0
        fts5_baseline.add(out, db, "synth-extra-000001")
        answer = fts5_baseline.Fts5Search(db).search({"q": "zythogalibot"})
        assert [r["recording"]["id"] for r in answer["results"]] == ["synth-extra-000001"]
    finally:
        yaml_path.write_bytes(before)
        (out / "transcripts" / "synth-extra-000001.vtt").unlink(missing_ok=True)
