"""Audio in bounded blocks, and where its speech is.

A 10-hour file decoded whole is ~2.3 GB of samples, and faster-whisper's own VAD holds
more beside it (issue 19: 7.8 GB measured). Here the file is decoded a block at a time
(``BLOCK_SECONDS``), Silero VAD finds the speech spans of each block, and the spans are
grouped into *decode units* of at most ``MAX_UNIT_SECONDS`` - one Whisper window each -
that the transcriber decodes one after the other. Memory stays flat whatever the length,
and times are absolute (seconds from the file's start) across block borders: a span that
runs into the next block is carried over, never cut at the border.

The spans are also the measure of what the decoder left out: `uncovered` gives the speech
that no word covers.
"""
from __future__ import annotations

import ctypes
import functools
import gc
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import numpy as np

SAMPLE_RATE = 16000
BLOCK_SECONDS = 300.0  # decoded at a time: 300 s of float32 samples = 19 MB
MAX_UNIT_SECONDS = 28.0  # a decode unit fits Whisper's 30-second window with its padding
MAX_GAP_SECONDS = 2.0  # a longer silence starts a new unit (and a new segment)
UNIT_PAD_SECONDS = 0.2  # audio kept around a unit's speech: the decoder needs a little lead
MAX_CARRY_SECONDS = 60.0  # speech with no pause for this long is cut at a block border anyway
MIN_SILENCE_MS = 300  # a pause this long separates two speech spans
BACKGROUND_SECONDS = 20.0


@dataclass
class Unit:
    """Speech spans close together, and the audio around them, decoded as one Whisper window."""

    start: float  # seconds from the file's start, of samples[0]
    samples: np.ndarray
    spans: list[tuple[float, float]] = field(default_factory=list)  # speech inside, absolute seconds
    # Up to BACKGROUND_SECONDS of the block's audio outside speech: what a steady bed sounds like.
    background: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / SAMPLE_RATE


class AudioUnreadable(Exception):
    """FFmpeg could not open or read the file (the message says why)."""


HEAP_MMAP_THRESHOLD = 1 << 20  # bytes: larger allocations get pages of their own, given back when freed
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


@functools.cache  # once per process: the setting holds until it exits
def keep_large_buffers_off_the_heap() -> bool:
    """Every block allocates and frees buffers of tens of MB (samples, the VAD's batches).
    glibc raises its mmap threshold each time one is freed, so the next ones come from the
    heap, which fragments and never shrinks: the peak grew with the file's length (256 MB at
    6 min, 388 at 18, 510 at 72 with onnxruntime 1.32). A fixed threshold keeps them in pages
    of their own (317 MB at 18 min, 327 at 72). False where the C library is not glibc."""
    try:
        process = ctypes.CDLL(None)  # the running process's own symbols: the C library's, without a search
        return bool(process.mallopt(_M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False


def stream_audio(path, block_seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """The file as 16 kHz mono float32 blocks of ``block_seconds`` (the last one shorter).

    PyAV decodes and resamples frame by frame; frames FFmpeg cannot decode are skipped
    (as faster-whisper's decode_audio does). Raises AudioUnreadable on a file that cannot be
    opened or read.
    """
    keep_large_buffers_off_the_heap()
    try:
        yield from _blocks(path, block_seconds)
    except Exception as exc:  # PyAV's errors (some are OSErrors) and what a broken container gives
        raise AudioUnreadable(f"{type(exc).__name__}: {exc}") from exc


def _blocks(path, block_seconds: float) -> Iterator[np.ndarray]:
    import av

    block = int(block_seconds * SAMPLE_RATE)
    pending: list[np.ndarray] = []
    held = 0
    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)

    def frames(container):
        decoded = container.decode(audio=0)
        while True:
            try:
                frame = next(decoded)
            except StopIteration:
                return
            except av.error.InvalidDataError:
                continue
            yield frame
        
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            for frame in frames(container):
                for out in resampler.resample(frame):
                    pending.append(out.to_ndarray().reshape(-1))
                    held += pending[-1].size
                while held >= block:
                    joined = np.concatenate(pending)
                    yield joined[:block].astype(np.float32) / 32768.0
                    rest = joined[block:]
                    pending, held = ([rest] if rest.size else []), rest.size
            for out in resampler.resample(None):
                pending.append(out.to_ndarray().reshape(-1))
                held += pending[-1].size
    finally:
        del resampler
        gc.collect()  # PyAV's resampler keeps buffers until collected (faster-whisper issue 390)
    if held:
        yield np.concatenate(pending).astype(np.float32) / 32768.0


def detect_speech(samples: np.ndarray, offset: float, max_span: float = MAX_UNIT_SECONDS) -> list[tuple[float, float]]:
    """Speech spans (Silero VAD, unpadded), in seconds from the file's start.

    Spans longer than ``max_span`` are split by the VAD at their longest inner pause, so
    that every span fits a decode unit.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(speech_pad_ms=0, min_silence_duration_ms=MIN_SILENCE_MS, max_speech_duration_s=max_span)
    return [(round(offset + c["start"] / SAMPLE_RATE, 3), round(offset + c["end"] / SAMPLE_RATE, 3))
            for c in get_speech_timestamps(samples, options)]


def group_spans(spans: list[tuple[float, float]], max_unit: float = MAX_UNIT_SECONDS,
                max_gap: float = MAX_GAP_SECONDS) -> list[list[tuple[float, float]]]:
    """Consecutive spans, grouped while the group lasts at most ``max_unit`` seconds and no
    pause inside it is longer than ``max_gap``."""
    groups: list[list[tuple[float, float]]] = []
    for span in spans:
        if groups and span[1] - groups[-1][0][0] <= max_unit and span[0] - groups[-1][-1][1] <= max_gap:
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups


def speech_units(blocks: Iterable[np.ndarray], start_at: float = 0.0, detect=detect_speech) -> Iterator[Unit]:
    """Decode units, in order, from the file's blocks; the audio before ``start_at`` is skipped.

    A block's last speech span may go on in the next block: it is carried over (with the
    audio from just before it) and decided with the next block, so a border never cuts a
    word. Only speech that has gone on for ``MAX_CARRY_SECONDS`` without a pause is cut.
    """
    carry = np.zeros(0, dtype=np.float32)
    carry_start = start_at
    position = 0.0  # seconds of the file's blocks seen so far
    blocks = iter(blocks)
    block = next(blocks, None)
    while block is not None:
        following = next(blocks, None)
        block_start, position = position, position + len(block) / SAMPLE_RATE
        if position <= start_at:
            block = following
            continue
        if block_start < start_at:
            block = block[int((start_at - block_start) * SAMPLE_RATE):]
        buffer = np.concatenate([carry, block]) if carry.size else block
        buffer_start, buffer_end = carry_start, carry_start + len(buffer) / SAMPLE_RATE
        spans = detect(buffer, buffer_start)
        if following is None:
            cut = buffer_end
        else:
            open_spans = [s for s in spans if s[1] >= buffer_end - MIN_SILENCE_MS / 1000 - 0.2]
            cut = open_spans[0][0] - UNIT_PAD_SECONDS if open_spans else buffer_end - 0.5
            if buffer_end - cut > MAX_CARRY_SECONDS:
                cut = buffer_end - 0.5
            cut = max(cut, buffer_start)
        done = [(s, min(e, cut)) for s, e in spans if s < cut]
        background = _outside(buffer, buffer_start, spans)
        for group in group_spans(done):
            low = max(group[0][0] - UNIT_PAD_SECONDS, buffer_start)
            high = min(group[-1][1] + UNIT_PAD_SECONDS, cut)
            first, last = int(round((low - buffer_start) * SAMPLE_RATE)), int(round((high - buffer_start) * SAMPLE_RATE))
            yield Unit(round(low, 3), buffer[first:last].copy(), group, background)
        keep_from = int(round((cut - buffer_start) * SAMPLE_RATE))
        carry = buffer[keep_from:].copy()
        carry_start = buffer_start + keep_from / SAMPLE_RATE
        block = following


def _outside(buffer: np.ndarray, start: float, spans: list[tuple[float, float]], margin: float = 0.1) -> np.ndarray:
    """The buffer's audio outside speech (``margin`` seconds away from it), at most BACKGROUND_SECONDS."""
    pieces, cursor, held = [], 0, 0
    limit = int(BACKGROUND_SECONDS * SAMPLE_RATE)
    for span_start, span_end in list(spans) + [(start + len(buffer) / SAMPLE_RATE + margin, None)]:
        stop = int((span_start - margin - start) * SAMPLE_RATE)
        if stop > cursor:
            pieces.append(buffer[cursor:stop][:limit - held])
            held += pieces[-1].size
        if held >= limit or span_end is None:
            break
        cursor = max(cursor, int((span_end + margin - start) * SAMPLE_RATE))
    return np.concatenate(pieces).copy() if pieces else np.zeros(0, dtype=np.float32)


def merge_intervals(intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def uncovered(spans: list[tuple[float, float]], covered: Iterable[tuple[float, float]], slack: float = 0.4,
              shortest: float = 0.5) -> list[tuple[float, float]]:
    """The parts of the speech ``spans`` that no ``covered`` interval (a word's start and end,
    widened by ``slack``: word times are approximate) reaches, of ``shortest`` seconds or more."""
    cover = merge_intervals((a - slack, b + slack) for a, b in covered)
    gaps: list[tuple[float, float]] = []
    index = 0
    for start, end in spans:
        cursor = start
        while index < len(cover) and cover[index][1] <= start:
            index += 1
        probe = index
        while probe < len(cover) and cover[probe][0] < end:
            if cover[probe][0] > cursor:
                gaps.append((cursor, cover[probe][0]))
            cursor = max(cursor, cover[probe][1])
            probe += 1
        if cursor < end:
            gaps.append((cursor, end))
    return [(round(float(a), 3), round(float(b), 3)) for a, b in gaps if b - a >= shortest]


def total_seconds(intervals: Iterable[tuple[float, float]]) -> float:
    return sum(b - a for a, b in intervals)


def slices(blocks: Iterable[np.ndarray], intervals: Iterable[tuple[float, float]]) -> Iterator[tuple[float, np.ndarray]]:
    """The audio of each interval (sorted, not overlapping, absolute seconds), read from the
    file's blocks in one pass: only the audio from the current interval on is held."""
    buffer = np.zeros(0, dtype=np.float32)
    buffer_start = 0.0
    blocks = iter(blocks)
    exhausted = False
    for start, end in intervals:
        while not exhausted and buffer_start + len(buffer) / SAMPLE_RATE < end:
            block = next(blocks, None)
            if block is None:
                exhausted = True
                break
            buffer = np.concatenate([buffer, block]) if buffer.size else block
        drop = int(max(start - buffer_start, 0) * SAMPLE_RATE)
        buffer, buffer_start = buffer[drop:], buffer_start + drop / SAMPLE_RATE
        last = int(round((end - buffer_start) * SAMPLE_RATE))
        yield round(buffer_start, 3), buffer[:max(last, 0)].copy()
