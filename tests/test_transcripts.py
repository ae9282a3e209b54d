"""Transcript readers: one fixture per format (tests/fixtures/transcripts, written by
make_fixtures.py with their exact bytes), plus small files in tmp_path for single quirks."""
from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.transcripts import passages_from_cues, read_transcript
from indexer.transcripts.common import decode_bytes, parse_timecode, TimecodeError
from indexer.transcripts.speakers import chunks_by_speaker, looks_like_name, split_speaker

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
VTT = FIXTURES / "entretien_verhaeghe.vtt"
SRT = FIXTURES / "entretien_carpentier.srt"
WHISPER = FIXTURES / "whisper_filature.json"
WHISPERX = FIXTURES / "whisperx_filature.json"
TRS = FIXTURES / "veillee_ducasse.trs"
TXT = FIXTURES / "notes_marchal.txt"
OTR = FIXTURES / "entretien_marchal.otr"
ALL_FIXTURES = [VTT, SRT, WHISPER, WHISPERX, TRS, TXT, OTR]


def cue_tuples(transcript):
    return [(cue.start, cue.end, cue.speaker, cue.text) for cue in transcript.cues]


def errors(transcript):
    return [(problem.line, problem.reason) for problem in transcript.problems if problem.severity == "error"]


def warnings(transcript):
    return [(problem.line, problem.reason) for problem in transcript.problems if problem.severity == "warning"]


def file_line(path: Path, number: int, encoding: str) -> str:
    return path.read_bytes().decode(encoding).splitlines()[number - 1]


# --- the fixtures, format by format ---------------------------------------------------------

def test_webvtt_fixture_has_the_quirks_it_claims():
    data = VTT.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfWEBVTT") and b"\r\n" in data


def test_webvtt():
    transcript = read_transcript(VTT)
    assert transcript.format == "webvtt"
    assert transcript.encoding == "utf-8-sig"
    assert transcript.path == str(VTT)
    assert cue_tuples(transcript) == [
        # mm:ss.ttt; <v Name> … </v>; &nbsp; decoded (then a plain space)
        (1.0, 4.5, "Odile Marchal", "Bonjour Gaston, vous avez travaillé à la filature ?"),
        # <v.class Name>, no </v>, <i> <b> stripped, two payload lines joined
        (4.5, 9.0, "Gaston Verhaeghe", "Oui, quarante ans au peignage de la rue des Tisserands."),
        # hh:mm:ss.ttt, cue id "intro-3", <c.x> and <00:09.500> stripped, &amp; &lt; &gt; decoded
        (9.0, 14.25, "Gaston Verhaeghe", "On commençait à cinq heures & demie, <à l'aube>."),
        # two voices in one cue: one cue each, same times, file order kept
        (19.0, 23.0, "Odile Marchal", "Et le dimanche ?"),
        (19.0, 23.0, "Gaston Verhaeghe", "Le dimanche, on allait au bal du Trou-Dieu."),
        # no voice tag: no speaker
        (23.0, 27.0, None, "Applaudissements dans la salle."),
    ]
    assert [cue.line for cue in transcript.cues] == [16, 20, 25, 41, 41, 50]
    assert file_line(VTT, 25, "utf-8-sig") == "00:00:09.000 --> 00:00:14.250"
    assert errors(transcript) == [
        (29, "fin avant le début « 00:14.250 --> 00:12.000 »"),
        (33, "ligne de temps illisible « 00:15.000 -> 00:17.000 »"),
        (37, "texte vide"),
        (46, "temps négatif « -00:01.000 »"),
        (54, "horodatage illisible « 00:2a.000 »"),
    ]
    assert warnings(transcript) == []
    assert file_line(VTT, 33, "utf-8-sig") == "00:15.000 -> 00:17.000"
    assert transcript.cues_read == 11
    # NOTE, STYLE and REGION blocks gave neither cues nor problems
    assert not any("Transcription relue" in cue.text or "color" in cue.text for cue in transcript.cues)


def test_webvtt_without_header_and_with_header_glued_to_the_first_cue(tmp_path):
    no_header = tmp_path / "sans_entete.vtt"
    no_header.write_text("00:01.000 --> 00:02.000\nBonjour.\n", encoding="utf-8")
    transcript = read_transcript(no_header)
    assert cue_tuples(transcript) == [(1.0, 2.0, None, "Bonjour.")]
    assert warnings(transcript) == [(1, "en-tête « WEBVTT » absent")]

    glued = tmp_path / "colle.vtt"
    glued.write_text("WEBVTT\n00:01.000 --> 00:02.000\n<v Gaston Verhaeghe>Bonjour.\n\n"
                     "00:02.000 --> 00:03.000\nAu revoir.\n", encoding="utf-8")
    transcript = read_transcript(glued)
    assert cue_tuples(transcript) == [(1.0, 2.0, "Gaston Verhaeghe", "Bonjour."), (2.0, 3.0, None, "Au revoir.")]
    assert transcript.cues[0].line == 2
    assert warnings(transcript) == [(1, "ligne vide manquante après l'en-tête WEBVTT")]


def test_srt_fixture_has_the_quirks_it_claims():
    data = SRT.read_bytes()
    assert b"\r\n" in data
    assert b"\x92" in data and b"\x9c" in data and b"\x85" in data and b"\xa0:" in data  # ’ œ … and "\xa0:"
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_srt():
    transcript = read_transcript(SRT)
    assert transcript.format == "srt"
    assert transcript.encoding == "cp1252"
    assert cue_tuples(transcript) == [
        (1.0, 4.0, "ODILE MARCHAL", "Madame Carpentier, racontez-nous la ducasse."),  # "<i>NOM :</i>"
        (4.0, 8.5, "Mélodie Carpentier", "On y allait en famille, avec les « œufs » durs…"),  # "NOM\xa0:"
        (8.5, 12.0, None, "et le manège tournait jusqu’à minuit."),  # no label: nobody's (a label names its own cue only)
        (12.0, 16.5, "MÉLODIE", "Il jouait du bugle à l’harmonie."),  # "NOM:"; cue 4 came after cue 5 in the file
        (16.0, 19.0, "ODILE", "Et votre père ?"),  # "[NOM]", overlaps the previous cue
        (19.0, 22.0, None, "Bref : il était fier."),  # dialogue dash without a label: nobody's; "Bref" is not a name
        (19.0, 22.0, "Odile Marchal", "Je comprends."),
        (30.0, 33.0, "Mélodie Carpentier", "Voilà tout."),  # {\an8} removed
    ]
    assert [cue.line for cue in transcript.cues] == [2, 6, 10, 18, 14, 22, 22, 43]
    assert warnings(transcript) == [(None, "fichier décodé en cp1252 (UTF-8 invalide)")]
    assert errors(transcript) == [
        (27, "ligne de temps illisible « 00:00:22,000 -> 00:00:25,000 »"),
        (31, "fin avant le début « 00:00:25,000 --> 00:00:24,000 »"),
        (35, "texte vide"),
        (39, "horodatage illisible « 00:00:3O,000 »"),
    ]
    assert file_line(SRT, 39, "cp1252") == "00:00:28,000 --> 00:00:3O,000"
    assert transcript.cues_read == 12


def test_srt_utf8_with_bom_and_a_narrow_no_break_space(tmp_path):
    path = tmp_path / "bom.srt"
    path.write_bytes("\ufeff1\n00:00:01,5 --> 00:00:02,250\nGASTON\u202f: Ça tourne.\n".encode("utf-8"))
    transcript = read_transcript(path)
    assert transcript.encoding == "utf-8-sig"
    assert transcript.problems == []
    # "1,5" is 1.5 s (srt.srt_timestamp_to_timedelta would read 1.005 s)
    assert cue_tuples(transcript) == [(1.5, 2.25, "GASTON", "Ça tourne.")]


def test_whisper():
    transcript = read_transcript(WHISPER)
    assert transcript.format == "whisper"
    assert cue_tuples(transcript) == [
        (0.0, 3.2, None, "Bonjour, je m'appelle Gaston Verhaeghe."),  # leading space trimmed
        (3.2, 7.84, None, "J'ai commencé au peignage en cinquante-deux."),
        (13.0, 18.5, None, "Le contremaître s'appelait Achille Dewulf."),
    ]
    assert [cue.line for cue in transcript.cues] == [1, 2, 8]  # segment numbers, from 1
    assert errors(transcript) == [
        (3, "segment 3 : début manquant"),
        (4, "segment 4 : début non numérique « dix »"),
        (5, "segment 5 : fin avant le début (11.5 < 12.0)"),
        (6, "segment 6 : texte vide"),
        (7, "segment 7 : temps négatif (-1.0)"),
    ]
    assert transcript.cues_read == 8


def test_whisperx():
    transcript = read_transcript(WHISPERX)
    assert transcript.format == "whisperx"
    assert cue_tuples(transcript) == [
        (0.5, 4.0, "SPEAKER_00", "Vous étiez combien à l'atelier ?"),
        (4.2, 9.1, "SPEAKER_01", "On était une trentaine, surtout des femmes."),  # majority of the words
        (9.1, 12.0, "SPEAKER_01", "Des bobineuses."),
        (13.0, 15.0, None, "1914."),  # no speaker anywhere
        (15.0, 19.5, "SPEAKER_00", "Et après la guerre ?"),  # 2 against 2: the first heard
    ]
    assert errors(transcript) == [(4, "segment 4 : début manquant")]
    assert transcript.cues_read == 6


def test_whisper_segments_that_are_not_objects_and_a_bare_segment_list(tmp_path):
    path = tmp_path / "liste.json"
    path.write_text(json.dumps([{"start": 1, "end": 2, "text": " Oui."}, {"start": 2, "end": 3, "text": " Non."}]))
    transcript = read_transcript(path)
    assert transcript.format == "whisper"
    assert cue_tuples(transcript) == [(1.0, 2.0, None, "Oui."), (2.0, 3.0, None, "Non.")]

    path = tmp_path / "melange.json"
    path.write_text(json.dumps({"segments": [{"start": 1, "end": 2, "text": "Oui."}, "pas un objet",
                                             {"start": 3, "end": float("nan"), "text": "NaN"}]}))
    transcript = read_transcript(path)
    assert cue_tuples(transcript) == [(1.0, 2.0, None, "Oui.")]
    assert errors(transcript) == [(2, "segment 2 : ce n'est pas un objet JSON"),
                                  (3, "segment 3 : fin non numérique « nan »")]


def test_trs_fixture_has_the_quirks_it_claims():
    data = TRS.read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert b'<!DOCTYPE Trans SYSTEM "trans-14.dtd">' in data
    assert b"M\xe9lodie" in data and b"c\x92\xe9tait" in data


def test_trs():
    transcript = read_transcript(TRS)
    assert transcript.format == "trs"
    assert transcript.encoding == "iso-8859-1"
    assert transcript.speaker_names == {"spk1": "Odile Marchal", "spk2": "Gaston Verhaeghe", "spk3": "Mélodie Carpentier"}
    assert transcript.topics == ["La ducasse d'avant-guerre", "Les métiers du textile"]
    assert cue_tuples(transcript) == [
        # <Background> left out; the 0x92 of a "latin-1" file read as cp1252’s "’"
        (0.0, 6.25, "spk1", "Alors, la ducasse, c’était en août ?"),
        # Sync to next Sync; <Event> left out, its tail kept
        (6.25, 11.5, "spk2", "Oui, la première semaine après la moisson."),
        # <Comment> left out; ends at the next Sync (the empty chunk at 15 is no cue)
        (11.5, 15.0, "spk2", "On montait le bal place du Bourdon."),
        # overlapping speech split by <Who nb>, both up to the turn's endTime
        (18.0, 21.75, "spk2", "Et les manèges !"),
        (18.0, 21.75, "spk3", "Les chevaux de bois, surtout."),
        (21.75, 24.0, None, "Musique de l'harmonie au loin."),  # turn without speaker
        (27.0, 31.5, "spk3", "Ma mère vendait des gaufres à la sauvette."),
    ]
    assert errors(transcript) == [(42, "horodatage illisible « vingt-quatre »")]
    assert file_line(TRS, 42, "cp1252") == '<Sync time="vingt-quatre"/>'
    assert file_line(TRS, transcript.cues[3].line, "cp1252") == '<Who nb="1"/>'
    assert transcript.cues_read == 8


def trs_document(body: str, doctype: str = '<!DOCTYPE Trans SYSTEM "trans-14.dtd">', encoding: str = "UTF-8") -> str:
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n{doctype}\n<Trans><Episode><Section type="report" '
            f'startTime="0" endTime="5"><Turn speaker="spk1" startTime="0" endTime="5">\n<Sync time="0"/>\n'
            f"{body}\n</Turn></Section></Episode></Trans>\n")


def test_trs_in_utf8(tmp_path):
    path = tmp_path / "utf8.trs"
    path.write_bytes(trs_document("Une bobine à l’envers.").encode("utf-8"))
    transcript = read_transcript(path)
    assert transcript.encoding == "utf-8"
    assert cue_tuples(transcript) == [(0.0, 5.0, "spk1", "Une bobine à l’envers.")]


def test_trs_declared_utf8_but_written_in_cp1252(tmp_path):
    path = tmp_path / "menteur.trs"
    path.write_bytes(trs_document("Une bobine à l’envers.").encode("cp1252"))
    transcript = read_transcript(path)
    assert cue_tuples(transcript) == [(0.0, 5.0, "spk1", "Une bobine à l’envers.")]
    assert warnings(transcript) == [(None, "fichier décodé en cp1252 (UTF-8 invalide)")]


def test_trs_never_loads_the_external_dtd(tmp_path, monkeypatch):
    # A DTD next to the file defines an entity the document uses: if the DTD
    # were read, its text would appear in the cue.
    (tmp_path / "trans-14.dtd").write_text('<!ENTITY lieu "TEXTE-DU-DTD">', encoding="utf-8")
    local = tmp_path / "dtd_local.trs"
    local.write_text(trs_document("Place &lieu; ce soir."), encoding="utf-8")
    remote = tmp_path / "dtd_distant.trs"
    remote.write_text(trs_document("Place &lieu; ce soir.", '<!DOCTYPE Trans SYSTEM "http://192.0.2.1/trans-14.dtd">'),
                      encoding="utf-8")

    def no_network(*args, **kwargs):
        raise AssertionError("the reader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    for path in (local, remote):
        transcript = read_transcript(path)
        assert cue_tuples(transcript) == [(0.0, 5.0, "spk1", "Place ce soir.")]
        assert warnings(transcript) == [(5, "entité inconnue « &lieu; » ignorée")]


def test_trs_refuses_entity_declarations(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("CONTENU-SECRET", encoding="utf-8")
    path = tmp_path / "xxe.trs"
    path.write_text(trs_document("Voici &s;.", f'<!DOCTYPE Trans [<!ENTITY s SYSTEM "file://{secret}">]>'),
                    encoding="utf-8")
    transcript = read_transcript(path)
    assert transcript.cues == [] and not transcript.readable
    assert errors(transcript) == [(2, "déclaration d'entité XML refusée (sécurité)")]


def test_invalid_trs(tmp_path):
    path = tmp_path / "casse.trs"
    path.write_text(trs_document("<Sync time='1'>texte sans fin de balise"), encoding="utf-8")
    transcript = read_transcript(path)
    assert transcript.cues == [] and transcript.cues_read == 0 and not transcript.readable
    assert errors(transcript) == [(6, "XML invalide : mismatched tag")]  # at </Turn>


def test_timestamped_text():
    transcript = read_transcript(TXT)
    assert transcript.format == "text"
    assert cue_tuples(transcript) == [
        (5.0, 9.0, "ODILE MARCHAL", "Vous êtes né à Wattrelos ?"),  # "00:05 NOM : texte"
        # continuation lines joined; ends where the next line starts
        (9.0, 31.0, "GASTON VERHAEGHE", "Non, à Tourcoing, rue du Tilleul. Mon père était rattacheur à la filature Vandamme-Leclercq."),
        (31.0, 45.0, "GASTON VERHAEGHE", "On y entrait à quatorze ans."),  # "[00:31]", same speaker goes on
        (45.0, 52.0, "ODILE MARCHAL", "Et votre mère ?"),  # "(00:45)"
        # "00:52GASTON" (no space); ends at 01:05, the next good time after the broken line
        (52.0, 65.0, "GASTON VERHAEGHE", "Elle était bobineuse."),
        (65.0, 80.0, "GASTON VERHAEGHE", "Elle a travaillé jusqu'en soixante."),
        (80.0, 90.0, "GASTON VERHAEGHE", "Le soir, on chantait."),  # hh:mm:ss and a " - " separator
        # last line: 4 words at 2.5 words/s is less than the 3 s minimum
        (92.0, 95.0, "ODILE MARCHAL", "Merci beaucoup, monsieur Verhaeghe."),
    ]
    assert [cue.line for cue in transcript.cues] == [4, 5, 8, 9, 10, 13, 15, 17]
    assert warnings(transcript) == [(1, "2 ligne(s) avant le premier horodatage, ignorée(s)")]
    assert errors(transcript) == [
        (11, "horodatage illisible « 00:7x »"),  # its continuation line 12 is skipped with it
        (14, "horodatage impossible « 99:99 »"),
        (16, "texte vide"),
    ]
    assert not any("cassée" in cue.text for cue in transcript.cues)
    assert transcript.cues_read == 11


def test_timestamped_text_last_line_lasts_as_long_as_its_words(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("00:10 " + " ".join(["mot"] * 25) + "\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert (transcript.cues[0].start, transcript.cues[0].end) == (10.0, 20.0)  # 25 words / 2.5 per second


def test_timestamped_text_going_backwards_is_a_warning(tmp_path):
    path = tmp_path / "recule.txt"
    path.write_text("00:20 Deux.\n00:10 Un.\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert cue_tuples(transcript) == [(10.0, 13.0, None, "Un."), (20.0, 20.0, None, "Deux.")]
    assert warnings(transcript) == [(2, "horodatage antérieur à celui de la ligne 1")]


def test_otr():
    transcript = read_transcript(OTR)
    assert transcript.format == "otr"
    assert cue_tuples(transcript) == [
        (2.5, 7.25, "Odile Marchal", "Vous dansiez au bal du samedi ?"),
        # <b> kept as text, <br> joins lines; ends at 15, the next readable timestamp
        (7.25, 15.0, "Mélodie Carpentier", "Tous les samedis, sans faute. On rentrait à pied."),
        # a new "NOM :" after <br>: one cue per speaker, same times
        (18.5, 31.0, "Odile Marchal", "Et l'hiver ?"),
        (18.5, 31.0, "Mélodie Carpentier", "L'hiver, on restait à la veillée."),
        # no data-timestamp: the time shown "0:31"; &nbsp; and the HTML comment dropped; last: 3 s
        (31.0, 34.0, "Mélodie Carpentier", "Avec les voisins."),
    ]
    assert [cue.line for cue in transcript.cues] == [1, 2, 5, 5, 6]  # timestamp numbers
    assert warnings(transcript) == [(None, "texte avant le premier horodatage, ignoré")]
    assert errors(transcript) == [(3, "horodatage illisible « abc »"), (4, "texte vide après l'horodatage « 0:15 »")]
    assert transcript.cues_read == 7


def test_json_content_decides_the_format(tmp_path):
    otr_as_json = tmp_path / "otr.json"
    otr_as_json.write_text(OTR.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_transcript(otr_as_json).format == "otr"
    assert len(read_transcript(otr_as_json).cues) == 5

    other = tmp_path / "autre.json"
    other.write_text('{"titre": "pas une transcription"}', encoding="utf-8")
    transcript = read_transcript(other)
    assert transcript.format == "unknown" and not transcript.readable
    assert errors(transcript) == [(None, "JSON de forme inconnue (ni Whisper, ni WhisperX, ni oTranscribe)")]


# --- files that cannot be read at all ----------------------------------------------------------

def test_invalid_json_gives_its_line(tmp_path):
    path = tmp_path / "casse.json"
    path.write_text('{"segments": [\n  {"start": 1, "end": 2, "text": "a"},\n  {"start": 2\n', encoding="utf-8")
    transcript = read_transcript(path)
    assert transcript.cues == [] and not transcript.readable
    assert errors(transcript) == [(4, "JSON invalide : Expecting ',' delimiter")]


def test_missing_file_unknown_extension_and_directory(tmp_path):
    missing = read_transcript(tmp_path / "absent.srt")
    assert missing.format == "srt" and not missing.readable
    assert errors(missing) == [(None, "fichier introuvable")]

    docx = tmp_path / "entretien.docx"
    docx.write_bytes(b"PK")
    assert errors(read_transcript(docx)) == [(None, "format de transcription inconnu « .docx » (formats reconnus : "
                                                    ".vtt, .srt, .txt, .TextGrid, .cha, .json, .otr, .trs, .eaf)")]

    folder = tmp_path / "dossier.vtt"
    folder.mkdir()
    assert errors(read_transcript(folder)) == [(None, "c'est un dossier, pas un fichier")]


def test_empty_file_is_a_warning(tmp_path):
    path = tmp_path / "vide.srt"
    path.write_bytes(b"")
    transcript = read_transcript(path)
    assert transcript.readable and transcript.cues_read == 0
    assert warnings(transcript) == [(None, "aucun passage horodaté trouvé")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    extension=st.sampled_from([".vtt", ".srt", ".txt", ".json", ".otr", ".trs"]),
    content=st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from(list("0123456789:.,-> \n<>v[]WEBVTT{}\"segmnt")), max_size=300).map(str.encode),
    ),
)
def test_never_raises_and_always_balances(tmp_path, extension, content):
    path = tmp_path / f"hasard{extension}"
    path.write_bytes(content)
    transcript = read_transcript(path)
    assert not any("erreur interne" in problem.reason for problem in transcript.problems)
    assert [cue.start for cue in transcript.cues] == sorted(cue.start for cue in transcript.cues)
    assert all(cue.end >= cue.start >= 0 and (cue.text or cue.events) for cue in transcript.cues)
    file_errors = 0 if transcript.readable else 1
    assert transcript.cues_read == len(transcript.cues) + len(errors(transcript)) - file_errors


# --- reconciliation: every cue read is in a passage or reported ------------------------------

@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda path: path.name)
def test_every_cue_read_is_in_a_passage_or_reported(path):
    transcript = read_transcript(path)
    passages = passages_from_cues(transcript.cues, transcript.speaker_names)
    assert transcript.readable
    assert transcript.skipped == len(errors(transcript)) > 0
    assert transcript.cues_read == sum(len(passage.cues) for passage in passages) + len(errors(transcript))


def test_passages_from_a_transcriber_file():
    transcript = read_transcript(TRS)
    passages = passages_from_cues(transcript.cues, transcript.speaker_names, interviewers={"Odile Marchal"})
    assert [(p.speaker, p.interviewer, p.start, p.end, len(p.cues)) for p in passages] == [
        ("Odile Marchal", True, 0.0, 6.25, 1),
        ("Gaston Verhaeghe", False, 6.25, 21.75, 3),
        ("Mélodie Carpentier", False, 18.0, 21.75, 1),
        (None, False, 21.75, 24.0, 1),
        ("Mélodie Carpentier", False, 27.0, 31.5, 1),
    ]
    assert passages[1].text == "Oui, la première semaine après la moisson. On montait le bal place du Bourdon. Et les manèges !"
    assert passages[1].cues == [(6.25, 11.5), (11.5, 15.0), (18.0, 21.75)]
    assert passages[1].line == 21
    assert all(p.verbatim and p.label == "transcription" for p in passages)


def test_passages_from_whisperx_with_names_from_the_corpus():
    transcript = read_transcript(WHISPERX)
    names = {"SPEAKER_00": "Odile Marchal", "SPEAKER_01": "Gaston Verhaeghe"}
    passages = passages_from_cues(transcript.cues, names, interviewers={"SPEAKER_00"})
    assert [(p.speaker, p.interviewer, p.text) for p in passages] == [
        ("Odile Marchal", True, "Vous étiez combien à l'atelier ?"),
        ("Gaston Verhaeghe", False, "On était une trentaine, surtout des femmes. Des bobineuses."),
        (None, False, "1914."),
        ("Odile Marchal", True, "Et après la guerre ?"),
    ]


def test_passages_from_srt_labels_mapped_to_one_name():
    transcript = read_transcript(SRT)
    names = {"ODILE MARCHAL": "Odile Marchal", "ODILE": "Odile Marchal", "MÉLODIE": "Mélodie Carpentier"}
    passages = passages_from_cues(transcript.cues, names, interviewers={"Odile Marchal"})
    assert [(p.speaker, p.start, p.end, len(p.cues)) for p in passages] == [
        ("Odile Marchal", 1.0, 4.0, 1),
        ("Mélodie Carpentier", 4.0, 8.5, 1),
        (None, 8.5, 12.0, 1),  # unlabelled subtitle: nobody's
        ("Mélodie Carpentier", 12.0, 16.5, 1),  # "MÉLODIE" mapped to the same name
        ("Odile Marchal", 16.0, 19.0, 1),
        (None, 19.0, 22.0, 1),
        ("Odile Marchal", 19.0, 22.0, 1),
        ("Mélodie Carpentier", 30.0, 33.0, 1),
    ]
    assert [p.interviewer for p in passages] == [True, False, False, False, True, False, True, False]


# --- helpers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [
    ("00:01.000", 1.0), ("01:02:03.500", 3723.5), ("00:00:01,5", 1.5), ("02:03", 123.0),
    ("100:00:00.000", 360000.0), ("1:02.25", 62.25),
])
def test_parse_timecode(text, seconds):
    assert parse_timecode(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text, reason", [
    ("-00:01.000", "temps négatif « -00:01.000 »"),
    ("00:7x", "horodatage illisible « 00:7x »"),
    ("99:99", "horodatage impossible « 99:99 »"),
    ("00:60:00", "horodatage impossible « 00:60:00 »"),
    ("12", "horodatage illisible « 12 »"),
])
def test_parse_timecode_errors(text, reason):
    with pytest.raises(TimecodeError) as raised:
        parse_timecode(text)
    assert str(raised.value) == reason


def test_decode_bytes():
    assert decode_bytes("é".encode("utf-8")) == ("é", "utf-8", False)
    assert decode_bytes("\ufeffé".encode("utf-8")) == ("é", "utf-8-sig", False)
    assert decode_bytes("l’œuf".encode("cp1252")) == ("l’œuf", "cp1252", True)
    assert decode_bytes(b"\x81\xe9") == ("\x81é", "latin-1", True)  # 0x81 is undefined in cp1252
    assert decode_bytes("é".encode("utf-16")) == ("é", "utf-16", False)


@pytest.mark.parametrize("name, expected", [
    ("GASTON", True), ("ODILE MARCHAL", True), ("SPEAKER_01", True), ("Q", True),
    ("Gaston", True), ("Mélodie Carpentier", True), ("Jean-Baptiste de la Roche", True),
    ("Alors", False), ("Bref", False), ("Rires", False), ("Le problème", False), ("12", False),
    ("http", False), ("Speaker 1", False), ("un deux trois quatre cinq six", False),
])
def test_looks_like_name(name, expected):
    assert looks_like_name(name) is expected


def test_split_speaker_and_chunks():
    assert split_speaker("GASTON\u00a0: Bonjour.") == ("GASTON", "Bonjour.")
    assert split_speaker("[Odile Marchal] Bonsoir.") == ("Odile Marchal", "Bonsoir.")
    assert split_speaker("[Rires] Bonsoir.") == (None, "[Rires] Bonsoir.")
    assert split_speaker("Alors : on y va.") == (None, "Alors : on y va.")
    assert split_speaker("Il est 12:30.") == (None, "Il est 12:30.")
    chunks, speaker = chunks_by_speaker(["GASTON :", "Oui.", "- ODILE : Non.", "Peut-être."], "ODILE")
    assert chunks == [("GASTON", "Oui."), ("ODILE", "Non. Peut-être.")]
    assert speaker == "ODILE"
