"""Transcriber (.trs) XML.

    <Trans><Topics><Topic id="to1" desc="…"/></Topics>
    <Speakers><Speaker id="spk1" name="…"/></Speakers>
    <Episode><Section type="report" startTime="0" endTime="60" topic="to1">
      <Turn speaker="spk1" startTime="0" endTime="12.5">
        <Sync time="0"/>texte <Event desc="rire" type="noise" extent="instantaneous"/> suite
        <Sync time="6.2"/>…
      </Turn>
      <Turn speaker="spk1 spk2" …><Sync time="…"/><Who nb="1"/>texte de spk1 <Who nb="2"/>texte de spk2</Turn>

Each Sync chunk (or Who part of one) becomes a cue from its Sync time to the
next Sync time, or to the Turn's endTime.  Chunks with no words nor events
(silences) are not cues: Transcriber writes many of them, so they are
neither counted nor reported.  An <Event desc="rire"/> is kept as the event
"[rire]" (shown, not indexed; see events.py); a chunk holding only an event
belongs to nobody.  Some corpora declare annotation "speakers" whose turns
only hold numbers (durations, counts): their turns are dropped with one
warning per speaker.  A Section's topic becomes its cues' topic.

Parsed with the stdlib expat (pyexpat) directly rather than through
ElementTree, because expat gives the line of each element.  Expat never loads
the external DTD ("trans-14.dtd") nor external entities; entity declarations
in the file are refused outright (as defusedxml does), so nothing is resolved
from outside and no entity can blow up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional
from xml.parsers import expat

from indexer.transcripts.common import collapse_spaces, decode_bytes, number_or_none
from indexer.transcripts.events import only_numbers
from indexer.transcripts.model import Transcript

XML_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
LATIN1_NAMES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1"}
# Elements whose content is never spoken text (their tail is).
NOT_SPOKEN = {"Event", "Comment", "Background"}


class EntityDeclarationRefused(Exception):
    pass


@dataclass
class Chunk:
    time: Optional[str]  # the Sync time as written
    line: int
    who: Optional[int] = None  # <Who nb> in an overlapping turn
    parts: list[str] = field(default_factory=list)


@dataclass
class Turn:
    speaker: str  # as written: "", "spk1" or "spk1 spk2"
    end_time: Optional[str]
    line: int
    topic: Optional[str] = None  # the topic id of its Section
    chunks: list[Chunk] = field(default_factory=list)


class TrsHandler:
    """Collects speakers, topics and turns from expat events."""

    def __init__(self, parser):
        self.parser = parser
        self.speaker_names: dict[str, str] = {}
        self.topics: list[str] = []
        self.topic_names: dict[str, str] = {}  # topic id -> desc
        self.section_topic: Optional[str] = None
        self.turns: list[Turn] = []
        self.unknown_entities: list[tuple[int, str]] = []
        self.turn: Optional[Turn] = None
        self.not_spoken_depth = 0

    def start(self, tag: str, attrs: dict) -> None:
        line = self.parser.CurrentLineNumber
        if tag == "Speaker" and attrs.get("id"):
            if attrs.get("name", "").strip():
                self.speaker_names[attrs["id"]] = attrs["name"].strip()
        elif tag == "Topic" and attrs.get("desc", "").strip():
            self.topics.append(attrs["desc"].strip())
            self.topic_names[attrs.get("id", "")] = attrs["desc"].strip()
        elif tag == "Section":
            self.section_topic = attrs.get("topic")
        elif tag == "Turn":
            self.turn = Turn(attrs.get("speaker", ""), attrs.get("endTime"), line, self.section_topic)
            # Text before any <Sync> starts at the turn's start.
            self.turn.chunks.append(Chunk(attrs.get("startTime"), line))
        elif self.turn is None:
            return
        elif tag == "Sync":
            self.turn.chunks.append(Chunk(attrs.get("time"), line))
        elif tag == "Who":
            nb = number_or_none(attrs.get("nb"))
            self.turn.chunks.append(Chunk(self.turn.chunks[-1].time, line, int(nb) if nb else None))
        elif tag in NOT_SPOKEN:
            self.not_spoken_depth += 1
            # A sound event is shown as one ("[rire]"); where a noise ends says nothing new.
            if tag == "Event" and attrs.get("desc", "").strip() and attrs.get("extent") != "end":
                self.turn.chunks[-1].parts.append(" [" + attrs["desc"].strip().strip("[]") + "] ")

    def end(self, tag: str) -> None:
        if tag == "Turn" and self.turn is not None:
            self.turns.append(self.turn)
            self.turn = None
        elif tag in NOT_SPOKEN and self.not_spoken_depth:
            self.not_spoken_depth -= 1
        elif tag == "Section":
            self.section_topic = None

    def text(self, data: str) -> None:
        if self.turn is not None and not self.not_spoken_depth:
            self.turn.chunks[-1].parts.append(data)

    def skipped_entity(self, name: str, is_parameter_entity: bool) -> None:
        self.unknown_entities.append((self.parser.CurrentLineNumber, name))


def refuse_entity_declaration(*args) -> None:
    raise EntityDeclarationRefused()


def read_trs(transcript: Transcript, data: bytes) -> None:
    text = decode_trs(transcript, data)
    if text is None:
        return
    parser = expat.ParserCreate(encoding="utf-8")  # we pass decoded text: ignore the declaration
    handler = TrsHandler(parser)
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    parser.SkippedEntityHandler = handler.skipped_entity
    parser.EntityDeclHandler = refuse_entity_declaration
    try:
        parser.Parse(text, True)
    except EntityDeclarationRefused:
        transcript.fail("déclaration d'entité XML refusée (sécurité)", parser.CurrentLineNumber)
        return
    except expat.ExpatError as error:
        transcript.fail(f"XML invalide : {expat.ErrorString(error.code)}", error.lineno)
        return
    transcript.speaker_names = handler.speaker_names
    transcript.topics = handler.topics
    for line, name in handler.unknown_entities:
        transcript.warn(line, f"entité inconnue « &{name}; » ignorée")
    annotations = annotation_speakers(handler.turns)
    for speaker, line in annotations.items():
        name = handler.speaker_names.get(speaker)
        transcript.warn(line, f"intervenant « {speaker} »{f' ({name})' if name else ''} : ses tours ne contiennent "
                              "que des nombres (annotations), ignorés")
    for turn in handler.turns:
        read_turn(transcript, turn, annotations, handler.topic_names.get(turn.topic or ""))


def chunk_text(chunk: Chunk) -> str:
    return collapse_spaces("".join(chunk.parts))


def annotation_speakers(turns: list[Turn]) -> dict[str, int]:
    """Speaker ids (and "" for turns without one) whose every word is a number - annotations,
    not speech - each with the line of its first turn."""
    numbers: dict[str, bool] = {}  # speaker -> all its texts so far are numbers
    first_line: dict[str, int] = {}
    for turn in turns:
        speakers = turn.speaker.split() or [""]
        for chunk in turn.chunks:
            text = chunk_text(chunk)
            if text:
                speaker = chunk_speaker(speakers, chunk) or ""
                numbers[speaker] = numbers.get(speaker, True) and only_numbers(text)
                first_line.setdefault(speaker, chunk.line)
    return {speaker: first_line[speaker] for speaker, only in numbers.items() if only}


def decode_trs(transcript: Transcript, data: bytes) -> Optional[str]:
    """Decode as the XML declaration says (default UTF-8); None after a failure.

    A declared ISO-8859-1 is decoded as cp1252, as browsers do: Windows tools
    write "’", "œ" or "…" in the 0x80-0x9F range, which latin-1 turns into
    control characters.
    """
    match = XML_DECLARED_ENCODING.match(data)
    declared = match.group(1).decode("ascii").lower() if match else "utf-8"
    if declared in LATIN1_NAMES:
        transcript.encoding = declared
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    if declared in ("utf-8", "utf8"):
        text, encoding, fell_back = decode_bytes(data)
        transcript.encoding = encoding
        if fell_back:
            transcript.warn(None, f"fichier décodé en {encoding} (UTF-8 invalide)")
        return text
    try:
        text = data.decode(declared)
    except LookupError:
        transcript.fail(f"encodage inconnu « {declared} »")
        return None
    except UnicodeDecodeError as error:
        transcript.fail(f"fichier illisible en {declared} (octet {error.start})")
        return None
    transcript.encoding = declared
    return text


def read_turn(transcript: Transcript, turn: Turn, annotations: dict[str, int], topic: Optional[str]) -> None:
    speakers = turn.speaker.split()
    times = [number_or_none(chunk.time) for chunk in turn.chunks]
    turn_end = number_or_none(turn.end_time)
    for index, chunk in enumerate(turn.chunks):
        text = chunk_text(chunk)
        if not text or (chunk_speaker(speakers, chunk) or "") in annotations:
            continue  # silence, or an annotation "speaker": not a cue
        start = times[index]
        if start is None:
            transcript.skip(chunk.line, f"horodatage illisible « {chunk.time} »")
            continue
        # Up to the next different Sync time (Who parts share theirs), else the turn's end.
        end = next((t for t in times[index + 1:] if t is not None and t != start), turn_end)
        if end is None:
            transcript.skip(chunk.line, f"fin du tour illisible « {turn.end_time} »")
            continue
        if end < start:
            transcript.skip(chunk.line, f"fin avant le début ({end} < {start})")
            continue
        # Only marks ("///") make no cue, like a silence.
        transcript.add_spoken(start, end, text, chunk_speaker(speakers, chunk), chunk.line,
                              angle_marks=True, topic=topic)


def chunk_speaker(speakers: list[str], chunk: Chunk) -> Optional[str]:
    if len(speakers) == 1:
        return speakers[0]
    if chunk.who is not None and 1 <= chunk.who <= len(speakers):
        return speakers[chunk.who - 1]
    return None  # no speaker, or overlapping speech outside any <Who>
