"""oTranscribe (.otr): JSON whose "text" is the editor's HTML.

    {"text": "<p><span class=\\"timestamp\\" data-timestamp=\\"12.5\\">0:12</span> texte …</p>",
     "media": "entretien.mp3", "media-time": 73.2}

The HTML is split at each timestamp span; the text up to the next span is one
cue (several if a paragraph starts with a new "NOM :").  A cue ends where the
next one starts; the last one lasts as long as its words take to say
(common.estimated_duration) - "media-time" is only where the player stopped.
Problems give the timestamp's number (1-based) as the line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment

from indexer.transcripts.common import (
    TimecodeError,
    collapse_spaces,
    estimated_duration,
    number_or_none,
    parse_timecode,
)
from indexer.transcripts.model import Transcript
from indexer.transcripts.speakers import chunks_by_speaker

# Elements that start a new line of text (a paragraph may start with a speaker name).
LINE_BREAKING = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6"}


def is_otr(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("text"), str) and (
        "media" in data or "media-time" in data or "timestamp" in data["text"]
    )


@dataclass
class Stamp:
    number: int
    data_timestamp: Optional[str]  # the data-timestamp attribute, in seconds
    label: str  # the time as shown, "0:12"
    parts: list[str] = field(default_factory=list)


def is_timestamp(node) -> bool:
    return isinstance(node, Tag) and node.name == "span" and "timestamp" in (node.get("class") or [])


def read_otr(transcript: Transcript, data: Any) -> None:
    if not is_otr(data):
        transcript.fail("JSON oTranscribe sans champ « text »")
        return
    stamps: list[Stamp] = []
    before_first: list[str] = []
    for node in BeautifulSoup(data["text"], "html.parser").descendants:
        parts = stamps[-1].parts if stamps else before_first
        if is_timestamp(node):
            stamps.append(Stamp(len(stamps) + 1, node.get("data-timestamp"), node.get_text(strip=True)))
        elif isinstance(node, Tag) and node.name in LINE_BREAKING:
            parts.append("\n")
        elif isinstance(node, NavigableString) and not isinstance(node, Comment):
            if not any(is_timestamp(parent) for parent in node.parents):
                parts.append(str(node))
    if collapse_spaces("".join(before_first)):
        transcript.warn(None, "texte avant le premier horodatage, ignoré")

    starts: list[Optional[float]] = []  # None for an unreadable timestamp
    for stamp in stamps:
        try:
            starts.append(stamp_seconds(stamp))
        except TimecodeError as error:
            transcript.skip(stamp.number, str(error))
            starts.append(None)

    speaker = None  # a paragraph without a name goes on with the last speaker named
    for index, stamp in enumerate(stamps):
        start = starts[index]
        if start is None:
            continue
        chunks, speaker = chunks_by_speaker("".join(stamp.parts).split("\n"), speaker)
        if not chunks:
            transcript.skip(stamp.number, f"texte vide après l'horodatage « {stamp.label} »")
            continue
        following = next((j for j in range(index + 1, len(stamps)) if starts[j] is not None), None)
        if following is None:
            end = start + estimated_duration(" ".join(text for _, text in chunks))
        else:
            if starts[following] < start:
                transcript.warn(stamps[following].number, f"horodatage « {stamps[following].label} » antérieur au précédent")
            end = max(start, starts[following])
        added = [transcript.add_spoken(start, end, chunk_text, chunk_speaker, stamp.number)
                 for chunk_speaker, chunk_text in chunks]
        if not any(added):
            transcript.skip(stamp.number, f"texte vide après l'horodatage « {stamp.label} »")


def stamp_seconds(stamp: Stamp) -> float:
    """Seconds from data-timestamp (or, without it, from the time shown).  Raises TimecodeError."""
    if stamp.data_timestamp is not None:
        seconds = number_or_none(stamp.data_timestamp)
        if seconds is None:
            raise TimecodeError(f"horodatage illisible « {stamp.data_timestamp} »")
        if seconds < 0:
            raise TimecodeError(f"temps négatif « {stamp.data_timestamp} »")
        return seconds
    return parse_timecode(stamp.label)
