"""The second of a character in a passage: where a link to the words found opens the audio.

A verbatim passage of ~30 s holds many cues, and automatic (Whisper/WhisperX)
transcripts time each word. The index keeps, per passage, each cue's char offset
(its times are the stored ``cues``) and each timed word's (char offset, start),
compactly: offsets as ints, word starts as centiseconds after the passage start.

The time of a character = the start of the timed word holding it (or of the last
timed word before it in the same cue, never later than the word itself) less
WORD_LEAD, else the start of the cue holding it, else the passage start.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Optional

from .records import Passage

# Speech recognition's word starts come a few hundredths of a second late (and are kept to
# the centisecond here): a link opened this much earlier never cuts the word's first syllable.
WORD_LEAD = 0.2


def packed_anchors(passage: Passage) -> Optional[dict]:
    """What the index stores for ``passage`` (None when it has no times to map)."""
    if passage.start is None or not passage.cue_offsets:
        return None
    words: list[int] = []
    for offset, start in passage.words:
        words += [offset, round((start - passage.start) * 100)]
    return {"c": list(passage.cue_offsets), "w": words}


def time_at(stored: dict, offset: int) -> Optional[float]:
    """The second at which the character ``offset`` of a stored passage's text is said.

    ``stored``: the passage's stored fields ("start", "cues", "anchors")."""
    start = stored.get("start")
    anchors = stored.get("anchors")
    if start is None or not anchors:
        return start
    cue_offsets, cues = anchors.get("c") or [], stored.get("cues") or []
    cue = bisect_right(cue_offsets, offset) - 1
    cue_start = cue_offsets[cue] if cue >= 0 else 0
    words = anchors.get("w") or []
    word = bisect_right(words[0::2], offset) - 1
    if word >= 0 and words[2 * word] >= cue_start:  # a timed word of the same cue
        return max(0.0, round(start + words[2 * word + 1] / 100 - WORD_LEAD, 2))
    if 0 <= cue < len(cues) and cues[cue][0] is not None:
        return cues[cue][0]
    return start


def first_match_time(stored: dict, matches: list) -> Optional[float]:
    """Where a link to a passage opens the audio: the second of the first span the
    highlighter marks in its text (``matches``: objects with a ``start`` char offset, as
    highlight.find_matches gives them - any other kind of match marked as a span gets its
    second here too), else the passage start (a passage opened without a query)."""
    if not matches:
        return stored.get("start")
    return time_at(stored, min(m.start for m in matches))


def cue_spans(stored: dict, length: int) -> list[tuple[int, int, float, float]]:
    """(first char, end char, start, end) of each timed cue of a stored passage whose text is
    ``length`` long, in text order - for the recording page to mark the cue being heard."""
    anchors, cues = stored.get("anchors"), stored.get("cues") or []
    offsets = (anchors or {}).get("c") or []
    if stored.get("start") is None or len(offsets) != len(cues) or not length:
        return []  # no times, an older index, or sound events only: nothing to mark
    bounds = [min(max(0, int(o)), length) for o in offsets] + [length]
    return [(bounds[i], max(bounds[i], bounds[i + 1]), start, end)
            for i, (start, end) in enumerate(cues) if start is not None and end is not None]
