"""The French analyzers: defined once, used to index and to query.

Built the way Whoosh builds its own analyzers: a tokenizer and small filters
composed with ``|``. Two variants share the same first steps:

    FRENCH  "L'Énergétique de Loos-en-Gohelle" -> energet, loo, gohel
    EXACT   "L'Énergétique de Loos-en-Gohelle" -> l', energetique, de, loos, en, gohelle
            (+ the pairs "l' energetique", "energetique de" …, for quoted phrases)

Order matters and is deliberate:
1. tokenize words (hyphens and apostrophes are kept inside a token for now;
   an elision written with a space, "l' envers", "aujourd' hui", is one token),
2. lowercase,
3. split hyphenated compounds into their parts (same positions as separate
   words, so "Loos-en-Gohelle", "Loos-en--Gohelle" and "loos en gohelle" all
   give the same tokens),
4. elisions (l', qu', jusqu' …): FRENCH drops them, EXACT keeps the article
   as its own word ("l'", like a concordancer); "aujourd'hui" stays whole,
5. FRENCH only: drop stop words,
6. fold accents and ligatures with unidecode (œ -> oe); FRENCH then stems the
   folded word with a light French stemmer (light_stem below). Folding *before*
   stemming gives the same term whether or not the person typed the accents.
   A light stemmer, not Snowball: Snowball merges words a researcher wants
   apart ("pete" and "petit", "fautes" and "faut"); see docs/relevance-fr.md.

EXACT is for quoted phrases: every word kept, unstemmed, and each pair of
adjacent words also indexed as one term ("il y", "y avait" …), the way
Elasticsearch's ``index_phrases`` or Whoosh's BiWordFilter do, so a phrase is
looked up by its rare pairs instead of walking the positions of "il" and "y".
"""
from __future__ import annotations

import functools
import re

from unidecode import unidecode
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stopwords_for_language

ELISION_PREFIXES = ("l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu")
_ELIDED = "|".join(sorted(ELISION_PREFIXES, key=len, reverse=True))
_WORD = r"[^\W_]+(?:(?:['’]|-+)[^\W_]+)*"

# A word: letters/digits, optionally joined by apostrophes or hyphens
# ("aujourd'hui", "qu'aujourd'hui", "Loos-en--Gohelle", "CO₂"), or a dotted
# acronym such as "S.N.C.F." (kept as one token, dots removed below). Some
# corpora transcribe an elision with a space ("l' envers", "aujourd' hui"):
# the space is taken into the token, so both spellings give the same words.
TOKEN_PATTERN = re.compile(
    r"(?:[^\W_]\.){2,}"  # dotted acronym
    rf"|(?:(?:{_ELIDED})['’]\s+)?(?:aujourd['’]\s+hui|{_WORD})",
    re.UNICODE | re.IGNORECASE,
)
ELISION = re.compile(r"^(?:%s)['’]\s*" % _ELIDED)
_ELISION_BEFORE_SPACE = re.compile(rf"(?<![^\W_])((?:{_ELIDED}|aujourd)['’])\s+(?=[^\W_])", re.IGNORECASE)
_SPACED_APOSTROPHE = re.compile(r"['’]\s*")

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
                    # Positions are renumbered at the end of the chain (StopFilter,
                    # ConsecutivePositions); we only need increasing values here.
                    token.pos = base_pos + i
                if token.chars:
                    idx = text.index(part, search_from)
                    token.startchar = offset + idx
                    token.endchar = token.startchar + len(part)
                    search_from = idx + len(part)
                yield token


class ElisionFilter(Filter):
    """French elided articles and pronouns: l'usine -> usine, qu'il -> il.

    ``keep_article``: the elided word stays, as its own token ("l'", "usine"),
    for exact phrases. "aujourd'hui" is left whole: "aujourd" is not an elision.
    A space after the apostrophe is dropped ("aujourd' hui" -> "aujourd'hui").
    """

    def __init__(self, keep_article: bool = False):
        self.keep_article = keep_article

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if "'" not in text and "’" not in text:  # most words: no elision, no apostrophe to tidy
                if "." in text:
                    token.text = text.replace(".", "")
                if token.text:
                    yield token
                continue
            article, cut, word = elide(text)
            if article is not None:
                if self.keep_article:
                    token.text = article
                    if token.chars:
                        start, end = token.startchar, token.endchar
                        token.endchar = start + len(article)
                    yield token
                    if token.chars:
                        token.startchar, token.endchar = start, end
                if token.chars:
                    token.startchar += cut
            token.text = word
            if token.text:
                yield token


def elide(text: str) -> tuple[str | None, int, str]:
    """A word with an apostrophe: (its elided article ("l'", "qu'") or None, where the rest
    starts, the rest with a spaced apostrophe joined and dots removed)."""
    match = ELISION.match(text)
    if not match:
        return None, 0, _SPACED_APOSTROPHE.sub("'", text).replace(".", "")
    cut = match.end()
    return match.group().rstrip().replace("’", "'"), cut, _SPACED_APOSTROPHE.sub("'", text[cut:]).replace(".", "")


class ConsecutivePositions(Filter):
    """Numbers positions 0, 1, 2 … after filters that split tokens."""

    def __call__(self, tokens):
        for pos, token in enumerate(tokens):
            if token.positions:
                token.pos = pos
            yield token


# ------------------------------------------------------------------ light stemming

# Where the light stemmer still merges a frequent word of speech with another
# word: these forms get their own stem ("fautes" must not find "il faut").
STEM_EXCEPTIONS = {"faute": "faute", "fautes": "faute", "ans": "an", "salle": "salle", "salles": "salle"}


def _norm(w: str) -> str:
    """The last step of the light stemmer: doubled letters, -ie, a final -r and -e."""
    if len(w) > 4:
        w = re.sub(r"([^\W\d_])\1+", r"\1", w)
    if len(w) > 4 and w.endswith("ie"):
        w = w[:-2]
    if len(w) > 4:
        # Savoy drops a final r, e, e; dropping a feminine e first makes -ier and
        # -ière meet ("premier", "première" -> premi), as -eur and -euse do.
        for letter in "eree":
            if w.endswith(letter):
                w = w[:-1]
        if len(w) > 1 and w[-1] == w[-2] and w[-1].isalpha():
            w = w[:-1]
    return w


@functools.lru_cache(maxsize=200_000)
def light_stem(word: str) -> str:
    """The "light" French stemmer of Jacques Savoy (UniNE), the one Lucene and
    Elasticsearch use for French by default: plurals, feminine forms and a few
    derivational suffixes, nothing more. ``word``: lowercase, accents folded
    (so the rules on "ème", "ère", "ète" read "eme", "ere", "ete")."""
    if word in STEM_EXCEPTIONS:
        return STEM_EXCEPTIONS[word]
    w = word
    if len(w) > 5 and w.endswith("x"):  # chevaux -> cheval, bateaux -> bateau
        w = w[:-2] + "l" if w[-3:-1] == "au" and w[-4] != "e" else w[:-1]
    if len(w) > 3 and w[-1] in "xs":
        w = w[:-1]
    n = len(w)
    if n > 9 and w.endswith("issement"):
        return _norm(w[:-7] + "r")
    if n > 8 and w.endswith("issant"):
        return _norm(w[:-5] + "r")
    if n > 6 and w.endswith("ement"):
        w = w[:-4]
        if len(w) > 3 and w.endswith("ive"):
            w = w[:-2] + "f"
        return _norm(w)
    if n > 11 and w.endswith("ficatrice"):
        return _norm(w[:-7] + "er")
    if n > 10 and w.endswith("ficateur"):
        return _norm(w[:-6] + "er")
    if n > 9 and w.endswith("catrice"):
        return _norm(w[:-7] + "quer")
    if n > 8 and w.endswith("cateur"):
        return _norm(w[:-6] + "quer")
    if n > 8 and w.endswith("atrice"):
        return _norm(w[:-6] + "er")
    if n > 7 and w.endswith("ateur"):
        return _norm(w[:-5] + "er")
    if n > 6 and w.endswith("trice"):  # directrice -> directeur, then the -teur rule
        w = w[:-4] + "eur"
        n = len(w)
    if n > 5 and w.endswith("ieme"):
        return _norm(w[:-4])
    if n > 7 and w.endswith("teuse"):
        return _norm(w[:-3] + "r")
    if n > 6 and w.endswith("teur"):
        return _norm(w[:-2] + "r")
    if n > 5 and w.endswith("euse"):
        return _norm(w[:-2])
    if n > 8 and w.endswith("ere"):
        return _norm(w[:-1])
    if n > 7 and w.endswith("ive"):
        return _norm(w[:-2] + "f")
    if n > 4 and w.endswith(("folle", "molle")):
        return _norm(w[:-3] + "u")
    if n > 9 and w.endswith("nnelle"):
        return _norm(w[:-5])
    if n > 9 and w.endswith("nnel"):
        return _norm(w[:-3])
    if n > 4 and w.endswith("ete"):
        w = w[:-1]
        n = len(w)
    if n > 8 and w.endswith("ique"):
        w = w[:-4]
        n = len(w)
    if n > 8 and w.endswith("esse"):
        return _norm(w[:-3])
    if n > 7 and w.endswith("inage"):
        return _norm(w[:-3])
    if n > 9 and w.endswith("isation"):
        w = w[:-7]
        if len(w) > 5 and w.endswith("ual"):
            w = w[:-2] + "el"
        return _norm(w)
    if n > 9 and w.endswith("isateur"):
        return _norm(w[:-7])
    if n > 8 and w.endswith(("ation", "ition")):
        return _norm(w[:-5])
    return _norm(w)


@functools.lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lowercase, accents and ligatures folded (œ -> oe)."""
    return unidecode(word).lower()


@functools.lru_cache(maxsize=200_000)
def stem_and_fold(word: str) -> str:
    """Accents and ligatures folded, then the light French stem."""
    return light_stem(fold(word))


class StemFoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = stem_and_fold(token.text)
            yield token


class FoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


PAIR_SEPARATOR = " "


class WordPairFilter(Filter):
    """Each word, and each pair of adjacent words as one more term at the first
    word's position ("il", "il y", "y", "y avait" …): a phrase of n words is
    then n-1 pair terms at consecutive positions."""

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            word = token.text
            pos = token.pos if token.positions else None
            start = token.startchar if token.chars else None
            if previous is not None:
                token.text = previous[0] + PAIR_SEPARATOR + word
                if token.positions:
                    token.pos = previous[1]
                if token.chars:
                    token.startchar = previous[2]
                yield token
                token.text, token.pos, token.startchar = word, pos, start
            previous = (word, pos, start)
            yield token


def _pipeline(exact: bool):
    """The one French pipeline; ``exact`` keeps every word and does not stem."""
    shared = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CompoundSplitFilter() | ElisionFilter(keep_article=exact)
    if exact:
        return shared | FoldFilter() | ConsecutivePositions()
    return shared | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1) | StemFoldFilter()


def french_analyzer():
    """The analyzer of every searchable text field, at indexing and at query time."""
    return _pipeline(exact=False)


def exact_analyzer():
    """The analyzer of the exact fields (quoted phrases, prefixes): words and word pairs."""
    return _pipeline(exact=True) | WordPairFilter()


FRENCH = french_analyzer()
EXACT_WORDS = _pipeline(exact=True)
EXACT = exact_analyzer()


# ------------------------------------------------------------------ indexing a passage

# The index analyzes each passage twice (FRENCH for `text`, EXACT for `text_exact`), and
# both analyzers start with the same steps. index_terms() runs those steps once per text
# and derives both fields' terms and positions from their result, without Whoosh's token
# objects (a generator per filter per word): the same terms and positions as FRENCH and
# EXACT give (tests/test_analysis.py checks it on a generated archive and odd spellings).
# Queries and highlighting use the analyzers above.


def _words(text: str) -> list[tuple[str, int, bool]]:
    """The shared first steps: (word, position, is an elided article) for each word, after
    the tokenizer, lowercasing, compound splitting and elisions (articles kept): the
    positions are the tokenizer's, as the filters leave them before renumbering."""
    words = []
    append = words.append
    for pos, token in enumerate(TOKEN_PATTERN.findall(text)):
        token = token.lower()
        parts = [token] if "-" not in token else [p for p in token.split("-") if p]
        for i, part in enumerate(parts):
            if "'" not in part and "’" not in part:
                if "." in part:
                    part = part.replace(".", "")
                if part:
                    append((part, pos + i, False))
                continue
            article, _, word = elide(part)
            if article is not None:
                append((article, pos + i, True))
            if word:
                append((word, pos + i, False))
    return words


def _french_positions(words) -> dict[str, list[int]]:
    """FRENCH's terms: no articles, no stop words, stemmed; positions renumbered from the
    first word kept (as Whoosh's StopFilter does)."""
    terms: dict[str, list[int]] = {}
    pos = None
    for word, raw_pos, article in words:
        if article or word in FRENCH_STOP_WORDS:
            continue
        pos = raw_pos if pos is None else pos + 1
        term = stem_and_fold(word)
        positions = terms.get(term)
        if positions is None:
            terms[term] = [pos]
        else:
            positions.append(pos)
    return terms


def _exact_positions(words) -> dict[str, list[int]]:
    """EXACT's terms: every word folded, at positions 0, 1, 2 …, and each pair of adjacent words."""
    terms: dict[str, list[int]] = {}
    previous = None
    for pos, (word, _, _) in enumerate(words):
        word = fold(word)
        if previous is not None:
            pair = previous + PAIR_SEPARATOR + word
            positions = terms.get(pair)
            if positions is None:
                terms[pair] = [pos - 1]
            else:
                positions.append(pos - 1)
        positions = terms.get(word)
        if positions is None:
            terms[word] = [pos]
        else:
            positions.append(pos)
        previous = word
    return terms


# The last text's words: the writer asks for a passage's text, then for its exact field.
_last_words: tuple[str | None, list] = (None, [])


def index_terms(text: str, exact: bool) -> dict[str, list[int]]:
    """term -> positions, as EXACT (``exact``) or FRENCH analyze ``text`` for the index."""
    global _last_words
    last = _last_words  # one read and one write of a tuple: safe in threads too
    if last[0] != text:
        last = _last_words = (text, _words(text))
    terms = _exact_positions(last[1]) if exact else _french_positions(last[1])
    if isinstance(text, TextWithNames) and text.names:
        _add_name_terms(terms, text, exact)
    return terms


def vocabulary_words(text: str) -> list[str]:
    """The words of ``text`` as the exact fields hold them, lowercased but not yet folded
    (suggestions keep their accents), without elided articles and pairs: the corpus
    vocabulary (indexer/vocabulary.py) is built from the analyzer's own word splitting, so
    a prefix is expanded over the very words the exact field holds ("S.N.C.F." -> "sncf").
    Shares index_terms' cache: the index asks for a passage's words, then its fields' terms."""
    global _last_words
    last = _last_words
    if last[0] != text:
        last = _last_words = (text, _words(text))
    return [word for word, _, article in last[1] if not article]


class TextWithNames(str):
    """A passage's text as heard, with the known names speech recognition misspelled in it
    (``names``: [start, end, canonical name, heard, known spelling], indexer/names.py).
    index_terms adds each name's terms at the heard words' positions, as a synonym would
    be: the text is not changed, and "Prénom Nom", quoted or not, finds the passage."""

    names: list = []

    def __new__(cls, text: str, names: list = ()):  # names=(): as unpickled, names come back with __dict__
        value = super().__new__(cls, text)
        value.names = list(names)
        return value


def _add_name_terms(terms: dict[str, list[int]], text: str, exact: bool):
    """Each name's terms from the position of its first heard word on (FRENCH or EXACT
    numbering). In the exact field the name's first word is also paired with the word before
    the heard ones, and its last word with the word after them, so a quoted "dit Prénom Nom
    hier" finds "prénom nom" heard in three words."""
    for start, end, name, _, form in text.names:
        before = _words(text[:start])
        if exact:
            at = len(before)
        else:
            kept = [raw for word, raw, article in before if not article and word not in FRENCH_STOP_WORDS]
            at = kept[0] + len(kept) if kept else len(TOKEN_PATTERN.findall(text[:start]))
        after = _words(text[end:end + 200])
        for spelling in dict.fromkeys((name, form)):
            words = _words(spelling)
            spelled = _exact_positions(words) if exact else _french_positions(words)
            first = min((p[0] for p in spelled.values()), default=0)
            if exact and words and after:
                spelled.setdefault(fold(words[-1][0]) + PAIR_SEPARATOR + fold(after[0][0]), []).append(len(words) - 1)
            if exact and words and before:
                spelled.setdefault(fold(before[-1][0]) + PAIR_SEPARATOR + fold(words[0][0]), []).append(first - 1)
            for term, positions in spelled.items():
                merged = terms.setdefault(term, [])
                merged.extend(at + p - first for p in positions)
                terms[term] = sorted(set(merged))


def analyze(text: str) -> list[str]:
    """The terms the index holds for ``text``."""
    return [t.text for t in FRENCH(text)]


def exact_words(text: str) -> list[str]:
    """The words of ``text`` as the exact fields hold them (without the pairs)."""
    return [t.text for t in EXACT_WORDS(text)]


def join_spaced_elisions(text: str) -> str:
    """ "l' envers" -> "l'envers", "aujourd' hui" -> "aujourd'hui": for a query
    parser that splits words at spaces before analyzing them."""
    return _ELISION_BEFORE_SPACE.sub(r"\1", text)
