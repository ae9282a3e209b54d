"""The automatic transcript's format as the corpus reader sees it: where it lives, and its
provenance block (model, date, uncertain words, speaker attribution's confidence).

Written by speech recognition (indexer/transcribe.py), read by indexer/sources.py: both
import this module, so reading a corpus never imports speech recognition.
"""
from __future__ import annotations

import bisect
import json
import re
from pathlib import Path
from typing import Optional

from ..corpus_files import CorpusFileError, read_corpus_file

AUTO_DIR = Path("transcripts") / "auto"
SAFE_ID = re.compile(r"^[\w][\w.-]{0,150}$")
LOW_PROBABILITY = 0.5  # below this, a word is shown as uncertain on the recording page


def auto_transcript_path(corpus_root: Path, rec_id: str) -> Optional[Path]:
    """Where the automatic transcript of ``rec_id`` lives; None for an id unfit for a file name."""
    if not SAFE_ID.match(rec_id):
        return None
    return Path(corpus_root) / AUTO_DIR / f"{rec_id}.json"


def read_provenance(corpus_root: Path, rel: str) -> Optional[dict]:
    """The provenance block of an automatic transcript: model and date, its uncertain words
    sorted by time (those of a segment only the relaxed decoding gave, all of them), the
    confidence of each segment's speaker attribution, and the speech coverage.

    None when the file is not an automatic transcript (or cannot be read as a corpus
    file: outside the corpus, not a regular file, over the size limit).
    """
    try:
        data = json.loads(read_corpus_file(corpus_root, rel).decode("utf-8"))
    except (CorpusFileError, ValueError):
        return None
    info = data.get("provenance") if isinstance(data, dict) else None
    if not isinstance(info, dict) or info.get("automatic") is not True:
        return None
    uncertain, attributed = [], []
    for segment in data.get("segments") or []:
        if not isinstance(segment, dict):
            continue
        doubtful = segment.get("low_confidence") is True
        for word in segment.get("words") or []:
            if not isinstance(word, dict):
                continue
            probability, start = word.get("probability"), word.get("start")
            if (doubtful or isinstance(probability, (int, float)) and probability < LOW_PROBABILITY) \
                    and isinstance(start, (int, float)) and isinstance(word.get("word"), str):
                uncertain.append((float(start), word["word"].strip()))
        confidence, start, end = segment.get("speaker_confidence"), segment.get("start"), segment.get("end")
        if all(isinstance(x, (int, float)) for x in (confidence, start, end)) and isinstance(segment.get("speaker"), str):
            attributed.append((float(start), float(end), float(confidence)))
    uncertain.sort(key=lambda word: word[0])
    coverage = info.get("coverage") if isinstance(info.get("coverage"), dict) else None
    return {"model": str(info.get("model") or "inconnu"), "date": str(info.get("date") or ""),
            "uncertain": uncertain, "attributed": sorted(attributed), "coverage": coverage}


def attribution_confidence(cue_times: list[tuple[float, float]], attributed: list[tuple[float, float, float]]):
    """The lowest confidence of the automatic speaker attributions within a passage's time span
    (None when none of its segments was attributed)."""
    times = [(a, b) for a, b in cue_times if a is not None and b is not None]
    if not times:
        return None
    first, last = times[0][0], max(b for _, b in times)
    low = bisect.bisect_left(attributed, (first - 0.01,))
    found = [c for start, end, c in attributed[low:bisect.bisect_right(attributed, (last + 0.01,))]
             if first - 0.01 <= start <= last + 0.01]
    return min(found) if found else None


def uncertain_spans(text: str, cue_times: list[tuple[float, float]], uncertain: list[tuple[float, str]]) -> list:
    """Character spans [start, end] in a passage's text of the words the model was unsure of.

    The words (``uncertain``: sorted by time) are looked for in order, within the passage's
    time span - found by bisection, so a transcript's passages cost linear time together.
    """
    times = [(start, end) for start, end in cue_times if start is not None and end is not None]
    if not times:
        return []
    first, last = times[0][0], max(end for _, end in times)
    low = bisect.bisect_left(uncertain, (first - 0.01,))
    high = bisect.bisect_right(uncertain, (last + 0.01, "\U0010ffff"))
    spans, cursor = [], 0
    for start, word in uncertain[low:high]:
        if not word:
            continue
        # Whole words only: "m" (of "m'aimait") must not be found inside "émission".
        pattern = (r"(?<!\w)" if word[0].isalnum() else "") + re.escape(word) + (r"(?!\w)" if word[-1].isalnum() else "")
        found = re.compile(pattern).search(text, cursor)
        if not found:
            continue
        spans.append([found.start(), found.end()])
        cursor = found.end()
    return spans
