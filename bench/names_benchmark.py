"""Known names heard misspelled: how many the approximate matching recovers on real speech output.

    python -m bench.names_benchmark

The benchmark set of bench/speech.py (espeak-ng sentences full of corpus.yaml's names and an
invented guest) is transcribed once by Whisper base (no priming, the default); in each
sentence's recognized words, every name said is counted as written (the normal search finds
it), found approximately (indexer/names.py), or missed, and every approximate find of a name
that was not said in that sentence is a wrong find. Prints Markdown.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench.asr_benchmark import REPO, contains, sentence_texts, transcribe
from bench.speech import BENCH, synthesize
from indexer import transcribe as asr
from indexer.corpus import load_corpus
from indexer.names import KnownNames, corpus_names, find_approximate_names, is_name_like, recording_names
from indexer.records import Recording, Speaker


def main():
    corpus = load_corpus(REPO / "corpus")
    rec = Recording(id="banc", title="Banc d'essai", speakers=[Speaker("Odile Warembourg")])
    names = corpus_names(corpus)
    known = [KnownNames(names), KnownNames(recording_names(names, rec))]
    folder = Path(tempfile.mkdtemp(prefix="names-bench-"))
    try:
        model = asr.load_model("base", device="cpu", compute_type="int8", cpu_threads=2)
        speech = synthesize(folder / "audio", "banc", [s for s, _ in BENCH])
        job = asr.Job(rec, speech.path, folder / "out" / "banc.json", folder / "out" / ".partial" / "banc.jsonl")
        segments, _, _ = transcribe(model, job, corpus, "none")
        heard = sentence_texts(segments, speech.starts, speech.ends)
        said = written = approximate = 0
        wrong, lines = [], []
        for text, (sentence, sentence_names) in zip(heard, BENCH):
            found = find_approximate_names(text, *known)
            found_names = {a.name for a in found}
            for name in filter(is_name_like, sentence_names):
                said += 1
                if contains(text, name):
                    written += 1
                elif name in found_names:
                    approximate += 1
            wrong += [f"{a.heard} → {a.name}" for a in found if a.name not in sentence_names]
            lines.append(f"| {sentence.text} | {text.strip()} | "
                         f"{', '.join(f'{a.heard} → {a.name}' for a in found) or '—'} |")
        print(f"Names said: {said}; as written: {written}; found approximately: {approximate}; "
              f"missed: {said - written - approximate}; wrong finds: {len(wrong)} "
              f"({'; '.join(wrong) or '—'}).\n")
        print("| said | heard (Whisper base) | found approximately |\n|---|---|---|")
        print("\n".join(lines))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
