"""Speech recognition: word error rate, the effect of priming with the corpus's names, and speed.

    python -m bench.asr_benchmark [--model base] [--compute-type int8 float32] [--minutes 5]

On synthesized French speech (bench/speech.py, espeak-ng + sox): for each way of
priming the model (none, the decoder prompt, hotwords, both) the word error rate,
the share of the territory's names recovered, and the names that appear where they
were not said (leaks); then the real-time factor on 2 CPU threads over a longer file
(the set repeated), and what it means for 10 hours of interviews. Prints Markdown.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from unidecode import unidecode

from bench.speech import BENCH, VOICES, synthesize
from indexer import transcribe as asr
from indexer.corpus import load_corpus
from indexer.records import Recording, Speaker

REPO = Path(__file__).resolve().parent.parent
PRIMINGS = ("none", "prompt", "hotwords", "both")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", unidecode(text).lower())


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over words (substitutions, insertions, deletions)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def contains(text: str, name: str) -> bool:
    return f" {' '.join(words(name))} " in f" {' '.join(words(text))} "


def transcribe(model, job, corpus, priming: str) -> tuple[list[dict], float, float]:
    """Segments, wall-clock seconds, and CPU seconds (all threads: on a machine shared with
    other work, CPU time / 2 estimates the wall time on 2 free cores)."""
    job.output.unlink(missing_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    result = asr.transcribe_file(model, job, corpus, asr.Options(priming=priming))
    segments = asr_segments(job) if result.status == "done" else []
    return segments, time.perf_counter() - started, time.process_time() - cpu


def asr_segments(job) -> list[dict]:
    return json.loads(job.output.read_text(encoding="utf-8"))["segments"]


def sentence_texts(segments: list[dict], starts: list[float], ends: list[float]) -> list[str]:
    """The recognized words falling in each sentence's time span."""
    out = []
    for start, end in zip(starts, ends):
        out.append(" ".join(w["word"] for s in segments for w in s["words"] if start - 0.5 <= w["start"] < end))
    return out


def measure_priming(model, folder: Path, corpus, rec: Recording) -> list[str]:
    speech = synthesize(folder / "audio", "banc", [s for s, _ in BENCH])
    job = asr.Job(rec, speech.path, folder / "out" / "banc.json", folder / "out" / ".partial" / "banc.jsonl")
    vocabulary = asr.vocabulary_terms(corpus, rec)
    said = {name for _, names in BENCH for name in names}
    lines = [f"Set: {len(BENCH)} sentences, {speech.ends[-1]:.0f} s of speech, 2 espeak-ng voices; "
             f"{len(said)} distinct names said; priming list: {len(vocabulary)} names "
             f"({len(asr.priming_text(vocabulary))} characters).", "",
             f"| priming | WER | WER voice {VOICES[0]} | WER voice {VOICES[1]} | names recovered | "
             "leaked names (said nowhere) | time (s) |",
             "|---|---|---|---|---|---|---|"]
    reference = [w for s in speech.texts for w in words(s)]
    for priming in PRIMINGS:
        segments, seconds, _ = transcribe(model, job, corpus, priming)
        hypothesis_text = " ".join(s["text"] for s in segments)
        errors = word_errors(reference, words(hypothesis_text))
        per_sentence = sentence_texts(segments, speech.starts, speech.ends)
        found = sum(contains(text, name) for text, (_, names) in zip(per_sentence, BENCH) for name in names)
        total = sum(len(names) for _, names in BENCH)
        leaks = sorted({term for term in vocabulary if contains(hypothesis_text, term)
                        and not any(contains(s, term) for s in speech.texts)})
        by_voice = []
        for voice in VOICES:
            pairs = [(words(ref), words(hyp)) for ref, hyp, (sentence, _) in zip(speech.texts, per_sentence, BENCH)
                     if sentence.voice == voice]
            by_voice.append(sum(word_errors(r, h) for r, h in pairs) / max(1, sum(len(r) for r, _ in pairs)))
        lines.append(f"| {priming} | {errors / len(reference):.0%} | {by_voice[0]:.0%} | {by_voice[1]:.0%} | "
                     f"{found}/{total} | "
                     f"{', '.join(leaks) or '—'} | {seconds:.1f} |")
        if priming in ("none", "hotwords"):
            lines.append("")
            lines.append(f"<!-- {priming}: {hypothesis_text} -->")
            lines.append("")
    return lines


def measure_speed(model_name: str, compute_types: list[str], folder: Path, corpus, rec: Recording,
                  minutes: float) -> list[str]:
    repeats = max(1, round(minutes * 60 / 45))
    speech = synthesize(folder / "audio", "long", [s for s, _ in BENCH] * repeats)
    lines = [f"File: the set repeated {repeats}×, {speech.ends[-1] / 60:.1f} min of audio, 2 CPU threads, "
             "VAD on, word timestamps on, beam 5, hotwords priming (the default).", "",
             f"Load average when measured: {os.getloadavg()[0]:.1f} (2 cores shared with other work).", "",
             "| model | compute type | real-time factor (wall) | CPU s / 2 / audio s | 10 h of interviews "
             "(from CPU time) |", "|---|---|---|---|---|"]
    for compute_type in compute_types:
        model = asr.load_model(model_name, device="cpu", compute_type=compute_type, cpu_threads=2)
        job = asr.Job(rec, speech.path, folder / "out" / "long.json", folder / "out" / ".partial" / "long.jsonl")
        _, seconds, cpu = transcribe(model, job, corpus, "hotwords")
        rtf, cpu_rtf = seconds / speech.ends[-1], cpu / 2 / speech.ends[-1]
        lines.append(f"| {model_name} | {compute_type} | {rtf:.2f}× | {cpu_rtf:.2f}× | {cpu_rtf * 10:.1f} h |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--compute-type", nargs="+", default=["int8", "float32"])
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the speed test file")
    parser.add_argument("--prompt-chars", type=int, default=asr.PROMPT_CHARS, help="length of the priming list")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args(argv)
    asr.PROMPT_CHARS = args.prompt_chars
    corpus = load_corpus(REPO / "corpus")
    # The invented guest, as a recording's page would name her.
    rec = Recording(id="banc", title="Banc d'essai", speakers=[Speaker("Odile Warembourg")])
    folder = Path(tempfile.mkdtemp(prefix="asr-bench-"))
    try:
        model = asr.load_model(args.model, device="cpu", compute_type="int8", cpu_threads=2)
        print(f"## Priming ({args.model}, int8)\n")
        print("\n".join(measure_priming(model, folder, corpus, rec)))
        if not args.no_speed:
            print("\n## Speed\n")
            print("\n".join(measure_speed(args.model, args.compute_type, folder, corpus, rec, args.minutes)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
