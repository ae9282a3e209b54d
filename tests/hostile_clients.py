"""Hostile inputs for the request-bound tests (tests/test_security.py, tests/test_load.py),
generated, never stored: a corpus whose passages all share a word and whose vocabulary
has a dozen invented words behind each of 100 two-letter prefixes, and the queries an
attacker sends to such a site (a hundred broad prefixes, a query cut into a dangling OR).

Everything is invented: the speakers, the words.
"""
from __future__ import annotations

import itertools
import random
from pathlib import Path

PREFIXES = [a + b for a, b in itertools.product("bcdfglmprstv", "aeiouy")][:100]
SYLLABLES = ["ra", "lo", "mi", "tu", "ve", "sa", "no", "ki", "pe", "du", "zo", "ri", "ga", "fe"]
COMMON_WORD = "tricotage"  # in every passage

CORPUS_YAML = """\
site: https://artoiscast.fr/
pages: []
recordings:
  bavardages:
    title: "Bavardages de la cité Quarouble"
    date: "2020"
    theme: Essais inventés
    kind: entretien
    transcript: transcripts/bavardages.vtt
    speakers:
      - {name: Albertine Quarouble, role: conteuse}
      - {name: Basile Fromentel, role: conteur}
"""


def invented_words(rng: random.Random, per_prefix: int = 12) -> list[str]:
    words = set()
    for prefix in PREFIXES:
        while sum(w.startswith(prefix) for w in words) < per_prefix:
            words.add(prefix + "".join(rng.choice(SYLLABLES) for _ in range(3)))
    return sorted(words)


def timestamp(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000"


def make_wide_corpus(root: Path, passages: int = 1200, seed: int = 14) -> Path:
    """``passages`` cues, alternating speakers (one passage each), each with COMMON_WORD
    and a few invented words: a corpus where one word matches everything."""
    rng = random.Random(seed)
    words = invented_words(rng)
    root.mkdir(parents=True, exist_ok=True)
    (root / "corpus.yaml").write_text(CORPUS_YAML, encoding="utf-8")
    (root / "transcripts").mkdir(exist_ok=True)
    lines = ["WEBVTT", ""]
    for n in range(passages):
        voice = ["Albertine Quarouble", "Basile Fromentel"][n % 2]
        said = " ".join(rng.sample(words, 6))
        lines += [f"{timestamp(4 * n)} --> {timestamp(4 * n + 4)}",
                  f"<v {voice}>Le {COMMON_WORD} {said}, disait-on.", ""]
    (root / "transcripts" / "bavardages.vtt").write_text("\n".join(lines), encoding="utf-8")
    return root


def hundred_prefixes() -> str:
    """A hundred broad prefixes: each stands for a dozen words of the wide corpus."""
    return " ".join(f"{p}*" for p in PREFIXES)


def query_cut_on_or(first_word: str, absent_word: str = "zzyxq", limit: int = 300) -> str:
    """A query longer than ``limit`` whose cut between words (the old rule) ends on « OR »."""
    for pad in range(12):
        q = f"{first_word} {absent_word}{'x' * pad}" + f" OR {absent_word}" * 80
        cut = q[:limit + 1].rsplit(" ", 1)[0]
        if cut.endswith(" OR"):
            return q
    raise AssertionError("no padding gives a dangling OR")
