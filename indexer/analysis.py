"""The French analyzer: defined once, used to index and to query.

Built the way Whoosh builds its own analyzers: a tokenizer and small filters
composed with ``|``.

    "L’Énergétique de Loos-en-Gohelle" -> energet, loo, gohell   (roughly)

Order matters and is deliberate:
1. tokenize words (hyphens and apostrophes are kept inside a token for now),
2. lowercase,
3. split hyphenated compounds into their parts (same positions as separate
   words, so "Loos-en-Gohelle", "Loos-en--Gohelle" and "loos en gohelle" all
   give the same tokens),
4. remove elisions (l', qu', jusqu' …) but keep "aujourd'hui" whole,
5. drop stop words,
6. fold accents and ligatures with unidecode (œ -> oe), and stem the folded word
   with the French Snowball stemmer. Folding *before* stemming is deliberate:
   stemming the accented word and folding after makes "énergétique" and
   "energetique" meet, but not "cybersécurité" (-> cybersecur) and
   "cybersecurite" (-> cybersecurit), because Snowball knows the suffix "ité"
   and not "ite". Stemming the folded word gives the same term whether or not
   the person typed the accents.
"""
from __future__ import annotations

import functools
import re

import Stemmer
from unidecode import unidecode
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stopwords_for_language

# A word: letters/digits, optionally joined by apostrophes or hyphens
# ("aujourd'hui", "qu'aujourd'hui", "Loos-en--Gohelle", "CO₂"), or a dotted
# acronym such as "S.N.C.F." (kept as one token, dots removed below).
TOKEN_PATTERN = re.compile(
    r"(?:[^\W_]\.){2,}"  # dotted acronym
    r"|[^\W_]+(?:(?:['’]|-+)[^\W_]+)*",
    re.UNICODE,
)

ELISION_PREFIXES = ("l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu")
ELISION = re.compile(r"^(?:%s)['’]" % "|".join(ELISION_PREFIXES))

# Whoosh's French list lacks "les" and a few very common words; "pas" is taken
# out so that "Pas-de-Calais" keeps its "pas".
_STOP = (set(stopwords_for_language("fr")) | {"les", "cette", "cet", "ces", "d", "l", "qu", "est", "au", "aux"}) - {"pas"}
# Stop words are removed before folding, so their accent-less spellings ("a" for
# "à", "ete" for "été") must be listed too, or "pompes a chaleur" keeps its "a".
FRENCH_STOP_WORDS = frozenset(_STOP | {unidecode(w) for w in _STOP})


class CompoundSplitFilter(Filter):
    """Splits "billy-berclau" into "billy", "berclau" at consecutive positions.

    Splitting (instead of keeping one token) is what lets a hyphenated name,
    the same name typed with spaces, and a mistyped "--" all match.
    Apostrophes stay inside the token for the elision filter.
    """

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if "-" not in text:
                yield token
                continue
            parts = [p for p in text.split("-") if p]
            if token.chars:
                offset = token.startchar
            base_pos = token.pos if token.positions else None
            search_from = 0
            for i, part in enumerate(parts):
                token.text = part
                if token.positions:
                    # The position is renumbered later by StopFilter; we only
                    # need consecutive values here.
                    token.pos = base_pos + i
                if token.chars:
                    idx = text.index(part, search_from)
                    token.startchar = offset + idx
                    token.endchar = token.startchar + len(part)
                    search_from = idx + len(part)
                yield token


class ElisionFilter(Filter):
    """Removes French elided articles and pronouns: l'usine -> usine, qu'il -> il.

    "aujourd'hui" is left whole: "aujourd" is not an elision.
    """

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            match = ELISION.match(text)
            if match:
                cut = match.end()
                token.text = text[cut:]
                if token.chars:
                    token.startchar += cut
            token.text = token.text.replace("’", "'").replace(".", "")
            if token.text:
                yield token


_stemmer = Stemmer.Stemmer("french")


@functools.lru_cache(maxsize=200_000)
def stem_and_fold(word: str) -> str:
    """Accents and ligatures folded (œ -> oe), then the French Snowball stem."""
    return _stemmer.stemWord(unidecode(word).lower())


@functools.lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    return unidecode(word).lower()


class StemFoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = stem_and_fold(token.text)
            yield token


def french_analyzer():
    """The analyzer of every searchable text field, at indexing and at query time."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CompoundSplitFilter()
        | ElisionFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1)
        | StemFoldFilter()
    )


FRENCH = french_analyzer()


def analyze(text: str) -> list[str]:
    """The terms the index holds for ``text``."""
    return [t.text for t in FRENCH(text)]
