"""The corpus' own words, unstemmed and folded: for prefix queries and "did you mean".

Collected while the index is written, from the analyzer's own word splitting (the
words of the exact fields, indexer/analysis.py vocabulary_words), folded once per
distinct word, and saved beside the index as vocabulary.json, instead of a Whoosh
field: a field would double the postings of every passage.
"""
from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from pathlib import Path
from typing import Optional

from whoosh.spelling import ListCorrector

from .analysis import fold, stem_and_fold, vocabulary_words

VOCABULARY_FILE = "vocabulary.json"
# Words as printed ("Gazonor", "L'Usine" -> "Usine"): suggestions show a word the way the corpus
# writes it, capitals included; the words themselves are the analyzer's (vocabulary_words).
WRITTEN = re.compile(r"[^\W_]+")


class VocabularyBuilder:
    def __init__(self):
        self.counts: Counter = Counter()

    def add(self, text: str):
        """The analyzer's words of ``text``, each counted under the forms it is printed in."""
        printed: dict[str, Counter] = {}
        for form in WRITTEN.findall(text):
            printed.setdefault(form.lower(), Counter())[form] += 1
        for word, count in Counter(vocabulary_words(text)).items():
            self.counts.update(printed.get(word) or {word: count})

    @classmethod
    def load(cls, directory: Path) -> "VocabularyBuilder":
        """The vocabulary of an existing generation, to add an update's words to.

        Words of replaced recordings are not subtracted: the counts only rank
        suggestions and prefix expansions, and the next full build resets them."""
        builder = cls()
        vocabulary = Vocabulary.load(directory)
        for word, count in vocabulary.counts.items():
            builder.counts[vocabulary.shown.get(word, word)] += count
        return builder

    def save(self, directory: Path):
        """{folded word: [count, the word as written]}: suggestions keep their accents, and the
        capitals of a name ("Gazonor"); a word the corpus also writes in lower case is shown so
        ("formation", though headings write "Formation" more often)."""
        folded: dict[str, list] = {}
        for word, count in self.counts.items():
            if len(word) < 2:
                continue
            entry = folded.setdefault(fold(word), [0, word, 0, None, 0])
            entry[0] += count
            if count > entry[2]:
                entry[1], entry[2] = word, count
            if word == word.lower() and count > entry[4]:
                entry[3], entry[4] = word, count
        data = {key: [count, lower or shown] for key, (count, shown, _, lower, _) in sorted(folded.items())}
        (Path(directory) / VOCABULARY_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


class _FrequencyCorrector(ListCorrector):
    """Whoosh's list corrector, ranking words at the same distance by frequency."""

    def __init__(self, words: list[str], counts: dict[str, int]):
        super().__init__(words)
        self.counts = counts

    def _suggestions(self, text, maxdist, prefix):
        for score, word in super()._suggestions(text, maxdist, prefix):
            yield score * 10**9 + self.counts.get(word, 0), word


class Vocabulary:
    def __init__(self, entries: dict[str, list]):
        self.counts = {word: int(count) for word, (count, _) in entries.items()}
        self.shown = {word: shown for word, (_, shown) in entries.items()}
        self.words = sorted(self.counts)
        self._corrector: Optional[_FrequencyCorrector] = None
        self._by_stem: Optional[dict[str, list[str]]] = None

    @classmethod
    def load(cls, directory: Path) -> "Vocabulary":
        try:
            return cls(json.loads((Path(directory) / VOCABULARY_FILE).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return cls({})

    def count(self, word: str) -> int:
        return self.counts.get(word, 0)

    def prefixed(self, prefix: str) -> list[tuple[int, str]]:
        """(count, word) of every word starting with ``prefix``, most frequent first."""
        start = bisect.bisect_left(self.words, prefix)
        found = []
        for word in self.words[start:]:
            if not word.startswith(prefix):
                break
            found.append((self.counts[word], word))
        found.sort(reverse=True)
        return found

    def inflections(self, word: str) -> list[str]:
        """The corpus words a word search for ``word`` (folded) also finds: those of the same
        light stem (plural, feminine: "pompe", "pompes"), most frequent first."""
        if self._by_stem is None:  # built on the first phrase searched, once per index generation
            by_stem: dict[str, list[str]] = {}
            for known in self.words:
                by_stem.setdefault(stem_and_fold(known), []).append(known)
            self._by_stem = by_stem
        return sorted(self._by_stem.get(stem_and_fold(word), ()), key=lambda w: -self.counts[w])

    def suggest(self, word: str) -> Optional[str]:
        if self._corrector is None:
            self._corrector = _FrequencyCorrector(self.words, self.counts)
        found = self._corrector.suggest(word, limit=1, maxdist=2, prefix=1)
        return self.shown.get(found[0], found[0]) if found and found[0] != word else None
