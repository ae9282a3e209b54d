"""Issue 11, item 7: ELAN .eaf, Praat .TextGrid and CHAT .cha, on invented files written the way
those tools write them (make_fixtures.py), each malformed piece reported file:line and skipped."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.sources import read_corpus
from indexer.transcripts import passages_from_cues, read_transcript

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
EAF = FIXTURES / "lavoir_rue_haute.eaf"
TEXTGRID_LONG = FIXTURES / "grande_fosse.TextGrid"
TEXTGRID_SHORT = FIXTURES / "ducasse_lievin.TextGrid"
CHA = FIXTURES / "estaminet.cha"


def cues(transcript):
    return [(c.start, c.end, c.speaker, c.text) for c in transcript.cues]


def errors(transcript):
    return [(p.line, p.reason) for p in transcript.problems if p.severity == "error"]


def reconciles(transcript) -> bool:
    return transcript.cues_read == len(transcript.cues) + len(errors(transcript))


def test_elan_one_tier_per_participant():
    transcript = read_transcript(EAF)
    assert transcript.format == "elan"
    assert cues(transcript) == [
        (0.5, 3.2, "Claire Dumoulin", "et le lavoir de la rue Haute vous vous en souvenez ?"),
        # Under a tier of segment numbers, the REF_ANNOTATIONs are the transcription;
        # ts4 has no TIME_VALUE: the times around it are used, as ELAN interpolates.
        (3.4, 9.0, "Jeanne Vasseur", "oh oui on y lavait les draps le lundi"),
        (3.4, 9.0, "Jeanne Vasseur", "à la brosse et au savon noir"),
    ]
    assert transcript.cues[0].events == [(28, "[rires]")]
    # The English translation tier is not speech.
    assert "remember" not in " ".join(c.text for c in transcript.cues)
    assert errors(transcript) == [
        (24, "annotation « a2 » sans temps lisible"),  # TIME_SLOT_REF2="ts9" does not exist
        (29, "fin avant le début (11.0 < 12.0)"),
        (65, "annotation « a9 » sans temps lisible : référence à une annotation absente « a42 » (ligne 65)"),
    ]
    assert reconciles(transcript)


def test_praat_long_format_in_utf16():
    transcript = read_transcript(TEXTGRID_LONG)
    assert (transcript.format, transcript.encoding) == ("textgrid", "utf-16")
    assert cues(transcript) == [
        (1.05, 4.8, "Léon", 'on l\'appelait "la Grande Fosse"'),  # a doubled quote is one quote
        (7.5, 14.2, "Léon", "les galibots descendaient à quatorze ans"),  # a text on two lines
        (7.5, 9.0, "Enquêteur", "à quatorze ans ?"),
    ]
    # Empty intervals are silences, the point tier is not speech; "7,5" is reported and skipped.
    assert errors(transcript) == [(24, "intervalle aux bornes illisibles « 4.8 », « 7,5 »")]
    assert reconciles(transcript)
    passages = passages_from_cues(transcript.cues)
    assert [p.speaker for p in passages] == ["Léon", "Enquêteur"]


def test_praat_short_format():
    transcript = read_transcript(TEXTGRID_SHORT)
    assert cues(transcript) == [
        (0.0, 2.5, "Maryse", "la ducasse de Liévin"),
        (3.0, 6.0, "Maryse", "c'était le dimanche"),  # "sil" between them is a silence
    ]
    assert transcript.problems == []


def test_praat_truncated_file_keeps_what_was_read(tmp_path):
    path = tmp_path / "coupe.TextGrid"
    text = TEXTGRID_SHORT.read_text(encoding="utf-8")
    path.write_text(text[:text.index('"sil"')], encoding="utf-8")
    transcript = read_transcript(path)
    assert cues(transcript) == [(0.0, 2.5, "Maryse", "la ducasse de Liévin")]
    assert [reason for _, reason in errors(transcript)] == ["fichier tronqué"]


def test_praat_binary_or_other_object_is_refused(tmp_path):
    path = tmp_path / "son.TextGrid"
    path.write_text('File type = "ooTextFile"\nObject class = "Sound 2"\n', encoding="utf-8")
    transcript = read_transcript(path)
    assert not transcript.readable
    assert "ce n'est pas un TextGrid" in errors(transcript)[0][1]


def test_chat_with_and_without_time_bullets():
    transcript = read_transcript(CHA)
    assert transcript.format == "chat"
    assert transcript.speaker_names == {"MAR": "Marcel Delattre", "ENQ": "Enquêtrice"}
    assert cues(transcript) == [
        (1.2, 3.4, "ENQ", "et l' estaminet c' était où ?"),
        # A continuation line belongs to its utterance; &=rit is an event; <…> [/] are codes.
        (3.4, 9.8, "MAR", "sur la place juste à juste à côté de l' église."),
        # No bullet: searchable, but no time. "pa(r)ce" is "parce"; (.) and +... dropped.
        (None, None, "MAR", "on jouait au javelot parce que c' était l' usage"),
        (None, None, "ENQ", "le javelot ?"),
    ]
    assert transcript.cues[1].events == [(12, "{rit}")]
    assert transcript.cues[2].events == [(30, "{xxx}")]
    assert errors(transcript) == [
        (14, "ligne d'énoncé illisible « *MAR\tsans deux-points »"),
        (15, "fin avant le début (12000_11000)"),
    ]
    assert reconciles(transcript)


def test_chat_untimed_utterances_make_passages_without_a_moment():
    transcript = read_transcript(CHA)
    passages = passages_from_cues(transcript.cues, transcript.speaker_names)
    assert [(p.speaker, p.start, p.end) for p in passages] == [
        ("Enquêtrice", 1.2, 3.4),
        ("Marcel Delattre", 3.4, 9.8),
        ("Marcel Delattre", None, None),  # no ?t= link can be made for it
        ("Enquêtrice", None, None),
    ]
    assert passages[2].cues == [(None, None)]
    # Every cue read is in a passage or reported.
    assert transcript.cues_read == sum(len(p.cues) for p in passages) + len(errors(transcript))


@pytest.mark.parametrize("name, content", [
    ("bombe.eaf", '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><ANNOTATION_DOCUMENT/>'),
    ("externe.eaf", '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<ANNOTATION_DOCUMENT>&x;</ANNOTATION_DOCUMENT>'),
])
def test_elan_entities_are_refused(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    transcript = read_transcript(path)
    assert not transcript.readable
    assert errors(transcript) == [(1, "déclaration d'entité XML refusée (sécurité)")]


def test_elan_broken_xml_names_its_line(tmp_path):
    path = tmp_path / "casse.eaf"
    path.write_text(EAF.read_text(encoding="utf-8").replace("</TIER>", "</TIRE>", 1), encoding="utf-8")
    transcript = read_transcript(path)
    assert not transcript.readable
    [(line, reason)] = errors(transcript)
    assert reason.startswith("XML invalide") and line == 33  # the line of "</TIRE>"


def test_unknown_extension_lists_the_supported_formats(tmp_path):
    path = tmp_path / "entretien.odt"
    path.write_bytes(b"PK")
    [(line, reason)] = errors(read_transcript(path))
    assert reason.startswith("format de transcription inconnu « .odt »")
    for extension in (".vtt", ".srt", ".txt", ".json", ".otr", ".trs", ".eaf", ".TextGrid", ".cha"):
        assert extension in reason


def test_the_readme_worked_example_reads_as_it_says(tmp_path):
    """The README's Praat example and its corpus.yaml give the two passages the README describes."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\w*\n(.*?)```", readme, re.S)
    textgrid = next(b for b in blocks if b.startswith('File type = "ooTextFile"'))
    corpus_yaml = next(b for b in blocks if "transcripts/fosse.TextGrid" in b)
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "fosse.TextGrid").write_text(textgrid, encoding="utf-8")
    (tmp_path / "corpus.yaml").write_text(corpus_yaml, encoding="utf-8")
    records = read_corpus(tmp_path)
    [rec] = records.recordings
    assert [(p.speaker, p.interviewer, p.start, p.end, p.text, p.events) for p in rec.passages] == [
        ("Prosper Delcourt", False, 0.0, 4.2, "on descendait à quatorze ans", [(28, "[rires]")]),
        ("Nadège Wattiez", True, 4.2, 9.5, "à quatorze ans ?", []),
    ]
    assert records.problems == []


@pytest.mark.parametrize("name, content, reason", [
    ("infini.TextGrid", 'File type = "ooTextFile"\nObject class = "TextGrid"\n0\n1e999\n<exists>\n1\n'
                        '"IntervalTier"\n"A"\n0\n5\n2\n0\n1e999\n"trop long"\n1\n2\n"bien"\n',
     "intervalle impossible (0.0 → inf)"),
    ("taille.TextGrid", 'File type = "ooTextFile"\nObject class = "TextGrid"\n0\n5\n<exists>\n1e999\n',
     "nombre de tiers impossible « inf »"),
    ("puce.cha", "@Begin\n*A:\tbonjour . \x15" + "9" * 400 + "_" + "9" * 401 + "\x15\n*A:\tbien .\n@End\n",
     "horodatage illisible entre les caractères \\x15"),
])
def test_absurd_numbers_are_reported_not_crashed_on(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    transcript = read_transcript(path)
    assert reason in [r for _, r in errors(transcript)]
    assert not any("erreur interne" in r for _, r in errors(transcript))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    extension=st.sampled_from([".eaf", ".TextGrid", ".cha"]),
    content=st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from(list('0123456789.,_ \n\t"<>/=[]*%@:&()x\x15ABCTIERANOslot')),
                max_size=300).map(str.encode),
        st.sampled_from([EAF, TEXTGRID_SHORT, CHA]).map(lambda p: p.read_bytes()).flatmap(
            lambda data: st.integers(0, len(data)).map(lambda cut: data[:cut])),
    ),
)
def test_new_readers_never_raise_and_always_balance(tmp_path, extension, content):
    path = tmp_path / f"hasard{extension}"
    path.write_bytes(content)
    transcript = read_transcript(path)
    assert not any("erreur interne" in p.reason for p in transcript.problems)
    for cue in transcript.cues:
        assert cue.text or cue.events
        assert (cue.start is None and cue.end is None) or 0 <= cue.start <= cue.end < float("inf")
    file_errors = 0 if transcript.readable else 1
    assert transcript.cues_read == len(transcript.cues) + len(errors(transcript)) - file_errors


def test_praat_forced_alignment_tiers_and_long_chat_participants(tmp_path):
    # Aligners write "Speaker - words" and "Speaker - phones" tiers: the words are the speaker's.
    grid = tmp_path / "aligne.TextGrid"
    grid.write_text('File type = "ooTextFile"\nObject class = "TextGrid"\n0\n2\n<exists>\n2\n'
                    '"IntervalTier"\n"Maryse - words"\n0\n2\n2\n0\n1\n"ducasse"\n1\n2\n"sp"\n'
                    '"IntervalTier"\n"Maryse - phones"\n0\n2\n1\n0\n1\n"d"\n', encoding="utf-8")
    assert cues(read_transcript(grid)) == [(0.0, 1.0, "Maryse", "ducasse")]
    # A long @Participants line goes on, indented, on the next line.
    chat = tmp_path / "long.cha"
    chat.write_text("@Begin\n@Participants:\tMAR Marcel_Delattre Participant,\n\tLOU Louise_Dehaene Participant\n"
                    "*LOU:\tbonjour . \x150_1000\x15\n@End\n", encoding="utf-8")
    transcript = read_transcript(chat)
    assert transcript.speaker_names == {"MAR": "Marcel Delattre", "LOU": "Louise Dehaene"}
    assert cues(transcript) == [(0.0, 1.0, "LOU", "bonjour.")]
