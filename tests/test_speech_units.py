"""Audio read in bounded blocks, voices told apart and named - without the speech model.

Real audio (espeak-ng and sox) for the VAD and the voice features; plain numbers for the
naming across recordings, where the question is the rule, not the sound.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from bench.speech import INTERVIEWS, synthesize, tools_missing
from indexer.speech import attribution, audio, voices
from indexer.speech.decode import analyse, plan

pytestmark = pytest.mark.skipif(bool(tools_missing()), reason="espeak-ng and sox make the audio (make test installs them)")


@pytest.fixture(scope="module")
def vergers(tmp_path_factory):
    guest, bed, sentences = INTERVIEWS["entretien-vergers"]
    return synthesize(tmp_path_factory.mktemp("speech"), "vergers", sentences, bed=bed)


def test_spans_are_the_same_whatever_the_block_size(vergers):
    """A block border never cuts a span: times stay exact across borders (issue 19, point 6)."""
    whole = [tuple(u.spans) for u in audio.speech_units(audio.stream_audio(vergers.path, 600))]
    spans_whole = [s for unit in whole for s in unit]
    for block in (3.0, 7.0):
        units = list(audio.speech_units(audio.stream_audio(vergers.path, block)))
        spans = [s for unit in units for s in unit.spans]
        assert len(spans) == len(spans_whole)
        for (a, b), (c, d) in zip(spans, spans_whole):
            assert abs(a - c) <= 0.1 and abs(b - d) <= 0.1, (block, spans, spans_whole)
        for unit in units:  # a unit's audio covers its speech
            assert unit.start <= unit.spans[0][0] and unit.end >= unit.spans[-1][1] - 0.01


def test_every_sentence_is_in_a_speech_span(vergers):
    spans = analyse(vergers.path).spans
    for start, end in zip(vergers.starts, vergers.ends):
        covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)
        assert covered >= 0.8 * (end - start), (start, end, spans)


def test_turns_follow_the_voices_of_an_interview(vergers):
    """Two voices found, each sentence's time in the turns of its own voice."""
    analysis = analyse(vergers.path)
    units, turns, summary = plan(analysis, expected_voices=2)
    assert len(summary["voices"]) == 2
    voice_of = {}
    for start, end, who in zip(vergers.starts, vergers.ends, vergers.speakers):
        shares = {}
        for a, b, voice in turns:
            shares[voice] = shares.get(voice, 0.0) + max(0.0, min(end, b) - max(start, a))
        voice_of.setdefault(who, set()).add(max(shares, key=shares.get))
    assert all(len(found) == 1 for found in voice_of.values()), voice_of  # one voice a person …
    assert len({v for found in voice_of.values() for v in found}) == 2  # … and not the same one
    assert all(len({u.voice}) == 1 for u in units)  # a unit is one voice's


def test_a_voice_change_inside_a_span_cuts_it():
    times = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5])
    labels = np.array([0, 0, 0, 1, 1, 1, 1])
    assert voices.voice_turns([(0.0, 4.0)], times, labels) == [(0.0, 1.75, 0), (1.75, 4.0, 1)]
    # a lone window of another voice is noise, not a turn
    labels = np.array([0, 0, 0, 1, 0, 0, 0])
    assert {v for _, _, v in voices.voice_turns([(0.0, 4.0)], times, labels)} == {0}


def test_uncovered_speech_is_what_no_word_reaches():
    spans = [(0.0, 10.0), (12.0, 13.0)]
    words = [(0.5, 1.0), (1.1, 3.0), (8.0, 9.9)]
    assert audio.uncovered(spans, words) == [(3.4, 7.6), (12.0, 13.0)]
    assert audio.uncovered(spans, words + [(3.2, 7.9), (12.1, 12.9)]) == []


# --------------------------------------------------------------------------- naming across recordings

DIM = voices.DIMENSIONS


def voice(seed: int, spread: float = 0.0, rng=None) -> np.ndarray:
    """A made-up voice centroid: seeded, so the same seed is the same person (plus ``spread`` noise)."""
    base = np.random.default_rng(seed).normal(0, 1, DIM)
    return base + (rng.normal(0, spread, DIM) if rng is not None else 0.0)


def voice_set(rec_id, people: dict[str, int], guests, rng, spread=0.15, interviewer="Gaspard Lenoir"):
    found = {f"V{n}": (30.0 if seed != 0 else 12.0, voice(seed, spread, rng)) for n, seed in enumerate(people.values(), 1)}
    return attribution.VoiceSet(rec_id, found, np.ones(DIM), guests, interviewer)


def named(result, rec_id):
    return {label: n.name for label, n in result[rec_id].items() if n.name}


def test_the_recurring_voice_is_the_interviewer_and_the_other_the_guest():
    rng = np.random.default_rng(7)
    sets = [voice_set("a", {"interviewer": 0, "g": 1}, ["Odile Warembourg"], rng),
            voice_set("b", {"g": 2, "interviewer": 0}, ["Bastien Carlier"], rng),
            voice_set("c", {"interviewer": 0, "g": 3}, ["Léa Fromont"], rng)]
    result = attribution.attribute(sets)
    assert named(result, "a") == {"V1": "Gaspard Lenoir", "V2": "Odile Warembourg"}
    assert named(result, "b") == {"V1": "Bastien Carlier", "V2": "Gaspard Lenoir"}
    assert named(result, "c") == {"V1": "Gaspard Lenoir", "V2": "Léa Fromont"}
    assert all(0.5 <= n.confidence <= 1 for r in result.values() for n in r.values())


def test_one_recording_alone_names_nobody():
    rng = np.random.default_rng(1)
    result = attribution.attribute([voice_set("a", {"interviewer": 0, "g": 1}, ["Odile Warembourg"], rng)])
    assert named(result, "a") == {}


def test_two_guests_are_named_only_by_voices_heard_elsewhere():
    rng = np.random.default_rng(3)
    sets = [voice_set("a", {"interviewer": 0, "g": 1}, ["Odile Warembourg"], rng),
            voice_set("b", {"interviewer": 0, "g": 2}, ["Bastien Carlier"], rng),
            voice_set("c", {"interviewer": 0, "g": 3}, ["Léa Fromont"], rng),
            # Odile Warembourg again, with a guest never heard alone: only she can be named
            voice_set("d", {"interviewer": 0, "g": 1, "h": 4}, ["Odile Warembourg", "Anselme Ruaux"], rng)]
    result = attribution.attribute(sets)
    assert named(result, "d") == {"V1": "Gaspard Lenoir", "V2": "Odile Warembourg"}


def test_two_voices_heard_in_every_recording_single_out_nobody():
    """The same two people everywhere: which of them interviews cannot be told by recurrence."""
    rng = np.random.default_rng(11)
    sets = [voice_set(rec_id, {"x": 1, "y": 2}, ["Odile Warembourg"], rng) for rec_id in "abc"]
    result = attribution.attribute(sets)
    assert all(named(result, rec_id) == {} for rec_id in "abc"), result


def test_a_talk_without_the_interviewer_does_not_give_him_a_voice():
    rng = np.random.default_rng(5)
    sets = [voice_set("a", {"interviewer": 0, "g": 1}, ["Odile Warembourg"], rng),
            voice_set("b", {"interviewer": 0, "g": 2}, ["Bastien Carlier"], rng),
            voice_set("c", {"interviewer": 0, "g": 3}, ["Léa Fromont"], rng),
            voice_set("d", {"g": 4}, ["Anselme Ruaux"], rng)]
    result = attribution.attribute(sets)
    assert "Gaspard Lenoir" not in named(result, "d").values()
    assert named(result, "d") == {"V1": "Anselme Ruaux"}


# --------------------------------------------------------------------------- bounded memory


MEASURE = textwrap.dedent("""
    import resource, sys
    from indexer.speech.decode import analyse
    analyse(sys.argv[1])
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


@pytest.mark.slow
def test_the_first_pass_keeps_memory_flat_whatever_the_length(tmp_path, vergers):
    """Issue 19 point 6: memory must not grow with the audio's length (a 10-hour file peaked at 7.8 GB).
    The peak is the child process's own (ru_maxrss), not the machine's: it may run next to other xdist workers."""
    peaks = {}
    # Both files hold several blocks (BLOCK_SECONDS): what is held per block is the same, and only
    # what grows with the length would show - as the heap did, fragmented by each block's large
    # buffers, before keep_large_buffers_off_the_heap (18 min: 388 MB, 48 min: 491 MB).
    for minutes in (18, 48):
        long = tmp_path / f"long-{minutes}.wav"
        repeats = int(minutes * 60 / 24)
        subprocess.run(["sox", "-R", str(vergers.path), str(long), "repeat", str(repeats)], check=True, timeout=60)
        done = subprocess.run([sys.executable, "-c", MEASURE, str(long)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        peaks[minutes] = int(done.stdout.split()[-1])
        long.unlink()
    # A whole decode of 30 more minutes alone would add ~115 MB of samples, faster-whisper's VAD more.
    assert peaks[48] - peaks[18] < 40, peaks


def test_naming_leaves_alone_a_planted_file_with_odd_voices(tmp_path):
    """transcripts/auto/ is a corpus folder: a file there whose voices are not what transcribe
    writes (wrong sizes, strings, segments that are not objects) is skipped, never computed with."""
    import json

    from indexer import transcribe as asr
    from indexer.sources import read_corpus

    corpus = tmp_path / "corpus"
    (corpus / "transcripts" / "auto").mkdir(parents=True)
    (corpus / "audio").mkdir()
    entries = "".join(f"  r{n}:\n    title: R{n}\n    audio: audio/r{n}.wav\n    speakers: [Odile Warembourg]\n"
                      for n in range(3))
    (corpus / "corpus.yaml").write_text("site: https://exemple.invalid/\npages: []\nrecordings:\n" + entries,
                                        encoding="utf-8")
    odd = [{"scale": [1.0] * 3, "voices": {"V1": {"seconds": 3, "centroid": [0.0] * 3}}},
           {"scale": ["x"] * voices.DIMENSIONS, "voices": {}},
           {"scale": [1.0] * voices.DIMENSIONS, "voices": {"V1": {"seconds": 3, "centroid": [0.0] * voices.DIMENSIONS}}}]
    for n, found in enumerate(odd):
        data = {"provenance": {"automatic": True, "model": "m", "date": "2026-01-01", "voices": found},
                "segments": [{"start": 0, "end": 1, "text": "x", "voice": "V1"}] if n < 2 else ["pas un objet"]}
        (corpus / "transcripts" / "auto" / f"r{n}.json").write_text(json.dumps(data), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (corpus / "transcripts" / "auto").iterdir()}
    assert asr.attribute_speakers(read_corpus(corpus)) == []
    assert {p.name: p.read_bytes() for p in (corpus / "transcripts" / "auto").iterdir()} == before
