"""One audio file, from samples to timed, voiced text - in two passes over the file.

1. `analyse`: the file's speech spans (VAD) and its voice windows, a block at a time;
   `plan` then clusters the windows into voices, cuts the spans into turns of one voice and
   groups the turns into decode units (one voice, at most one Whisper window each).
2. `Decoder.unit`: each unit decoded with word times. Speech that came back without text is
   decoded again with the decoder's no-speech and log-probability checks off, and what that
   gives is kept marked ``low_confidence``; what stays without text is reported (coverage).

Decoding one voice at a time is what keeps an interviewer's question out of a guest's
quote: no segment of text spans a change of voice.
"""
from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .audio import SAMPLE_RATE, group_spans, speech_units, stream_audio, uncovered
from .voices import DIMENSIONS, cluster_windows, feature_scale, voice_label, voice_summary, voice_turns, \
    window_vectors

PAUSE_SPLIT = 1.0  # seconds of silence between two words that start a new segment
PACK_SECONDS = 28.0  # units decoded together in one Whisper window, silences between them included
SEPARATOR_SECONDS = 0.5  # silence put between two packed units
RELAXED = {"no_speech_threshold": None, "log_prob_threshold": None}  # decode whatever the VAD calls speech


@dataclass
class Analysis:
    """The first pass: where the speech is and what the voices sound like."""

    duration: float
    spans: list  # [start, end] of speech, seconds
    windows: list  # [time, *vector]

    def as_json(self) -> dict:
        return {"duration": self.duration, "spans": self.spans, "windows": self.windows}


@dataclass
class DecodeUnit:
    """Speech of one voice, decoded as one Whisper window."""

    start: float
    end: float
    voice: Optional[str]
    spans: list


@dataclass
class UnitResult:
    """What one decode unit gave: one line of the resume file."""

    end: float  # seconds: the audio up to here is done
    segments: list
    recovered: list  # spans that only the relaxed second decoding gave text for
    missing: list  # speech that stayed without text

    def as_json(self) -> dict:
        return {"end": self.end, "segments": self.segments, "recovered": self.recovered, "missing": self.missing}


def analyse(path) -> Analysis:
    """Pass 1 over the file: speech spans and voice windows (bounded memory: a block at a time)."""
    spans, windows, samples = [], [], 0

    def counted(blocks):
        nonlocal samples
        for block in blocks:
            samples += len(block)
            yield block

    for unit in speech_units(counted(stream_audio(path))):
        spans += [[a, b] for a, b in unit.spans]
        times, vectors = window_vectors(unit.samples, unit.start, unit.spans, unit.background)
        windows += [[float(t), *map(float, np.round(v, 4))] for t, v in zip(times, vectors)]
    return Analysis(round(samples / SAMPLE_RATE, 3), spans, windows)


def plan(analysis: Analysis, expected_voices: int) -> tuple[list[DecodeUnit], list, dict]:
    """Decode units of one voice each, the turns, and the voices' summary for the provenance."""
    windows = np.array(analysis.windows, dtype=np.float64).reshape(-1, 1 + DIMENSIONS)
    times, vectors = windows[:, 0], windows[:, 1:]
    labels = cluster_windows(vectors, expected=expected_voices)
    turns = voice_turns([tuple(s) for s in analysis.spans], times, labels)
    units: list[DecodeUnit] = []
    run: list = []
    for turn in turns + [None]:
        if run and (turn is None or turn[2] != run[-1][2]):
            for group in group_spans([(a, b) for a, b, _ in run]):
                units.append(DecodeUnit(group[0][0], group[-1][1], voice_label(run[0][2]), group))
            run = []
        if turn is not None:
            run.append(turn)
    summary = voice_summary(labels, vectors, turns)
    voices = {"method": "MFCC + hauteur, k-moyennes, lissage temporel (indexer/speech/voices.py)",
              "scale": feature_scale(vectors),
              "voices": {label: {"seconds": v.seconds, "centroid": v.centroid} for label, v in summary.items()}}
    return units, turns, voices


def pack(units: list[DecodeUnit], pad: float) -> list[list[int]]:
    """Consecutive units (their indices) that fit one Whisper window together, each with ``pad``
    seconds of audio on either side and a separator after it."""
    windows: list[list[int]] = []
    used = PACK_SECONDS + 1
    for index, unit in enumerate(units):
        length = unit.end - unit.start + 2 * pad + SEPARATOR_SECONDS
        if used + length > PACK_SECONDS:
            windows.append([])
            used = 0.0
        windows[-1].append(index)
        used += length
    return windows


def segment_dicts(segment, offset: float, pause: float = PAUSE_SPLIT) -> list[dict]:
    """A model segment as Whisper-JSON segments, cut where the speech pauses.

    Whisper joins sentences across short silences; cut there, each segment starts where
    someone starts speaking, and a result links to that second. Times are shifted by
    ``offset`` (where the decoded audio starts in the file).
    """
    common = {"avg_logprob": round(segment.avg_logprob, 3), "no_speech_prob": round(segment.no_speech_prob, 3)}
    words = [{"word": w.word.strip(), "start": round(w.start + offset, 3), "end": round(w.end + offset, 3),
              "probability": round(w.probability, 3), "raw": w.word} for w in (segment.words or [])]
    if not words:
        return [{"start": round(segment.start + offset, 3), "end": round(segment.end + offset, 3),
                 "text": segment.text.strip(), "words": [], **common}]
    return segments_of_words(words, common, pause)


def segments_of_words(words: list[dict], common: dict, pause: float = PAUSE_SPLIT) -> list[dict]:
    """Words (each with its "raw" form, spaces included) as segments, cut where they pause."""
    groups, current = [], [words[0]]
    for word in words[1:]:
        if word["start"] - current[-1]["end"] >= pause:
            groups.append(current)
            current = []
        current.append(word)
    groups.append(current)
    out = []
    for group in groups:
        text = "".join(w.pop("raw") for w in group).strip()
        out.append({"start": group[0]["start"], "end": max(group[-1]["end"], group[0]["start"]), "text": text,
                    "words": group, **common})
    return out


def snap_to_onsets(segment: dict, onsets: list, reach: float = 1.0) -> dict:
    """A segment (and its first words) that the model started in the silence just before
    speech starts is moved to where the speech starts: the aligner often places the
    first word of an answer a few tenths of a second early, and a link must not open
    the player before the words."""
    for start, end in onsets:
        if segment["start"] < start <= segment["start"] + reach:
            for word in segment["words"]:
                if word["start"] < start:
                    word["start"] = round(min(start, word["end"]), 3)
            segment["start"] = round(start, 3)
            break
        if start <= segment["start"] <= end:
            break
    return segment


def word_times(segments: list[dict]) -> list[tuple[float, float]]:
    """Each word's (start, end); a segment without words counts as one word."""
    times = []
    for segment in segments:
        times += [(w["start"], w["end"]) for w in segment["words"]] or [(segment["start"], segment["end"])]
    return times


class Decoder:
    """The Whisper model and its decoding options (beam, priming)."""

    def __init__(self, model, beam_size: int = 5, initial_prompt: Optional[str] = None,
                 hotwords: Optional[str] = None, checks: Optional[dict] = None):
        self.model = model
        self.options = {"beam_size": beam_size, "initial_prompt": initial_prompt, "hotwords": hotwords}
        # The first pass's checks: a window whose no-speech probability is above the first and whose
        # mean log probability is below the second is dropped (faster-whisper's defaults).
        self.checks = checks or {"no_speech_threshold": 0.6, "log_prob_threshold": -1.0}

    def decode(self, samples, offset: float, onsets: list, relaxed: bool = False) -> list[dict]:
        segments, _ = self.model.transcribe(
            samples, language="fr", task="transcribe", word_timestamps=True,
            vad_filter=False,  # a unit is the VAD's speech already
            # A hallucinated phrase must not seed the next window's decoding.
            condition_on_previous_text=False,
            **self.options, **(RELAXED if relaxed else self.checks))
        return [snap_to_onsets(item, onsets) for segment in segments
                for item in segment_dicts(segment, offset) if item["text"]]

    def window(self, pieces: list[tuple[DecodeUnit, float, np.ndarray]]) -> list[UnitResult]:
        """Several units (each with the offset of its samples), decoded in one Whisper window.

        Turns are short (a question, a "oui"), and Whisper costs a whole 30-second window
        whatever it is given: units are packed, half a second of silence between them, and
        each word goes back to the unit it was said in (by its middle) and to the file's
        time. A unit's text thus holds its own voice's words only.
        """
        if len(pieces) == 1:
            return [self.unit(*pieces[0])]
        separator = np.zeros(int(SEPARATOR_SECONDS * SAMPLE_RATE), dtype=np.float32)
        starts, parts, cursor = [], [], 0
        for _, _, samples in pieces:
            starts.append(cursor / SAMPLE_RATE)
            parts += [samples, separator]
            cursor += len(samples) + len(separator)
        decoded, _ = self.model.transcribe(
            np.concatenate(parts), language="fr", task="transcribe", word_timestamps=True, vad_filter=False,
            condition_on_previous_text=False, **self.options, **self.checks)
        words: list[list[dict]] = [[] for _ in pieces]
        for number, segment in enumerate(decoded):
            common = {"avg_logprob": round(segment.avg_logprob, 3), "no_speech_prob": round(segment.no_speech_prob, 3)}
            for word in segment.words or []:
                piece = max(bisect.bisect_right(starts, (word.start + word.end) / 2) - 1, 0)
                _, offset, samples = pieces[piece]
                low, high = offset, offset + len(samples) / SAMPLE_RATE
                start = min(max(word.start - starts[piece] + offset, low), high)
                end = min(max(word.end - starts[piece] + offset, start), high)
                words[piece].append({"word": word.word.strip(), "start": round(start, 3), "end": round(end, 3),
                                     "probability": round(word.probability, 3), "raw": word.word,
                                     "segment": number, "common": common})
        results = []
        for (unit, offset, samples), found in zip(pieces, words):
            segments = []
            for _, group in itertools.groupby(found, key=lambda w: w["segment"]):
                group = list(group)
                common = group[0]["common"]
                for word in group:
                    del word["segment"], word["common"]
                segments += [snap_to_onsets(item, unit.spans) for item in segments_of_words(group, common)
                             if item["text"]]
            results.append(self.unit(unit, samples, offset, segments))
        return results

    def unit(self, unit: DecodeUnit, samples: np.ndarray, offset: float,
             segments: Optional[list[dict]] = None) -> UnitResult:
        """A unit decoded (``samples`` start at ``offset`` seconds; ``segments``: what a packed
        window gave it); its speech that came back without text decoded once more, alone and
        relaxed, keeping only what falls in that speech."""
        if segments is None:
            segments = self.decode(samples, offset, unit.spans)
        gaps = uncovered(unit.spans, word_times(segments))
        recovered = []
        if gaps:
            again = self.decode(samples, offset, unit.spans, relaxed=True)
            for low, high in gaps:
                found = [s for s in again if low - 0.5 <= (s["start"] + s["end"]) / 2 <= high + 0.5]
                for segment in found:
                    segment["low_confidence"] = True  # the decoder's own checks would have dropped it
                    again.remove(segment)
                if found:
                    recovered.append([low, high])
                    segments += found
        segments.sort(key=lambda s: s["start"])
        for segment in segments:
            segment["voice"] = unit.voice
        missing = [list(gap) for gap in uncovered(unit.spans, word_times(segments))]
        return UnitResult(round(unit.end, 3), segments, recovered, missing)


def coverage(analysis: Analysis, results: list[UnitResult]) -> dict:
    """Seconds of speech the VAD found, of it with text, recovered by the relaxed decoding, and the
    spans that stayed without text."""
    speech = sum(b - a for a, b in analysis.spans)
    missing = [gap for result in results for gap in result.missing]
    recovered = sum(b - a for result in results for a, b in result.recovered)
    lost = sum(b - a for a, b in missing)
    return {"speech_seconds": round(speech, 2), "text_seconds": round(max(speech - lost, 0.0), 2),
            "recovered_seconds": round(recovered, 2), "missing": missing}
