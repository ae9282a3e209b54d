"""Whisper and WhisperX JSON.

Whisper:  {"text": …, "segments": [{"start": 0.0, "end": 2.5, "text": " Bonjour."}, …]}
WhisperX: the same segments with "speaker": "SPEAKER_01" and "words":
          [{"word": "Bonjour", "start": …, "end": …, "speaker": …}, …]
          (words that could not be aligned have no start/end, sometimes no speaker).
Problems give the segment number (1-based) as the line.
"""
from __future__ import annotations

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
