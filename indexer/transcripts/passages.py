"""Group transcript cues into searchable passages.

A passage is one speaker turn (consecutive cues with the same speaker - the
label's name in speaker_map, else the label itself),
cut into windows when the turn is long: a window closes at the first sentence
end once it lasts `window` seconds, and is cut before a cue that would take it
past `max_window` - at the last sentence end if there is one late enough,
else between two cues mid-sentence.  A cue is never split, and two speakers
are never merged.

What one passage may cost is bounded: a window also closes before it would
pass MAX_PASSAGE_CHARS characters (zero-duration cues never reach the time
limits), and a cue longer than that is first cut into pieces of the same time
(split_long_cues, reported by the caller). Everything here is linear in the
number of cues: 100,000 cues at the same instant are one pass.
"""
from __future__ import annotations

import re
from dataclasses import replace
from itertools import groupby
from typing import Iterable, Optional

from indexer.records import Cue, Passage
from indexer.transcripts.events import join_texts

# ".", "!", "?", "…" possibly followed by closing quotes or brackets.
SENTENCE_END = re.compile(r"[.!?…][\s\"'»”’)\]]*$")


# About ten minutes of speech: far above a normal passage (40 s is ~600 characters),
# low enough that marking the query's words in one costs milliseconds.
MAX_PASSAGE_CHARS = 10_000


def ends_sentence(text: str) -> bool:
    return bool(SENTENCE_END.search(text))


def passages_from_cues(
    cues: Iterable[Cue],
    speaker_map: Optional[dict[str, str]] = None,
    interviewers: Optional[set[str]] = None,
    window: float = 30.0,
    max_window: float = 40.0,
) -> list[Passage]:
    """Cues (in time order, as Transcript.cues are) -> passages.

    speaker_map: label -> name (e.g. Transcript.speaker_names, or "SPEAKER_01" -> a name from corpus.yaml).
    interviewers: names or raw labels of the interviewers.
    """
    speaker_map = speaker_map or {}
    interviewers = interviewers or set()
    passages = []
    cues, _ = split_long_cues(list(cues))  # callers that report it have done it already

    def speaker_name(cue: Cue) -> Optional[str]:
        return speaker_map.get(cue.speaker, cue.speaker) if cue.speaker is not None else None

    # A turn ends when the speaker changes; two labels the map gives the same
    # name (a speaker split in two by diarization, "ODILE" and "Odile Marchal")
    # are one speaker.  It also ends where a section's topic changes, and
    # between timed cues and untimed ones (CHAT utterances without bullets).
    for (name, topic, untimed), turn_cues in groupby(
            cues, key=lambda cue: (speaker_name(cue), cue.topic, cue.start is None)):
        turn = list(turn_cues)
        labels = {cue.speaker for cue in turn}
        is_interviewer = name is not None and (name in interviewers or bool(labels & interviewers))
        pieces = untimed_pieces(turn) if untimed else split_turn(turn, window, max_window)
        for piece in pieces:
            text, events = join_texts((cue.text, cue.events) for cue in piece)
            offsets = cue_offsets(piece)
            passages.append(Passage(
                text=text,
                events=events,
                verbatim=True,
                label="transcription",
                speaker=name,
                interviewer=is_interviewer,
                start=piece[0].start,
                # The last cue's end, unless an earlier one overlaps it.
                end=None if untimed else max(cue.end for cue in piece),
                cues=[(cue.start, cue.end) for cue in piece],  # (None, None) for an untimed cue
                cue_offsets=offsets,
                words=[(offset + at, start) for cue, offset in zip(piece, offsets) for at, start in cue.words],
                line=piece[0].line,
                topic=topic,
            ))
    return passages


def cue_offsets(cues: list[Cue]) -> list[int]:
    """Where each cue's text starts in the passage text, joined as join_texts joins them
    (single spaces; a cue without words adds nothing)."""
    offsets, length, joined = [], 0, False
    for cue in cues:
        offset = length + (1 if joined and cue.text else 0)
        offsets.append(offset)
        if cue.text:
            length, joined = offset + len(cue.text), True
    return offsets


def untimed_pieces(cues: list[Cue], size: int = 6) -> list[list[Cue]]:
    """Cues without times (searchable, but no link to a moment): a few utterances a passage."""
    return [cues[i:i + size] for i in range(0, len(cues), size)]


def split_long_cues(cues: list[Cue], max_chars: int = MAX_PASSAGE_CHARS) -> tuple[list[Cue], list[Cue]]:
    """(cues with every text longer than ``max_chars`` cut at spaces into pieces of
    the same time and line, the original cues that were cut). Nothing is lost."""
    out: list[Cue] = []
    cut: list[Cue] = []
    for cue in cues:
        if len(cue.text) <= max_chars:
            out.append(cue)
            continue
        cut.append(cue)
        # The cue's sound events stay with its first piece only (their offsets are clipped to it);
        # its timed words go to the piece that holds them.
        at = 0
        for n, piece in enumerate(text_pieces(cue.text, max_chars)):
            events = [(min(offset, len(piece)), event) for offset, event in cue.events] if n == 0 else []
            at = max(at, cue.text.find(piece, at))
            words = [(offset - at, start) for offset, start in cue.words if at <= offset < at + len(piece)]
            out.append(replace(cue, text=piece, events=events, words=words))
            at += len(piece)
    return out, cut


def text_pieces(text: str, max_chars: int) -> Iterable[str]:
    """``text`` cut at spaces (or anywhere, if it has none) into pieces of at most ``max_chars``."""
    start = 0
    while start < len(text):
        end = min(len(text), start + max_chars)
        if end < len(text):
            space = text.rfind(" ", start + max_chars // 2, end)
            end = space if space > start else end
        piece = text[start:end].strip()
        if piece:
            yield piece
        start = end


class _Window:
    """The cues of the window being filled, with its latest end and length kept
    up to date (recomputing them per cue made a turn of n cues cost n²)."""

    def __init__(self, cues: Optional[list[Cue]] = None):
        self.cues: list[Cue] = []
        self.latest_end = float("-inf")
        self.chars = 0
        for cue in cues or []:
            self.add(cue)

    def add(self, cue: Cue) -> None:
        self.cues.append(cue)
        self.latest_end = max(self.latest_end, cue.end)
        self.chars += len(cue.text) + 1

    def too_long_with(self, cue: Cue, max_window: float, max_chars: int) -> bool:
        if not self.cues:
            return False
        return (max(self.latest_end, cue.end) - self.cues[0].start > max_window
                or self.chars + len(cue.text) > max_chars)

    def duration(self) -> float:
        return self.latest_end - self.cues[0].start


def split_turn(cues: list[Cue], window: float, max_window: float,
               max_chars: int = MAX_PASSAGE_CHARS) -> list[list[Cue]]:
    """Cut one speaker's turn into windows of about `window` seconds, never more than
    `max_window` seconds nor (but for a single cue) `max_chars` characters."""
    pieces: list[list[Cue]] = []
    current = _Window()
    for cue in cues:
        if current.too_long_with(cue, max_window, max_chars):
            # This cue would make the window too long: cut before it, after the
            # last sentence end of the window's second half if there is one.
            # (The cues left over end no sentence, so each cue is looked at here
            # at most twice: linear overall.)
            cut = last_sentence_end(current.cues, min_duration=window / 2)
            pieces.append(current.cues[:cut])
            current = _Window(current.cues[cut:])
            if current.too_long_with(cue, max_window, max_chars):
                pieces.append(current.cues)
                current = _Window()
        current.add(cue)
        if current.duration() >= window and ends_sentence(cue.text):
            pieces.append(current.cues)
            current = _Window()
    if current.cues:
        pieces.append(current.cues)
    return pieces


def duration(cues: list[Cue]) -> float:
    """From the first start to the latest end (cues may overlap)."""
    return max(cue.end for cue in cues) - cues[0].start


def last_sentence_end(cues: list[Cue], min_duration: float) -> int:
    """How many cues to keep: up to the last one ending a sentence at least `min_duration` in, else all."""
    latest_ends = []  # latest_ends[i]: the latest end among cues[:i + 1]
    for cue in cues:
        latest_ends.append(max(cue.end, latest_ends[-1]) if latest_ends else cue.end)
    for index in range(len(cues) - 1, -1, -1):
        if latest_ends[index] - cues[0].start < min_duration:
            break
        if ends_sentence(cues[index].text):
            return index + 1
    return len(cues)
