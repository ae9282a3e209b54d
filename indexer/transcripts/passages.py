"""Group transcript cues into searchable passages.

A passage is one speaker turn (consecutive cues with the same speaker - the
label's name in speaker_map, else the label itself),
cut into windows when the turn is long: a window closes at the first sentence
end once it lasts `window` seconds, and is cut before a cue that would take it
past `max_window` - at the last sentence end if there is one late enough,
else between two cues mid-sentence.  A cue is never split, and two speakers
are never merged.
"""
from __future__ import annotations

import re
from itertools import groupby
from typing import Iterable, Optional

from indexer.records import Cue, Passage
from indexer.transcripts.events import join_texts

# ".", "!", "?", "…" possibly followed by closing quotes or brackets.
SENTENCE_END = re.compile(r"[.!?…][\s\"'»”’)\]]*$")


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
                line=piece[0].line,
                topic=topic,
            ))
    return passages


def untimed_pieces(cues: list[Cue], size: int = 6) -> list[list[Cue]]:
    """Cues without times (searchable, but no link to a moment): a few utterances a passage."""
    return [cues[i:i + size] for i in range(0, len(cues), size)]


def split_turn(cues: list[Cue], window: float, max_window: float) -> list[list[Cue]]:
    """Cut one speaker's turn into windows of about `window` seconds, never more than `max_window`."""
    pieces: list[list[Cue]] = []
    current: list[Cue] = []
    for cue in cues:
        if current and duration(current + [cue]) > max_window:
            # This cue would make the window too long: cut before it, after the
            # last sentence end of the window's second half if there is one.
            cut = last_sentence_end(current, min_duration=window / 2)
            pieces.append(current[:cut])
            current = current[cut:]
            if current and duration(current + [cue]) > max_window:
                pieces.append(current)
                current = []
        current.append(cue)
        if duration(current) >= window and ends_sentence(cue.text):
            pieces.append(current)
            current = []
    if current:
        pieces.append(current)
    return pieces


def duration(cues: list[Cue]) -> float:
    """From the first start to the latest end (cues may overlap)."""
    return max(cue.end for cue in cues) - cues[0].start


def last_sentence_end(cues: list[Cue], min_duration: float) -> int:
    """How many cues to keep: up to the last one ending a sentence at least `min_duration` in, else all."""
    for index in range(len(cues) - 1, -1, -1):
        if duration(cues[:index + 1]) < min_duration:
            break
        if ends_sentence(cues[index].text):
            return index + 1
    return len(cues)
