"""passages_from_cues: speaker turns, cut into windows of about 30 s (never more than 40 s)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indexer.records import Cue
from indexer.transcripts import passages_from_cues


def timed(texts, speaker="GASTON", start=0.0, length=5.0):
    """Back-to-back cues of `length` seconds, one per text, lines 1, 2, 3 …"""
    return [Cue(start + i * length, start + (i + 1) * length, text, speaker, i + 1) for i, text in enumerate(texts)]


def spans(passages):
    return [(p.start, p.end) for p in passages]


def test_a_passage_has_the_turn_s_fields():
    cues = [Cue(1.0, 3.5, "Bonjour.", "spk2", 12), Cue(3.5, 6.0, "Je suis rattacheur.", "spk2", 14)]
    [passage] = passages_from_cues(cues, {"spk2": "Gaston Verhaeghe"})
    assert passage.text == "Bonjour. Je suis rattacheur."
    assert passage.verbatim is True and passage.label == "transcription"
    assert passage.speaker == "Gaston Verhaeghe" and passage.interviewer is False
    assert (passage.start, passage.end, passage.line) == (1.0, 6.0, 12)
    assert passage.cues == [(1.0, 3.5), (3.5, 6.0)]


def test_a_window_closes_at_the_first_sentence_end_after_30_seconds():
    cues = timed(["Un.", "deux", "trois.", "quatre", "cinq", "six", "sept.", "huit.", "neuf"])
    passages = passages_from_cues(cues)
    # at 30 s "six" ends no sentence: the window goes on to "sept." (35 s)
    assert spans(passages) == [(0.0, 35.0), (35.0, 45.0)]
    assert passages[0].text == "Un. deux trois. quatre cinq six sept."
    assert passages[1].line == 8


def test_a_window_is_cut_at_40_seconds_even_mid_sentence():
    cues = timed(["mot"] * 12)  # 60 s without a sentence end
    assert spans(passages_from_cues(cues)) == [(0.0, 40.0), (40.0, 60.0)]


def test_a_forced_cut_goes_back_to_the_last_sentence_end_past_half_the_window():
    cues = timed(["a", "b", "c", "d.", "e", "f", "g", "h", "i", "j"])  # "d." ends at 20 s
    assert spans(passages_from_cues(cues)) == [(0.0, 20.0), (20.0, 50.0)]


def test_a_sentence_end_too_early_does_not_make_a_tiny_passage():
    cues = timed(["Oui.", "b", "c", "d", "e", "f", "g", "h", "i"])  # "Oui." ends at 5 s < 15 s
    assert spans(passages_from_cues(cues)) == [(0.0, 40.0), (40.0, 45.0)]


def test_a_cue_longer_than_the_window_is_never_split():
    cues = [Cue(0.0, 50.0, "Un très long monologue", "GASTON"), Cue(50.0, 55.0, "et la suite", "GASTON")]
    passages = passages_from_cues(cues)
    assert spans(passages) == [(0.0, 50.0), (50.0, 55.0)]


def test_window_sizes_are_parameters():
    cues = timed(["Un.", "Deux.", "Trois.", "Quatre."])
    assert spans(passages_from_cues(cues, window=10.0, max_window=12.0)) == [(0.0, 10.0), (10.0, 20.0)]


def test_speakers_are_never_merged():
    cues = timed(["Bonjour.", "Bonjour madame.", "Vous êtes bien Gaston ?"], speaker=None)
    cues[0].speaker, cues[1].speaker, cues[2].speaker = "ODILE", "GASTON", "ODILE"
    passages = passages_from_cues(cues, {"ODILE": "Odile Marchal"}, interviewers={"Odile Marchal"})
    assert [(p.speaker, p.interviewer, p.text) for p in passages] == [
        ("Odile Marchal", True, "Bonjour."),
        ("GASTON", False, "Bonjour madame."),  # not in the map: the label itself
        ("Odile Marchal", True, "Vous êtes bien Gaston ?"),
    ]


def test_cues_without_speaker_make_their_own_passages():
    cues = [Cue(0, 2, "Musique.", None), Cue(2, 4, "Bonjour.", "SPEAKER_00"), Cue(4, 6, "Applaudissements.", None)]
    passages = passages_from_cues(cues, interviewers={"SPEAKER_00"})
    assert [(p.speaker, p.interviewer) for p in passages] == [(None, False), ("SPEAKER_00", True), (None, False)]


def test_no_cues_no_passages():
    assert passages_from_cues([]) == []


SPEAKERS = st.sampled_from([None, "spk1", "spk2", "SPEAKER_00"])
TEXTS = st.sampled_from(["mot", "fin.", "question ?", "« citation. »", "suite"])


@st.composite
def cue_lists(draw):
    cues, start = [], 0.0
    for line in range(1, draw(st.integers(0, 40)) + 1):
        start += draw(st.floats(0, 20))
        length = draw(st.floats(0, 60))
        cues.append(Cue(start, start + length, draw(TEXTS), draw(SPEAKERS), line))
    return cues


@given(cue_lists(), st.floats(5, 40), st.floats(0, 20))
def test_passages_keep_every_cue_once_and_respect_the_limits(cues, window, extra):
    max_window = window + extra
    names = {"spk1": "Odile Marchal", "SPEAKER_00": "Odile Marchal"}
    passages = passages_from_cues(cues, names, window=window, max_window=max_window)
    # every cue exactly once, in order
    assert [t for p in passages for t in p.cues] == [(c.start, c.end) for c in cues]
    position = 0
    for passage in passages:
        inside = cues[position:position + len(passage.cues)]
        position += len(passage.cues)
        # one speaker per passage
        assert {names.get(c.speaker, c.speaker) for c in inside} == {passage.speaker}
        assert passage.text == " ".join(c.text for c in inside)
        assert passage.line == inside[0].line
        assert (passage.start, passage.end) == (inside[0].start, max(c.end for c in inside))
        # at most max_window, unless one cue is longer by itself
        assert len(inside) == 1 or max(c.end for c in inside) - passage.start <= max_window


def test_a_passage_ends_at_its_latest_cue_end_when_cues_overlap():
    cues = [Cue(0.0, 10.0, "Je parlais", "GASTON"), Cue(2.0, 5.0, "en même temps.", "GASTON")]
    [passage] = passages_from_cues(cues)
    assert (passage.start, passage.end) == (0.0, 10.0)
