"""The result of reading one transcript file."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from indexer.records import Cue, Problem
from indexer.transcripts.events import speech_and_events


@dataclass
class Transcript:
    """The cues of one transcript file, with what went wrong while reading it.

    Bookkeeping rule: every cue seen in the file is either kept (``cues``) or
    skipped with exactly one Problem of severity "error", so
    ``cues_read == len(cues) + skipped``.  The only other error is the single
    file-level one of an unreadable file (``readable`` is then False).
    """

    path: str  # as given
    # "webvtt" | "srt" | "whisper" | "whisperx" | "trs" | "text" | "otr" | "elan" | "textgrid" | "chat" | "unknown"
    format: str
    cues: list[Cue] = field(default_factory=list)  # sorted by start (stable) once read
    problems: list[Problem] = field(default_factory=list)
    cues_read: int = 0
    encoding: str = ""
    speaker_names: dict[str, str] = field(default_factory=dict)  # label -> name given by the file itself
    topics: list[str] = field(default_factory=list)
    readable: bool = True  # False when the whole file could not be used

    @property
    def skipped(self) -> int:
        """Cues seen but not kept (each one has an error Problem)."""
        return self.cues_read - len(self.cues)

    def add(self, cue: Cue) -> None:
        self.cues.append(cue)
        self.cues_read += 1

    def add_spoken(self, start: float, end: float, raw: str, speaker: Optional[str], line: Optional[int],
                   angle_marks: bool = False, topic: Optional[str] = None) -> bool:
        """Add a cue from raw text: spoken words in ``text``, sound events aside (see events.py).

        angle_marks: "<" and ">" are overlap marks (linguists' formats), not text.

        A cue holding only events belongs to nobody.  False when there is nothing at all.
        """
        text, events = speech_and_events(raw, angle_marks)
        if not text and not events:
            return False
        self.add(Cue(start, end, text, speaker if text else None, line, events, topic))
        return True

    def skip(self, line: Optional[int], reason: str) -> None:
        """Count a cue that was seen but cannot be used."""
        self.problems.append(Problem(self.path, line, reason, "error"))
        self.cues_read += 1

    def warn(self, line: Optional[int], reason: str) -> None:
        self.problems.append(Problem(self.path, line, reason, "warning"))

    def fail(self, reason: str, line: Optional[int] = None) -> None:
        """Give up on the whole file: no cues at all, one error."""
        self.cues = []
        self.cues_read = 0
        self.readable = False
        self.problems.append(Problem(self.path, line, reason, "error"))
