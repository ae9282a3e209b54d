"""Timestamped plain text (.txt), as typed by hand or exported by transcription tools.

    00:13 Bonjour …            mm:ss (two fields are always minutes:seconds)
    01:02:03 texte             hh:mm:ss
    [00:02:00] texte / (00:13) texte / 00:13texte
    00:45 GASTON : texte       a speaker name may follow the time
    texte sans horodatage      continues the timed line above it

A line ends where the next timed line starts.  The last line has no next one:
it lasts as long as its words take to say (2.5 words a second, at least 3 s,
see common.estimated_duration).  Text before the first timed line (a title,
a header) is ignored with a warning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from indexer.transcripts.common import TimecodeError, estimated_duration, parse_timecode, split_lines
from indexer.transcripts.model import Transcript
from indexer.transcripts.speakers import chunks_by_speaker

# Seconds and minutes always have two digits, so that "00:7x" is a typo, not 7 s.
# Spaces after a bracket only ("\s*(?:\[\s*)?", not "\s*\[?\s*"): else a long run of spaces is tried n² ways.
TIMED_LINE = re.compile(
    r"^\s*(?:[\[(]\s*)?(?P<time>\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?)(?![\d:])\s*(?:[\])]\s*)?(?:[-–—|]\s+)?(?P<text>.*)$"
)
# Starts like a time but is not one: "00:7x", "[1:2] …", "00:123 …".
LOOKS_TIMED = re.compile(r"^\s*(?:[\[(]\s*)?(?P<token>\d{1,2}:\d[^\s\])]*)")


@dataclass
class Entry:
    line: int
    start: Optional[float]
    error: Optional[str] = None
    lines: list[str] = field(default_factory=list)
    next_start: Optional[float] = None


def read_timestamped(transcript: Transcript, text: str) -> None:
    entries: list[Entry] = []
    untimed_before_first: list[int] = []
    for number, line in enumerate(split_lines(text.lstrip("\ufeff")), 1):
        if not line.strip():
            continue
        timed = TIMED_LINE.match(line)
        almost = None if timed else LOOKS_TIMED.match(line)
        if timed:
            try:
                entries.append(Entry(number, parse_timecode(timed.group("time")), lines=[timed.group("text")]))
            except TimecodeError as error:
                entries.append(Entry(number, None, str(error)))
        elif almost:
            # The continuation lines of a bad line are skipped with it.
            entries.append(Entry(number, None, f"horodatage illisible « {almost.group('token')} »"))
        elif entries:
            entries[-1].lines.append(line)
        else:
            untimed_before_first.append(number)
    if untimed_before_first:
        transcript.warn(untimed_before_first[0], f"{len(untimed_before_first)} ligne(s) avant le premier horodatage, ignorée(s)")

    # Each line ends where the next well-timed line starts.
    next_start: Optional[float] = None
    for entry in reversed(entries):
        entry.next_start = next_start
        if entry.start is not None:
            next_start = entry.start

    speaker = None  # a line without a name goes on with the last speaker named
    previous: Optional[Entry] = None
    for entry in entries:
        if entry.start is None:
            transcript.skip(entry.line, entry.error)
            continue
        if previous is not None and entry.start < previous.start:
            transcript.warn(entry.line, f"horodatage antérieur à celui de la ligne {previous.line}")
        previous = entry
        chunks, speaker = chunks_by_speaker(entry.lines, speaker)
        if not chunks:
            transcript.skip(entry.line, "texte vide")
            continue
        if entry.next_start is not None:
            end = max(entry.start, entry.next_start)
        else:
            end = entry.start + estimated_duration(" ".join(text for _, text in chunks))
        added = [transcript.add_spoken(entry.start, end, chunk_text, chunk_speaker, entry.line)
                 for chunk_speaker, chunk_text in chunks]
        if not any(added):
            transcript.skip(entry.line, "texte vide")
