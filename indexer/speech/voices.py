"""Whose voice is where, within one recording: a classical diarization in numpy.

No speaker-embedding model installs offline from the package registries without a
multi-GB PyTorch (docs/transcription.md), so voices are told apart the classical way:

1. every 10 ms frame of speech gets 19 mel-cepstral coefficients and a pitch estimate;
2. every 1.5 s window of speech (a step of 0.5 s) becomes one vector: the coefficients'
   mean and spread, the median log pitch and the share of voiced frames;
3. the windows are clustered (k-means, the number of voices chosen by silhouette, with a
   preference for the number of people the page names), then smoothed in time (Viterbi,
   a speaker rarely changes for less than a second);
4. the speech spans become turns of one voice (a span is cut where its windows change
   voice); the transcriber then decodes each turn apart, so that no segment of text ever
   holds two voices.

Each voice keeps its centroid (the mean window vector) so that `attribution` can find
the same voice in other recordings: the interviewer's recurs across the archive.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

SAMPLE_RATE = 16000
FRAME, HOP, NFFT = 400, 160, 1024  # 25 ms frames every 10 ms; FFT long enough for a 60 Hz pitch lag
N_MELS, N_CEPS = 40, 19
WINDOW_FRAMES, STEP_FRAMES, MIN_WINDOW_FRAMES = 150, 50, 50  # 1.5 s windows every 0.5 s; at least 0.5 s
PITCH_MIN_HZ, PITCH_MAX_HZ, VOICED = 60.0, 400.0, 0.45
NOISE_PERCENTILE, OVER_SUBTRACTION, SPECTRAL_FLOOR = 10, 1.5, 0.02  # spectral subtraction of a steady bed
MAX_VOICES = 4
SWITCH_PENALTY = 1.0  # Viterbi: the mean log-likelihood per dimension a change of voice must win
MIN_TURN_SECONDS = 0.8
DIMENSIONS = 2 * N_CEPS + 2
# Compared across recordings: the cepstral means and the pitch. The spreads tell voices apart within
# one recording, but a bed under the speech (music, noise) narrows them all: measured on the
# synthetic interviews, they moved the interviewer further from himself than from his guests.
COMPARABLE = np.r_[0:N_CEPS, 2 * N_CEPS]
COMPARABLE_WEIGHTS = np.r_[np.ones(N_CEPS), 2.0]  # pitch counts double, as in cluster_windows


def _mel_bank() -> np.ndarray:
    def mel(hz):
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    def hz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(60.0), mel(7600.0), N_MELS + 2))
    bins = np.fft.rfftfreq(NFFT, 1.0 / SAMPLE_RATE)
    bank = np.zeros((N_MELS, bins.size))
    for m in range(N_MELS):
        low, centre, high = edges[m], edges[m + 1], edges[m + 2]
        rising = (bins - low) / (centre - low)
        falling = (high - bins) / (high - centre)
        bank[m] = np.clip(np.minimum(rising, falling), 0.0, None)
    return bank


def _dct() -> np.ndarray:
    n = np.arange(N_MELS)
    k = np.arange(1, N_CEPS + 1)[:, None]  # c0 (loudness) left out: it says more about the microphone
    return (np.sqrt(2.0 / N_MELS) * np.cos(np.pi * k * (2 * n + 1) / (2 * N_MELS))).T


MEL_BANK, DCT = _mel_bank(), _dct()
HAMMING = np.hamming(FRAME)
# The autocorrelation of the window itself: dividing by it undoes the taper's fall-off with lag.
_WINDOW_AC = np.fft.irfft(np.abs(np.fft.rfft(HAMMING, NFFT)) ** 2)[:FRAME]
LAG_MIN, LAG_MAX = int(SAMPLE_RATE / PITCH_MAX_HZ), int(SAMPLE_RATE / PITCH_MIN_HZ)


def _power(samples: np.ndarray) -> np.ndarray:
    """Power spectra of the 25 ms frames (pre-emphasised, Hamming window) of ``samples``."""
    count = 1 + (len(samples) - FRAME) // HOP if len(samples) >= FRAME else 0
    if not count:
        return np.zeros((0, NFFT // 2 + 1))
    emphasised = np.append(samples[:1], samples[1:] - 0.97 * samples[:-1]).astype(np.float32)
    index = (np.arange(count) * HOP)[:, None] + np.arange(FRAME)
    return np.abs(np.fft.rfft(emphasised[index] * HAMMING, NFFT)) ** 2


def frame_features(samples: np.ndarray, background: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
    """Per 10 ms frame: 19 cepstral coefficients, and log pitch (NaN where unvoiced).

    A steady background (a noise or music bed under the voices) would shift every voice's
    coefficients, and one voice would no longer match itself from one recording to the
    next: its mean spectrum, measured on ``background`` (audio between the speech) - else on
    the quietest tenth of the frames, bin by bin - is subtracted first (spectral subtraction).
    ``samples`` is one decode unit (under 30 s): its frames fit in memory.
    """
    power = _power(samples)
    count = len(power)
    if not count:
        return np.zeros((0, N_CEPS), dtype=np.float32), np.zeros(0, dtype=np.float32)
    quiet = _power(background) if background is not None else np.zeros((0, power.shape[1]))
    floor = quiet.mean(axis=0) if len(quiet) >= 20 else np.percentile(power, NOISE_PERCENTILE, axis=0)
    cleaned = np.maximum(power - OVER_SUBTRACTION * floor, SPECTRAL_FLOOR * power)
    ceps = (np.log(cleaned @ MEL_BANK.T + 1e-10) @ DCT).astype(np.float32)
    autocorr = np.fft.irfft(cleaned, NFFT)[:, :FRAME] / _WINDOW_AC  # the bed's own tones would be taken for a pitch
    energy = autocorr[:, 0]
    lags = autocorr[:, LAG_MIN:LAG_MAX] / np.maximum(energy[:, None], 1e-10)
    best = lags.argmax(axis=1)
    strength = lags[np.arange(count), best]
    voiced = (strength > VOICED) & (energy > 1e-6)
    pitch = np.where(voiced, np.log(SAMPLE_RATE / (best + LAG_MIN)), np.nan).astype(np.float32)
    return ceps, pitch


def window_vectors(samples: np.ndarray, start: float, spans: list[tuple[float, float]],
                   background: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
    """The windows of speech in ``samples`` (which start at ``start`` seconds): their middle
    times and their vectors (cepstral means and spreads, median log pitch, voiced share)."""
    ceps, pitch = frame_features(samples, background)
    times, vectors = [], []
    for span_start, span_end in spans:
        first = max(int((span_start - start) * 100), 0)
        last = min(int((span_end - start) * 100), len(ceps))
        if last - first < MIN_WINDOW_FRAMES:
            continue
        starts = range(first, max(last - WINDOW_FRAMES, first) + 1, STEP_FRAMES)
        for low in starts:
            high = min(low + WINDOW_FRAMES, last)
            window, voiced = ceps[low:high], pitch[low:high]
            voiced = voiced[~np.isnan(voiced)]
            vectors.append(np.concatenate([window.mean(axis=0), window.std(axis=0),
                                           [np.median(voiced) if voiced.size >= 5 else np.nan,
                                            voiced.size / (high - low)]]))
            times.append(start + (low + high) / 200 + FRAME / SAMPLE_RATE / 2)
    if not vectors:
        return np.zeros(0), np.zeros((0, DIMENSIONS))
    return np.round(np.array(times), 3), np.array(vectors, dtype=np.float64)


# --------------------------------------------------------------------------- clustering


def _filled(vectors: np.ndarray) -> np.ndarray:
    """Unvoiced windows' pitch set to the recording's median pitch (neither high nor low)."""
    filled = vectors.copy()
    column = filled[:, -2]
    known = column[~np.isnan(column)]
    column[np.isnan(column)] = np.median(known) if known.size else 0.0
    return filled


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 25) -> tuple[np.ndarray, float]:
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):  # k-means++: far points are likelier centres
        distance = _squared_distances(points, np.array(centres)).min(axis=1)
        total = distance.sum()
        centres.append(points[rng.choice(len(points), p=distance / total)] if total > 0 else points[0])
    centres = np.array(centres)
    for _ in range(rounds):
        labels = _squared_distances(points, centres).argmin(axis=1)
        moved = np.array([points[labels == c].mean(axis=0) if np.any(labels == c) else centres[c] for c in range(k)])
        if np.allclose(moved, centres):
            break
        centres = moved
    labels = _squared_distances(points, centres).argmin(axis=1)
    inertia = float(((points - centres[labels]) ** 2).sum())
    return labels, inertia


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return np.maximum((points ** 2).sum(axis=1)[:, None] + (centres ** 2).sum(axis=1)[None] - 2 * points @ centres.T, 0)


def _silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    present = np.unique(labels)
    if present.size < 2:
        return -1.0
    distance = np.sqrt(_squared_distances(points, points))
    # mean distance from each point to each cluster's points
    means = np.stack([distance[:, labels == c].mean(axis=1) for c in present], axis=1)
    sizes = np.array([(labels == c).sum() for c in present])
    own = np.searchsorted(present, labels)
    rows = np.arange(len(points))
    a = means[rows, own] * sizes[own] / np.maximum(sizes[own] - 1, 1)
    means[rows, own] = np.inf
    b = means.min(axis=1)
    scores = np.where(sizes[own] > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(scores.mean())


def _viterbi(loglik: np.ndarray, penalty: float) -> np.ndarray:
    count, k = loglik.shape
    switch = penalty * (1.0 - np.eye(k))
    score = loglik[0].copy()
    back = np.zeros((count, k), dtype=np.int8)
    for t in range(1, count):
        candidates = score[:, None] - switch
        back[t] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + loglik[t]
    path = np.empty(count, dtype=np.int64)
    path[-1] = int(score.argmax())
    for t in range(count - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def cluster_windows(vectors: np.ndarray, expected: Optional[int] = None, seed: int = 0) -> np.ndarray:
    """A voice number per window (0, 1, …), numbered by first appearance.

    The number of voices is the one with the best silhouette (on up to 1,200 windows),
    ``expected`` (the people the page names) winning near-ties; 1 when no split is clear.
    """
    count = len(vectors)
    if count < 8:
        return np.zeros(count, dtype=np.int64)
    points = _filled(vectors)
    points = (points - points.mean(axis=0)) / (points.std(axis=0) + 1e-9)
    points[:, -2] *= 2.0  # pitch tells voices apart better than any single cepstral coefficient
    rng = np.random.default_rng(seed)
    sample = rng.choice(count, size=min(count, 1200), replace=False)
    best_labels, best_score = np.zeros(count, dtype=np.int64), 0.12  # below this, one voice
    for k in range(2, min(MAX_VOICES, count // 4) + 1):
        labels, inertia = min((_kmeans(points, k, rng) for _ in range(3)), key=lambda found: found[1])
        score = _silhouette(points[sample], labels[sample]) + (0.04 if expected == k else 0.0)
        if score > best_score:
            best_labels, best_score = labels, score
    labels = _smoothed(points, best_labels)
    order = {label: n for n, label in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[label] for label in labels.tolist()], dtype=np.int64)


def _smoothed(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Labels re-decided in time order: each voice a diagonal Gaussian, a change of voice costly."""
    voices = np.unique(labels)
    if voices.size < 2:
        return labels
    loglik = np.empty((len(points), voices.size))
    for column, voice in enumerate(voices):
        members = points[labels == voice]
        mean, spread = members.mean(axis=0), members.std(axis=0) + 0.2
        loglik[:, column] = -0.5 * (((points - mean) / spread) ** 2 + 2 * np.log(spread)).mean(axis=1)
    return voices[_viterbi(loglik, SWITCH_PENALTY)]


# --------------------------------------------------------------------------- words and voices


@dataclass
class Voice:
    label: str  # "V1", "V2" … within the recording
    seconds: float = 0.0  # of words spoken in it
    centroid: list[float] = field(default_factory=list)  # mean window vector (raw features)


def voice_turns(spans: list[tuple[float, float]], window_times: np.ndarray, labels: np.ndarray,
                reach: float = 1.5) -> list[tuple[float, float, Optional[int]]]:
    """The speech spans as turns of one voice each: (start, end, voice).

    A span takes the voice of the windows inside it; where they change voice inside one
    span (no pause between two speakers), it is cut halfway between the two windows. A span
    too short for a window takes the nearest window's voice within ``reach`` seconds, else None.
    """
    turns: list[tuple[float, float, Optional[int]]] = []
    for start, end in spans:
        low, high = np.searchsorted(window_times, [start, end + 1e-6])
        if low == high:
            near = _nearest(window_times, (start + end) / 2)
            voice = int(labels[near]) if near is not None and abs(window_times[near] - (start + end) / 2) <= reach \
                else None
            turns.append((start, end, voice))
            continue
        cursor = start
        for i in range(low + 1, high):
            if labels[i] != labels[i - 1]:
                cut = round(float(window_times[i - 1] + window_times[i]) / 2, 3)
                turns.append((cursor, cut, int(labels[i - 1])))
                cursor = cut
        turns.append((cursor, end, int(labels[high - 1])))
    return absorb_short_turns(turns)


def _nearest(times: np.ndarray, moment: float) -> Optional[int]:
    if not len(times):
        return None
    right = int(np.searchsorted(times, moment))
    candidates = [i for i in (right - 1, right) if 0 <= i < len(times)]
    return min(candidates, key=lambda i: abs(times[i] - moment))


def absorb_short_turns(turns: list[tuple[float, float, Optional[int]]],
                       shortest: float = MIN_TURN_SECONDS) -> list[tuple[float, float, Optional[int]]]:
    """A piece of another voice shorter than ``shortest`` inside one span, between two pieces of
    the same voice, is that voice's: a window's noise, not a turn."""
    out = list(turns)
    for n in range(1, len(out) - 1):
        (_, before_end, before), (start, end, voice), (after_start, _, after) = out[n - 1], out[n], out[n + 1]
        if before == after != voice and end - start < shortest and before_end == start and end == after_start:
            out[n] = (start, end, before)
    return out


def voice_summary(labels: np.ndarray, vectors: np.ndarray,
                  turns: list[tuple[float, float, Optional[int]]]) -> dict[str, Voice]:
    """Each voice's label, speaking time and centroid, for the transcript's provenance."""
    summary: dict[str, Voice] = {}
    filled = _filled(vectors) if len(vectors) else vectors
    for number in sorted(set(labels.tolist())):
        centroid = filled[labels == number].mean(axis=0)
        summary[voice_label(number)] = Voice(voice_label(number), 0.0, [round(float(x), 4) for x in centroid])
    for start, end, voice in turns:
        if voice is not None:
            summary[voice_label(voice)].seconds += end - start
    for voice in summary.values():
        voice.seconds = round(voice.seconds, 2)
    return summary


def voice_label(number: Optional[int]) -> Optional[str]:
    return f"V{number + 1}" if number is not None else None


def feature_scale(vectors: np.ndarray) -> list[float]:
    """The spread of each feature over the recording: the unit `attribution` compares voices in."""
    if not len(vectors):
        return [1.0] * DIMENSIONS
    return [round(float(x), 4) for x in _filled(vectors).std(axis=0) + 1e-6]
