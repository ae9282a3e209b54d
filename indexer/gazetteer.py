"""Finding known names (places, organisations) in running text.

A name matches whatever the accents and hyphens ("Loos-en--Gohelle", "Loos en
Gohelle", "Lievin"), but stays case-sensitive so that the commune "Avion" is
not every "avion". Texts can be long (an hour of transcript): they are folded
with one str.translate (C speed), names are first looked up as whole words in
a set, and only the candidates are confirmed with a regular expression.
"""
from __future__ import annotations

import re

from unidecode import unidecode

# Latin letters with diacritics (and ligatures, typographic dashes and quotes) -> ASCII.
FOLD = str.maketrans({
    chr(c): unidecode(chr(c)) for c in list(range(0xC0, 0x250)) + [0x2019, 0x2018, 0x2013, 0x2014]
    if unidecode(chr(c)) and unidecode(chr(c)) != chr(c)
})
WORD = re.compile(r"[^\W_]+")
WORD_CHAR = re.compile(r"\w")


def fold_text(text: str) -> str:
    return text.translate(FOLD)


class Gazetteer:
    def __init__(self, entries: dict[str, list[str]]):
        """``entries``: canonical name -> other spellings."""
        self._entries: list[tuple[str, list[frozenset], re.Pattern]] = []
        for name, aliases in entries.items():
            forms = sorted({fold_text(f) for f in [name, *aliases] if f.strip()}, key=len, reverse=True)
            words = [frozenset(WORD.findall(f)) for f in forms]
            alternation = "|".join(r"[\s\-]+".join(re.escape(p) for p in re.split(r"[\s\-]+", f) if p)
                                   for f in forms)
            # Not after a word character either: checked on each match (_found), because the
            # regular expression engine finds a pattern that starts with a name much faster
            # than one that starts with a look-behind (an hour of transcript per recording).
            self._entries.append((name, words, re.compile(r"(?:%s)(?!\w)" % alternation)))

    def find(self, *texts: str) -> list[str]:
        """Canonical names found in any of the texts, in the gazetteer's order."""
        folded, present = _folded_words(texts)
        return [name for name, words, pattern in self._entries
                if any(w <= present for w in words) and _found(pattern, folded)]


# The last texts folded, and their words: places, then organisations, are looked for in
# the same texts (an hour of transcript).
_last_folded: tuple = ((), "", set())


def _folded_words(texts: tuple[str, ...]) -> tuple[str, set[str]]:
    global _last_folded
    last = _last_folded
    if last[0] != texts:
        folded = fold_text("\n".join(t for t in texts if t))
        last = _last_folded = (texts, folded, set(WORD.findall(folded)))
    return last[1], last[2]


def _found(pattern: re.Pattern, text: str) -> bool:
    """Whether ``pattern`` matches ``text`` somewhere not right after a word character:
    a match after one is tried again a character further on, as a look-behind would."""
    start = 0
    while True:
        match = pattern.search(text, start)
        if match is None:
            return False
        start = match.start()
        if start == 0 or not WORD_CHAR.match(text, start - 1):
            return True
        start += 1
