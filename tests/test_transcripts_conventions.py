"""Issue 11, items 4 and 6: transcription conventions are not speech, and subtitle labels
name their own cue or line.  Fixtures written by make_fixtures.py (invented people and words)."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.highlight import Match, mark_with_events
from indexer.transcripts import passages_from_cues, read_transcript
from indexer.transcripts.events import speech_and_events
from indexer.transcripts.speakers import split_speaker, subtitle_chunks

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
SUBTITLES = FIXTURES / "marche_couvert.srt"
TRS = FIXTURES / "cite_eglantiers.trs"


def cues(transcript):
    return [(c.start, c.speaker, c.text, c.events) for c in transcript.cues]


@pytest.mark.parametrize("raw, text, events", [
    ("c'est sûr [rires] c'est vrai", "c'est sûr c'est vrai", [(9, "[rires]")]),
    ("{rire} bon", "bon", [(0, "{rire}")]),
    ("on y allait (rires) le dimanche", "on y allait le dimanche", [(11, "(rires)")]),
    ("(PORTE QUI CLAQUE) entrez", "entrez", [(0, "(PORTE QUI CLAQUE)")]),
    ("*Applaudissements*", "", [(0, "*Applaudissements*")]),
    ("♪", "", [(0, "♪")]),
    ("♪ la la ♪ et après", "et après", [(0, "♪ la la ♪")]),
    ("+ le jardin /// et // les poules", "le jardin et les poules", []),
    # Not events: words between parentheses, a slash inside a word.
    ("il y avait (enfin je crois) trois puits", "il y avait (enfin je crois) trois puits", []),
    ("et/ou 1/2", "et/ou 1/2", []),
    ("c'était *très* dur", "c'était *très* dur", []),  # emphasis, not an event
])
def test_events_and_marks_are_taken_out_of_the_words(raw, text, events):
    assert speech_and_events(raw) == (text, events)


def test_angle_brackets_are_marks_only_in_linguists_formats():
    # Transcriber, ELAN, Praat and CHAT mark overlaps with them; WebVTT and SRT
    # write "<" as "&lt;", and ASR output may hold one: there it is text.
    assert speech_and_events("< on avait > le jardin", angle_marks=True) == ("on avait le jardin", [])
    assert speech_and_events("a < b", angle_marks=False) == ("a < b", [])


def test_subtitle_cues_events_and_labels():
    transcript = read_transcript(SUBTITLES)
    assert cues(transcript) == [
        (0.0, None, "", [(0, "[musique]")]),  # only an event: nobody's, not a label
        (3.0, "Claire", "Bienvenue au marché couvert", [(27, "(rires)")]),
        (6.0, None, "on y vient depuis toujours.", []),  # no label: NOT Claire's
        (9.0, "Claire", "Vous venez souvent ?", []),  # "- [Claire] …": that line only
        (9.0, None, "Tous les samedis.", [(16, "{rire}")]),  # "- …" : the other voice, unnamed
        (12.0, None, "", [(0, "*Applaudissements*")]),
        (14.0, "RÉMI", "c'est ma chanson", [(0, "♪ la la la ♪")]),
        (17.0, None, "", [(0, "(MUSIQUE)")]),
        (20.0, "Claire", "Merci à vous", [(12, "(applaudissements)")]),
    ]
    # The malformed cue is reported with its line and skipped; the rest is kept.
    assert [(p.line, p.severity) for p in transcript.problems] == [(35, "error")]
    assert transcript.cues_read == len(transcript.cues) + transcript.skipped


def test_event_words_are_never_searchable_nor_quoted():
    transcript = read_transcript(SUBTITLES)
    passages = passages_from_cues(transcript.cues)
    spoken = " ".join(p.text for p in passages).lower()
    for word in ("musique", "rires", "rire", "applaudissements", "la la"):
        assert word not in spoken
    # Claire's passages hold her words only; the events are carried beside the text.
    claire = [p for p in passages if p.speaker == "Claire"]
    assert [p.text for p in claire] == ["Bienvenue au marché couvert", "Vous venez souvent ?", "Merci à vous"]
    assert all(p.speaker is None for p in passages if not p.text)


def test_a_bracket_alone_is_an_event_and_a_bracket_before_words_a_label():
    assert split_speaker("[MUSIQUE]") == (None, "[MUSIQUE]")
    assert split_speaker("[PORTE QUI CLAQUE]") == (None, "[PORTE QUI CLAQUE]")
    assert split_speaker("[Claire] Bonjour") == ("Claire", "Bonjour")
    assert split_speaker("[rires] Bonjour") == (None, "[rires] Bonjour")
    assert subtitle_chunks(["- [Claire] Tu viens ?", "- Oui,", "tout de suite."]) == [
        ("Claire", "Tu viens ?"), (None, "Oui, tout de suite.")]


def test_vtt_labels_outside_voice_tags_name_their_cue_only(tmp_path):
    path = tmp_path / "reportage.vtt"
    path.write_text("WEBVTT\n\n00:01.000 --> 00:03.000\n[Claire] On arrive au lavoir.\n\n"
                    "00:03.000 --> 00:05.000\nIl est fermé depuis longtemps.\n\n"
                    "00:05.000 --> 00:07.000\n<v Rémi>[rires]\n", encoding="utf-8")
    assert cues(read_transcript(path)) == [
        (1.0, "Claire", "On arrive au lavoir.", []),
        (3.0, None, "Il est fermé depuis longtemps.", []),
        (5.0, None, "", [(0, "[rires]")]),  # a voice that only laughs says nothing
    ]


def test_transcriber_events_marks_and_annotation_speakers():
    transcript = read_transcript(TRS)
    texts = [c.text for c in transcript.cues]
    assert texts == [
        "vous habitiez la cité des Églantiers ?",
        "oui c'est sûr on était bien",  # <Event desc="rire"/> taken out …
        "on avait le jardin et les poules",  # "&lt;", "&gt;", "+", "///" dropped
        "c'est vrai que",
        "",  # [rires] of the second voice of an overlap
        "le carreau c'était à deux pas",
    ]
    assert transcript.cues[1].events == [(13, "[rire]")]  # … and kept as an event
    # spk3 only holds durations ("0.643", "1,25"): an annotation tier, not a speaker.
    assert "spk3" not in {c.speaker for c in transcript.cues}
    assert not any(ch.isdigit() for text in texts for ch in text)
    assert [(p.line, p.reason) for p in transcript.problems] == [
        (26, "intervenant « spk3 » (durée) : ses tours ne contiennent que des nombres (annotations), ignorés")]


def test_transcriber_sections_give_their_passages_their_topic():
    transcript = read_transcript(TRS)
    passages = passages_from_cues(transcript.cues, transcript.speaker_names)
    assert [(p.speaker, p.topic) for p in passages] == [
        ("Enquêtrice", "la cité minière"),
        ("BA725", "la cité minière"),
        (None, "la cité minière"),
        ("BA725", "le carreau de fosse"),  # same speaker, but a new section: a new passage
    ]


def test_recording_page_html_shows_events_as_events():

    text, events = speech_and_events("oui c'est sûr [rires] on était <bien>", angle_marks=True)
    html = mark_with_events(text, [], events)
    assert html == "oui c&#39;est sûr <span class=\"event\">[rires]</span> on était bien"
    # An event never cuts a highlighted match: it goes after it.
    html = mark_with_events("c'est sûr vrai", [Match(6, 14)], [(9, "[rires]")])
    assert html == "c&#39;est <mark>sûr vrai</mark> <span class=\"event\">[rires]</span>"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab é'[](){}*♪<>+/ .\n")), max_size=60), st.booleans())
def test_events_offsets_always_fall_inside_the_text(raw, angle_marks):
    text, events = speech_and_events(raw, angle_marks)
    assert text == " ".join(text.split())
    assert [at for at, _ in events] == sorted(at for at, _ in events)
    assert all(0 <= at <= len(text) for at, _ in events)
    # The recording page shows every word, in order, and every event.
    page = mark_with_events(text, [], events)
    words = html.unescape(re.sub(r'<span class="event">.*?</span>', "", page))
    assert "".join(words.split()) == "".join(text.split())
    assert [html.unescape(e) for e in re.findall(r'<span class="event">(.*?)</span>', page)] == [e for _, e in events]
