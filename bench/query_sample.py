"""Queries for the first-sight benchmark, drawn at random from a generated archive (issue 13).

    python -m bench.query_sample --corpus var/bench/archive-5h [--seed 13] [--per-class 30]

A researcher's queries are new ones, so the headline benchmark asks each query
once, on a fresh server. This module draws those queries from the archive's own
text, with a seed:

- single word, by frequency of its term (stem) in the archive, per million words:
  ``frequent`` >= 500 (the few hundred most frequent terms, a few % of passages
  each), ``rare`` < 25 (or heard once, in a small archive), ``medium`` in
  between; a scale-free definition, so the same words fall in the same class at
  5 h and at 1,000 h;
- two words spoken in the same cue (so they meet in a passage);
- a phrase: two or three adjacent plain words of a cue (a pair of content words,
  or a triple whose first and last words are content words: "salle des pendus");
- a prefix: the first 2 to 6 letters of a word spoken in a cue, then ``*``;
- each of these again with one facet filter (theme, year, kind or speaker)
  taken from the recording and speaker the words were drawn from, so a filtered
  query has answers.

No two queries are the same to the application: each query's key is what the
application's analyzer makes of it (stemmed, folded terms; a phrase keeps its
order; a prefix is folded only), and keys are never repeated across the whole
set, filters or not - the application caches a query's matches per index
generation whatever its filters. ``reserved`` queries (the harness's own probe)
are never drawn.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import fts5_baseline
from indexer.analysis import ELISION, FRENCH_STOP_WORDS, analyze, fold, stem_and_fold

FREQUENT_PER_MILLION = 500.0
RARE_PER_MILLION = 25.0
MIN_WORD_LETTERS = 3
PREFIX_LETTERS = (2, 6)
CUE_POOL = 20_000  # cues kept (a seeded reservoir sample) to draw phrases, word pairs and prefixes from
READ_BUDGET_BYTES = 25_000_000  # of transcripts read to draw queries (about 250 h of speech)
FILTERS = ("theme", "year", "kind", "speaker")
BASE_CLASSES = ("word, frequent", "word, medium", "word, rare", "two words", "phrase", "prefix")
FACET_SUFFIX = " + facet"
CLASSES = BASE_CLASSES + tuple(c + FACET_SUFFIX for c in BASE_CLASSES)
TRIES_PER_QUERY = 500

TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")  # words joined by apostrophes or hyphens
PLAIN_WORD = re.compile(r"^[^\W\d_]+$")  # a whitespace-separated token that is a word and nothing else


@dataclass(frozen=True)
class Query:
    cls: str
    params: dict
    key: tuple = field(compare=False)


@dataclass
class Source:
    """Where words were drawn from: a recording and the person speaking."""
    recording: int
    speaker: str | None


@dataclass
class ArchiveText:
    """What the sampler knows of an archive: term counts, where each word was first heard, a pool of cues."""
    recordings: list[dict]
    words: int = 0
    surface: Counter = field(default_factory=Counter)  # lowercase word -> occurrences
    first_heard: dict = field(default_factory=dict)  # lowercase word -> Source
    cues: list[tuple[Source, str]] = field(default_factory=list)


def spoken_words(text: str) -> list[str]:
    """The lowercase words of a text that both engines see as words.

    Hyphens separate words for both; an elided article goes ("l'époque" ->
    "époque"); a word with another apostrophe ("aujourd'hui") is one word to
    the application and two to FTS5, so it is left out.
    """
    words = []
    for token in TOKEN.findall(text.lower()):
        if "'" in token or "’" in token:
            token = ELISION.sub("", token, count=1)
            if "'" in token or "’" in token:
                continue
        words += [part for part in token.split("-") if part]
    return words


def is_content_word(word: str) -> bool:
    return len(word) >= MIN_WORD_LETTERS and word not in FRENCH_STOP_WORDS and bool(analyze(word))


def read_archive(corpus: Path, seed: int, cue_pool: int = CUE_POOL, budget_bytes: int = READ_BUDGET_BYTES) -> ArchiveText:
    """One pass over the transcripts, in corpus.yaml order (deterministic).

    Bounded: past ``budget_bytes`` of transcripts, every k-th recording only, so
    the words read are spread over the whole archive (at 1,000 h, about a quarter
    of it); every query still comes from the archive's own text.
    """
    data = fts5_baseline.load_corpus(corpus)
    entries = list((data.get("recordings") or {}).items())
    paths = [Path(corpus) / e["transcript"] if e.get("transcript") else None for _, e in entries]
    total = sum(p.stat().st_size for p in paths if p is not None and p.is_file())
    stride = max(1, math.ceil(total / budget_bytes))
    text = ArchiveText(recordings=[])
    rng = random.Random(f"{seed}:cue-pool")
    seen_cues = 0
    for index, (rec_id, entry) in enumerate(entries):
        date = str(entry.get("date") or "")
        text.recordings.append({"id": rec_id, "theme": entry.get("theme"), "kind": entry.get("kind"), "year": date[:4] or None})
        if paths[index] is None or index % stride:
            continue
        by_speaker: dict[str | None, list[str]] = {}
        for cue in fts5_baseline.read_vtt(paths[index]):
            by_speaker.setdefault(cue.speaker, []).append(cue.text)
            # Reservoir sampling: every cue read has the same chance to be in the pool.
            seen_cues += 1
            if len(text.cues) < cue_pool:
                text.cues.append((Source(index, cue.speaker), cue.text))
            else:
                slot = rng.randrange(seen_cues)
                if slot < cue_pool:
                    text.cues[slot] = (Source(index, cue.speaker), cue.text)
        for speaker, said in by_speaker.items():  # one pass per speaker: fast, and who said a word is known
            words = spoken_words(" ".join(said))
            text.words += len(words)
            text.surface.update(words)
            source = Source(index, speaker)
            for word in set(words).difference(text.first_heard):
                text.first_heard[word] = source
    return text


def frequency_classes(text: ArchiveText) -> dict[str, list[str]]:
    """Single-word class -> words (the most frequent spelling of each term), in a fixed order."""
    by_term: dict[str, Counter] = {}
    for word, count in text.surface.items():
        if is_content_word(word):
            by_term.setdefault(stem_and_fold(word), Counter())[word] += count
    classes: dict[str, list[str]] = {"word, frequent": [], "word, medium": [], "word, rare": []}
    for term in sorted(by_term):
        spellings = by_term[term]
        count = sum(spellings.values())
        per_million = count / max(1, text.words) * 1e6
        word = min(spellings, key=lambda w: (-spellings[w], w))
        if per_million >= FREQUENT_PER_MILLION:
            classes["word, frequent"].append(word)
        elif per_million < RARE_PER_MILLION or count == 1:
            classes["word, rare"].append(word)
        else:
            classes["word, medium"].append(word)
    return classes


def query_key(q: str) -> tuple:
    """What the application's cache sees of a query: its analyzed terms (order kept for a phrase)."""
    if q.endswith("*"):
        return ("prefix", fold(q[:-1]))
    if q.startswith('"'):
        return ("phrase", tuple(analyze(q.strip('"'))))
    return ("words", tuple(sorted(analyze(q))))


class Sampler:
    """Draws never-repeated queries of every class from one archive, with one seeded RNG."""

    def __init__(self, text: ArchiveText, seed: int, reserved: list[str] = ()):
        self.text = text
        self.rng = random.Random(f"{seed}:queries")
        self.words = frequency_classes(text)
        self.used: set[tuple] = {query_key(q) for q in reserved}

    # -- one query of a class; None when none new is found
    def draw(self, cls: str) -> Query | None:
        base = cls.removesuffix(FACET_SUFFIX)
        for _ in range(TRIES_PER_QUERY):
            drawn = self._draw_base(base)
            if drawn is None:
                continue
            q, source = drawn
            key = query_key(q)
            if not key[1] or key in self.used:
                continue
            params = {"q": q}
            if cls.endswith(FACET_SUFFIX):
                facet = self._facet(source)
                if facet is None:
                    continue
                params.update(facet)
            self.used.add(key)
            return Query(cls, params, key)
        return None

    def _draw_base(self, base: str) -> tuple[str, Source] | None:
        rng = self.rng
        if base.startswith("word, "):
            pool = self.words[base]
            if not pool:
                return None
            word = rng.choice(pool)
            return word, self.text.first_heard[word]
        source, cue = rng.choice(self.text.cues)
        if base == "two words":
            words = list(dict.fromkeys(w for w in spoken_words(cue) if is_content_word(w)))
            if len(words) < 2:
                return None
            a, b = sorted(rng.sample(range(len(words)), 2))
            if stem_and_fold(words[a]) == stem_and_fold(words[b]):
                return None
            return f"{words[a]} {words[b]}", source
        if base == "phrase":
            phrases = adjacent_phrases(cue)
            return ('"' + rng.choice(phrases) + '"', source) if phrases else None
        if base == "prefix":
            words = [w for w in spoken_words(cue) if is_content_word(w)]
            if not words:
                return None
            word = rng.choice(words)
            letters = rng.randint(PREFIX_LETTERS[0], min(PREFIX_LETTERS[1], len(word)))
            return word[:letters] + "*", source
        raise ValueError(f"unknown query class {base!r}")

    def _facet(self, source: Source) -> dict | None:
        rec = self.text.recordings[source.recording]
        name = self.rng.choice(FILTERS)
        value = source.speaker if name == "speaker" else rec.get(name)
        return {name: str(value)} if value else None

    def sample(self, per_class: int, classes=CLASSES) -> tuple[list[Query], dict[str, int]]:
        """Up to ``per_class`` queries of each class, the classes interleaved in a random order;
        and how many each class lacks (when the archive has no more new ones)."""
        drawn: dict[str, list[Query]] = {c: [] for c in classes}
        exhausted: set[str] = set()
        for _ in range(per_class):
            for cls in classes:  # round robin, so a scarce pool is shared fairly between sets
                if cls in exhausted:
                    continue
                query = self.draw(cls)
                if query is None:
                    exhausted.add(cls)
                else:
                    drawn[cls].append(query)
        queries = [q for c in classes for q in drawn[c]]
        self.rng.shuffle(queries)
        return queries, {c: per_class - len(drawn[c]) for c in classes if len(drawn[c]) < per_class}


def adjacent_phrases(cue: str) -> list[str]:
    """Pairs of adjacent content words, and triples with content words at both ends, as spoken."""
    tokens = cue.split()
    phrases = []
    for i in range(len(tokens) - 1):
        pair = tokens[i:i + 2]
        if all(PLAIN_WORD.match(t) for t in pair) and all(is_content_word(t.lower()) for t in pair):
            phrases.append(" ".join(pair).lower())
        triple = tokens[i:i + 3]
        if len(triple) == 3 and all(PLAIN_WORD.match(t) for t in triple) \
                and is_content_word(triple[0].lower()) and is_content_word(triple[2].lower()):
            phrases.append(" ".join(triple).lower())
    return phrases


@dataclass
class QuerySet:
    warmup: list[Query]  # asked first, not measured: one of each class, so lazy loading is not counted
    first_sight: list[Query]  # the sequential headline
    concurrent: list[Query]  # the concurrent run: new queries too
    short: dict[str, int]  # class -> queries missing (archive too small for that many new ones)


def sample_queries(corpus: Path, seed: int, per_class: int, concurrent_per_class: int, reserved: list[str] = (),
                   text: ArchiveText | None = None) -> QuerySet:
    text = text or read_archive(corpus, seed)
    sampler = Sampler(text, seed, reserved)
    warmup, _ = sampler.sample(1)
    first_sight, short = sampler.sample(per_class)
    concurrent, short_concurrent = sampler.sample(concurrent_per_class)
    for cls, n in short_concurrent.items():
        short[cls] = short.get(cls, 0) + n
    return QuerySet(warmup, first_sight, concurrent, short)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the first-sight benchmark's queries from a generated archive")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-class", type=int, default=30)
    parser.add_argument("--concurrent-per-class", type=int, default=16)
    args = parser.parse_args(argv)
    queries = sample_queries(args.corpus, args.seed, args.per_class, args.concurrent_per_class)
    for name in ("warmup", "first_sight", "concurrent"):
        for q in getattr(queries, name):
            print(json.dumps({"set": name, "class": q.cls, **q.params}, ensure_ascii=False))
    if queries.short:
        print(f"too few new queries in this archive: {queries.short}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
