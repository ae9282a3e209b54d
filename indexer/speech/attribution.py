"""Who the voices are, across the archive: the interviewer's voice recurs, the page names the guest.

Input: for each automatically transcribed recording, its voices (from `voices`: speaking
time and centroid), the guests its page names and the interviewer it has. No recording is
labelled by hand:

1. **The interviewer** conducts nearly every interview, so his is the voice that recurs:
   for every voice, how close the nearest voice of each *other* recording is (the median
   over recordings); each recording's most recurring voice makes a first profile, and the
   voice nearest that profile in each recording is the interviewer's - when it is clearly
   nearer than the recording's other voices.
2. **A single guest**: the page names one guest, so the recording's main voice that is not
   the interviewer's is the guest's.
3. **Several guests**: a guest whose voice was named in another recording (step 2) is found
   by that voice.

Every name comes with a confidence in [0, 1]; below ``NAMING_CONFIDENCE`` the voice stays
unnamed ("locuteur non identifié"). With a single recording there is nothing to compare:
no voice is named.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import Optional

import numpy as np

from .voices import COMPARABLE, COMPARABLE_WEIGHTS

NAMING_CONFIDENCE = 0.5
ABSENT_PRIOR = 0.2
METHOD = "voix récurrente de l'intervieweur + invité nommé par la page (MFCC, k-moyennes)"


@dataclass
class VoiceSet:
    """One recording's voices, and what its page says of the people in it."""

    rec_id: str
    voices: dict[str, tuple[float, np.ndarray]]  # label -> (seconds, centroid)
    scale: np.ndarray
    guests: list[str] = field(default_factory=list)
    interviewer: Optional[str] = None  # the interviewer's name, when the corpus knows one


@dataclass
class Naming:
    name: Optional[str]
    confidence: float
    role: str  # "intervieweur", "invité", "" (unnamed)


def attribute(sets: list[VoiceSet]) -> dict[str, dict[str, Naming]]:
    """rec_id -> voice label -> Naming (unnamed voices included, with their confidence)."""
    sets = [s for s in sets if s.voices]
    out = {s.rec_id: {label: Naming(None, 0.0, "") for label in s.voices} for s in sets}
    if len(sets) < 2:
        return out
    scale = np.mean([s.scale for s in sets], axis=0)[COMPARABLE] / COMPARABLE_WEIGHTS

    def distance(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.sqrt(np.mean(((a[COMPARABLE] - b[COMPARABLE]) / scale) ** 2)))

    interviewer = _interviewer_voices(sets, distance)
    for voice_set in sets:
        label, confidence = interviewer.get(voice_set.rec_id, (None, 0.0))
        if label is not None:
            named = confidence >= NAMING_CONFIDENCE and voice_set.interviewer
            out[voice_set.rec_id][label] = Naming(voice_set.interviewer if named else None, confidence, "intervieweur")
    profiles: dict[str, list[np.ndarray]] = {}
    for voice_set in sets:  # one guest: the main voice that is not the interviewer's
        if len(voice_set.guests) != 1:
            continue
        his, sure = interviewer.get(voice_set.rec_id, (None, 0.0))
        others = {label: v for label, v in voice_set.voices.items() if label != his}
        if not others:
            continue
        main = max(others, key=lambda label: others[label][0])
        share = others[main][0] / max(sum(seconds for seconds, _ in others.values()), 1e-9)
        # Telling the guest from the interviewer is as sure as finding the interviewer (or, where he
        # is not heard, as sure as his absence); a guest's voice mixed with others is less sure.
        confidence = round(min(sure, share), 2)
        out[voice_set.rec_id][main] = Naming(voice_set.guests[0] if confidence >= NAMING_CONFIDENCE else None,
                                             confidence, "invité")
        if confidence >= NAMING_CONFIDENCE:
            profiles.setdefault(voice_set.guests[0], []).append(others[main][1])
    for voice_set in sets:  # several guests: each known from another recording
        if len(voice_set.guests) < 2:
            continue
        his, _ = interviewer.get(voice_set.rec_id, (None, 0.0))
        candidates = []
        for label, (_, centroid) in voice_set.voices.items():
            if label == his:
                continue
            near = sorted((distance(centroid, np.mean(profiles[g], axis=0)), g) for g in voice_set.guests if g in profiles)
            if near:
                candidates.append((near[0][0], label, near[0][1], near[1][0] if len(near) > 1 else None))
        taken = set()
        typical = _typical_distance(sets, distance)
        for gap, label, guest, runner_up in sorted(candidates):
            if guest in taken:
                continue
            margin = (runner_up - gap) / (runner_up + gap) if runner_up else 1.0
            confidence = round(max(0.0, min(1.0, margin * 2, (typical - gap) / typical * 2)), 2)
            if confidence >= NAMING_CONFIDENCE:
                taken.add(guest)
                out[voice_set.rec_id][label] = Naming(guest, confidence, "invité")
    return out


def _typical_distance(sets: list[VoiceSet], distance) -> float:
    """The median distance between voices of different recordings: what "far" means here."""
    values = [distance(a[1], b[1]) for i, s in enumerate(sets) for t in sets[i + 1:]
              for a in s.voices.values() for b in t.voices.values()]
    return median(values) if values else 1.0


def _interviewer_voices(sets: list[VoiceSet], distance) -> dict[str, tuple[str, float]]:
    """rec_id -> (the voice most like the recurring one, confidence that it is that voice); or
    (None, confidence that he is not heard at all) where every voice is far from his."""
    recurrence = {}
    for voice_set in sets:
        for label, (_, centroid) in voice_set.voices.items():
            nearest = [min(distance(centroid, c) for _, c in other.voices.values())
                       for other in sets if other is not voice_set]
            recurrence[voice_set.rec_id, label] = median(nearest)
    first = {s.rec_id: min(s.voices, key=lambda label: recurrence[s.rec_id, label]) for s in sets}
    # The profile: the most recurring voices, those of recordings where he is surely heard weighing most.
    scores = sorted(recurrence[rec_id, label] for rec_id, label in first.items())
    cutoff = scores[len(scores) // 2]
    members = [(s.voices[first[s.rec_id]]) for s in sets if recurrence[s.rec_id, first[s.rec_id]] <= cutoff]
    profile = np.average([c for _, c in members], axis=0, weights=[max(sec, 1e-3) for sec, _ in members])
    nearest = {}
    for voice_set in sets:
        nearest[voice_set.rec_id] = {label: distance(c, profile) for label, (_, c) in voice_set.voices.items()}
    inside = [min(d.values()) for d in nearest.values()]
    outside = [x for d in nearest.values() for x in sorted(d.values())[1:]]
    same, other = median(inside), (median(outside) if outside else max(inside) * 3)
    # Distances to his profile: his own voice's are about `same`, other people's about `other`, both
    # spread by sigma (floored: three recordings do not measure a spread). Each recording weighs the
    # hypotheses "voice i is his" against "he is not heard" (prior ABSENT_PRIOR: he conducts nearly
    # every interview) by these two Gaussians; the confidence is the posterior.
    spread = float(np.std(inside + outside)) if len(inside + outside) > 2 else 0.0
    sigma = max(min(spread, other - same), (other - same) / 2, 1e-6)

    def log_in(d):
        return -((d - same) ** 2) / (2 * sigma ** 2)

    def log_out(d):
        return -((d - other) ** 2) / (2 * sigma ** 2) if d < other else 0.0  # farther than strangers: a stranger

    # Where another voice recurs nearly as well (the same two people in every recording, or a guest
    # heard as often as he is), the recurring voice does not single him out: every confidence drops.
    lead = [sorted(recurrence[s.rec_id, label] for label in s.voices)[:2] for s in sets if len(s.voices) > 1]
    lead = median([b - a for a, b in lead]) if lead else other - same
    singled_out = max(0.0, min(1.0, 2 * lead / (other - same))) if other > same else 0.0
    found = {}
    for rec_id, distances in nearest.items():
        labels = list(distances)
        strangers = sum(log_out(distances[label]) for label in labels)
        scores = [np.log(ABSENT_PRIOR) + strangers]
        scores += [np.log((1 - ABSENT_PRIOR) / len(labels)) + strangers - log_out(distances[label])
                   + log_in(distances[label]) for label in labels]
        posterior = np.exp(np.array(scores) - max(scores))
        posterior /= posterior.sum()
        best = int(posterior.argmax())
        found[rec_id] = (labels[best - 1] if best else None, round(float(posterior[best]) * singled_out, 2))
    return found
