"""Helpers shared by the format readers: decoding, lines, blocks, timecodes, text cleanup."""
from __future__ import annotations

import math
import re
from typing import Optional

from indexer.transcripts.model import Transcript

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_bytes(data: bytes) -> tuple[str, str, bool]:
    """Decode a text file: UTF-8 (with or without BOM) first, then cp1252.

    Returns (text, encoding, fell_back).  cp1252 rather than latin-1 because
    French files saved on Windows use its curly quotes, "œ" and "…" in the
    0x80-0x9F range; the five bytes cp1252 leaves undefined fall back to latin-1.
    """
    if data.startswith(UTF8_BOM):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig", False
        except UnicodeDecodeError:
            pass
    elif data.startswith(UTF16_BOMS):  # Windows Notepad's "Unicode"
        try:
            return data.decode("utf-16"), "utf-16", False
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252", True
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", True


def decode_into(transcript: Transcript, data: bytes) -> str:
    """Decode `data`, record the encoding, and warn when UTF-8 did not work."""
    text, encoding, fell_back = decode_bytes(data)
    transcript.encoding = encoding
    if fell_back:
        transcript.warn(None, f"fichier décodé en {encoding} (UTF-8 invalide)")
    return text


def split_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR only (str.splitlines also splits on \\x0c, \\u2028 …)."""
    return re.split(r"\r\n|\r|\n", text)


def split_blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks, each with the (1-based) number of its first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                first = number
            current.append(line)
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


class TimecodeError(ValueError):
    """A timecode that cannot be read; str(error) is the French reason."""


# [hh:]mm:ss[.fff] - also "," as decimal mark (SRT) and hours of any length.
# Our own few lines rather than srt.srt_timestamp_to_timedelta: that one needs
# the hours, and reads "00:00:01,5" as 1.005 s instead of 1.5 s.
TIMECODE = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d+))?")
MAX_HOUR_DIGITS = 6  # 999,999 hours: any real recording is far below


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def parse_timecode(text: str) -> float:
    """'01:02:03.500' -> 3723.5 ; '02:03,5' -> 123.5.  Raises TimecodeError."""
    text = text.strip()
    if text.startswith("-"):
        raise TimecodeError(f"temps négatif « {text} »")
    match = TIMECODE.fullmatch(text)
    if not match:
        raise TimecodeError(f"horodatage illisible « {text} »")
    hours, minutes, seconds, fraction = match.groups()
    if hours and len(hours.lstrip("0")) > MAX_HOUR_DIGITS:  # 400 digits: no float holds them
        raise TimecodeError(f"horodatage impossible « {_shorten(text)} » (heures trop grandes)")
    if int(minutes) >= 60 or int(seconds) >= 60:
        raise TimecodeError(f"horodatage impossible « {text} »")
    value = float(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
    if fraction:
        value += float("0." + fraction)
    return value


TIMING_LINE = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)")


def parse_timing_line(line: str) -> tuple[float, float]:
    """'00:01.000 --> 00:04.500 align:start' -> (1.0, 4.5).  Raises TimecodeError."""
    match = TIMING_LINE.match(line)
    if not match:
        raise TimecodeError(f"ligne de temps illisible « {line.strip()} »")
    start = parse_timecode(match.group(1))
    end = parse_timecode(match.group(2))
    if end < start:
        raise TimecodeError(f"fin avant le début « {line.strip()} »")
    return start, end


def read_timed_block(transcript: Transcript, first_line: int, block: list[str]
                     ) -> Optional[tuple[int, float, float, list[str]]]:
    """(timing line number, start, end, text lines) of a VTT/SRT cue block.

    The timing line is the block's first line, or its second after a cue id or
    number. A block without a readable timing is reported and skipped (None).
    """
    if "-->" in block[0]:
        timing_index = 0
    elif len(block) > 1 and "-->" in block[1]:
        timing_index = 1
    else:
        transcript.skip(*missing_timing_problem(first_line, block))
        return None
    line = first_line + timing_index
    try:
        start, end = parse_timing_line(block[timing_index])
    except TimecodeError as error:
        transcript.skip(line, str(error))
        return None
    return line, start, end, block[timing_index + 1:]


def missing_timing_problem(first_line: int, block: list[str]) -> tuple[int, str]:
    """(line, reason) for a cue block without a "-->" timing line.

    Points at the line that was probably meant to be the timing line.
    """
    for offset, line in enumerate(block[:2]):
        if re.search(r"\d:\d", line):
            return first_line + offset, f"ligne de temps illisible « {line.strip()} »"
    return first_line, f"bloc sans ligne de temps « {block[0].strip()} »"


def collapse_spaces(text: str) -> str:
    """Single spaces, no leading/trailing space (also turns non-breaking spaces into spaces)."""
    return " ".join(text.split())


MARKUP_TAG = re.compile(r"<[^<>]*>")  # no "<" inside: a run of "<<<…" stays linear


def strip_tags(text: str) -> str:
    return MARKUP_TAG.sub("", text)


# French is spoken at about 150 words a minute.
WORDS_PER_SECOND = 2.5
MIN_LAST_CUE_SECONDS = 3.0


def estimated_duration(text: str) -> float:
    """How long `text` takes to say - for the last cue of formats that only give start times."""
    return max(MIN_LAST_CUE_SECONDS, round(len(text.split()) / WORDS_PER_SECOND, 1))


def number_or_none(value) -> Optional[float]:
    """A JSON/XML attribute value as seconds, or None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)):
        try:
            value = float(value)
        except OverflowError:  # a JSON integer of 400 digits
            return None
        return value if math.isfinite(value) else None
    return None
