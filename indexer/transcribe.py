"""Audio -> time-coded transcripts, offline, with faster-whisper (the optional ``asr`` extra).

For each recording that has a local audio file and no transcript yet, this writes
``transcripts/auto/<recording id>.json`` in the corpus: Whisper JSON (segments with
words, their times and probabilities) plus a ``provenance`` block saying it is an
automatic transcript (model, date). ``sources.read_corpus`` picks these files up by
itself; a human transcript declared in corpus.yaml replaces one.

The model itself is found, assembled and loaded by ``speech.whisper_model``.

Long work: decoded turns are appended to ``transcripts/auto/.partial/<id>.jsonl`` as the
model yields them; an interrupted run starts again after the last segment written.
The hidden folder keeps partial files out of the index's corpus fingerprint.

Nothing here imports faster-whisper at module level: ``check``, ``index`` and the web
app never need it.
"""
from __future__ import annotations

import io
import itertools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

import numpy as np

from .corpus import Corpus
from .corpus.auto_transcripts import AUTO_DIR, auto_transcript_path
from .corpus.manifest import local_audio_file
from .corpus_files import CorpusFileError, read_corpus_file
from .corpus_writes import atomic_writer, open_partial, remove_in_corpus
from .records import Recording
# The model (speech/whisper_model.py); the command line reaches it through this module.
from .speech.whisper_model import HUB_SIZES, TranscribeError, load_model, require_faster_whisper  # noqa: F401

PARTIAL_DIR = AUTO_DIR / ".partial"
AUDIO_EXTENSIONS = (".mp3", ".wav", ".ogg", ".oga", ".opus", ".m4a", ".flac", ".aac", ".webm", ".mp4")
# Whisper's decoder holds 448 tokens, prompt and output together. Measured (docs/transcription.md):
# 300 characters of names as hotwords made the model recite the list instead of the speech;
# 120 characters (~50 tokens: the recording's people, places and organisations first) did not.
PROMPT_CHARS = 120


# --------------------------------------------------------------------------- what to transcribe


@dataclass
class Job:
    recording: Recording
    audio: Path
    output: Path
    partial: Path
    duration: float = 0.0  # seconds, from the container's header (0 when unknown)


def audio_path(rec: Recording, corpus: Corpus) -> Optional[Path]:
    """The recording's local audio: its audio_file (fetch --audio, corpus.yaml « audio: »), else audio/<id>.*

    The real path of a regular file inside the corpus, by the corpus-file rules (corpus_files):
    a link planted in audio/ that leads out of the corpus is never read (`check` reports it)."""
    candidates = ([rec.audio_file] if rec.audio_file else []) + [f"{rec.id}{ext}" for ext in AUDIO_EXTENSIONS]
    for name in candidates:
        path = local_audio_file(corpus.root, name)
        if path is not None:
            return path
    return None


def media_duration(path: Path) -> float:
    """Duration from the container's header (cheap); 0 when it does not say."""
    try:
        import av
        with av.open(str(path)) as container:
            return (container.duration or 0) / 1_000_000
    except Exception:
        return 0.0


def plan(records, wanted: Iterable[str] = (), force: bool = False) -> tuple[list[Job], list[str]]:
    """The jobs to run, and a French line for each recording left out (and why)."""
    corpus = records.corpus
    wanted = list(wanted)
    by_id = {r.id: r for r in records.recordings}
    notes = [f"{rec_id} : aucun enregistrement de ce nom" for rec_id in wanted if rec_id not in by_id]
    recordings = [by_id[i] for i in wanted if i in by_id] if wanted else [r for r in records.recordings if r.media]
    jobs = []
    for rec in recordings:
        if rec.transcript and not getattr(rec, "automatic", None):
            if wanted:
                notes.append(f"{rec.id} : a déjà une transcription ({rec.transcript}), qui prime sur une "
                             "transcription automatique")
            continue
        output = auto_transcript_path(corpus.root, rec.id)
        if output is None:
            notes.append(f"{rec.id} : identifiant impropre à un nom de fichier, ignoré")
            continue
        audio = audio_path(rec, corpus)
        if audio is None:
            if wanted:
                notes.append(f"{rec.id} : pas de fichier audio local (artoiscast fetch --audio, ou audio/{rec.id}.mp3)")
            continue
        if output.exists() and not force:
            if wanted:
                notes.append(f"{rec.id} : déjà transcrit ({output.relative_to(corpus.root)} ; --force pour refaire)")
            continue
        partial = Path(corpus.root) / PARTIAL_DIR / f"{rec.id}.jsonl"
        jobs.append(Job(rec, audio, output, partial, media_duration(audio)))
    return jobs, notes


# --------------------------------------------------------------------------- the territory's words


def vocabulary_terms(corpus: Corpus, rec: Optional[Recording] = None) -> list[str]:
    """Names the model would not guess: the recording's people first, then places,
    organisations and the thesaurus's acronyms - each once."""
    terms: list[str] = []
    if rec is not None:  # what the recording's page names comes first: the likeliest words
        terms += [s.name for s in rec.speakers]
        terms += [s.organisation for s in rec.speakers if s.organisation]
        terms += rec.places + rec.organisations
    terms += corpus.places
    for org in corpus.organisations:
        terms.append(org.name)
        terms += [a for a in org.aliases if _is_acronym(a)]
    for forms in corpus.thesaurus:
        terms += [f for f in forms if _is_acronym(f)]
    seen, unique = set(), []
    for term in terms:
        key = term.casefold()
        if term and key not in seen:
            seen.add(key)
            unique.append(term)
    return unique


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return 2 <= len(letters) <= 8 and sum(c.isupper() for c in letters) >= len(letters) - 1


def priming_text(terms: list[str], limit: Optional[int] = None) -> str:
    """The terms as one comma-separated French sentence, cut to fit Whisper's prompt."""
    limit = limit or PROMPT_CHARS
    text = ""
    for term in terms:
        candidate = f"{text}, {term}" if text else term
        if len(candidate) + 1 > limit:
            break
        text = candidate
    return f"{text}." if text else ""


# --------------------------------------------------------------------------- one file

SAMPLING_SEED = 1  # see transcribe_file
PARTIAL_VERSION = 3  # the resume file's layout: a header, the first pass, then one line per decoded unit
UNIT_PAD = 0.2  # seconds of audio decoded around a unit's speech: the decoder needs a little lead


@dataclass
class Options:
    model_name: str = "base"
    # "none" | "hotwords" | "prompt" | "both". None by default: priming showed no measurable gain,
    # and a primed model sometimes writes a name nobody said (docs/transcription.md).
    priming: str = "none"
    beam_size: int = 5
    # The decoder's own checks on its first pass (see speech.decode.Decoder); speech they drop is
    # decoded again without them.
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0


@dataclass
class FileResult:
    job: Job
    status: str  # "done" | "silent" | "unreadable" | "failed" | "interrupted"
    segments: int = 0
    audio_seconds: float = 0.0
    seconds: float = 0.0
    message: str = ""
    coverage: Optional[dict] = None  # speech.decode.coverage

    @property
    def missing(self) -> list:
        return (self.coverage or {}).get("missing", [])


Progress = Callable[[float, float], None]  # (seconds of audio done, duration)


def read_partial(job: Job, corpus: Corpus, header: dict):
    """(the first pass, the units decoded) already written for this audio and these options;
    (None, []) to start afresh."""
    from .speech.decode import Analysis, UnitResult

    from .speech.voices import DIMENSIONS

    try:
        lines = read_corpus_file(corpus.root, job.partial.relative_to(corpus.root)).decode("utf-8").splitlines()
        if json.loads(lines[0]) != header:
            return None, []
        analysis = Analysis(**json.loads(lines[1]))
        # What the first pass wrote, or nothing: a damaged or planted file is started afresh.
        np.array(analysis.spans, dtype=np.float64).reshape(-1, 2)
        np.array(analysis.windows, dtype=np.float64).reshape(-1, 1 + DIMENSIONS)
        float(analysis.duration)
    except (CorpusFileError, OSError, IndexError, ValueError, TypeError):
        return None, []
    units = []
    for line in lines[2:]:
        try:
            units.append(UnitResult(**json.loads(line)))
        except (ValueError, TypeError):
            break  # a line cut by the interruption: the units before it are good
    return analysis, units


def _audio_identity(path: Path) -> dict:
    stat = path.stat()
    return {"file": path.name, "size": stat.st_size, "mtime": int(stat.st_mtime)}


def expected_voices(rec: Recording, corpus: Corpus) -> int:
    """How many people the page names for the recording, its interviewer counted."""
    named = len(rec.speakers)
    if not rec.interviewers and any(p.interviewer for p in corpus.people):
        named += 1
    return max(named, 1)


def transcribe_file(model, job: Job, corpus: Corpus, options: Options,
                    progress: Optional[Progress] = None, stop_after: Optional[float] = None) -> FileResult:
    """Transcribe one job, resuming its partial file; never raises on bad audio.

    Two passes over the file, a block at a time (memory does not grow with its length):
    speech and voices first, then each turn of one voice decoded (`speech.decode`). Each
    decoded unit is appended to the partial file; an interrupted run starts after the last.

    stop_after: stop (as an interruption would) once this many seconds of audio are
    written - for the resume test.
    """
    from .speech.audio import AudioUnreadable
    from .speech.decode import Decoder, analyse, coverage, plan

    started = time.perf_counter()
    result = FileResult(job, "done")
    terms = vocabulary_terms(corpus, job.recording) if options.priming != "none" else []
    prompt = priming_text(terms)
    header = {"version": PARTIAL_VERSION, "audio": _audio_identity(job.audio), "model": options.model_name,
              "priming": options.priming}
    analysis, done = read_partial(job, corpus, header)
    partial = job.partial.relative_to(corpus.root)
    if analysis is None:
        try:
            analysis = analyse(job.audio)
        except AudioUnreadable as exc:
            result.status, result.message = "unreadable", f"fichier audio illisible ({exc})"
            return result
    job.duration = analysis.duration
    if analysis.duration < 0.1:
        result.status, result.message = "unreadable", "fichier audio vide"
        return result
    if not analysis.spans:
        result.status, result.message = "silent", "aucune parole détectée"
        remove_in_corpus(corpus.root, partial)
        return result
    units, _, voices = plan(analysis, expected_voices(job.recording, corpus))
    decoder = Decoder(model, options.beam_size,
                      initial_prompt=prompt if options.priming in ("prompt", "both") and prompt else None,
                      hotwords=prompt if options.priming in ("hotwords", "both") and prompt else None,
                      checks={"no_speech_threshold": options.no_speech_threshold,
                              "log_prob_threshold": options.log_prob_threshold})
    # When a window's greedy decoding fails its checks (repetition, low probability), faster-whisper
    # decodes it again by sampling at a higher temperature: a fixed seed makes a re-run of the same
    # audio give the same transcript.
    import ctranslate2
    ctranslate2.set_random_seed(SAMPLING_SEED)
    resume_at = done[-1].end if done else 0.0
    try:
        with open_partial(corpus.root, partial) as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
            failure = _decode_units(out, header, analysis, done, units[len(done):], decoder, job, progress, stop_after)
    except CorpusFileError as exc:  # the resume file could not be written (disk full, a planted link)
        failure = ("failed", f"écriture refusée : {exc}")
    if failure:
        result.status, result.message = failure
        return result
    result.audio_seconds = analysis.duration - resume_at
    result.seconds = time.perf_counter() - started
    segments = [s for unit in done for s in unit.segments]
    result.segments = len(segments)
    result.coverage = coverage(analysis, done)
    if not segments:
        result.status = "silent"
        result.message = f"parole détectée ({result.coverage['speech_seconds']:.0f} s) mais aucun mot reconnu"
        remove_in_corpus(corpus.root, partial)
        return result
    try:
        write_transcript(job, corpus, segments, analysis.duration, options, prompt, result.coverage, voices)
        remove_in_corpus(corpus.root, partial)
    except CorpusFileError as exc:
        result.status, result.message = "failed", f"écriture refusée : {exc}"
        return result
    if progress:
        progress(analysis.duration, analysis.duration)
    return result


def _decode_units(out, header: dict, analysis, done: list, todo: list, decoder, job: Job,
                  progress: Optional[Progress], stop_after: Optional[float]) -> Optional[tuple[str, str]]:
    """Decode ``todo`` into ``done``, the resume file ``out`` rewritten first then appended a line
    a unit; (status, message) when it stops before the end, None when every unit is decoded."""
    from .speech.audio import AudioUnreadable, slices, stream_audio
    from .speech.decode import pack

    out.truncate(0)
    out.write(json.dumps(header, ensure_ascii=False) + "\n" + json.dumps(analysis.as_json()) + "\n")
    for unit in done:
        out.write(json.dumps(unit.as_json(), ensure_ascii=False) + "\n")
    out.flush()
    if progress:
        progress(done[-1].end if done else 0.0, analysis.duration)
    intervals = [(max(u.start - UNIT_PAD, 0.0), u.end + UNIT_PAD) for u in todo]
    audio = zip(todo, slices(stream_audio(job.audio), intervals))
    try:
        for window in pack(todo, UNIT_PAD):  # several short turns, one Whisper window
            pieces = [(unit, offset, samples) for unit, (offset, samples) in itertools.islice(audio, len(window))]
            for decoded in decoder.window(pieces):
                out.write(json.dumps(decoded.as_json(), ensure_ascii=False) + "\n")
                done.append(decoded)
            out.flush()
            if progress:
                progress(done[-1].end, analysis.duration)
            if stop_after is not None and done[-1].end >= stop_after:
                return "interrupted", "interrompu"
    except AudioUnreadable as exc:  # the file changed or broke between the two passes
        return "unreadable", f"fichier audio illisible ({exc})"
    except RuntimeError as exc:  # the decoder failed on this file: what is written stays for a retry
        return "failed", f"échec du modèle après {_minutes(done[-1].end if done else 0)} min ({exc})"
    return None  # a write error of the resume file goes up: open_partial names it (CorpusWriteError)


def write_transcript(job: Job, corpus: Corpus, segments: list[dict], duration: float, options: Options, prompt: str,
                     coverage: dict, voices: dict):
    """The finished Whisper JSON, written whole (tmp file + rename)."""
    import faster_whisper

    for number, segment in enumerate(segments):
        segment["id"] = number
    data = {
        "provenance": {
            "automatic": True,
            "model": f"whisper-{options.model_name}" if options.model_name in HUB_SIZES
            else Path(options.model_name).name,
            "engine": f"faster-whisper {faster_whisper.__version__}",
            "date": time.strftime("%Y-%m-%d"),
            "audio": job.audio.name,
            "duration": round(duration, 2),
            "priming": options.priming if prompt else "none",
            "reviewed": False,
            "coverage": coverage,
            "voices": voices,
        },
        "language": "fr",
        "text": " ".join(s["text"] for s in segments),
        "segments": segments,
    }
    write_json(corpus, job.output, data)


def write_json(corpus: Corpus, path: Path, data) -> None:
    """``data`` as JSON at ``path`` in the corpus, whole or not at all, never through a planted link."""
    with atomic_writer(corpus.root, path.relative_to(corpus.root), "w") as out:
        json.dump(data, out, ensure_ascii=False, indent=1)


# --------------------------------------------------------------------------- who speaks, across the archive


def attribute_speakers(records) -> list[str]:
    """Name the voices of every automatic transcript (`speech.attribution`) and write the names
    into the files: each segment of a named voice gets ``speaker`` and ``speaker_confidence``,
    the provenance says how. Returns a French line per recording whose naming changed.

    Run at the end of every `transcribe`: a new recording is more evidence for the others.
    Human transcripts and files without voices (older automatic ones) are left alone.
    """
    from .speech.attribution import METHOD, VoiceSet, attribute
    from .speech.voices import DIMENSIONS

    corpus = records.corpus
    interviewers = [p.name for p in corpus.people if p.interviewer]
    loaded, sets = {}, []
    for rec in records.recordings:
        path = auto_transcript_path(corpus.root, rec.id) if rec.media else None
        if path is None or not path.is_file():
            continue
        rel = path.relative_to(corpus.root).as_posix()
        try:
            data = json.loads(read_corpus_file(corpus.root, rel).decode("utf-8"))
            voices = data["provenance"]["voices"]
            found = {label: (float(v["seconds"]), np.array(v["centroid"], dtype=np.float64))
                     for label, v in voices["voices"].items()}
            scale = np.array(voices["scale"], dtype=np.float64)
            # A file in transcripts/auto/ is a corpus file like any other: anything else than the
            # vectors and segments transcribe writes is left alone, never computed with.
            if scale.shape != (DIMENSIONS,) or not np.all(np.isfinite(scale)) or any(
                    c.shape != (DIMENSIONS,) or not np.all(np.isfinite(c)) for _, c in found.values()) \
                    or not all(isinstance(s, dict) for s in data["segments"]):
                continue
        except (CorpusFileError, ValueError, KeyError, TypeError, AttributeError):
            continue  # not ours, damaged, or from before voices were kept: `check` reports the damaged ones
        interviewer = next((s.name for s in rec.speakers if s.interviewer), interviewers[0] if len(interviewers) == 1
                           else None)
        guests = [s.name for s in rec.speakers if not s.interviewer]
        loaded[rec.id] = (path, data)
        sets.append(VoiceSet(rec.id, found, scale, guests, interviewer))
    if sets and len({len(s.scale) for s in sets}) > 1:
        return ["voix : transcriptions de versions différentes, relancez « artoiscast transcribe --force »"]
    namings = attribute(sets)
    lines = []
    for rec_id, naming in namings.items():
        path, data = loaded[rec_id]
        before = json.dumps(data["segments"], sort_keys=True), data["provenance"].get("speakers")
        for segment in data["segments"]:
            found = naming.get(segment.get("voice"))
            segment.pop("speaker", None)
            segment.pop("speaker_confidence", None)
            if found and found.name:
                segment["speaker"], segment["speaker_confidence"] = found.name, found.confidence
        data["provenance"]["speakers"] = {
            "method": METHOD, "automatic": True,
            "voices": {label: {"name": n.name, "confidence": n.confidence, "role": n.role} for label, n in naming.items()}}
        if (json.dumps(data["segments"], sort_keys=True), data["provenance"]["speakers"]) == before:
            continue
        write_json(corpus, path, data)
        named = [f"{n.name} ({n.confidence:.0%})" for n in naming.values() if n.name]
        lines.append(f"{rec_id} : voix nommées : {', '.join(named) if named else 'aucune (locuteur non identifié)'}")
    return lines


# --------------------------------------------------------------------------- progress on a terminal


class ProgressLine:
    """One line on a terminal, redrawn: the file, minutes done, real-time factor, ETA."""

    def __init__(self, total_seconds: float, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.total = total_seconds
        self.done_before = 0.0  # audio seconds of the files finished
        self.started = time.perf_counter()
        self.label = ""
        self.file_started = self.started
        self.file_from = 0.0
        self.processed = 0.0  # audio seconds transcribed in this run (not resumed ones)

    def start_file(self, label: str):
        self.label = label
        self.file_started = time.perf_counter()
        self.file_from = None

    def update(self, done: float, duration: float):
        if self.file_from is None:
            self.file_from = done  # resumed here
        if not self.tty:
            return
        elapsed = time.perf_counter() - self.file_started
        worked = max(done - self.file_from, 0.0)
        rtf = elapsed / worked if worked > 1 else 0.0
        total_done = self.done_before + done
        eta_file = (duration - done) * rtf
        eta_all = (max(self.total - total_done, 0.0)) * rtf
        line = (f"\r{self.label} {_minutes(done)}/{_minutes(duration)} min"
                + (f" · {rtf:.2f}× temps réel · reste {_minutes(eta_file)} min" if rtf else "")
                + (f" | total {_minutes(total_done)}/{_minutes(self.total)} min" if self.total else "")
                + (f", reste ~{_minutes(eta_all)} min" if rtf and self.total else ""))
        self.stream.write(line[:160].ljust(100))
        self.stream.flush()

    def end_file(self, duration: float):
        self.done_before += duration
        if self.tty:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}"
