"""Whisper and WhisperX JSON.

Whisper:  {"text": …, "segments": [{"start": 0.0, "end": 2.5, "text": " Bonjour."}, …]}
WhisperX: the same segments with "speaker": "SPEAKER_01" and "words":
          [{"word": "Bonjour", "start": …, "end": …, "speaker": …}, …]
          (words that could not be aligned have no start/end, sometimes no speaker).
Problems give the segment number (1-based) as the line.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Optional

from indexer.transcripts.common import collapse_spaces, number_or_none
from indexer.transcripts.model import Transcript


def whisper_segments(data: Any) -> Optional[list]:
    """The segment list of a Whisper-shaped JSON value, else None."""
    if isinstance(data, dict) and isinstance(data.get("segments"), list):
        return data["segments"]
    if isinstance(data, list) and data and all(isinstance(item, dict) and "text" in item for item in data):
        return data  # some tools write the segment list alone
    return None


def is_whisperx(data: Any) -> bool:
    """WhisperX adds speaker labels (diarization) and a top-level "word_segments"."""
    if isinstance(data, dict) and "word_segments" in data:
        return True
    for segment in whisper_segments(data) or []:
        if not isinstance(segment, dict):
            continue
        if "speaker" in segment:
            return True
        words = segment.get("words")
        if isinstance(words, list) and any(isinstance(word, dict) and "speaker" in word for word in words):
            return True
    return False


def read_whisper(transcript: Transcript, data: Any) -> None:
    segments = whisper_segments(data)
    if segments is None:
        transcript.fail("JSON sans liste « segments »")
        return
    for number, segment in enumerate(segments, 1):
        if not isinstance(segment, dict):
            transcript.skip(number, f"segment {number} : ce n'est pas un objet JSON")
            continue
        start = segment_time(transcript, number, segment, "start", "début")
        if start is None:
            continue
        end = segment_time(transcript, number, segment, "end", "fin")
        if end is None:
            continue
        if end < start:
            transcript.skip(number, f"segment {number} : fin avant le début ({end} < {start})")
            continue
        text = segment.get("text")
        text = collapse_spaces(text) if isinstance(text, str) else ""
        if not text:
            transcript.skip(number, f"segment {number} : texte vide")
            continue
        if not transcript.add_spoken(start, end, text, segment_speaker(segment), number):
            transcript.skip(number, f"segment {number} : texte vide")
            continue
        cue = transcript.cues[-1]
        cue.words = word_offsets(cue.text, segment.get("words"))


# How far past the previous word a word is looked for: a word the model gave but the
# segment's text lacks is skipped without a scan of the whole text (bounded cost).
WORD_SEARCH_CHARS = 200


def word_offsets(text: str, words: Any) -> list[tuple[int, float]]:
    """(char offset in ``text``, start) of each timed word of a segment, found in order in its
    text; a word not found nearby, or without a usable start, gets no anchor."""
    if not isinstance(words, list):
        return []
    anchors: list[tuple[int, float]] = []
    cursor = 0
    for word in words:
        if not isinstance(word, dict) or not isinstance(word.get("word"), str):
            continue
        start, spelled = number_or_none(word.get("start")), word["word"].strip()
        if start is None or start < 0 or not spelled:
            continue
        # Whole words only: "m" (of "m'aimait") must not be found inside "émission".
        pattern = ((r"(?<!\w)" if spelled[0].isalnum() else "") + re.escape(spelled)
                   + (r"(?!\w)" if spelled[-1].isalnum() else ""))
        found = re.compile(pattern).search(text, cursor, cursor + WORD_SEARCH_CHARS + len(spelled))
        if found:
            anchors.append((found.start(), round(start, 2)))
            cursor = found.end()
    return anchors


def segment_time(transcript: Transcript, number: int, segment: dict, key: str, name: str) -> Optional[float]:
    """The segment's start or end in seconds; None (and the segment skipped) when unusable."""
    if segment.get(key) is None:
        transcript.skip(number, f"segment {number} : {name} manquant")
        return None
    value = number_or_none(segment[key])
    if value is None:
        transcript.skip(number, f"segment {number} : {name} non numérique « {segment[key]} »")
        return None
    if value < 0:
        transcript.skip(number, f"segment {number} : temps négatif ({value})")
        return None
    return value


def segment_speaker(segment: dict) -> Optional[str]:
    """The segment's own speaker label, else the label most of its words carry."""
    speaker = segment.get("speaker")
    if isinstance(speaker, str) and speaker.strip():
        return speaker.strip()
    words = segment.get("words")
    if not isinstance(words, list):
        return None
    labels = Counter(
        word["speaker"] for word in words
        if isinstance(word, dict) and isinstance(word.get("speaker"), str) and word["speaker"].strip()
    )
    # most_common keeps first-seen order among ties: the earlier label wins.
    return labels.most_common(1)[0][0] if labels else None
